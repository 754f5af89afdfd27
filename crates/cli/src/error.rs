//! The command line's error type.

use decentralml_client::ClientError;

/// Everything a command can fail with; each message names the file, task or argument at fault.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
	/// The chain or the SDK reported an error (pallet errors are decoded).
	#[error(transparent)]
	Client(#[from] ClientError),

	/// Storage failed or a blob did not match its CID.
	#[error("storage: {0}")]
	Storage(#[from] decentralml_storage::Error),

	/// A task file could not be read or parsed.
	#[error("task file {path}: {reason}")]
	TaskFile {
		/// The file.
		path: String,
		/// What is wrong with it.
		reason: String,
	},

	/// A model card file is not a valid card.
	#[error("model card {path}: {reason}")]
	ModelCard {
		/// The file.
		path: String,
		/// What is wrong with it.
		reason: String,
	},

	/// A model file could not be decoded or does not fit its card.
	#[error("model {path}: {reason}")]
	Model {
		/// The file.
		path: String,
		/// What is wrong with it.
		reason: String,
	},

	/// Initialising or storing a model, or loading local data, failed.
	#[error(transparent)]
	Worker(#[from] decentralml_worker::WorkerError),

	/// An argument is missing or conflicts with another.
	#[error("{0}")]
	Usage(String),

	/// Reading or writing a local file failed.
	#[error("{action} {path}")]
	Io {
		/// What was being done.
		action: &'static str,
		/// The file.
		path: String,
		/// The error.
		#[source]
		source: std::io::Error,
	},

	/// Writing the command's output failed (e.g. a closed pipe).
	#[error("writing the output: {0}")]
	Output(#[from] std::io::Error),

	/// Encoding JSON output failed.
	#[error("encoding JSON output: {0}")]
	Json(#[from] serde_json::Error),
}

/// The command line's result type.
pub type Result<T, E = CliError> = std::result::Result<T, E>;
