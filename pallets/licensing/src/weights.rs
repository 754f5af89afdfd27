//! Weights of the licensing pallet's calls.
//!
//! The implementation for `()` holds **hand-estimated placeholders** (base compute plus
//! RocksDB reads and writes counted from the code) for mock runtimes and tests. The DecentralML
//! runtime charges measured weights: `runtime/src/weights/pallet_licensing.rs`, generated from
//! `benchmarking.rs` by `scripts/benchmark-weights.sh pallet_licensing`.
//!
//! Components: `j` jurisdictions in the terms, `c` contributors and `b` backers the fee is
//! divided among.

use frame_support::weights::{constants::RocksDbWeight, Weight};

/// Weight functions needed by the pallet.
pub trait WeightInfo {
	/// `set_terms` with `j` jurisdictions.
	fn set_terms(j: u32) -> Weight;
	/// `buy_licence` divided among `c` contributors and `b` backers.
	fn buy_licence(c: u32, b: u32) -> Weight;
	/// `claim`.
	fn claim() -> Weight;
}

/// Microseconds of compute as weight (1 µs = 10^6 ps).
const fn micros(us: u64) -> Weight {
	Weight::from_parts(us * 1_000_000, 0)
}

/// Placeholder estimates (see the module docs); regenerate from the benchmarks.
impl WeightInfo for () {
	fn set_terms(j: u32) -> Weight {
		// Task owner and stage (runtime adapter), asset, terms.
		micros(25)
			.saturating_add(Weight::from_parts(200_000, 2).saturating_mul(j.into()))
			.saturating_add(Weight::from_parts(0, 3_000))
			.saturating_add(RocksDbWeight::get().reads_writes(4, 1))
	}
	fn buy_licence(c: u32, b: u32) -> Weight {
		// Fixed: terms, task owner/stage/model, pot and buyer accounts, owed, licence, the
		// owner's claimable. Per recipient: its claimable balance and the owed total (cached
		// after the first), and for backers the stake read.
		micros(90)
			.saturating_add(Weight::from_parts(0, 6_000))
			.saturating_add(RocksDbWeight::get().reads_writes(10, 6))
			.saturating_add(
				Weight::from_parts(6_000_000, 2_600)
					.saturating_add(RocksDbWeight::get().reads_writes(1, 1))
					.saturating_mul(c.into()),
			)
			.saturating_add(
				Weight::from_parts(8_000_000, 5_200)
					.saturating_add(RocksDbWeight::get().reads_writes(2, 1))
					.saturating_mul(b.into()),
			)
	}
	fn claim() -> Weight {
		// Claimable, pot and claimant accounts, owed.
		micros(45)
			.saturating_add(Weight::from_parts(0, 4_000))
			.saturating_add(RocksDbWeight::get().reads_writes(4, 4))
	}
}
