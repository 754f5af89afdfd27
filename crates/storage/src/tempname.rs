//! Names for temporary files and objects: unique, and recognisable so they are never taken for
//! blobs.

use rand_core::{OsRng, RngCore};
use std::path::{Path, PathBuf};

/// Prefix of every temporary name; CIDs never start with a dot.
pub(crate) const TEMP_PREFIX: &str = ".tmp-";

/// A fresh random temporary name such as `.tmp-3f9a...`.
pub(crate) fn temp_name() -> String {
	let mut bytes = [0u8; 12];
	OsRng.fill_bytes(&mut bytes);
	let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
	format!("{TEMP_PREFIX}{hex}")
}

/// A fresh temporary path in the same directory as `path`, so that renaming it onto `path` is
/// atomic.
pub(crate) fn temp_path_beside(path: &Path) -> PathBuf {
	let dir = path
		.parent()
		.filter(|p| !p.as_os_str().is_empty())
		.unwrap_or(Path::new("."));
	dir.join(temp_name())
}

/// Whether a file name is one of ours in progress.
pub(crate) fn is_temp_name(name: &str) -> bool {
	name.starts_with(TEMP_PREFIX)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn temp_names_are_unique_and_recognisable() {
		let (a, b) = (temp_name(), temp_name());
		assert_ne!(a, b);
		assert!(is_temp_name(&a));
		assert!(!is_temp_name(
			"bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
		));
		assert_eq!(
			temp_path_beside(Path::new("/x/y/blob")).parent(),
			Some(Path::new("/x/y"))
		);
		assert_eq!(
			temp_path_beside(Path::new("blob")).parent(),
			Some(Path::new("."))
		);
	}
}
