//! # DecentralML
//!
//! One binary for every role in a DecentralML network. `decentralml node` runs the chain
//! (Aura block production, GRANDPA finality); later subcommands add the simulator, the
//! worker roles and the user CLI on top of the library crates.

pub mod chain;
pub mod cli;
