//! Weights of the backing pallet's calls.
//!
//! The implementation for `()` holds **hand-estimated placeholders** (base compute plus
//! RocksDB reads and writes counted from the code) for mock runtimes and tests. The DecentralML
//! runtime charges measured weights: `runtime/src/weights/pallet_backing.rs`, generated from
//! `benchmarking.rs` by `scripts/benchmark-weights.sh pallet_backing`.
//!
//! Component: `a`, the number of assets the backer (and the task) already has stake in: both
//! lists are read and rewritten whole.

use frame_support::weights::{constants::RocksDbWeight, Weight};

/// Weight functions needed by the pallet.
pub trait WeightInfo {
	/// `stake` by a backer with positions in `a` assets.
	fn stake(a: u32) -> Weight;
	/// `unstake` by a backer with positions in `a` assets.
	fn unstake(a: u32) -> Weight;
	/// `withdraw` by a backer with positions in `a` assets.
	fn withdraw(a: u32) -> Weight;
	/// `set_valuation`.
	fn set_valuation() -> Weight;
}

/// Microseconds of compute as weight (1 µs = 10^6 ps).
const fn micros(us: u64) -> Weight {
	Weight::from_parts(us * 1_000_000, 0)
}

/// Per asset in the lists: decoding and re-encoding one position and one total.
fn per_asset(a: u32) -> Weight {
	Weight::from_parts(400_000, 160).saturating_mul(a.into())
}

/// Placeholder estimates (see the module docs); regenerate from the benchmarks.
impl WeightInfo for () {
	fn stake(a: u32) -> Weight {
		// Task state (runtime adapter), stakes, two counters, totals, hold (account + holds).
		micros(45)
			.saturating_add(Weight::from_parts(0, 4_000))
			.saturating_add(per_asset(a))
			.saturating_add(RocksDbWeight::get().reads_writes(7, 6))
	}
	fn unstake(a: u32) -> Weight {
		micros(25)
			.saturating_add(Weight::from_parts(0, 2_000))
			.saturating_add(per_asset(a))
			.saturating_add(RocksDbWeight::get().reads_writes(2, 2))
	}
	fn withdraw(a: u32) -> Weight {
		// Task state, stakes, totals, release (account + holds), two counters.
		micros(45)
			.saturating_add(Weight::from_parts(0, 4_000))
			.saturating_add(per_asset(a))
			.saturating_add(RocksDbWeight::get().reads_writes(7, 6))
	}
	fn set_valuation() -> Weight {
		micros(10).saturating_add(RocksDbWeight::get().writes(1))
	}
}
