//! Score consensus: the stake-weighted median per update and each validator's deviation from it.
//!
//! The median is robust: validators holding less than half of the revealing stake cannot move
//! an update's consensus score outside the range of the scores the others revealed, however
//! they collude. Ties are resolved deterministically by taking the *lower* weighted median: the
//! smallest revealed score at which the cumulative stake of scores at or below it reaches half
//! of the total.

use alloc::vec::Vec;
use sp_runtime::Perbill;

/// One validator's revealed scores, weighted by its stake.
#[derive(Clone, Copy, Debug)]
pub struct WeightedReveal<'a> {
	/// The validator's stake (its bond when selected).
	pub stake: u128,
	/// One score per update, in the canonical order of submitters.
	pub scores: &'a [Perbill],
}

/// The lower stake-weighted median of `samples` (`(score, stake)` pairs), or `None` if empty.
///
/// If every stake is zero each sample counts once, so the result is still a median.
pub fn weighted_median(samples: &mut [(Perbill, u128)]) -> Option<Perbill> {
	if samples.is_empty() {
		return None;
	}
	samples.sort_unstable_by_key(|(score, _)| *score);
	let total = samples
		.iter()
		.fold(0u128, |sum, (_, stake)| sum.saturating_add(*stake));
	let (total, unweighted) = if total == 0 {
		(samples.len() as u128, true)
	} else {
		(total, false)
	};
	// `2 × cumulative >= total`, written so that it cannot overflow.
	let half = total / 2 + total % 2;
	let mut cumulative: u128 = 0;
	for (score, stake) in samples.iter() {
		cumulative = cumulative.saturating_add(if unweighted { 1 } else { *stake });
		if cumulative >= half {
			return Some(*score);
		}
	}
	samples.last().map(|(score, _)| *score)
}

