//! The chain node: CLI, chain specifications, service assembly and RPC.

pub mod chain_spec;
pub mod cli;
pub mod command;
pub mod rpc;
pub mod service;
