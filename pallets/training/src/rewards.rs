//! Reward, slash and reputation arithmetic, in integers only.
//!
//! Amounts are `u128` (the pallet converts its balance type at the edge). Every division rounds
//! down, so the sum of pro-rata payouts never exceeds the pot; what rounding leaves over (less
//! than one unit per payee) stays in the task's pool.
//!
//! * A trainer's weight is `consensus score × min(examples, example cap)`; the trainers' pot is
//!   shared in proportion to it among the accepted updates.
//! * An agreeing validator's weight is `stake × (1 − deviation from consensus)`.
//! * Selection weight is `bond × (reputation floor + reputation) / 2`: a newcomer at the
//!   initial reputation of 50% keeps a fair chance, and a participant whose reputation fell to
//!   zero keeps the floor's share of its bond.
//! * Reputation is an exponential moving average: `new = old + α × (sample − old)`.

use sp_runtime::{helpers_128bit::multiply_by_rational_with_rounding, Perbill, Rounding};

/// The part of `amount` given by `share`, rounded down.
pub fn portion(amount: u128, share: Perbill) -> u128 {
	share.mul_floor(amount)
}

/// A trainer's reward weight: consensus score (in parts per billion) × capped example count.
pub fn trainer_weight(score: Perbill, examples: u64, example_cap: u64) -> u128 {
	u128::from(score.deconstruct()) * u128::from(examples.min(example_cap))
}

/// An agreeing validator's reward weight: its stake scaled by its agreement with consensus.
pub fn validator_weight(stake: u128, deviation: Perbill) -> u128 {
	(Perbill::one() - deviation).mul_floor(stake)
}

/// `pot × weight / total`, rounded down; zero when `total` is zero.
///
/// `weight` is clamped to `total`, so the result never exceeds `pot`.
pub fn pro_rata(pot: u128, weight: u128, total: u128) -> u128 {
	if total == 0 || weight == 0 {
		return 0;
	}
	// With weight <= total the exact result is at most `pot`, so it always fits.
	multiply_by_rational_with_rounding(pot, weight.min(total), total, Rounding::Down).unwrap_or(0)
}

/// The amount a slash at `rate` takes from `bond`, rounded down (never more than the rate).
pub fn slash_amount(bond: u128, rate: Perbill) -> u128 {
	rate.mul_floor(bond)
}

/// The exponential moving average step `old + smoothing × (sample − old)`.
pub fn moving_average(old: Perbill, sample: Perbill, smoothing: Perbill) -> Perbill {
	const ONE: u64 = 1_000_000_000;
	let alpha = u64::from(smoothing.deconstruct());
	// Both products are at most 10^18 and their sum at most 10^18 (weights sum to one).
	let blended =
		u64::from(old.deconstruct()) * (ONE - alpha) + u64::from(sample.deconstruct()) * alpha;
	Perbill::from_parts((blended / ONE) as u32)
}

