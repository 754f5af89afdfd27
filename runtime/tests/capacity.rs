//! The largest training round a 6-second block of this runtime carries, computed from the
//! benchmarked weights the runtime charges (`runtime/src/weights/pallet_training.rs`).
//!
//! `cargo test -p decentralml-runtime --test capacity -- --nocapture` prints the figures.

use decentralml_runtime::{
	configs::{RuntimeBlockWeights, TrainingHookWeight},
	weights, Runtime,
};
use frame_support::{dispatch::DispatchClass, traits::Get, weights::Weight};
use pallet_training::capacity::{
	heaviest_extrinsic, heaviest_transition, largest_round, submissions_per_block, BlockLimits,
	RoundShape,
};

type Benchmarked = weights::pallet_training::WeightInfo<Runtime>;

/// The reference round.
const TRAINERS: u32 = 1_024;

fn block_limits() -> BlockLimits {
	let normal = RuntimeBlockWeights::get()
		.get(DispatchClass::Normal)
		.clone();
	BlockLimits {
		hook: TrainingHookWeight::get(),
		extrinsic: normal
			.max_extrinsic
			.or(normal.max_total)
			.unwrap_or(Weight::MAX),
	}
}

/// Sixteen validators and an aggregator besides the trainers, settled in the runtime's batches.
fn round_shape() -> RoundShape {
	let validators: u32 = <Runtime as pallet_training::Config>::MaxValidatorsPerRound::get();
	RoundShape {
		validators,
		other_registered: validators + 1,
		settlement_batch: <Runtime as pallet_training::Config>::SettlementBatch::get(),
	}
}

fn millis(weight: Weight) -> f64 {
	weight.ref_time() as f64 / 1e9
}

#[test]
fn a_round_of_1024_trainers_and_16_validators_fits_a_block() {
	let (limits, shape) = (block_limits(), round_shape());
	let max: u32 = <Runtime as pallet_training::Config>::MaxTrainersPerRound::get();
	let largest = largest_round::<Benchmarked>(1_000_000, &shape, &limits)
		.expect("a round of one trainer fits a block");
	let transition = heaviest_transition::<Benchmarked>(TRAINERS, &shape);
	let extrinsic = heaviest_extrinsic::<Benchmarked>(TRAINERS, &shape);
	println!(
		"benchmarked weights, {} validators, settlement batches of {}",
		shape.validators, shape.settlement_batch
	);
	println!("largest round a 6 s block carries: {largest} trainers (configured maximum {max})");
	println!(
		"{TRAINERS} trainers: heaviest hook transition {:.1} ms ({:.1} % of the hook's {:.0} ms), \
		 heaviest extrinsic {:.1} ms ({:.1} % of the normal class's {:.0} ms)",
		millis(transition),
		100.0 * millis(transition) / millis(limits.hook),
		millis(limits.hook),
		millis(extrinsic),
		100.0 * millis(extrinsic) / millis(limits.extrinsic),
		millis(limits.extrinsic),
	);
	println!(
		"submit_update extrinsics per block at {TRAINERS} trainers: {}",
		submissions_per_block::<Benchmarked>(TRAINERS, limits.extrinsic)
	);
	assert!(largest >= TRAINERS, "only {largest} trainers fit a block");
	assert!(max >= TRAINERS, "the runtime caps rounds at {max} trainers");
	assert!(submissions_per_block::<Benchmarked>(TRAINERS, limits.extrinsic) >= 1);
}
