//! LEAF's JSON layout, shared by its FEMNIST and Shakespeare outputs: each file holds
//! `{"users": [...], "num_samples": [...], "user_data": {"<user>": {"x": [...], "y": [...]}}}`,
//! and a split is every `*.json` file of a folder.

use crate::error::{Result, TrainError};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One user's examples.
#[derive(Debug, Deserialize)]
pub(crate) struct LeafUser<X, Y> {
	pub x: Vec<X>,
	pub y: Vec<Y>,
}

#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "X: DeserializeOwned, Y: DeserializeOwned"))]
struct LeafFile<X, Y> {
	users: Vec<String>,
	user_data: HashMap<String, LeafUser<X, Y>>,
}

/// Every user of every `*.json` file in `folder` (files in name order, users in file order).
pub(crate) fn read_folder<X: DeserializeOwned, Y: DeserializeOwned>(
	folder: &Path,
) -> Result<Vec<(String, LeafUser<X, Y>)>> {
	let mut users = Vec::new();
	for path in json_files(folder)? {
		let text = std::fs::read_to_string(&path).map_err(|e| TrainError::io(&path, e))?;
		let file: LeafFile<X, Y> = serde_json::from_str(&text)
			.map_err(|e| TrainError::malformed(path.display().to_string(), e.to_string()))?;
		let LeafFile {
			users: names,
			mut user_data,
		} = file;
		for name in names {
			let user = user_data.remove(&name).ok_or_else(|| {
				TrainError::malformed(
					path.display().to_string(),
					format!("no user_data for {name}"),
				)
			})?;
			if user.x.len() != user.y.len() {
				return Err(TrainError::malformed(
					path.display().to_string(),
					format!(
						"user {name} has {} inputs but {} targets",
						user.x.len(),
						user.y.len()
					),
				));
			}
			users.push((name, user));
		}
	}
	Ok(users)
}

fn json_files(folder: &Path) -> Result<Vec<PathBuf>> {
	let entries = std::fs::read_dir(folder).map_err(|e| TrainError::io(folder, e))?;
	let mut files: Vec<PathBuf> = entries
		.filter_map(|e| e.ok().map(|e| e.path()))
		.filter(|p| p.extension().is_some_and(|x| x == "json"))
		.collect();
	files.sort();
	if files.is_empty() {
		return Err(TrainError::malformed(
			folder.display().to_string(),
			"holds no .json files",
		));
	}
	Ok(files)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn reads_users_across_files_in_order() {
		let dir = tempfile::tempdir().unwrap();
		std::fs::write(
			dir.path().join("b.json"),
			r#"{"users":["u2"],"num_samples":[1],"user_data":{"u2":{"x":[3],"y":[4]}}}"#,
		)
		.unwrap();
		std::fs::write(
			dir.path().join("a.json"),
			r#"{"users":["u1"],"num_samples":[2],"user_data":{"u1":{"x":[1,2],"y":[0,1]}}}"#,
		)
		.unwrap();
		let users: Vec<(String, LeafUser<u8, u8>)> = read_folder(dir.path()).unwrap();
		let names: Vec<&str> = users.iter().map(|(n, _)| n.as_str()).collect();
		assert_eq!(names, ["u1", "u2"]);
		assert_eq!(users[0].1.x, vec![1, 2]);
	}

	#[test]
	fn mismatched_lengths_are_reported() {
		let dir = tempfile::tempdir().unwrap();
		std::fs::write(
			dir.path().join("a.json"),
			r#"{"users":["u1"],"num_samples":[2],"user_data":{"u1":{"x":[1,2],"y":[0]}}}"#,
		)
		.unwrap();
		let err = read_folder::<u8, u8>(dir.path()).unwrap_err().to_string();
		assert!(err.contains("u1 has 2 inputs but 1 targets"), "{err}");
	}
}