/// A candidate's selection weight: `bond × (floor + reputation) / 2`, rounded down.
pub fn selection_weight(bond: u128, reputation: Perbill, floor: Perbill) -> u128 {
	let factor = u128::from(floor.deconstruct()) + u128::from(reputation.deconstruct());
	multiply_by_rational_with_rounding(bond, factor, 2_000_000_000, Rounding::Down).unwrap_or(bond)
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	#[test]
	fn worked_example() {
		// Budget 1000, trainers get 70%: 700 shared 3:1 between scores 60% and 20% (equal
		// examples) gives 525 and 175.
		let pot = portion(1_000, Perbill::from_percent(70));
		assert_eq!(pot, 700);
		let a = trainer_weight(Perbill::from_percent(60), 100, 1_000);
		let b = trainer_weight(Perbill::from_percent(20), 100, 1_000);
		assert_eq!(pro_rata(pot, a, a + b), 525);
		assert_eq!(pro_rata(pot, b, a + b), 175);
	}

	#[test]
	fn example_cap_limits_weight() {
		let capped = trainer_weight(Perbill::one(), 1_000_000, 500);
		assert_eq!(capped, 500 * 1_000_000_000);
	}

	#[test]
	fn validator_weight_falls_with_deviation() {
		assert_eq!(validator_weight(1_000, Perbill::zero()), 1_000);
		assert_eq!(validator_weight(1_000, Perbill::from_percent(25)), 750);
		assert_eq!(validator_weight(1_000, Perbill::one()), 0);
	}

	#[test]
	fn pro_rata_edge_cases() {
		assert_eq!(pro_rata(100, 0, 10), 0);
		assert_eq!(pro_rata(100, 5, 0), 0);
		assert_eq!(pro_rata(100, 50, 10), 100, "weight clamps to the total");
		assert_eq!(pro_rata(u128::MAX, u128::MAX, u128::MAX), u128::MAX);
	}

	#[test]
	fn moving_average_steps_toward_the_sample() {
		let alpha = Perbill::from_percent(20);
		let half = Perbill::from_percent(50);
		assert_eq!(
			moving_average(half, Perbill::one(), alpha),
			Perbill::from_percent(60)
		);
		assert_eq!(
			moving_average(half, Perbill::zero(), alpha),
			Perbill::from_percent(40)
		);
		assert_eq!(moving_average(half, half, alpha), half);
	}

	#[test]
	fn selection_weight_formula() {
		// Floor 10%, reputation 50%: (0.1 + 0.5) / 2 = 30% of the bond.
		let weight = selection_weight(1_000, Perbill::from_percent(50), Perbill::from_percent(10));
		assert_eq!(weight, 300);
		assert_eq!(
			selection_weight(1_000, Perbill::zero(), Perbill::from_percent(10)),
			50
		);
		assert_eq!(
			selection_weight(u128::MAX, Perbill::one(), Perbill::one()),
			u128::MAX
		);
	}

	proptest! {
		#[test]
		fn payouts_never_exceed_the_pot_and_leak_less_than_one_per_payee(
			pot in any::<u128>(),
			weights in proptest::collection::vec(0u128..u128::MAX / 4096, 1..200),
		) {
			let total: u128 = weights.iter().sum();
			let paid: u128 = weights.iter().map(|w| pro_rata(pot, *w, total)).sum();
			prop_assert!(paid <= pot);
			if total > 0 {
				prop_assert!(pot - paid < weights.len() as u128);
			}
		}

		#[test]
		fn trainer_payouts_stay_within_the_budget(
			budget in any::<u64>(),
			split in (0u32..=333_333_333, 0u32..=333_333_333, 0u32..=333_333_334),
			updates in proptest::collection::vec((0u32..=1_000_000_000, any::<u64>()), 1..100),
			cap in 1u64..u64::MAX,
		) {
			let (t, v, a) = split;
			let budget = u128::from(budget);
			let trainers = portion(budget, Perbill::from_parts(t));
			let validators = portion(budget, Perbill::from_parts(v));
			let aggregator = portion(budget, Perbill::from_parts(a));
			prop_assert!(trainers + validators + aggregator <= budget);

			let weights: Vec<u128> = updates
				.iter()
				.map(|(score, examples)| trainer_weight(Perbill::from_parts(*score), *examples, cap))
				.collect();
			let total: u128 = weights.iter().sum();
			let paid: u128 = weights.iter().map(|w| pro_rata(trainers, *w, total)).sum();
			prop_assert!(paid <= trainers);
		}

		#[test]
		fn moving_average_stays_between_old_and_sample(
			old in 0u32..=1_000_000_000,
			sample in 0u32..=1_000_000_000,
			alpha in 0u32..=1_000_000_000,
		) {
			let new = moving_average(
				Perbill::from_parts(old),
				Perbill::from_parts(sample),
				Perbill::from_parts(alpha),
			)
			.deconstruct();
			prop_assert!(new >= old.min(sample) && new <= old.max(sample));
		}

		#[test]
		fn slash_never_exceeds_the_bond_or_the_rate(bond in any::<u128>(), rate in 0u32..=1_000_000_000) {
			let taken = slash_amount(bond, Perbill::from_parts(rate));
			prop_assert!(taken <= bond);
			prop_assert!(taken <= Perbill::from_parts(rate).mul_ceil(bond));
		}

		#[test]
		fn selection_weight_grows_with_reputation(
			bond in any::<u64>(),
			low in 0u32..=1_000_000_000,
			high in 0u32..=1_000_000_000,
			floor in 0u32..=1_000_000_000,
		) {
			let (low, high) = (low.min(high), low.max(high));
			let floor = Perbill::from_parts(floor);
			let bond = u128::from(bond);
			let w_low = selection_weight(bond, Perbill::from_parts(low), floor);
			let w_high = selection_weight(bond, Perbill::from_parts(high), floor);
			prop_assert!(w_low <= w_high && w_high <= bond);
		}
	}
}
