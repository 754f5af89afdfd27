//! Unsigned fixed-point numbers with nine decimal places.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// An unsigned fixed-point number: the value is `self.0 / 1_000_000_000`.
///
/// The runtime cannot use floating point, so every real-valued strategy parameter is stored in
/// this form; off-chain code converts it to `f64` before computing.
#[derive(
	Clone,
	Copy,
	Debug,
	Default,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Hash,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct Fixed9(pub u64);

impl Fixed9 {
	/// Number of raw units in 1.0.
	pub const SCALE: u64 = 1_000_000_000;
	/// The value 0.
	pub const ZERO: Fixed9 = Fixed9(0);
	/// The value 1.
	pub const ONE: Fixed9 = Fixed9(Self::SCALE);
	/// The value 0.5.
	pub const HALF: Fixed9 = Fixed9(Self::SCALE / 2);

	/// `n / 1e9`, for example `from_nanos(1)` is 1e-9.
	pub const fn from_nanos(n: u64) -> Self {
		Fixed9(n)
	}

	/// The whole number `n`, or `None` if it does not fit.
	pub const fn from_integer(n: u64) -> Option<Self> {
		match n.checked_mul(Self::SCALE) {
			Some(raw) => Some(Fixed9(raw)),
			None => None,
		}
	}

	/// `numerator / denominator` rounded down, or `None` if the denominator is zero or the
	/// result does not fit.
	pub const fn from_ratio(numerator: u64, denominator: u64) -> Option<Self> {
		if denominator == 0 {
			return None;
		}
		// 128-bit intermediate: numerator * 1e9 cannot overflow it.
		let raw = (numerator as u128) * (Self::SCALE as u128) / (denominator as u128);
		if raw > u64::MAX as u128 {
			None
		} else {
			Some(Fixed9(raw as u64))
		}
	}

	/// Whether the value is exactly zero.
	pub const fn is_zero(self) -> bool {
		self.0 == 0
	}

	/// Whether the value is strictly below 1.
	pub const fn is_below_one(self) -> bool {
		self.0 < Self::SCALE
	}

	/// `floor(self * n)` as an integer, computed exactly (no floating point).
	pub const fn mul_floor(self, n: u64) -> u64 {
		((self.0 as u128) * (n as u128) / (Self::SCALE as u128)) as u64
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn constructors_agree() {
		assert_eq!(Fixed9::from_integer(1), Some(Fixed9::ONE));
		assert_eq!(Fixed9::from_ratio(1, 2), Some(Fixed9::HALF));
		assert_eq!(Fixed9::from_ratio(1, 3), Some(Fixed9(333_333_333)));
		assert_eq!(Fixed9::from_ratio(1, 0), None);
		assert_eq!(Fixed9::from_integer(u64::MAX), None);
		assert_eq!(Fixed9::from_ratio(u64::MAX, 1), None);
	}

	#[test]
	fn mul_floor_rounds_down_exactly() {
		// 0.25 * 10 = 2.5 -> 2; 0.3 * 10 = 3 exactly (no float error).
		assert_eq!(Fixed9(250_000_000).mul_floor(10), 2);
		assert_eq!(Fixed9(300_000_000).mul_floor(10), 3);
		assert_eq!(Fixed9(u64::MAX).mul_floor(0), 0);
	}

	#[test]
	fn comparisons_to_one() {
		assert!(Fixed9(999_999_999).is_below_one());
		assert!(!Fixed9::ONE.is_below_one());
		assert!(Fixed9::ZERO.is_zero());
	}
}
