//! Shakespeare next-character prediction, grouped by speaking role.
//!
//! Two layouts are accepted in the `shakespeare/` data folder:
//! - TFF-style JSON lines (optionally gzipped), `shakespeare_tff_train.jsonl.gz` and
//!   `shakespeare_tff_test.jsonl.gz`, one role a line: `{"client": "...", "snippets": [...]}`;
//! - LEAF's JSON, folders `train/` and `test/`, `x` = 80-character strings, `y` = the next
//!   character.
//!
//! Text becomes windows of [`WINDOW`] tokens: the model reads 80 characters and predicts each
//! one's successor, as in LEAF and TFF.

use super::idx::maybe_gunzip;
use super::leaf::{read_folder, LeafUser};
use super::{DataSplit, Dataset, Groups, Inputs};
use crate::error::{Result, TrainError};
use serde::Deserialize;
use std::path::Path;

/// Token of padding (ignored by the loss and accuracy).
pub const PAD: u16 = 0;
/// Token of any character outside the vocabulary.
pub const OUT_OF_VOCABULARY: u16 = 1;
/// Token of a line break.
pub const NEWLINE: u16 = 2;
/// First token of the printable ASCII range (space).
const FIRST_PRINTABLE: u16 = 3;
/// Vocabulary size: padding, unknown, newline and the 95 printable ASCII characters.
pub const VOCAB_SIZE: usize = 98;
/// Tokens per window: 80 read, each with its successor as target.
pub const WINDOW: usize = 81;

/// Maps one character to its token.
pub fn encode_char(c: char) -> u16 {
	match c {
		'\n' => NEWLINE,
		' '..='~' => FIRST_PRINTABLE + (c as u16 - ' ' as u16),
		_ => OUT_OF_VOCABULARY,
	}
}

/// Maps a token back to its character (`None` for padding and unknown).
pub fn decode_token(token: u16) -> Option<char> {
	match token {
		NEWLINE => Some('\n'),
		t if (FIRST_PRINTABLE..VOCAB_SIZE as u16).contains(&t) => {
			char::from_u32(u32::from(t - FIRST_PRINTABLE) + ' ' as u32)
		}
		_ => None,
	}
}

/// Splits a text into padded windows that overlap by one token, so every character after the
/// first is a target exactly once. Windows with fewer than two real tokens are dropped.
pub fn windows(text: &str) -> Vec<[u16; WINDOW]> {
	let tokens: Vec<u16> = text.chars().map(encode_char).collect();
	let mut out = Vec::new();
	let mut start = 0;
	while start + 1 < tokens.len() {
		let end = (start + WINDOW).min(tokens.len());
		let mut window = [PAD; WINDOW];
		window[..end - start].copy_from_slice(&tokens[start..end]);
		out.push(window);
		start += WINDOW - 1;
	}
	out
}

/// The last real (non-padding) target of a window, used as its label for partitioning.
fn last_target(window: &[u16]) -> u32 {
	window[1..]
		.iter()
		.rev()
		.find(|t| **t != PAD)
		.map_or(0, |t| u32::from(*t))
}

/// Collects windows per role into a data set.
fn build(name: &str, roles: Vec<(String, Vec<[u16; WINDOW]>)>) -> Result<Dataset> {
	let (mut tokens, mut labels, mut of_example, mut names) =
		(Vec::new(), Vec::new(), Vec::new(), Vec::new());
	for (group, (role, role_windows)) in roles.into_iter().enumerate() {
		for window in role_windows {
			labels.push(last_target(&window));
			tokens.extend_from_slice(&window);
			of_example.push(group as u32);
		}
		names.push(role);
	}
	let groups = Some(Groups { names, of_example });
	Dataset::new(
		name,
		Inputs::Sequences {
			window: WINDOW,
			tokens,
		},
		labels,
		VOCAB_SIZE,
		groups,
	)
}

const TRAIN_FILES: [&str; 2] = [
	"shakespeare_tff_train.jsonl.gz",
	"shakespeare_tff_train.jsonl",
];
const TEST_FILES: [&str; 2] = [
	"shakespeare_tff_test.jsonl.gz",
	"shakespeare_tff_test.jsonl",
];

/// Loads Shakespeare from the JSON-lines files, or else from LEAF's `train/` and `test/`.
pub fn load_folder(folder: &Path) -> Result<DataSplit> {
	if let Ok(train) = super::first_existing(folder, &TRAIN_FILES) {
		let test = super::first_existing(folder, &TEST_FILES)?;
		return Ok(DataSplit {
			train: load_jsonl(&train, "shakespeare-train")?,
			test: load_jsonl(&test, "shakespeare-test")?,
		});
	}
	if folder.join("train").is_dir() {
		return Ok(DataSplit {
			train: load_leaf(&folder.join("train"), "shakespeare-train")?,
			test: load_leaf(&folder.join("test"), "shakespeare-test")?,
		});
	}
	Err(TrainError::DataMissing {
		path: folder.join(TRAIN_FILES[0]),
	})
}

