//! Errors of model IO, validation and aggregation.

use crate::update::ParticipantId;
use decentralml_primitives::ConfigError;
use std::path::PathBuf;

/// Result alias for this crate's model and aggregation functions.
pub type Result<T, E = FlError> = std::result::Result<T, E>;

/// What went wrong while reading, validating or aggregating model parameters. Every variant
/// names the offending file, participant and/or tensor.
#[derive(Debug, thiserror::Error)]
pub enum FlError {
	/// The bytes are not a valid safetensors file.
	#[error("{source_name}: invalid safetensors data: {reason}")]
	Safetensors {
		/// Where the bytes came from (file path or caller-provided label).
		source_name: String,
		/// The parser's message.
		reason: String,
	},
	/// Reading or mapping a file failed.
	#[error("{path}: {source}")]
	Io {
		/// The file.
		path: PathBuf,
		/// The underlying error.
		source: std::io::Error,
	},
	/// A tensor's element type is not one the library computes with.
	#[error("{source_name}: tensor `{tensor}` has dtype {dtype}; expected F32, F16 or BF16")]
	UnsupportedDtype {
		/// Where the tensor came from.
		source_name: String,
		/// The tensor.
		tensor: String,
		/// Its dtype as safetensors names it.
		dtype: String,
	},
	/// A size limit was exceeded.
	#[error("{source_name}: {what} is {actual}, above the limit of {limit}")]
	LimitExceeded {
		/// Where the data came from.
		source_name: String,
		/// Which quantity (for example "tensor `w` element count").
		what: String,
		/// The offending value.
		actual: u64,
		/// The limit.
		limit: u64,
	},
	/// An update lacks a tensor of the global model.
	#[error("participant {participant}: tensor `{tensor}` of the global model is missing")]
	MissingTensor {
		/// The participant.
		participant: ParticipantId,
		/// The missing tensor.
		tensor: String,
	},
	/// An update has a tensor the global model does not have.
	#[error("participant {participant}: tensor `{tensor}` is not in the global model")]
	UnexpectedTensor {
		/// The participant.
		participant: ParticipantId,
		/// The extra tensor.
		tensor: String,
	},
	/// An update's tensor has another shape than the global one.
	#[error(
		"participant {participant}: tensor `{tensor}` has shape {found:?}, expected {expected:?}"
	)]
	ShapeMismatch {
		/// The participant.
		participant: ParticipantId,
		/// The tensor.
		tensor: String,
		/// The global model's shape.
		expected: Vec<usize>,
		/// The update's shape.
		found: Vec<usize>,
	},
	/// An update's tensor has another element type than the global one.
	#[error("participant {participant}: tensor `{tensor}` has dtype {found}, expected {expected}")]
	DtypeMismatch {
		/// The participant.
		participant: ParticipantId,
		/// The tensor.
		tensor: String,
		/// The global model's dtype.
		expected: String,
		/// The update's dtype.
		found: String,
	},
	/// A value is NaN or infinite.
	#[error("{origin}: tensor `{tensor}` element {index} is {value}, not finite")]
	NonFinite {
		/// Whose tensor: "participant 7", "global model" or "strategy state".
		origin: String,
		/// The tensor.
		tensor: String,
		/// Flat index of the element.
		index: usize,
		/// The value.
		value: f32,
	},
	/// The same participant submitted twice.
	#[error("participant {participant} submitted more than one update")]
	DuplicateParticipant {
		/// The participant.
		participant: ParticipantId,
	},
	/// A participant reported zero training examples, so it has no weight.
	#[error("participant {participant} reports zero training examples")]
	ZeroExamples {
		/// The participant.
		participant: ParticipantId,
	},
	/// The strategy needs more updates than the round has.
	#[error("{strategy} needs at least {needed} updates, got {got}")]
	TooFewUpdates {
		/// The strategy's name.
		strategy: &'static str,
		/// The minimum.
		needed: usize,
		/// The number supplied.
		got: usize,
	},
	/// The aggregation configuration is invalid.
	#[error("invalid aggregation configuration: {0}")]
	Config(#[from] ConfigError),
	/// The strategy state file does not match the model or the strategy.
	#[error("strategy state: tensor `{tensor}`: {reason}")]
	State {
		/// The offending state tensor.
		tensor: String,
		/// What is wrong with it.
		reason: String,
	},
	/// Central differential privacy is configured but no noise seed was given.
	#[error("central differential privacy is configured but no noise seed was supplied")]
	MissingNoiseSeed,
	/// A numeric argument is out of range.
	#[error("invalid argument `{name}`: {reason}")]
	InvalidArgument {
		/// The argument.
		name: &'static str,
		/// Why it is invalid.
		reason: String,
	},
	/// Writing a safetensors file failed.
	#[error("serialising `{what}` failed: {reason}")]
	Serialize {
		/// What was being written.
		what: String,
		/// The serialiser's message.
		reason: String,
	},
}
