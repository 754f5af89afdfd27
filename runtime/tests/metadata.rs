//! The runtime metadata (V16) that client code is generated from lives in
//! `metadata/decentralml.scale`. This test fails when the file no longer matches the runtime,
//! and rewrites it when run with `UPDATE_METADATA=1` (see `scripts/update-metadata.sh`).

#![cfg(not(feature = "runtime-benchmarks"))]

use decentralml_runtime::Runtime;
use std::path::PathBuf;

/// The metadata version clients use.
const METADATA_VERSION: u32 = 16;

fn metadata_file() -> PathBuf {
	PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../metadata/decentralml.scale")
}

#[test]
fn metadata_file_is_current() {
	// Metadata generation reads a few storage-backed values, so it needs externalities.
	let fresh = sp_io::TestExternalities::default().execute_with(|| {
		Runtime::metadata_at_version(METADATA_VERSION)
			.expect("the runtime offers metadata V16")
			.to_vec()
	});
	assert_eq!(
		&fresh[..4],
		b"meta",
		"metadata starts with the magic number"
	);
	assert_eq!(
		fresh[4] as u32, METADATA_VERSION,
		"metadata has the requested version"
	);

	let path = metadata_file();
	if std::env::var_os("UPDATE_METADATA").is_some() {
		std::fs::write(&path, &fresh).expect("writing the metadata file");
		return;
	}
	let committed = std::fs::read(&path).unwrap_or_default();
	assert!(
		committed == fresh,
		"{} is stale ({} bytes committed, {} bytes from the runtime): run scripts/update-metadata.sh \
		 and commit the result",
		path.display(),
		committed.len(),
		fresh.len()
	);
}