#[derive(Deserialize)]
struct RoleLine {
	client: String,
	snippets: Vec<String>,
}

/// Loads one split from a JSON-lines file (gzipped or not).
pub fn load_jsonl(path: &Path, name: &str) -> Result<Dataset> {
	let raw = std::fs::read(path).map_err(|e| TrainError::io(path, e))?;
	let text = String::from_utf8(maybe_gunzip(raw, path)?)
		.map_err(|e| TrainError::malformed(path.display().to_string(), e.to_string()))?;
	let mut roles = Vec::new();
	for (number, line) in text
		.lines()
		.enumerate()
		.filter(|(_, l)| !l.trim().is_empty())
	{
		let role: RoleLine = serde_json::from_str(line).map_err(|e| {
			TrainError::malformed(
				format!("{} line {}", path.display(), number + 1),
				e.to_string(),
			)
		})?;
		let role_windows = role.snippets.iter().flat_map(|s| windows(s)).collect();
		roles.push((role.client, role_windows));
	}
	build(name, roles)
}

/// Loads one split from a folder of LEAF JSON files.
pub fn load_leaf(folder: &Path, name: &str) -> Result<Dataset> {
	if !folder.is_dir() {
		return Err(TrainError::DataMissing {
			path: folder.to_path_buf(),
		});
	}
	let users: Vec<(String, LeafUser<String, String>)> = read_folder(folder)?;
	let roles = users
		.into_iter()
		.map(|(role, data)| {
			let role_windows = data
				.x
				.iter()
				.zip(&data.y)
				.map(|(x, y)| {
					let mut window = [PAD; WINDOW];
					for (slot, c) in window.iter_mut().zip(x.chars().chain(y.chars())) {
						*slot = encode_char(c);
					}
					window
				})
				.collect();
			(role, role_windows)
		})
		.collect();
	build(name, roles)
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	proptest! {
		#[test]
		fn printable_text_round_trips(text in "[ -~\n]{0,200}") {
			let decoded: String =
				text.chars().map(encode_char).map(|t| decode_token(t).unwrap()).collect();
			prop_assert_eq!(decoded, text);
		}

		#[test]
		fn windows_cover_every_successor_once(text in "[a-z ]{0,400}") {
			let n = text.chars().count();
			let targets: usize = windows(&text)
				.iter()
				.map(|w| w[1..].iter().filter(|t| **t != PAD).count())
				.sum();
			prop_assert_eq!(targets, n.saturating_sub(1));
		}
	}

	#[test]
	fn vocabulary_edges() {
		assert_eq!(encode_char(' '), 3);
		assert_eq!(encode_char('~') as usize, VOCAB_SIZE - 1);
		assert_eq!(encode_char('é'), OUT_OF_VOCABULARY);
		assert_eq!(decode_token(PAD), None);
	}

	#[test]
	fn jsonl_and_leaf_layouts() {
		let dir = tempfile::tempdir().unwrap();
		let lines = "{\"client\":\"A\",\"snippets\":[\"To be, or not to be\"]}\n\
		             {\"client\":\"B\",\"snippets\":[\"x\",\"Ay\"]}\n";
		std::fs::write(dir.path().join(TRAIN_FILES[1]), lines).unwrap();
		std::fs::write(dir.path().join(TEST_FILES[1]), lines).unwrap();
		let split = load_folder(dir.path()).unwrap();
		let groups = split.train.groups.as_ref().unwrap();
		assert_eq!(groups.names, ["A", "B"]);
		assert_eq!(groups.of_example, [0, 1]);
		assert_eq!(split.train.labels[0], u32::from(encode_char('e')));

		let leaf = tempfile::tempdir().unwrap();
		let x = "a".repeat(80);
		for split in ["train", "test"] {
			std::fs::create_dir(leaf.path().join(split)).unwrap();
			let json = serde_json::json!({"users": ["R"], "num_samples": [1],
				"user_data": {"R": {"x": [x], "y": ["b"]}}});
			std::fs::write(leaf.path().join(split).join("s.json"), json.to_string()).unwrap();
		}
		let split = load_folder(leaf.path()).unwrap();
		assert_eq!(split.train.labels, [u32::from(encode_char('b'))]);
	}

	#[test]
	fn shared_developer_copy_loads_when_present() {
		let Some(dir) = crate::testdata::shared_data_dir() else {
			return;
		};
		let split = load_folder(&dir.join("shakespeare")).unwrap();
		assert_eq!(split.train.groups.as_ref().unwrap().names.len(), 715);
		assert!(split.train.len() > 10_000, "{} windows", split.train.len());
	}
}
