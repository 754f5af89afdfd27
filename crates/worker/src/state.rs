//! The worker's local state file: what the chain cannot tell a restarted worker.
//!
//! The chain is the source of truth for what happened; the state file holds only what the
//! worker must remember across a crash to finish what it started:
//!
//! * its X25519 secret key, whose public half it published when it joined (trainers encrypt
//!   updates to it);
//! * a trainer's uploaded update (CID and example count), written **before** the update is
//!   submitted, so a crash between upload and submission never costs a retraining;
//! * a validator's scores and salt, written **before** the commitment is sent, so a restarted
//!   validator can still reveal;
//! * an aggregator's uploaded aggregate, written before it is submitted.
//!
//! Every save writes a temporary file beside the state file, syncs it and renames it over the
//! old one, so the file is always either the old or the new state, never a torn mix. The file
//! is created readable by its owner only (it holds a secret key).

use crate::error::{Result, WorkerError};
use decentralml_storage::envelope::{self, PublicKey, StaticSecret};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Version of the file's layout, checked on load.
const FORMAT_VERSION: u32 = 1;

/// A trainer's update, uploaded to storage, for one round.
///
/// It is reused after a restart only for the same round, global model and recipients: a
/// round aborted by governance restarts under the same index, possibly with other seats.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingUpdate {
	/// The round it was trained for.
	pub round: u32,
	/// The global model (CID) it was trained from.
	pub model: String,
	/// The X25519 keys (hex) it was encrypted to.
	pub recipients: Vec<String>,
	/// Its CID (text form) in the store.
	pub cid: String,
	/// The examples it was trained on.
	pub examples: u64,
}

/// A validator's scores for one round, with the salt of its commitment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundScores {
	/// The round.
	pub round: u32,
	/// The CIDs of the scored updates, in canonical order (to detect a changed update list).
	pub updates: Vec<String>,
	/// One score per update, in parts per billion.
	pub scores: Vec<u32>,
	/// The commitment's salt, in hex.
	pub salt: String,
}

impl RoundScores {
	/// The salt as bytes.
	pub fn salt_bytes(&self) -> Result<[u8; 32]> {
		let bytes = hex::decode(&self.salt)
			.map_err(|e| WorkerError::Data(format!("the stored salt is not hex: {e}")))?;
		bytes
			.try_into()
			.map_err(|_| WorkerError::Data("the stored salt is not 32 bytes".into()))
	}
}

/// An aggregate computed (and, for the aggregator, uploaded) for one round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundAggregate {
	/// The round.
	pub round: u32,
	/// The CIDs of the aggregated updates, in canonical order.
	pub inputs: Vec<String>,
	/// The aggregated model's CID.
	pub model: String,
	/// The strategy state's CID, if the strategy keeps state.
	pub state: Option<String>,
}

/// Everything the state file holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerState {
	/// Layout version.
	pub version: u32,
	/// The task this state belongs to.
	pub task: u32,
	/// The worker's account (SS58), to refuse a state file of another account.
	pub account: String,
	/// The role played.
	pub role: String,
	/// The X25519 secret key, in hex.
	pub encryption_secret: String,
	/// A trainer's latest uploaded update.
	#[serde(default)]
	pub update: Option<PendingUpdate>,
	/// A validator's latest scores.
	#[serde(default)]
	pub scores: Option<RoundScores>,
	/// The latest aggregate computed or submitted.
	#[serde(default)]
	pub aggregate: Option<RoundAggregate>,
}

impl WorkerState {
	/// A fresh state with a new random encryption key.
	pub fn new(task: u32, account: &str, role: &str) -> Self {
		let secret = envelope::generate_secret();
		Self {
			version: FORMAT_VERSION,
			task,
			account: account.to_string(),
			role: role.to_string(),
			encryption_secret: hex::encode(secret.to_bytes()),
			update: None,
			scores: None,
			aggregate: None,
		}
	}

	/// The X25519 secret key.
	pub fn secret(&self) -> Result<StaticSecret> {
		let bytes: [u8; 32] = hex::decode(&self.encryption_secret)
			.ok()
			.and_then(|b| b.try_into().ok())
			.ok_or_else(|| {
				WorkerError::Keys("the stored encryption key is not 32 hex bytes".into())
			})?;
		Ok(StaticSecret::from(bytes))
	}

	/// The public key published on chain.
	pub fn public_key(&self) -> Result<[u8; 32]> {
		Ok(PublicKey::from(&self.secret()?).to_bytes())
	}

	/// Checks that this state belongs to `task`, `account` and `role`.
	fn check_owner(&self, path: &Path, task: u32, account: &str, role: &str) -> Result<()> {
		let mismatch = |what: &str, stored: &str, wanted: &str| WorkerError::StateFile {
			path: path.to_path_buf(),
			reason: format!(
				"it belongs to {what} {stored}, not {wanted}; use another --state file"
			),
		};
		if self.version != FORMAT_VERSION {
			return Err(WorkerError::StateFile {
				path: path.to_path_buf(),
				reason: format!(
					"layout version {} is not the supported {FORMAT_VERSION}",
					self.version
				),
			});
		}
		if self.task != task {
			return Err(mismatch("task", &self.task.to_string(), &task.to_string()));
		}
		if self.account != account {
			return Err(mismatch("account", &self.account, account));
		}
		if self.role != role {
			return Err(mismatch("role", &self.role, role));
		}
		Ok(())
	}
}

