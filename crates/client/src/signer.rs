//! Signing accounts: from a secret URI (dev seed, mnemonic, derivation path) or a keystore file.
//!
//! A keystore file is a small JSON document holding a secret URI:
//!
//! ```json
//! { "suri": "bottom drive obey lake curtain smoke basket hold race lonely fit walk//trainer/0" }
//! ```
//!
//! It must be readable by its owner only (mode `600`): [`Signer::from_keystore_file`] refuses
//! files that other users can read or write, as `ssh` does with private keys.

use crate::{error::ClientError, types::AccountId};
use serde::{Deserialize, Serialize};
use std::{fmt, path::Path, str::FromStr};
use subxt_signer::{bip39::Mnemonic, sr25519::Keypair, SecretUri};
use zeroize::Zeroizing;

/// An sr25519 account that signs transactions.
///
/// Cloning is cheap enough to give each task or worker its own copy. `Debug` shows the account
/// only, never the secret.
#[derive(Clone)]
pub struct Signer {
	keypair: Keypair,
	account: AccountId,
}

/// What a keystore file holds.
#[derive(Serialize, Deserialize)]
struct KeystoreFile {
	/// The secret URI.
	suri: String,
	/// The account it gives, for people reading the file; checked when present.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	account: Option<String>,
}

impl Signer {
	/// A signer from a secret URI: a dev seed (`//Alice`), a BIP-39 mnemonic with optional
	/// derivation path and password (`<words>//hard/soft///password`) or a hex seed (`0x…`).
	pub fn from_suri(suri: &str) -> Result<Self, ClientError> {
		let uri = SecretUri::from_str(suri).map_err(|e| ClientError::InvalidSuri {
			reason: e.to_string(),
		})?;
		let keypair = Keypair::from_uri(&uri).map_err(|e| ClientError::InvalidSuri {
			reason: e.to_string(),
		})?;
		Ok(Self::from_keypair(keypair))
	}

	/// A signer from a subxt-signer keypair.
	pub fn from_keypair(keypair: Keypair) -> Self {
		let account = keypair.public_key().to_account_id();
		Self { keypair, account }
	}

	/// A signer from a keystore file (see the module docs). Refuses files that users other
	/// than the owner can access, and files whose `account` does not match their secret.
	pub fn from_keystore_file(path: &Path) -> Result<Self, ClientError> {
		let shown = path.display().to_string();
		check_owner_only(path)?;
		let text =
			Zeroizing::new(
				std::fs::read_to_string(path).map_err(|e| ClientError::Keystore {
					path: shown.clone(),
					reason: e.to_string(),
				})?,
			);
		let file: KeystoreFile =
			serde_json::from_str(&text).map_err(|e| ClientError::Keystore {
				path: shown.clone(),
				// serde_json's messages name lines and columns, never the secret's text.
				reason: format!("not a keystore file ({{\"suri\": \"…\"}}): {e}"),
			})?;
		let suri = Zeroizing::new(file.suri);
		let signer = Self::from_suri(&suri).map_err(|e| ClientError::Keystore {
			path: shown.clone(),
			reason: e.to_string(),
		})?;
		if let Some(expected) = file.account {
			if expected != signer.account.to_string() {
				return Err(ClientError::Keystore {
					path: shown,
					reason: format!(
						"its secret gives account {} but the file names {expected}",
						signer.account
					),
				});
			}
		}
		Ok(signer)
	}

	/// Writes `suri` to a new keystore file readable by its owner only, and returns its signer.
	/// Refuses to overwrite an existing file.
	pub fn write_keystore_file(path: &Path, suri: &str) -> Result<Self, ClientError> {
		let signer = Self::from_suri(suri)?;
		let file = KeystoreFile {
			suri: suri.to_string(),
			account: Some(signer.account.to_string()),
		};
		let text = Zeroizing::new(serde_json::to_string_pretty(&file).map_err(|e| {
			ClientError::Keystore {
				path: path.display().to_string(),
				reason: e.to_string(),
			}
		})?);
		create_owner_only(path, text.as_bytes())?;
		Ok(signer)
	}

	/// A fresh random 12-word mnemonic, for new accounts.
	pub fn generate_mnemonic() -> Result<Zeroizing<String>, ClientError> {
		use rand_core::{OsRng, RngCore};
		let mut entropy = Zeroizing::new([0u8; 16]);
		OsRng
			.try_fill_bytes(entropy.as_mut())
			.map_err(|e| ClientError::InvalidSuri {
				reason: format!("the system random source failed: {e}"),
			})?;
		let mnemonic =
			Mnemonic::from_entropy(entropy.as_ref()).map_err(|e| ClientError::InvalidSuri {
				reason: e.to_string(),
			})?;
		Ok(Zeroizing::new(mnemonic.to_string()))
	}

	/// The account this signer signs for.
	pub fn account_id(&self) -> AccountId {
		self.account
	}

	/// The underlying keypair, to sign with subxt directly.
	pub fn keypair(&self) -> &Keypair {
		&self.keypair
	}
}

