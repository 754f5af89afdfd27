//! Configuration of every pallet in the runtime, grouped by concern.

mod assets;
mod consensus;
mod monetary;
mod protocol;
mod system;

pub use consensus::*;
pub use monetary::*;
pub use protocol::*;
pub use system::*;
