//! Coordinate-wise trimmed mean (Yin et al. 2018).

use super::{kernels, ChunkInputs, Scratch, Strategy};
use crate::error::Result;
use decentralml_primitives::Fixed9;

/// Drops the `floor(beta * K)` smallest and largest values of each coordinate and averages the
/// rest, unweighted. The cut is computed in exact integer arithmetic from the fixed-point beta.
#[derive(Clone, Copy, Debug)]
pub struct TrimmedMean {
	/// Fraction cut from each end, < 0.5.
	pub beta: Fixed9,
}

impl TrimmedMean {
	/// Values cut from each end for `count` clients.
	pub fn cut(&self, count: usize) -> usize {
		self.beta.mul_floor(count as u64) as usize
	}
}

impl Strategy for TrimmedMean {
	fn name(&self) -> &'static str {
		"TrimmedMean"
	}

	fn propagates_non_finite(&self) -> bool {
		false
	}

	fn combine(
		&self,
		inputs: &ChunkInputs<'_>,
		scratch: &mut Scratch,
		out: &mut [f64],
	) -> Result<()> {
		let cut = self.cut(inputs.clients.len());
		kernels::for_each_column(inputs, scratch, out, |column, _| {
			kernels::sort_total(column);
			kernels::mean(&column[cut..column.len() - cut])
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::strategy::test_support::combine;

	#[test]
	fn trims_both_ends() {
		// K = 5, beta = 0.2 -> cut 1: mean of 2, 3, 4.
		let strategy = TrimmedMean {
			beta: Fixed9(200_000_000),
		};
		assert_eq!(strategy.cut(5), 1);
		let out = combine(&strategy, &[vec![-100.0, 3.0, 2.0, 100.0, 4.0]], &[1.0; 5]).unwrap();
		assert_eq!(out, vec![3.0]);
	}

	#[test]
	fn zero_beta_is_the_plain_mean() {
		let strategy = TrimmedMean { beta: Fixed9::ZERO };
		let out = combine(&strategy, &[vec![1.0, 2.0, 6.0]], &[9.0, 1.0, 1.0]).unwrap();
		assert_eq!(out, vec![3.0]);
	}
}
