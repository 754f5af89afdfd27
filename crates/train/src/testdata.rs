//! Locating data for tests: the installed data folder, or the developer copy beside the
//! checkout (`../shared/data`), which users and some CI machines do not have.

use crate::data::{self, DataSplit, DatasetName};
use std::path::PathBuf;

/// The developer copy of the data sets, if this machine has one.
pub(crate) fn shared_data_dir() -> Option<PathBuf> {
	let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
	if dir.is_dir() {
		Some(dir)
	} else {
		eprintln!(
			"notice: {} is absent; skipping the test that reads it",
			dir.display()
		);
		None
	}
}

/// MNIST from the data folder or the developer copy. Without either the test is skipped with
/// a notice, except in CI (`CI=true`), where `scripts/fetch-data.sh` must have run and a missing
/// file fails the test.
pub(crate) fn mnist_or_skip() -> Option<DataSplit> {
	let installed = data::load(DatasetName::Mnist, &data::data_dir());
	let error = match installed {
		Ok(split) => return Some(split),
		Err(e) => e,
	};
	let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
	if let Ok(split) = data::load(DatasetName::Mnist, &shared) {
		return Some(split);
	}
	if std::env::var("CI").is_ok_and(|v| v == "true") {
		panic!("CI=true and MNIST is not installed: {error}");
	}
	eprintln!("notice: skipping the MNIST test: {error}");
	None
}
