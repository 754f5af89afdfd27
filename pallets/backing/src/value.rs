//! Valuation arithmetic: how much a stake counts in common value units.
//!
//! Stakes in different assets are compared through a governance-set valuation per asset, a
//! [`FixedU128`] of value units per unit of the asset. All results are rounded down and
//! saturate instead of overflowing, so a wildly over-valued asset can at worst pin a task at
//! `u128::MAX`, never wrap around.

use sp_runtime::{traits::Zero, FixedPointNumber, FixedU128};

/// The value of `amount` units of an asset worth `valuation` value units each, rounded down.
///
/// ```
/// use pallet_backing::value::stake_value;
/// use sp_runtime::FixedU128;
///
/// assert_eq!(stake_value(1_000, FixedU128::from_rational(1, 2)), 500);
/// assert_eq!(stake_value(3, FixedU128::from_rational(1, 2)), 1);
/// assert_eq!(stake_value(1_000, FixedU128::from_u32(0)), 0);
/// ```
pub fn stake_value(amount: u128, valuation: FixedU128) -> u128 {
	if valuation.is_zero() {
		return 0;
	}
	valuation.saturating_mul_int(amount)
}

/// The sum of `(amount, valuation)` pairs' values, saturating at `u128::MAX`.
pub fn total_value(stakes: impl IntoIterator<Item = (u128, FixedU128)>) -> u128 {
	stakes
		.into_iter()
		.map(|(amount, valuation)| stake_value(amount, valuation))
		.fold(Zero::zero(), u128::saturating_add)
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	#[test]
	fn unit_valuation_is_the_identity() {
		assert_eq!(stake_value(u128::MAX, FixedU128::from_u32(1)), u128::MAX);
		assert_eq!(stake_value(0, FixedU128::from_u32(1)), 0);
	}

	#[test]
	fn huge_valuations_saturate() {
		assert_eq!(stake_value(u128::MAX, FixedU128::from_u32(2)), u128::MAX);
		assert_eq!(
			total_value([
				(u128::MAX, FixedU128::from_u32(1)),
				(1, FixedU128::from_u32(1))
			]),
			u128::MAX
		);
	}

	proptest! {
		/// The value is the exact product rounded down: within one unit below it.
		#[test]
		fn value_is_the_floor_of_the_product(amount in 0u128..(1u128 << 60), inner in 0u128..(1u128 << 66)) {
			let valuation = FixedU128::from_inner(inner);
			// The bounds keep the product below 2^126, so plain integers compute the reference.
			let exact_times_div = amount * inner;
			let expected = exact_times_div / FixedU128::DIV;
			prop_assert_eq!(stake_value(amount, valuation), expected);
		}

		/// More stake never counts for less.
		#[test]
		fn value_is_monotonic(a in any::<u64>(), b in any::<u64>(), inner in any::<u64>()) {
			let valuation = FixedU128::from_inner(inner.into());
			let (low, high) = if a <= b { (a, b) } else { (b, a) };
			prop_assert!(stake_value(low.into(), valuation) <= stake_value(high.into(), valuation));
		}
	}
}
