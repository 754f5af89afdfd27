//! The one error type of the crate.

use cid::Cid;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while storing, fetching, caching or decrypting a blob.
///
/// Each variant names the offending blob, backend, path or URI so that a log line alone says
/// what failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
	/// The backend holds no blob under this CID.
	#[error("blob {cid} not found in the {backend} store")]
	NotFound {
		/// Backend that was asked.
		backend: &'static str,
		/// CID that was looked up.
		cid: Cid,
	},
	/// The bytes a backend returned hash to another CID than the one asked for. The data must
	/// not be used.
	#[error("blob {expected} is corrupt or was tampered with: its bytes hash to {actual}")]
	Tampered {
		/// CID that was asked for.
		expected: Cid,
		/// CID of the bytes actually received.
		actual: Cid,
	},
	/// A remote node computed another CID for uploaded bytes than this crate did, which means it
	/// does not use the pinned CID profile.
	#[error("the {backend} backend stored the blob as {reported}, but its CID is {computed}")]
	CidMismatch {
		/// Backend that answered.
		backend: &'static str,
		/// CID computed locally with the pinned profile.
		computed: Cid,
		/// CID the backend reported.
		reported: String,
	},
	/// The backend cannot perform this operation at all (e.g. deleting from IPFS).
	#[error("the {backend} backend does not support {operation}")]
	Unsupported {
		/// Backend that was asked.
		backend: &'static str,
		/// Operation that is not available.
		operation: &'static str,
	},
	/// The CID is not one this crate's profile can produce (CIDv1, sha2-256, raw or dag-pb).
	#[error("CID {cid} cannot be verified: {reason}")]
	UnsupportedCid {
		/// The CID (as text).
		cid: String,
		/// Why it is not supported.
		reason: &'static str,
	},
	/// Text that should be a CID is not one.
	#[error("invalid CID {input:?}: {reason}")]
	InvalidCid {
		/// The text that failed to parse.
		input: String,
		/// What the parser said.
		reason: String,
	},
	/// A storage URI or configuration is malformed or names an unknown or disabled backend.
	#[error("invalid storage URI {uri:?}: {reason}")]
	InvalidUri {
		/// The URI as given (credentials are never part of URIs).
		uri: String,
		/// What is wrong with it.
		reason: String,
	},
	/// A local file operation failed.
	#[error("{operation} {path}: {source}")]
	Io {
		/// What was being done, e.g. "writing".
		operation: &'static str,
		/// File or directory involved.
		path: String,
		/// The underlying error.
		#[source]
		source: std::io::Error,
	},
	/// Reading the caller's data source failed during a put.
	#[error("reading the blob to store failed: {0}")]
	Source(#[source] std::io::Error),
	/// A remote backend failed (connection lost, HTTP error, server-side error...).
	#[error("{backend} backend failed while {operation}: {message}")]
	Backend {
		/// Backend that failed.
		backend: &'static str,
		/// What was being done, e.g. "uploading".
		operation: &'static str,
		/// The server's or client's message.
		message: String,
	},
	/// An encrypted envelope is malformed or of an unknown version.
	#[error("malformed envelope: {0}")]
	MalformedEnvelope(String),
	/// The envelope has no wrapped key for this recipient's public key.
	#[error("the envelope holds no key for recipient {recipient}")]
	NotARecipient {
		/// Hex of the recipient's X25519 public key.
		recipient: String,
	},
	/// Authenticated decryption failed: wrong key or modified ciphertext.
	#[error("decryption failed at {location}: wrong key or the ciphertext was modified")]
	Decryption {
		/// Which part failed, e.g. "chunk 3" or "key wrap".
		location: String,
	},
	/// A recipient's public key is a low-order point that would yield a known shared secret.
	#[error("recipient public key {recipient} is invalid (low-order point)")]
	InvalidRecipient {
		/// Hex of the rejected public key.
		recipient: String,
	},
}

impl Error {
	/// Builds an [`Error::Io`] for `path`.
	pub fn io(
		operation: &'static str,
		path: impl AsRef<std::path::Path>,
		source: std::io::Error,
	) -> Self {
		Error::Io {
			operation,
			path: path.as_ref().display().to_string(),
			source,
		}
	}

	/// Builds an [`Error::Backend`].
	pub fn backend(backend: &'static str, operation: &'static str, message: impl ToString) -> Self {
		Error::Backend {
			backend,
			operation,
			message: message.to_string(),
		}
	}
}
