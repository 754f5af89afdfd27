//! FedAdagrad (Reddi et al. 2021): FedAvg followed by a server Adagrad step.

use super::{kernels, ChunkInputs, Scratch, Strategy};
use crate::error::Result;

/// Server Adagrad with `beta1 = 0`: `v = v + d^2` and `new = global + eta * d / (sqrt(v) + tau)`.
#[derive(Clone, Copy, Debug)]
pub struct FedAdagrad {
	/// Server learning rate eta.
	pub server_learning_rate: f64,
	/// Adaptivity tau.
	pub tau: f64,
}

impl Strategy for FedAdagrad {
	fn name(&self) -> &'static str {
		"FedAdagrad"
	}

	fn uses_global(&self) -> bool {
		true
	}

	fn combine(&self, inputs: &ChunkInputs<'_>, _: &mut Scratch, out: &mut [f64]) -> Result<()> {
		kernels::weighted_mean(inputs, out);
		Ok(())
	}

	fn state_slots(&self) -> &'static [&'static str] {
		&["v"]
	}

	fn server_step(&self, global: &[f64], values: &mut [f64], state: &mut [&mut [f32]]) {
		let [v] = state else { return };
		for ((x, g), v) in values.iter_mut().zip(global).zip(v.iter_mut()) {
			let d = *x - g;
			let v_new = f64::from(*v) + d * d;
			*x = g + self.server_learning_rate * d / (v_new.sqrt() + self.tau);
			*v = v_new as f32;
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn accumulates_squared_gradients() {
		let adagrad = FedAdagrad {
			server_learning_rate: 1.0,
			tau: 0.0,
		};
		let mut v = [0.0f32];
		let mut values = [3.0];
		adagrad.server_step(&[0.0], &mut values, &mut [&mut v[..]]);
		// d = 3, v = 9, step = 3 / 3 = 1.
		assert_eq!((values[0], v[0]), (1.0, 9.0));
		let mut values = [5.0];
		adagrad.server_step(&[1.0], &mut values, &mut [&mut v[..]]);
		// d = 4, v = 25, step = 4 / 5.
		assert_eq!((values[0], v[0]), (1.8, 25.0));
	}
}