/// The consensus score of each of `updates` updates from the revealed score vectors.
///
/// Every reveal must hold exactly `updates` scores (the pallet checks this when it accepts a
/// reveal); a shorter one simply does not vote on the missing updates.
pub fn consensus_scores(reveals: &[WeightedReveal<'_>], updates: usize) -> Vec<Perbill> {
	let mut column: Vec<(Perbill, u128)> = Vec::with_capacity(reveals.len());
	(0..updates)
		.map(|update| {
			column.clear();
			column.extend(
				reveals
					.iter()
					.filter_map(|reveal| reveal.scores.get(update).map(|s| (*s, reveal.stake))),
			);
			weighted_median(&mut column).unwrap_or_else(Perbill::zero)
		})
		.collect()
}

/// The mean absolute difference between a validator's scores and the consensus scores.
///
/// Zero when there is nothing to compare.
pub fn mean_absolute_deviation(scores: &[Perbill], consensus: &[Perbill]) -> Perbill {
	let compared = scores.len().min(consensus.len());
	if compared == 0 {
		return Perbill::zero();
	}
	let total: u64 = scores
		.iter()
		.zip(consensus)
		.map(|(a, b)| u64::from(a.deconstruct().abs_diff(b.deconstruct())))
		.sum();
	// Each term is at most 10^9 and there are at most a few thousand: no overflow, and the
	// mean is at most 10^9, a valid Perbill.
	Perbill::from_parts((total / compared as u64) as u32)
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	fn p(percent: u32) -> Perbill {
		Perbill::from_percent(percent)
	}

	#[test]
	fn median_of_equal_stakes_is_the_lower_middle() {
		let mut samples = vec![(p(30), 1), (p(10), 1), (p(20), 1), (p(40), 1)];
		assert_eq!(weighted_median(&mut samples), Some(p(20)));
		let mut odd = vec![(p(30), 5), (p(10), 5), (p(20), 5)];
		assert_eq!(weighted_median(&mut odd), Some(p(20)));
	}

	#[test]
	fn heavy_stake_pulls_the_median() {
		let mut samples = vec![(p(90), 10), (p(10), 1), (p(20), 1), (p(30), 1)];
		assert_eq!(weighted_median(&mut samples), Some(p(90)));
	}

	#[test]
	fn zero_stakes_fall_back_to_counting() {
		let mut samples = vec![(p(50), 0), (p(10), 0), (p(70), 0)];
		assert_eq!(weighted_median(&mut samples), Some(p(50)));
		assert_eq!(weighted_median(&mut []), None);
	}

	#[test]
	fn colluding_minority_cannot_move_consensus() {
		// Three honest validators (stake 10 each) score ~80%; two colluders (stake 10 each)
		// claim 0% to sink the update.
		let honest = [p(80), p(82), p(78)];
		let mut samples: Vec<(Perbill, u128)> = honest.iter().map(|s| (*s, 10)).collect();
		samples.extend([(p(0), 10), (p(0), 10)]);
		let median = weighted_median(&mut samples).unwrap();
		assert!(median >= p(78) && median <= p(82), "median {median:?}");
	}

	#[test]
	fn consensus_and_deviation_over_a_matrix() {
		let a = [p(10), p(90)];
		let b = [p(20), p(80)];
		let c = [p(30), p(70)];
		let reveals = [
			WeightedReveal {
				stake: 1,
				scores: &a,
			},
			WeightedReveal {
				stake: 1,
				scores: &b,
			},
			WeightedReveal {
				stake: 1,
				scores: &c,
			},
		];
		let consensus = consensus_scores(&reveals, 2);
		assert_eq!(consensus, vec![p(20), p(80)]);
		assert_eq!(mean_absolute_deviation(&a, &consensus), p(10));
		assert_eq!(mean_absolute_deviation(&b, &consensus), p(0));
		assert_eq!(mean_absolute_deviation(&[], &consensus), p(0));
	}

	fn samples() -> impl Strategy<Value = Vec<(Perbill, u128)>> {
		proptest::collection::vec(
			(
				(0u32..=1_000_000_000).prop_map(Perbill::from_parts),
				0u128..1_000_000,
			),
			1..40,
		)
	}

	proptest! {
		#[test]
		fn median_is_a_sample_with_half_the_stake_on_each_side(mut s in samples()) {
			let median = weighted_median(&mut s.clone()).unwrap();
			prop_assert!(s.iter().any(|(score, _)| *score == median));
			let total: u128 = s.iter().map(|(_, w)| *w).sum();
			if total > 0 {
				let at_or_below: u128 = s.iter().filter(|(x, _)| *x <= median).map(|(_, w)| *w).sum();
				let at_or_above: u128 = s.iter().filter(|(x, _)| *x >= median).map(|(_, w)| *w).sum();
				prop_assert!(2 * at_or_below >= total);
				prop_assert!(2 * at_or_above >= total);
			}
			// Order of reveals does not matter.
			s.reverse();
			prop_assert_eq!(weighted_median(&mut s), Some(median));
		}

		#[test]
		fn minority_cannot_escape_the_honest_range(
			honest in samples(),
			attack in (0u32..=1_000_000_000).prop_map(Perbill::from_parts),
			attackers in 1usize..10,
		) {
			let honest_total: u128 = honest.iter().map(|(_, w)| *w).sum();
			prop_assume!(honest_total > 2);
			// Attackers together hold strictly less than the honest stake.
			let each = (honest_total - 1) / attackers as u128;
			let mut all = honest.clone();
			all.extend(core::iter::repeat_n((attack, each), attackers));
			let median = weighted_median(&mut all).unwrap();
			let honest_positive: Vec<Perbill> =
				honest.iter().filter(|(_, w)| *w > 0).map(|(x, _)| *x).collect();
			let low = *honest_positive.iter().min().unwrap();
			let high = *honest_positive.iter().max().unwrap();
			prop_assert!(median >= low && median <= high);
		}

		#[test]
		fn deviation_is_bounded_and_zero_against_itself(
			scores in proptest::collection::vec((0u32..=1_000_000_000).prop_map(Perbill::from_parts), 0..100),
			other in proptest::collection::vec((0u32..=1_000_000_000).prop_map(Perbill::from_parts), 0..100),
		) {
			prop_assert_eq!(mean_absolute_deviation(&scores, &scores), Perbill::zero());
			let _ = mean_absolute_deviation(&scores, &other); // never panics, always a Perbill
		}
	}
}
