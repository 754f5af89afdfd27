//! The worker's errors: each names what it was doing and the offending item.

use std::path::PathBuf;

/// The result type of this crate.
pub type Result<T, E = WorkerError> = std::result::Result<T, E>;

/// Why a worker step failed.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
	/// Local training or evaluation failed.
	#[error("{what} failed: {source}")]
	Training {
		/// What was being done.
		what: String,
		/// The training crate's error.
		#[source]
		source: decentralml_train::TrainError,
	},
	/// A model or update could not be decoded, or does not fit the task's model.
	#[error("{what} is not a valid model: {source}")]
	Model {
		/// Which model.
		what: String,
		/// The training crate's error.
		#[source]
		source: decentralml_train::TrainError,
	},
	/// The aggregation library refused the round.
	#[error("aggregating {what} failed: {source}")]
	Aggregation {
		/// Which round.
		what: String,
		/// The FL library's error.
		#[source]
		source: decentralml_fl::FlError,
	},
	/// The task's aggregation configuration cannot be run by workers.
	#[error("task {task}'s aggregation configuration is not supported: {reason}")]
	UnsupportedAggregation {
		/// The task.
		task: u32,
		/// Why.
		reason: String,
	},
	/// Content storage failed.
	#[error("storage: {what}: {source}")]
	Storage {
		/// What was being stored or fetched.
		what: String,
		/// The storage crate's error.
		#[source]
		source: decentralml_storage::Error,
	},
	/// A CID read from the chain is not a valid CIDv1.
	#[error("the {what} CID on chain is malformed ({len} bytes): {reason}")]
	BadCid {
		/// Which CID.
		what: String,
		/// Its length in bytes.
		len: usize,
		/// What is wrong.
		reason: String,
	},
	/// The model card is not valid JSON of a model card.
	#[error("the model card {cid} is invalid: {reason}")]
	BadModelCard {
		/// Its CID.
		cid: String,
		/// What is wrong.
		reason: String,
	},
	/// The state file could not be read or written.
	#[error("state file {path}: {reason}")]
	StateFile {
		/// The file.
		path: PathBuf,
		/// What went wrong.
		reason: String,
	},
	/// The keys could not be loaded.
	#[error("keys: {0}")]
	Keys(String),
	/// The worker's data does not fit the task or its own options.
	#[error("data: {0}")]
	Data(String),
	/// A chain query or transaction failed.
	#[error("chain: {what}: {message}")]
	Chain {
		/// What was being done.
		what: String,
		/// The client's message (for dispatch errors, `Pallet::Error: doc`).
		message: String,
		/// Whether retrying later may succeed (the connection dropped, a timeout).
		transient: bool,
	},
	/// The chain says the worker's account is not registered in the task with its role.
	#[error("account {account} is not a {role} of task {task}; join the task first")]
	NotParticipant {
		/// The account, in hex.
		account: String,
		/// The role the worker plays.
		role: String,
		/// The task.
		task: u32,
	},
	/// Something the worker must have remembered is not in its state file (it was deleted or
	/// replaced since), so a step of the round cannot be completed.
	#[error("{0}")]
	MissingState(String),
	/// A blocking job (training, scoring, aggregation) panicked or was cancelled.
	#[error("background job {what} did not finish: {reason}")]
	Job {
		/// Which job.
		what: String,
		/// Why.
		reason: String,
	},
}

impl WorkerError {
	/// Whether the worker should retry after a pause rather than give up.
	pub fn is_transient(&self) -> bool {
		match self {
			WorkerError::Chain { transient, .. } => *transient,
			// A store may be briefly unreachable (IPFS, S3); a blob not yet visible may appear.
			WorkerError::Storage { .. } => true,
			_ => false,
		}
	}
}
