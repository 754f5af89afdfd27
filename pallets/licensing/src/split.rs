//! Exact proportional division of an amount: the shares always add up to the amount.
//!
//! Every share is first rounded down; the units left over (fewer than the number of positive
//! weights) then go one each to the largest fractional remainders, ties broken by position
//! (earlier first). The result is deterministic, never leaks a unit, is within one unit of the
//! exact proportional share, and gives nothing to a zero weight. Products and remainders are
//! computed in 256 bits, so no weight or amount can overflow.

use alloc::vec::Vec;
use sp_core::U256;

/// Divides `amount` in proportion to `weights`: `shares[i] ≈ amount × weights[i] / Σ weights`.
///
/// Returns `None` when the weights add up to zero (there is nobody to pay); otherwise one share
/// per weight, in order, adding up to exactly `amount`.
///
/// ```
/// use pallet_licensing::split::split_exactly;
///
/// // 100 among three equal weights: 33 each, and the leftover unit goes to the first.
/// assert_eq!(split_exactly(100, &[1, 1, 1]), Some(vec![34, 33, 33]));
/// // 10 by 1 : 2 : 0 — exact shares 3.33, 6.67, 0; the larger remainder gets the unit.
/// assert_eq!(split_exactly(10, &[1, 2, 0]), Some(vec![3, 7, 0]));
/// assert_eq!(split_exactly(10, &[0, 0]), None);
/// ```
pub fn split_exactly(amount: u128, weights: &[u128]) -> Option<Vec<u128>> {
	let total = weights
		.iter()
		.fold(U256::zero(), |sum, weight| sum + U256::from(*weight));
	if total.is_zero() {
		return None;
	}
	let amount_wide = U256::from(amount);
	let mut shares = Vec::with_capacity(weights.len());
	let mut remainders = Vec::with_capacity(weights.len());
	let mut assigned: u128 = 0;
	for (index, weight) in weights.iter().enumerate() {
		let product = amount_wide * U256::from(*weight);
		// `weight ≤ total`, so the floor is at most `amount` and fits in 128 bits.
		let share = (product / total).low_u128();
		shares.push(share);
		assigned = assigned.saturating_add(share);
		let remainder = product % total;
		if !remainder.is_zero() {
			remainders.push((remainder, index));
		}
	}
	// Σ floor(amount × wᵢ / W) ≤ amount, and the shortfall is Σ remainders / W, which is
	// below the number of non-zero remainders: every leftover unit finds a distinct recipient.
	let leftover = amount.saturating_sub(assigned);
	remainders.sort_unstable_by(|(a, i), (b, j)| b.cmp(a).then(i.cmp(j)));
	let leftover = usize::try_from(leftover).unwrap_or(usize::MAX);
	for (_, index) in remainders.into_iter().take(leftover) {
		shares[index] = shares[index].saturating_add(1);
	}
	Some(shares)
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	#[test]
	fn a_single_weight_takes_everything() {
		assert_eq!(split_exactly(u128::MAX, &[7]), Some(vec![u128::MAX]));
		assert_eq!(split_exactly(0, &[7, 0]), Some(vec![0, 0]));
	}

	#[test]
	fn no_weight_means_no_split() {
		assert_eq!(split_exactly(5, &[]), None);
		assert_eq!(split_exactly(5, &[0, 0, 0]), None);
	}

	#[test]
	fn ties_go_to_the_earlier_position() {
		assert_eq!(split_exactly(2, &[1, 1, 1]), Some(vec![1, 1, 0]));
		assert_eq!(split_exactly(1, &[0, 5, 5]), Some(vec![0, 1, 0]));
	}

	#[test]
	fn the_largest_remainder_wins_over_position() {
		// Exact shares: 1.5 and 8.5 → both remainders 0.5 (tie) for 10 by 3 : 17.
		assert_eq!(split_exactly(10, &[3, 17]), Some(vec![2, 8]));
		// 5 by 1 : 4 : 5 → 0.5, 2, 2.5: one unit left, the first and last tie at 0.5.
		assert_eq!(split_exactly(5, &[1, 4, 5]), Some(vec![1, 2, 2]));
		// 7 by 1 : 2 → 2.33, 4.67: the second's larger remainder takes the unit.
		assert_eq!(split_exactly(7, &[1, 2]), Some(vec![2, 5]));
	}

	#[test]
	fn huge_weights_do_not_overflow() {
		let shares = split_exactly(u128::MAX, &[u128::MAX, u128::MAX, 1]).expect("weights");
		assert_eq!(shares.iter().sum::<u128>(), u128::MAX);
		assert_eq!(shares[2], 1);
	}

	fn weights() -> impl Strategy<Value = Vec<u128>> {
		prop_oneof![
			proptest::collection::vec(0u128..1_000, 1..40),
			proptest::collection::vec(any::<u128>(), 1..40),
			proptest::collection::vec(prop_oneof![Just(0u128), 1u128..4], 1..200),
		]
	}

	fn amount() -> impl Strategy<Value = u128> {
		prop_oneof![
			0u128..1_000,
			any::<u64>().prop_map(u128::from),
			any::<u128>()
		]
	}

	proptest! {
		#![proptest_config(ProptestConfig::with_cases(512))]

		/// The shares add up to the amount: nothing leaks, nothing is created.
		#[test]
		fn shares_sum_to_the_amount(amount in amount(), weights in weights()) {
			let total: U256 = weights.iter().fold(U256::zero(), |s, w| s + U256::from(*w));
			match split_exactly(amount, &weights) {
				None => prop_assert!(total.is_zero()),
				Some(shares) => {
					prop_assert_eq!(shares.len(), weights.len());
					let sum = shares.iter().fold(U256::zero(), |s, x| s + U256::from(*x));
					prop_assert_eq!(sum, U256::from(amount));
				},
			}
		}

		/// Each share is within one unit of the exact proportional share, and zero weights
		/// get zero.
		#[test]
		fn shares_are_proportional_within_one_unit(amount in amount(), weights in weights()) {
			let total: U256 = weights.iter().fold(U256::zero(), |s, w| s + U256::from(*w));
			if let Some(shares) = split_exactly(amount, &weights) {
				for (share, weight) in shares.iter().zip(&weights) {
					let exact_times_total = U256::from(amount) * U256::from(*weight);
					let scaled = U256::from(*share) * total;
					// |share - exact| < 1  ⇔  |share × W - amount × w| < W
					let gap = if scaled > exact_times_total {
						scaled - exact_times_total
					} else {
						exact_times_total - scaled
					};
					prop_assert!(gap < total);
					if *weight == 0 {
						prop_assert_eq!(*share, 0);
					}
				}
			}
		}

		/// A larger weight never gets a smaller share.
		#[test]
		fn shares_follow_the_weights(amount in amount(), weights in weights()) {
			if let Some(shares) = split_exactly(amount, &weights) {
				for i in 0..weights.len() {
					for j in 0..weights.len() {
						if weights[i] > weights[j] {
							prop_assert!(shares[i] >= shares[j]);
						}
					}
				}
			}
		}
	}
}
