//! FedAvgM (Hsu et al. 2019): FedAvg followed by a server SGD step with momentum.

use super::{kernels, ChunkInputs, Scratch, Strategy};
use crate::error::Result;

/// With pseudo-gradient `p = global - mean`: `momentum = beta * momentum + p` and
/// `new = global - eta * momentum`. The state starts at zero, so the first round is plain
/// server SGD.
#[derive(Clone, Copy, Debug)]
pub struct FedAvgM {
	/// Server learning rate eta.
	pub server_learning_rate: f64,
	/// Momentum beta.
	pub momentum: f64,
}

impl Strategy for FedAvgM {
	fn name(&self) -> &'static str {
		"FedAvgM"
	}

	fn uses_global(&self) -> bool {
		true
	}

	fn combine(&self, inputs: &ChunkInputs<'_>, _: &mut Scratch, out: &mut [f64]) -> Result<()> {
		kernels::weighted_mean(inputs, out);
		Ok(())
	}

	fn state_slots(&self) -> &'static [&'static str] {
		&["momentum"]
	}

	fn server_step(&self, global: &[f64], values: &mut [f64], state: &mut [&mut [f32]]) {
		let [momentum] = state else { return };
		for ((x, g), m) in values.iter_mut().zip(global).zip(momentum.iter_mut()) {
			let m_new = self.momentum * f64::from(*m) + (g - *x);
			*x = g - self.server_learning_rate * m_new;
			*m = m_new as f32;
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn momentum_accumulates_over_rounds() {
		let strategy = FedAvgM {
			server_learning_rate: 1.0,
			momentum: 0.5,
		};
		let mut momentum = [0.0f32];
		// Round 1: mean 1 from global 0 -> p = -1, m = -1, new = 1.
		let mut values = [1.0];
		strategy.server_step(&[0.0], &mut values, &mut [&mut momentum[..]]);
		assert_eq!((values[0], momentum[0]), (1.0, -1.0));
		// Round 2: mean 2 from global 1 -> p = -1, m = 0.5 * -1 - 1 = -1.5, new = 2.5.
		let mut values = [2.0];
		strategy.server_step(&[1.0], &mut values, &mut [&mut momentum[..]]);
		assert_eq!((values[0], momentum[0]), (2.5, -1.5));
	}

	#[test]
	fn without_momentum_and_unit_rate_it_is_fedavg() {
		let strategy = FedAvgM {
			server_learning_rate: 1.0,
			momentum: 0.0,
		};
		let mut values = [0.75, -3.0];
		strategy.server_step(&[0.25, 1.0], &mut values, &mut [&mut [0.0f32; 2][..]]);
		assert_eq!(values, [0.75, -3.0]);
	}
}
