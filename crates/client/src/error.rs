//! The one error type of the SDK, with pallet errors decoded from the runtime metadata.

use std::fmt;
use subxt::error::{DispatchError, TransactionEventsError};

/// A failed dispatch as the runtime reported it, named and explained from the metadata.
///
/// For a pallet error, `pallet` and `error` are the pallet's and the variant's names and
/// `docs` the variant's doc comment, e.g. `Training::NotSelectedTrainer: The caller is not a
/// selected trainer of this round.`. Other dispatch errors (bad origin, token and arithmetic
/// errors) have `pallet` set to `"DispatchError"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DispatchFailure {
	/// The pallet that returned the error, or `"DispatchError"` for errors of the runtime itself.
	pub pallet: String,
	/// The error's name, e.g. `NotSelectedTrainer` or `BadOrigin`.
	pub error: String,
	/// The error's documentation from the metadata (may be empty).
	pub docs: String,
}

impl fmt::Display for DispatchFailure {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		write!(f, "{}::{}", self.pallet, self.error)?;
		if !self.docs.is_empty() {
			write!(f, ": {}", self.docs)?;
		}
		Ok(())
	}
}

impl DispatchFailure {
	/// Whether this is `pallet::error`, e.g. `is("Training", "NotSelectedTrainer")`.
	pub fn is(&self, pallet: &str, error: &str) -> bool {
		self.pallet == pallet && self.error == error
	}

	/// Names and explains a dispatch error with the metadata it was decoded with.
	pub(crate) fn from_dispatch_error(error: &DispatchError) -> Self {
		match error {
			DispatchError::Module(module) => match module.details() {
				Ok(details) => Self {
					pallet: details.pallet.name().to_string(),
					error: details.variant.name.clone(),
					docs: join_docs(&details.variant.docs),
				},
				Err(_) => Self {
					pallet: format!("pallet #{}", module.pallet_index()),
					error: format!("error #{}", module.error_index()),
					docs: "the pallet or error is missing from the metadata; is the client's \
					       metadata older than the runtime?"
						.into(),
				},
			},
			other => {
				let debug = format!("{other:?}");
				// `Token(FundsUnavailable)` → `Token::FundsUnavailable`.
				let name = debug.replace('(', "::").replace(')', "");
				Self {
					pallet: "DispatchError".into(),
					error: name,
					docs: other.to_string(),
				}
			}
		}
	}
}

/// Joins doc lines the way rustdoc would show them in one paragraph.
fn join_docs(lines: &[String]) -> String {
	lines
		.iter()
		.map(|line| line.trim())
		.filter(|line| !line.is_empty())
		.collect::<Vec<_>>()
		.join(" ")
}

/// Everything that can go wrong when using the SDK.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
	/// The runtime rejected the call when it was dispatched: a pallet error or another
	/// dispatch error, named and explained from the metadata.
	#[error("{call} failed: {failure}")]
	Dispatch {
		/// The call, e.g. `Training.submit_update`.
		call: String,
		/// What the runtime reported.
		failure: DispatchFailure,
	},

	/// The node refused the transaction before it reached a block (invalid, dropped, or a
	/// pool error such as a stale nonce or too low a balance for the fee).
	#[error("the node rejected {call}: {reason}")]
	Rejected {
		/// The call.
		call: String,
		/// The node's reason.
		reason: String,
	},

	/// The connection to the node was lost. The client reconnects by itself in the
	/// background; retry the action after a pause.
	#[error("the connection to the node was lost while {action}; it reconnects by itself, retry")]
	ConnectionLost {
		/// What the client was doing.
		action: String,
	},

	/// Connecting to the node failed.
	#[error("cannot connect to the node at {url}: {reason}")]
	Connect {
		/// The RPC URL.
		url: String,
		/// Why.
		reason: String,
	},

	/// An RPC request, a storage read or decoding failed.
	#[error("{action} failed: {source}")]
	Subxt {
		/// What the client was doing.
		action: String,
		/// The underlying error.
		#[source]
		source: Box<subxt::Error>,
	},

	/// A call that needs a signer was made on a client without one.
	#[error("{action} needs a signing account: build the client with `with_signer`")]
	NoSigner {
		/// The action attempted.
		action: String,
	},

	/// A call succeeded but did not emit the event the SDK reads its result from.
	#[error("{call} succeeded but emitted no {event} event")]
	MissingEvent {
		/// The call.
		call: String,
		/// The expected event, e.g. `Training.TaskProposed`.
		event: String,
	},

	/// Something queried does not exist on chain.
	#[error("{what} does not exist on chain")]
	NotFound {
		/// What was looked for, e.g. `task 7`.
		what: String,
	},

	/// A secret URI (dev seed, mnemonic, derivation path) could not be used.
	#[error("invalid secret URI: {reason}")]
	InvalidSuri {
		/// Why (never contains the secret).
		reason: String,
	},

	/// A keystore file could not be read, parsed or written.
	#[error("keystore file {path}: {reason}")]
	Keystore {
		/// The file.
		path: String,
		/// Why.
		reason: String,
	},

	/// A keystore file is readable or writable by other users, so its secret may be known.
	#[error(
		"keystore file {path} is accessible to other users (mode {mode:o}); restrict it with \
		 `chmod 600 {path}`"
	)]
	KeystorePermissions {
		/// The file.
		path: String,
		/// Its permission bits.
		mode: u32,
	},

	/// An argument is out of range or malformed.
	#[error("invalid {what}: {reason}")]
	InvalidInput {
		/// Which argument.
		what: String,
		/// Why.
		reason: String,
	},
}