/// A state file on disk and its current contents.
#[derive(Debug)]
pub struct StateFile {
	path: PathBuf,
	state: WorkerState,
}

impl StateFile {
	/// Loads the state at `path`, or creates it (with a new key) if the file does not exist.
	/// Fails if the file belongs to another task, account or role.
	pub fn open_or_create(path: &Path, task: u32, account: &str, role: &str) -> Result<Self> {
		let error = |reason: String| WorkerError::StateFile {
			path: path.to_path_buf(),
			reason,
		};
		let state = match std::fs::read_to_string(path) {
			Ok(text) => {
				let state: WorkerState = serde_json::from_str(&text)
					.map_err(|e| error(format!("not a worker state file: {e}")))?;
				state.check_owner(path, task, account, role)?;
				state
			}
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
				let state = WorkerState::new(task, account, role);
				write_atomically(path, &state)?;
				state
			}
			Err(e) => return Err(error(format!("reading: {e}"))),
		};
		Ok(Self {
			path: path.to_path_buf(),
			state,
		})
	}

	/// The current state.
	pub fn get(&self) -> &WorkerState {
		&self.state
	}

	/// The file's path.
	pub fn path(&self) -> &Path {
		&self.path
	}

	/// Applies `change` and writes the result to disk before returning; on a write error the
	/// in-memory state is left unchanged.
	pub fn update(&mut self, change: impl FnOnce(&mut WorkerState)) -> Result<()> {
		let mut next = self.state.clone();
		change(&mut next);
		write_atomically(&self.path, &next)?;
		self.state = next;
		Ok(())
	}
}

/// Writes `state` to a temporary file beside `path` (owner-only), syncs it, renames it over
/// `path` and syncs the directory.
fn write_atomically(path: &Path, state: &WorkerState) -> Result<()> {
	let error = |what: &str, e: std::io::Error| WorkerError::StateFile {
		path: path.to_path_buf(),
		reason: format!("{what}: {e}"),
	};
	let dir = path
		.parent()
		.filter(|p| !p.as_os_str().is_empty())
		.unwrap_or(Path::new("."));
	std::fs::create_dir_all(dir).map_err(|e| error("creating its directory", e))?;
	let name = path
		.file_name()
		.map(|n| n.to_string_lossy().into_owned())
		.unwrap_or_else(|| "state".into());
	let temp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
	let text = serde_json::to_vec_pretty(state).map_err(|e| WorkerError::StateFile {
		path: path.to_path_buf(),
		reason: format!("serialising: {e}"),
	})?;
	let mut options = std::fs::OpenOptions::new();
	options.write(true).create(true).truncate(true);
	#[cfg(unix)]
	{
		use std::os::unix::fs::OpenOptionsExt;
		options.mode(0o600);
	}
	let mut file = options
		.open(&temp)
		.map_err(|e| error("creating a temporary file", e))?;
	file.write_all(&text)
		.and_then(|()| file.sync_all())
		.map_err(|e| error("writing a temporary file", e))?;
	drop(file);
	std::fs::rename(&temp, path).map_err(|e| {
		let _ = std::fs::remove_file(&temp);
		error("renaming the temporary file into place", e)
	})?;
	// The rename is durable only once the directory entry is.
	if let Ok(dir) = std::fs::File::open(dir) {
		let _ = dir.sync_all();
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_new_file_gets_a_key_and_survives_reopening() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("sub").join("state.json");
		let mut file = StateFile::open_or_create(&path, 3, "acct", "validator").unwrap();
		let key = file.get().public_key().unwrap();
		assert_ne!(key, [0; 32]);
		file.update(|s| {
			s.scores = Some(RoundScores {
				round: 2,
				updates: vec!["bafk".into()],
				scores: vec![7],
				salt: hex::encode([9u8; 32]),
			})
		})
		.unwrap();
		let again = StateFile::open_or_create(&path, 3, "acct", "validator").unwrap();
		assert_eq!(again.get(), file.get());
		assert_eq!(again.get().public_key().unwrap(), key);
		assert_eq!(
			again.get().scores.as_ref().unwrap().salt_bytes().unwrap(),
			[9; 32]
		);
	}

	#[cfg(unix)]
	#[test]
	fn the_file_is_private_and_leaves_no_temporary_file() {
		use std::os::unix::fs::PermissionsExt;
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("state.json");
		StateFile::open_or_create(&path, 1, "a", "trainer").unwrap();
		let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
		assert_eq!(mode, 0o600);
		let names: Vec<_> = std::fs::read_dir(dir.path())
			.unwrap()
			.map(|e| e.unwrap().file_name())
			.collect();
		assert_eq!(names.len(), 1, "{names:?}");
	}

	#[test]
	fn a_file_of_another_owner_is_refused() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("state.json");
		StateFile::open_or_create(&path, 1, "alice", "trainer").unwrap();
		for (task, account, role) in [
			(2, "alice", "trainer"),
			(1, "bob", "trainer"),
			(1, "alice", "validator"),
		] {
			let error = StateFile::open_or_create(&path, task, account, role).unwrap_err();
			assert!(
				error.to_string().contains("another --state file"),
				"{error}"
			);
		}
	}

	#[test]
	fn a_corrupt_file_is_an_error_not_a_fresh_start() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("state.json");
		std::fs::write(&path, b"{ not json").unwrap();
		let error = StateFile::open_or_create(&path, 1, "a", "trainer").unwrap_err();
		assert!(matches!(error, WorkerError::StateFile { .. }), "{error}");
	}
}
