//! Configuration of every pallet in the runtime, grouped by concern.

mod assets;
mod consensus;
mod monetary;
mod system;

pub use consensus::*;
pub use monetary::*;
pub use system::*;
