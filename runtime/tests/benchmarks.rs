//! Every benchmark of DecentralML's pallets runs in this runtime, at the lowest and the highest
//! value of each component, on the development genesis. The pallets' own test suites run them
//! on mock runtimes; amounts, origins and bounds that work there can still fail here (the
//! existential deposit once did), and `scripts/benchmark-weights.sh` needs them all to succeed.
//!
//! `SKIP_WASM_BUILD=1 cargo test -p decentralml-runtime --features runtime-benchmarks --test benchmarks`

#![cfg(feature = "runtime-benchmarks")]

mod common;

use common::genesis_config;
use decentralml_runtime::{Backing, Licensing, RuntimeGenesisConfig, Training};
use frame_benchmarking::{BenchmarkParameter, Benchmarking};
use frame_support::genesis_builder_helper::build_state;
use sc_client_db::BenchmarkingState;
use sp_runtime::{traits::BlakeTwo256, Storage};
use sp_state_machine::{BasicExternalities, Ext, OverlayedChanges};

/// The development genesis as raw storage.
fn genesis_storage() -> Storage {
	let config = serde_json::to_vec(&genesis_config("development")).expect("JSON");
	let mut ext = BasicExternalities::default();
	ext.execute_with(|| build_state::<RuntimeGenesisConfig>(config))
		.expect("the development genesis builds");
	ext.into_storages()
}

/// Runs each benchmark of `P` twice: every component at its lowest, then at its highest.
///
/// Each run starts from genesis on the state backend the benchmark command uses, which counts
/// reads and writes and commits between the set-up and the measured call.
fn run_every_benchmark<P: Benchmarking>(pallet: &str) {
	let genesis = genesis_storage();
	let benchmarks = P::benchmarks(false);
	assert!(!benchmarks.is_empty(), "{pallet} has no benchmarks");
	for benchmark in benchmarks {
		let name = String::from_utf8_lossy(&benchmark.name).into_owned();
		for highest in [false, true] {
			let components: Vec<(BenchmarkParameter, u32)> = benchmark
				.components
				.iter()
				.map(|(parameter, low, high)| (*parameter, if highest { *high } else { *low }))
				.collect();
			let state = BenchmarkingState::<BlakeTwo256>::new(genesis.clone(), None, false, true)
				.expect("a benchmarking state over the genesis");
			let mut overlay = OverlayedChanges::default();
			let mut ext = Ext::new(&mut overlay, &state, None);
			let outcome = sp_externalities::set_and_run_with_externalities(&mut ext, || {
				P::run_benchmark(&benchmark.name, &components, &[], true, 1)
			});
			if let Err(error) = outcome {
				panic!("{pallet}::{name} with {components:?} fails in the runtime: {error:?}");
			}
		}
	}
}

#[test]
fn training_benchmarks_run_in_the_runtime() {
	run_every_benchmark::<Training>("pallet_training");
}

#[test]
fn backing_benchmarks_run_in_the_runtime() {
	run_every_benchmark::<Backing>("pallet_backing");
}

#[test]
fn licensing_benchmarks_run_in_the_runtime() {
	run_every_benchmark::<Licensing>("pallet_licensing");
}
