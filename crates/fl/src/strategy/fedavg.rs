//! FedAvg (McMahan et al. 2017): the example-weighted mean of the clients' weights.

use super::{kernels, ChunkInputs, Scratch, Strategy};
use crate::error::Result;

/// Example-weighted mean of the client weights; the new global model is that mean.
#[derive(Clone, Copy, Debug, Default)]
pub struct FedAvg;

impl Strategy for FedAvg {
	fn name(&self) -> &'static str {
		"FedAvg"
	}

	fn combine(&self, inputs: &ChunkInputs<'_>, _: &mut Scratch, out: &mut [f64]) -> Result<()> {
		kernels::weighted_mean(inputs, out);
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::strategy::test_support::combine;

	#[test]
	fn weights_by_example_count() {
		// Element 0: (1*1 + 3*5) / 4 = 4; element 1: (1*2 + 3*-2) / 4 = -1.
		let out = combine(&FedAvg, &[vec![1.0, 5.0], vec![2.0, -2.0]], &[1.0, 3.0]).unwrap();
		assert_eq!(out, vec![4.0, -1.0]);
	}
}
