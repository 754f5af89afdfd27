//! The runtime metadata (V16) that client code is generated from lives in
//! `metadata/decentralml.scale`. This test fails when the file no longer matches the runtime,
//! and rewrites it when run with `UPDATE_METADATA=1` (see `scripts/update-metadata.sh`).
//!
//! The metadata is read from the wasm blob the node executes, not from the native runtime: the
//! workspace compiles the benchmarks natively (one feature set for the node and the tests), and
//! their runtime API must not reach the clients' metadata.

use codec::{Decode, Encode};
use sc_executor::{WasmExecutor, DEFAULT_HEAP_ALLOC_STRATEGY};
use sp_core::traits::{CallContext, CodeExecutor, RuntimeCode, WrappedRuntimeCode};
use std::path::PathBuf;

/// The metadata version clients use.
const METADATA_VERSION: u32 = 16;

fn metadata_file() -> PathBuf {
	PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../metadata/decentralml.scale")
}

/// Calls `Metadata_metadata_at_version` in the runtime's wasm blob.
fn metadata_of_the_wasm_blob() -> Vec<u8> {
	let blob = decentralml_runtime::WASM_BINARY
		.expect("the wasm blob is built (this test needs a build without SKIP_WASM_BUILD)");
	let executor = WasmExecutor::<sp_io::SubstrateHostFunctions>::builder()
		.with_onchain_heap_alloc_strategy(DEFAULT_HEAP_ALLOC_STRATEGY)
		.build();
	let code = RuntimeCode {
		code_fetcher: &WrappedRuntimeCode(blob.into()),
		heap_pages: None,
		hash: sp_io::hashing::blake2_256(blob).to_vec(),
	};
	// Metadata generation reads a few storage-backed values, so it needs externalities.
	let mut externalities = sp_io::TestExternalities::default();
	let mut ext = externalities.ext();
	let (answer, _) = executor.call(
		&mut ext,
		&code,
		"Metadata_metadata_at_version",
		&METADATA_VERSION.encode(),
		CallContext::Offchain,
	);
	let answer = answer.expect("the runtime answers Metadata_metadata_at_version");
	Option::<Vec<u8>>::decode(&mut &answer[..])
		.expect("the answer is an optional byte string")
		.expect("the runtime offers metadata V16")
}

#[test]
fn metadata_file_is_current() {
	let fresh = metadata_of_the_wasm_blob();
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

/// Whether `metadata` lists the `Benchmark` runtime API (its name, SCALE-encoded).
fn offers_benchmarks(metadata: &[u8]) -> bool {
	let name = "Benchmark".encode();
	metadata.windows(name.len()).any(|w| w == name)
}

#[test]
fn the_wasm_blob_offers_no_benchmarks() {
	assert!(
		!offers_benchmarks(&metadata_of_the_wasm_blob()),
		"the wasm blob the node executes carries the benchmark runtime API"
	);
}

/// The check above can fail: the native runtime, benchmarks compiled in, lists the API.
#[cfg(feature = "runtime-benchmarks")]
#[test]
fn the_native_runtime_offers_the_benchmarks_it_was_compiled_with() {
	let native = sp_io::TestExternalities::default().execute_with(|| {
		decentralml_runtime::Runtime::metadata_at_version(METADATA_VERSION)
			.expect("the runtime offers metadata V16")
			.to_vec()
	});
	assert!(offers_benchmarks(&native));
}
