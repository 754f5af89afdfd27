//! # DecentralML workers
//!
//! The off-chain half of the training protocol (see `docs/src/protocol.md`): a [`Worker`]
//! follows one task's rounds on chain and plays one role in them.
//!
//! | Role | Each round it holds a seat in |
//! |---|---|
//! | trainer | fetches the global model (verified against its CID), trains on its private data, uploads the update encrypted to the round's validators and aggregator, submits the update's CID and example count |
//! | validator | scores every update on its held-out data ([`scoring`]), commits to the scores, reveals them, recomputes the aggregate bit for bit ([`aggregation`]) and attests its CID |
//! | aggregator | aggregates the accepted updates with the task's strategy, uploads the new model and submits its CID |
//!
//! A worker resumes from chain state and its [state file](state) after a crash or restart,
//! and keeps retrying while the node is unreachable. [`cli`] is `decentralml worker`;
//! [`attack`] holds the Byzantine behaviours the demo uses to show the protocol's defences.
#![warn(missing_docs)]
// Errors carry descriptive strings and the storage crate's large error; they are off the hot
// path.
#![allow(clippy::result_large_err)]

pub mod aggregation;
pub mod attack;
pub mod blobs;
pub mod chain;
pub mod cli;
pub mod data;
pub mod error;
pub mod publish;
mod roles;
pub mod scoring;
pub mod state;
pub mod weights;
mod worker;

pub use chain::{Chain, ClientChain};
pub use cli::{run, WorkerArgs};
pub use error::{Result, WorkerError};
pub use publish::{publish_model, PublishedModel};
pub use roles::train_locally;
pub use worker::{Progress, Worker, WorkerConfig, MAX_ATTEMPTS};
