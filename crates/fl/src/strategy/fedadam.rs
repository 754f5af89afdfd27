//! FedAdam (Reddi et al. 2021): FedAvg followed by a server Adam step.

use super::{fixed_to_f64, kernels, ChunkInputs, Scratch, Strategy};
use crate::error::Result;
use decentralml_primitives::AdaptiveOptimizer;

/// Server Adam: `v = beta2 * v + (1 - beta2) * d^2` (see [`kernels::adaptive_step`]).
#[derive(Clone, Copy, Debug)]
pub struct FedAdam {
	/// Server learning rate eta.
	pub server_learning_rate: f64,
	/// First-moment decay.
	pub beta1: f64,
	/// Second-moment decay.
	pub beta2: f64,
	/// Adaptivity tau.
	pub tau: f64,
}

impl FedAdam {
	/// Converts the chain's fixed-point parameters.
	pub fn from_config(config: &AdaptiveOptimizer) -> Self {
		FedAdam {
			server_learning_rate: fixed_to_f64(config.server_learning_rate),
			beta1: fixed_to_f64(config.beta1),
			beta2: fixed_to_f64(config.beta2),
			tau: fixed_to_f64(config.tau),
		}
	}
}

impl Strategy for FedAdam {
	fn name(&self) -> &'static str {
		"FedAdam"
	}

	fn uses_global(&self) -> bool {
		true
	}

	fn combine(&self, inputs: &ChunkInputs<'_>, _: &mut Scratch, out: &mut [f64]) -> Result<()> {
		kernels::weighted_mean(inputs, out);
		Ok(())
	}

	fn state_slots(&self) -> &'static [&'static str] {
		&["m", "v"]
	}

	fn server_step(&self, global: &[f64], values: &mut [f64], state: &mut [&mut [f32]]) {
		let [m, v] = state else { return };
		let beta2 = self.beta2;
		let params = (self.server_learning_rate, self.beta1, self.tau);
		kernels::adaptive_step(global, values, m, v, params, |v, d2| {
			beta2 * v + (1.0 - beta2) * d2
		});
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn first_step_matches_hand_computation() {
		let adam = FedAdam {
			server_learning_rate: 0.1,
			beta1: 0.9,
			beta2: 0.99,
			tau: 1e-3,
		};
		let (mut m, mut v) = ([0.0f32], [0.0f32]);
		let mut values = [1.0];
		adam.server_step(&[0.5], &mut values, &mut [&mut m[..], &mut v[..]]);
		// d = 0.5, m = 0.05, v = 0.0025, new = 0.5 + 0.1 * 0.05 / (0.05 + 0.001).
		let expected = 0.5 + 0.1 * (0.1 * 0.5) / ((0.01f64 * 0.25).sqrt() + 1e-3);
		assert_eq!(values[0], expected);
		assert_eq!(m[0], (0.1f64 * 0.5) as f32);
		assert_eq!(v[0], (0.01f64 * 0.25) as f32);
	}

	#[test]
	fn zero_pseudo_gradient_keeps_weights() {
		let adam = FedAdam {
			server_learning_rate: 1.0,
			beta1: 0.9,
			beta2: 0.99,
			tau: 1e-9,
		};
		let mut values = [2.0, -1.0];
		adam.server_step(
			&[2.0, -1.0],
			&mut values,
			&mut [&mut [0.0f32; 2][..], &mut [0.0f32; 2][..]],
		);
		assert_eq!(values, [2.0, -1.0]);
	}
}
