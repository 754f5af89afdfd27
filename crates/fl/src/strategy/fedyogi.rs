//! FedYogi (Reddi et al. 2021): FedAvg followed by a server Yogi step.

use super::{fixed_to_f64, kernels, ChunkInputs, Scratch, Strategy};
use crate::error::Result;
use decentralml_primitives::AdaptiveOptimizer;

/// Server Yogi: `v = v - (1 - beta2) * d^2 * sign(v - d^2)`, which grows `v` additively rather
/// than multiplicatively (see [`kernels::adaptive_step`]).
#[derive(Clone, Copy, Debug)]
pub struct FedYogi {
	/// Server learning rate eta.
	pub server_learning_rate: f64,
	/// First-moment decay.
	pub beta1: f64,
	/// Second-moment decay.
	pub beta2: f64,
	/// Adaptivity tau.
	pub tau: f64,
}

impl FedYogi {
	/// Converts the chain's fixed-point parameters.
	pub fn from_config(config: &AdaptiveOptimizer) -> Self {
		FedYogi {
			server_learning_rate: fixed_to_f64(config.server_learning_rate),
			beta1: fixed_to_f64(config.beta1),
			beta2: fixed_to_f64(config.beta2),
			tau: fixed_to_f64(config.tau),
		}
	}
}

/// `sign` with `sign(0) = 0`, as in the paper.
fn sign(x: f64) -> f64 {
	if x > 0.0 {
		1.0
	} else if x < 0.0 {
		-1.0
	} else {
		0.0
	}
}

impl Strategy for FedYogi {
	fn name(&self) -> &'static str {
		"FedYogi"
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
			v - (1.0 - beta2) * d2 * sign(v - d2)
		});
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn second_moment_moves_towards_squared_gradient() {
		let yogi = FedYogi {
			server_learning_rate: 0.01,
			beta1: 0.9,
			beta2: 0.99,
			tau: 1e-3,
		};
		// v = 0 < d^2 = 4: v grows by (1 - beta2) * 4.
		let (mut m, mut v) = ([0.0f32], [0.0f32]);
		let mut values = [2.0];
		yogi.server_step(&[0.0], &mut values, &mut [&mut m[..], &mut v[..]]);
		assert_eq!(v[0], (0.01f64 * 4.0) as f32);
		// v = 10 > d^2 = 4: v shrinks by (1 - beta2) * 4.
		let (mut m, mut v) = ([0.0f32], [10.0f32]);
		let mut values = [2.0];
		yogi.server_step(&[0.0], &mut values, &mut [&mut m[..], &mut v[..]]);
		assert_eq!(v[0], (10.0 - 0.01f64 * 4.0) as f32);
		assert_eq!(sign(0.0), 0.0);
	}
}