impl fmt::Debug for Signer {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.debug_struct("Signer")
			.field("account", &self.account.to_string())
			.finish_non_exhaustive()
	}
}

/// Fails unless only the owner may read or write `path`.
#[cfg(unix)]
fn check_owner_only(path: &Path) -> Result<(), ClientError> {
	use std::os::unix::fs::PermissionsExt;
	let metadata = std::fs::metadata(path).map_err(|e| ClientError::Keystore {
		path: path.display().to_string(),
		reason: e.to_string(),
	})?;
	let mode = metadata.permissions().mode() & 0o777;
	if mode & 0o077 != 0 {
		return Err(ClientError::KeystorePermissions {
			path: path.display().to_string(),
			mode,
		});
	}
	Ok(())
}

/// Non-Unix systems have no mode bits to check.
#[cfg(not(unix))]
fn check_owner_only(_path: &Path) -> Result<(), ClientError> {
	Ok(())
}

/// Creates `path` with `bytes`, readable and writable by the owner only from the start.
fn create_owner_only(path: &Path, bytes: &[u8]) -> Result<(), ClientError> {
	use std::io::Write;
	let mut options = std::fs::OpenOptions::new();
	options.write(true).create_new(true);
	#[cfg(unix)]
	{
		use std::os::unix::fs::OpenOptionsExt;
		options.mode(0o600);
	}
	let keystore_error = |e: std::io::Error| ClientError::Keystore {
		path: path.display().to_string(),
		reason: e.to_string(),
	};
	let mut file = options.open(path).map_err(keystore_error)?;
	file.write_all(bytes).map_err(keystore_error)?;
	file.sync_all().map_err(keystore_error)
}

#[cfg(test)]
mod tests {
	use super::*;

	/// Alice's well-known dev account.
	const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";

	#[test]
	fn dev_seeds_give_the_well_known_accounts() {
		let alice = Signer::from_suri("//Alice").unwrap();
		assert_eq!(alice.account_id().to_string(), ALICE);
		let bob = Signer::from_suri("//Bob").unwrap();
		assert_ne!(bob.account_id(), alice.account_id());
	}

	#[test]
	fn mnemonics_and_derivation_paths_are_accepted() {
		let phrase = Signer::generate_mnemonic().unwrap();
		assert_eq!(phrase.split_whitespace().count(), 12);
		let root = Signer::from_suri(&phrase).unwrap();
		let derived = Signer::from_suri(&format!("{}//trainer/0", phrase.as_str())).unwrap();
		assert_ne!(root.account_id(), derived.account_id());
		// The same URI always gives the same account.
		let again = Signer::from_suri(&format!("{}//trainer/0", phrase.as_str())).unwrap();
		assert_eq!(derived.account_id(), again.account_id());
	}

	#[test]
	fn bad_suris_are_rejected_without_echoing_them() {
		let error = Signer::from_suri("not a mnemonic at all secretword").unwrap_err();
		assert!(matches!(error, ClientError::InvalidSuri { .. }));
		assert!(!error.to_string().contains("secretword"), "{error}");
	}

	#[test]
	fn debug_output_hides_the_secret() {
		let alice = Signer::from_suri("//Alice").unwrap();
		let shown = format!("{alice:?}");
		assert!(shown.contains(ALICE), "{shown}");
		assert!(!shown.contains("secret"), "{shown}");
	}

	#[cfg(unix)]
	#[test]
	fn keystore_files_round_trip_and_must_be_private() {
		use std::os::unix::fs::PermissionsExt;
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("alice.json");
		let written = Signer::write_keystore_file(&path, "//Alice").unwrap();
		let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
		assert_eq!(mode, 0o600);
		let read = Signer::from_keystore_file(&path).unwrap();
		assert_eq!(read.account_id(), written.account_id());

		// Never overwrite an existing key.
		assert!(Signer::write_keystore_file(&path, "//Bob").is_err());

		std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
		let error = Signer::from_keystore_file(&path).unwrap_err();
		assert!(
			matches!(error, ClientError::KeystorePermissions { mode: 0o644, .. }),
			"{error}"
		);
	}

	#[cfg(unix)]
	#[test]
	fn keystore_files_naming_another_account_are_refused() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("mismatch.json");
		let bob = Signer::from_suri("//Bob").unwrap().account_id().to_string();
		let text = format!("{{\"suri\": \"//Alice\", \"account\": \"{bob}\"}}");
		create_owner_only(&path, text.as_bytes()).unwrap();
		let error = Signer::from_keystore_file(&path).unwrap_err();
		assert!(error.to_string().contains(&bob), "{error}");
	}

	#[cfg(unix)]
	#[test]
	fn malformed_keystore_files_name_the_expected_format() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("bad.json");
		create_owner_only(&path, b"//Alice").unwrap();
		let error = Signer::from_keystore_file(&path).unwrap_err();
		assert!(error.to_string().contains("\"suri\""), "{error}");
	}
}
