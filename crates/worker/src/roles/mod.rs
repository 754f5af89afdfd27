//! What each role does in a round. Every step first checks, from chain state, that the role
//! still owes the action, so a repeated or restarted step never acts twice.

mod aggregator;
pub(crate) mod trainer;
mod validator;

pub use trainer::train_locally;
