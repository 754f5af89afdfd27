//! One module per top-level command.

pub mod account;
pub mod licence;
pub mod model;
pub mod stake;
pub mod task;
pub mod vote;