impl ClientError {
	/// The decoded dispatch failure, if the runtime rejected the call.
	pub fn dispatch_failure(&self) -> Option<&DispatchFailure> {
		match self {
			ClientError::Dispatch { failure, .. } => Some(failure),
			_ => None,
		}
	}

	/// Whether the runtime rejected the call with `pallet::error`.
	pub fn is_pallet_error(&self, pallet: &str, error: &str) -> bool {
		self.dispatch_failure()
			.is_some_and(|failure| failure.is(pallet, error))
	}

	/// Whether the error came from a lost connection: retrying later can succeed.
	pub fn is_connection_lost(&self) -> bool {
		matches!(self, ClientError::ConnectionLost { .. })
	}

	/// Wraps a subxt error met while doing `action`, recognising a lost connection.
	pub(crate) fn subxt(action: impl Into<String>, error: impl Into<subxt::Error>) -> Self {
		let error = error.into();
		let action = action.into();
		let raw_rpc_disconnect = matches!(
			error,
			subxt::Error::OtherRpcClientError(subxt::rpcs::Error::DisconnectedWillReconnect(_))
		);
		if raw_rpc_disconnect || error.is_disconnected_will_reconnect() {
			return ClientError::ConnectionLost { action };
		}
		ClientError::Subxt {
			action,
			source: Box::new(error),
		}
	}

	/// Turns the error of waiting for a transaction's events into a decoded dispatch failure
	/// where there is one.
	pub(crate) fn from_events(call: &str, error: TransactionEventsError) -> Self {
		match error {
			TransactionEventsError::ExtrinsicFailed(dispatch) => ClientError::Dispatch {
				call: call.to_string(),
				failure: DispatchFailure::from_dispatch_error(&dispatch),
			},
			other => ClientError::subxt(format!("reading the events of {call}"), other),
		}
	}

	/// An invalid argument.
	pub(crate) fn invalid(what: impl Into<String>, reason: impl Into<String>) -> Self {
		ClientError::InvalidInput {
			what: what.into(),
			reason: reason.into(),
		}
	}

	/// Something absent from chain state.
	pub(crate) fn not_found(what: impl Into<String>) -> Self {
		ClientError::NotFound { what: what.into() }
	}
}

/// The SDK's result type.
pub type Result<T, E = ClientError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn dispatch_failure_reads_like_the_pallet_docs() {
		let failure = DispatchFailure {
			pallet: "Training".into(),
			error: "NotSelectedTrainer".into(),
			docs: "The caller is not a selected trainer of this round.".into(),
		};
		assert_eq!(
			failure.to_string(),
			"Training::NotSelectedTrainer: The caller is not a selected trainer of this round."
		);
		let error = ClientError::Dispatch {
			call: "Training.submit_update".into(),
			failure,
		};
		assert!(error.is_pallet_error("Training", "NotSelectedTrainer"));
		assert!(!error.is_pallet_error("Training", "NotActive"));
		assert!(error
			.to_string()
			.starts_with("Training.submit_update failed: Training::"));
	}

	#[test]
	fn docs_lines_join_into_one_paragraph() {
		let lines = vec![
			" The pool deposit, less the asset's minimum balance (kept to keep the pool account"
				.into(),
			" alive), does not cover one round's budget.".into(),
		];
		assert_eq!(
			join_docs(&lines),
			"The pool deposit, less the asset's minimum balance (kept to keep the pool account \
			 alive), does not cover one round's budget."
		);
	}

	#[test]
	fn runtime_dispatch_errors_are_named() {
		let failure = DispatchFailure::from_dispatch_error(&DispatchError::BadOrigin);
		assert_eq!(failure.pallet, "DispatchError");
		assert_eq!(failure.error, "BadOrigin");
		let token = DispatchFailure::from_dispatch_error(&DispatchError::Token(
			subxt::error::TokenError::FundsUnavailable,
		));
		assert_eq!(token.error, "Token::FundsUnavailable");
	}

	#[test]
	fn keystore_permission_error_names_the_fix() {
		let error = ClientError::KeystorePermissions {
			path: "/tmp/key.json".into(),
			mode: 0o644,
		};
		let text = error.to_string();
		assert!(text.contains("mode 644"), "{text}");
		assert!(text.contains("chmod 600 /tmp/key.json"), "{text}");
	}
}
