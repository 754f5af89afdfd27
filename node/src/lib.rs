//! # DecentralML
//!
//! One binary for every role in a DecentralML network, a thin layer over the library crates:
//! `decentralml node` runs the chain (Aura block production, GRANDPA finality) and
//! `decentralml simulate` runs federated training in one process (`decentralml-sim`).

pub mod chain;
pub mod cli;
