//! # DecentralML client SDK
//!
//! Typed access to a DecentralML chain over its WebSocket RPC: every user action as an async
//! method (tasks, joining, updates, scores, aggregates, staking, governance votes, licences),
//! queries of task and round state, and a stream of the protocol's events. Pallet errors come
//! back decoded: `Training::NotSelectedTrainer: The caller is not a selected trainer of this
//! round.`
//!
//! The typed API is generated at compile time from `metadata/decentralml.scale` (see
//! [`runtime`]); the SDK's own plain types ([`TaskSpec`], [`RoundView`], [`Phase`], [`Role`]…)
//! hide the generated ones.
//!
//! ```no_run
//! use decentralml_client::{Client, Role, Signer, TaskSpec, Jurisdiction};
//! # async fn demo(spec: TaskSpec) -> Result<(), decentralml_client::ClientError> {
//! let client = Client::connect("ws://127.0.0.1:9944").await?;
//!
//! // Alice proposes a task; the council (Alice and Bob of three members) approves it.
//! let alice = client.clone().with_signer(Signer::from_suri("//Alice")?);
//! let task = alice.propose_task(&spec).await?;
//! let council = [Signer::from_suri("//Alice")?, Signer::from_suri("//Bob")?];
//! client.approve_task_by_council(task, &council).await?;
//!
//! // Dave joins as a trainer and waits for a round.
//! let dave = client.clone().with_signer(Signer::from_suri("//Dave")?);
//! let bond = spec.min_bonds.trainer;
//! dave.join(task, Role::Trainer, bond, "DE".parse::<Jurisdiction>()?, [7; 32]).await?;
//! if let Some(round) = dave.round(task).await? {
//!     println!("round {} is in its {} phase", round.index, round.phase);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! ## Modules
//!
//! - [`Client`] (connection, signer, [`Client::submit`]) and [`Signer`] (secret URIs and
//!   keystore files);
//! - the calls ([`GovernanceCall`] for what only governance may do, with council motions,
//!   referenda and sudo);
//! - the queries, at the latest finalized block;
//! - [`score_commitment`], byte-identical to the pallet's;
//! - [`Client::subscribe_protocol_events`];
//! - [`ClientError`], with [`DispatchFailure`] naming pallet errors.
#![warn(missing_docs)]
// `ClientError` carries a boxed subxt error; the remaining variants are small strings.
#![allow(clippy::result_large_err)]

mod calls;
mod client;
mod commitment;
mod convert;
mod error;
mod events;
mod nonce;
mod queries;
mod signer;
pub mod types;

pub use calls::{GovernanceCall, Motion, MotionOutcome, ReferendumVote, Track};
pub use client::{ChainConfig, Client, ConnectOptions, Receipt, WaitFor, DEFAULT_RPC_URL};
pub use commitment::{random_salt, score_commitment, Salt};
pub use error::{ClientError, DispatchFailure, Result};
pub use events::{ProtocolEvent, ProtocolEventKind};
pub use queries::ChainHead;
pub use signer::Signer;
pub use types::*;

/// The typed API generated at compile time from `metadata/decentralml.scale`.
///
/// Everything the SDK does goes through this module; it is public for what the SDK does not
/// wrap (`runtime::transactions()`, `runtime::storage()`, `runtime::constants()`, the event
/// and error types). Regenerating the metadata file (`scripts/update-metadata.sh`)
/// regenerates this API on the next build.
///
/// Three substitutions keep the generated types close to the SDK's: bounded vectors are plain
/// `Vec`s (same encoding), `Perbill` is [`Perbill`] and the aggregation configuration is
/// `decentralml_primitives::AggregationConfig` itself (in `subxt::utils::Static`).
#[allow(missing_docs, clippy::all, rustdoc::all)]
#[subxt::subxt(
	runtime_metadata_path = "../../metadata/decentralml.scale",
	derive_for_all_types = "Clone",
	substitute_type(
		path = "bounded_collections::bounded_vec::BoundedVec<T>",
		with = "::subxt::alloc::vec::Vec<T>"
	),
	substitute_type(
		path = "sp_arithmetic::per_things::Perbill",
		with = "crate::types::Perbill"
	),
	substitute_type(
		path = "decentralml_primitives::aggregation::AggregationConfig",
		with = "::subxt::utils::Static<::decentralml_primitives::AggregationConfig>"
	)
)]
pub mod runtime {}
