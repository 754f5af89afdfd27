//! Every user action as an async method on [`crate::Client`]: each signs with the client's
//! signer, submits, waits for inclusion (in a finalized block unless the client was built
//! with [`crate::WaitFor::BestBlock`]) and returns the data of the event it caused.

mod economy;
mod governance;
mod training;

pub use governance::{GovernanceCall, Motion, MotionOutcome, ReferendumVote, Track};
