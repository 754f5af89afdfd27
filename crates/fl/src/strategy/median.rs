//! FedMedian (Yin et al. 2018): the coordinate-wise median of the client weights.

use super::{kernels, ChunkInputs, Scratch, Strategy};
use crate::error::Result;

/// Coordinate-wise median, unweighted; the mean of the two middle values for an even count.
#[derive(Clone, Copy, Debug, Default)]
pub struct FedMedian;

impl Strategy for FedMedian {
	fn name(&self) -> &'static str {
		"FedMedian"
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
		kernels::for_each_column(inputs, scratch, out, |column, _| kernels::median(column))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::strategy::test_support::combine;

	#[test]
	fn ignores_an_outlier_and_weights() {
		let columns = [vec![1.0, 2.0, 1000.0], vec![-5.0, 3.0, 4.0]];
		let out = combine(&FedMedian, &columns, &[1.0, 1.0, 50.0]).unwrap();
		assert_eq!(out, vec![2.0, 3.0]);
	}

	#[test]
	fn rejects_non_finite_inputs() {
		let err = combine(&FedMedian, &[vec![1.0, f64::NAN, 2.0]], &[1.0; 3]).unwrap_err();
		assert_eq!(
			err.to_string(),
			"participant 1: tensor `w` element 0 is NaN, not finite"
		);
	}
}
