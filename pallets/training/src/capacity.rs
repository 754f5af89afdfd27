//! How large a round a block can carry, derived from a [`WeightInfo`].
//!
//! A round never needs one block to do all its work: each hook transition runs on its own,
//! trainers are settled in batches, and submissions are separate extrinsics. A round of `k`
//! trainers and `v` validators therefore *fits* when
//!
//! * every hook transition for it (selection over the roster, consensus over `k × v` scores,
//!   a settlement batch, validator settlement, halting the round while the protocol is
//!   paused) fits the hook's budget, and
//! * every extrinsic it needs (`submit_update` with `k` trainers, `reveal_scores` of `k` scores,
//!   governance aborting it) fits the normal dispatch class of one block.
//!
//! [`largest_round`] finds the largest such `k` for any weights, so the figure can be
//! recomputed from the weights the benchmark CLI generates.

use crate::WeightInfo;
use frame_support::weights::Weight;

/// The limits a round must respect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockLimits {
	/// What `on_initialize` may spend on rounds (`MaxHookWeight`).
	pub hook: Weight,
	/// What one normal-class extrinsic may weigh.
	pub extrinsic: Weight,
}

/// The shape of the rounds being sized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoundShape {
	/// Validators per round.
	pub validators: u32,
	/// Registered participants besides the `k` trainers (other trainers, validators,
	/// aggregators): selection reads the whole roster.
	pub other_registered: u32,
	/// Trainers settled per block (`SettlementBatch`).
	pub settlement_batch: u32,
}

/// The heaviest hook transition of a round with `k` trainers.
pub fn heaviest_transition<W: WeightInfo>(k: u32, shape: &RoundShape) -> Weight {
	let v = shape.validators;
	[
		W::start_round(k.saturating_add(shape.other_registered)),
		W::complete_task(),
		W::close_training(),
		W::close_commit(),
		W::close_reveal(k, v),
		W::close_aggregation(),
		W::settle_trainers(k.min(shape.settlement_batch)),
		W::settle_validators(v),
		W::halt_task(k),
	]
	.into_iter()
	.fold(Weight::zero(), |heaviest, weight| heaviest.max(weight))
}

/// The heaviest extrinsic of a round with `k` trainers.
pub fn heaviest_extrinsic<W: WeightInfo>(k: u32, shape: &RoundShape) -> Weight {
	[
		W::submit_update(k),
		W::reveal_scores(k),
		W::commit_scores(),
		W::submit_aggregate(),
		W::attest_aggregate(),
		W::pause_task(k),
		W::cancel_task(k),
	]
	.into_iter()
	.fold(Weight::zero(), |heaviest, weight| heaviest.max(weight))
	.max(W::join(k.saturating_add(shape.other_registered)))
}

/// Whether a round of `k` trainers fits `limits`.
pub fn fits<W: WeightInfo>(k: u32, shape: &RoundShape, limits: &BlockLimits) -> bool {
	heaviest_transition::<W>(k, shape).all_lte(limits.hook)
		&& heaviest_extrinsic::<W>(k, shape).all_lte(limits.extrinsic)
}

/// The largest `k <= max_trainers` for which a round fits, or `None` if not even one trainer
/// does. Weights grow with `k`, so a binary search finds it.
pub fn largest_round<W: WeightInfo>(
	max_trainers: u32,
	shape: &RoundShape,
	limits: &BlockLimits,
) -> Option<u32> {
	if !fits::<W>(1, shape, limits) {
		return None;
	}
	let (mut fitting, mut failing) = (1u32, max_trainers.saturating_add(1));
	while failing - fitting > 1 {
		let middle = fitting + (failing - fitting) / 2;
		if fits::<W>(middle, shape, limits) {
			fitting = middle;
		} else {
			failing = middle;
		}
	}
	Some(fitting)
}

/// How many `submit_update` extrinsics of a `k`-trainer round fit one block's `budget`.
pub fn submissions_per_block<W: WeightInfo>(k: u32, budget: Weight) -> u64 {
	let each = W::submit_update(k);
	if each.ref_time() == 0 {
		return u64::MAX;
	}
	budget.ref_time() / each.ref_time()
}

#[cfg(test)]
mod tests {
	use super::*;
	use frame_support::weights::constants::WEIGHT_REF_TIME_PER_SECOND;

	/// A 6-second block of the DecentralML runtime: 2 s of compute, 75% for normal
	/// extrinsics; the hook gets half of the block.
	fn six_second_block() -> BlockLimits {
		let second = WEIGHT_REF_TIME_PER_SECOND;
		// Proof size is unbounded on a solochain.
		BlockLimits {
			hook: Weight::from_parts(second, u64::MAX),
			extrinsic: Weight::from_parts(2 * second * 3 / 4, u64::MAX),
		}
	}

	fn shape() -> RoundShape {
		RoundShape {
			validators: 16,
			other_registered: 17,
			settlement_batch: 128,
		}
	}

	#[test]
	fn the_reference_round_fits_a_six_second_block_with_the_placeholder_weights() {
		let limits = six_second_block();
		assert!(fits::<()>(1_024, &shape(), &limits));
		let largest = largest_round::<()>(100_000, &shape(), &limits).unwrap();
		assert!(largest >= 1_024);
		assert!(!fits::<()>(largest + 1, &shape(), &limits));
		assert!(submissions_per_block::<()>(1_024, limits.extrinsic) > 1_024);
	}

	#[test]
	fn nothing_fits_a_zero_budget() {
		let limits = BlockLimits {
			hook: Weight::zero(),
			extrinsic: Weight::zero(),
		};
		assert_eq!(largest_round::<()>(1_024, &shape(), &limits), None);
	}

	#[test]
	fn the_search_stops_at_the_configured_maximum() {
		let limits = BlockLimits {
			hook: Weight::MAX,
			extrinsic: Weight::MAX,
		};
		assert_eq!(largest_round::<()>(1_024, &shape(), &limits), Some(1_024));
	}

	/// Prints the capacity figure for the weights in use and its ratio to the block budget.
	/// Run with `cargo test -p pallet-training capacity_report -- --ignored --nocapture`.
	#[test]
	#[ignore = "report, not a check"]
	fn capacity_report() {
		let limits = six_second_block();
		let shape = shape();
		let largest = largest_round::<()>(1_000_000, &shape, &limits).unwrap_or(0);
		let transition = heaviest_transition::<()>(1_024, &shape);
		let extrinsic = heaviest_extrinsic::<()>(1_024, &shape);
		println!("weights: placeholder estimates (weights.rs `()`), v = 16, batch = 128");
		println!("largest round per 6 s block: {largest} trainers");
		println!(
			"k = 1024: heaviest transition {:.1} ms = {:.3} of the hook budget; heaviest \
			 extrinsic {:.1} ms = {:.3} of the normal class",
			transition.ref_time() as f64 / 1e9,
			transition.ref_time() as f64 / limits.hook.ref_time() as f64,
			extrinsic.ref_time() as f64 / 1e9,
			extrinsic.ref_time() as f64 / limits.extrinsic.ref_time() as f64,
		);
		println!(
			"submissions per block at k = 1024: {}",
			submissions_per_block::<()>(1_024, limits.extrinsic)
		);
	}
}
