//! Fixed-point quantisation into a ring of integers modulo 2^bits.
//!
//! A value is clipped to `[-range, range]` and mapped to the nearest of `levels + 1` integer
//! levels `0..=levels`; sums of quantised values are taken modulo `2^bits`, which is exact as
//! long as `clients * levels < 2^bits` (checked by [`super::SecAggParams::validate`]). The
//! defaults follow Flower's SecAgg+: range 8, 2^22 levels, modulus 2^32.

use serde::{Deserialize, Serialize};

/// Quantiser for one SecAgg+ session.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Quantizer {
	/// Clipping range R: values are clipped to `[-R, R]`.
	pub range: f64,
	/// Number of quantisation steps L: levels are `0..=L`.
	pub levels: u32,
}

impl Quantizer {
	/// Width of one quantisation step, `2R / L`.
	pub fn step(&self) -> f64 {
		2.0 * self.range / f64::from(self.levels)
	}

	/// The level of `x` (round half up after clipping). `x` must be finite.
	pub fn quantize(&self, x: f32) -> u32 {
		let clipped = f64::from(x).clamp(-self.range, self.range);
		let level = ((clipped + self.range) / self.step() + 0.5).floor();
		// In [0, levels] by the clamp above; the min guards rounding at the top edge.
		(level as u32).min(self.levels)
	}

	/// The sum of `count` original values given the sum of their levels.
	pub fn dequantize_sum(&self, level_sum: u64, count: usize) -> f64 {
		level_sum as f64 * self.step() - count as f64 * self.range
	}

	/// Largest error of one value (inside the range) after a round trip: half a step.
	pub fn max_error(&self) -> f64 {
		self.step() / 2.0
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	const Q: Quantizer = Quantizer {
		range: 8.0,
		levels: 1 << 22,
	};

	#[test]
	fn endpoints_and_clipping() {
		assert_eq!(Q.quantize(-8.0), 0);
		assert_eq!(Q.quantize(8.0), 1 << 22);
		assert_eq!(Q.quantize(100.0), 1 << 22);
		assert_eq!(Q.quantize(0.0), 1 << 21);
	}

	proptest! {
		#[test]
		fn round_trip_error_is_at_most_half_a_step(values in proptest::collection::vec(-8.0f32..=8.0, 1..20)) {
			let sum: u64 = values.iter().map(|v| u64::from(Q.quantize(*v))).sum();
			let exact: f64 = values.iter().map(|v| f64::from(*v)).sum();
			let error = (Q.dequantize_sum(sum, values.len()) - exact).abs();
			prop_assert!(error <= values.len() as f64 * Q.max_error() * (1.0 + 1e-9));
		}
	}
}
