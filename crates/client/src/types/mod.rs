//! Plain Rust types for what users of the SDK read and write: identifiers, ratios, assets,
//! CIDs, tasks, rounds and balances. They hide the generated metadata types (which live in
//! [`crate::runtime`]) and serialise to JSON for scripts.

mod economy;
mod primitives;
mod round;
mod task;

pub use economy::*;
pub use primitives::*;
pub use round::*;
pub use task::*;
