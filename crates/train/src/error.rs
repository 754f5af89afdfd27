//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong while loading data, building models or training.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
	/// A data file the loader needs is not on disk.
	#[error(
		"data file {path} is missing: run `scripts/fetch-data.sh` to install the data sets \
		 (or point DECENTRALML_DATA at a folder that holds them)"
	)]
	DataMissing {
		/// The file that was looked for.
		path: PathBuf,
	},
	/// Reading or writing a file failed.
	#[error("cannot read or write {path}: {source}")]
	Io {
		/// The file involved.
		path: PathBuf,
		/// The operating system's error.
		source: std::io::Error,
	},
	/// A data file exists but its contents are not in the expected layout.
	#[error("{what} is malformed: {reason}")]
	MalformedData {
		/// The file or record that is malformed.
		what: String,
		/// What is wrong with it.
		reason: String,
	},
	/// A model card is not valid JSON or names impossible sizes.
	#[error("model card {card}: {reason}")]
	InvalidCard {
		/// The card's name (or `<json>` when it could not be parsed).
		card: String,
		/// What is wrong with it.
		reason: String,
	},
	/// Local training settings are out of range.
	#[error("invalid local training setting `{setting}`: {reason}")]
	InvalidConfig {
		/// The setting's name.
		setting: &'static str,
		/// Why it is rejected.
		reason: String,
	},
	/// A partition cannot be made from the given data and clients.
	#[error("cannot partition {examples} examples among {clients} clients: {reason}")]
	Partition {
		/// Number of examples to split.
		examples: usize,
		/// Number of clients asked for.
		clients: usize,
		/// Why it is impossible.
		reason: String,
	},
	/// The model and the data set do not fit together (e.g. an LSTM fed images).
	#[error("model `{model}` cannot train on data set `{dataset}`: {reason}")]
	Incompatible {
		/// The model card's name.
		model: String,
		/// The data set's name.
		dataset: String,
		/// Why they do not fit.
		reason: String,
	},
	/// Parameters do not match the model they are loaded into.
	#[error("parameter `{name}`: {reason}")]
	ParameterMismatch {
		/// The parameter's stable name.
		name: String,
		/// What does not match.
		reason: String,
	},
	/// Safetensors encoding or decoding failed.
	#[error("safetensors {what}: {reason}")]
	Safetensors {
		/// Which blob or operation.
		what: String,
		/// The underlying reason.
		reason: String,
	},
	/// A step produced a non-finite loss, so training diverged.
	#[error("training diverged: the loss became {loss} at epoch {epoch}, step {step}")]
	Diverged {
		/// The offending loss value.
		loss: f32,
		/// Epoch (from 0) of the step.
		epoch: usize,
		/// Step within the epoch (from 0).
		step: usize,
	},
	/// The tensor backend reported a failure.
	#[error("tensor backend: {0}")]
	Backend(String),
}

impl TrainError {
	/// Wraps an I/O error with the path it concerns.
	pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
		TrainError::Io {
			path: path.into(),
			source,
		}
	}

	/// Builds a [`TrainError::MalformedData`].
	pub fn malformed(what: impl Into<String>, reason: impl Into<String>) -> Self {
		TrainError::MalformedData {
			what: what.into(),
			reason: reason.into(),
		}
	}
}

/// Result alias for this crate.
pub type Result<T, E = TrainError> = std::result::Result<T, E>;
