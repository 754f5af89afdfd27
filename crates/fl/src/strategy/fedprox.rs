//! FedProx (Li et al. 2020). The server aggregates exactly like FedAvg; the algorithm's change is
//! on the trainers, which minimise `loss(w) + mu/2 * ||w - w_global||^2`. The proximal term and
//! its gradient are exposed here so that trainers using this crate compute them identically.

use super::{kernels, ChunkInputs, Scratch, Strategy};
use crate::error::{FlError, Result};

/// FedAvg aggregation with the proximal coefficient the task announces to trainers.
#[derive(Clone, Copy, Debug)]
pub struct FedProx {
	/// The proximal coefficient mu.
	pub proximal_mu: f64,
}

impl Strategy for FedProx {
	fn name(&self) -> &'static str {
		"FedProx"
	}

	fn combine(&self, inputs: &ChunkInputs<'_>, _: &mut Scratch, out: &mut [f64]) -> Result<()> {
		kernels::weighted_mean(inputs, out);
		Ok(())
	}
}

fn check_lengths(local: &[f32], global: &[f32]) -> Result<()> {
	if local.len() != global.len() {
		return Err(FlError::InvalidArgument {
			name: "local",
			reason: format!(
				"{} local values but {} global values",
				local.len(),
				global.len()
			),
		});
	}
	Ok(())
}

/// The proximal term `mu/2 * ||local - global||^2` a trainer adds to its loss (summed in
/// element order in `f64`).
pub fn proximal_term(mu: f64, local: &[f32], global: &[f32]) -> Result<f64> {
	check_lengths(local, global)?;
	let mut sum = 0.0;
	for (w, g) in local.iter().zip(global) {
		let d = f64::from(*w) - f64::from(*g);
		sum += d * d;
	}
	Ok(0.5 * mu * sum)
}

/// Adds the proximal term's gradient `mu * (local - global)` to `grad`.
pub fn proximal_gradient(mu: f64, local: &[f32], global: &[f32], grad: &mut [f32]) -> Result<()> {
	check_lengths(local, global)?;
	check_lengths(grad, global)?;
	for ((gr, w), g) in grad.iter_mut().zip(local).zip(global) {
		*gr = (f64::from(*gr) + mu * (f64::from(*w) - f64::from(*g))) as f32;
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::strategy::{test_support::combine, FedAvg};
	use proptest::prelude::*;

	#[test]
	fn aggregates_like_fedavg() {
		let columns = [vec![1.0, 2.0, 4.0], vec![-1.0, 0.5, 8.0]];
		let weights = [2.0, 1.0, 5.0];
		assert_eq!(
			combine(&FedProx { proximal_mu: 0.1 }, &columns, &weights).unwrap(),
			combine(&FedAvg, &columns, &weights).unwrap()
		);
	}

	#[test]
	fn term_and_gradient_values() {
		let local = [1.0, 3.0];
		let global = [0.0, 1.0];
		// mu/2 * (1 + 4) with mu = 0.5.
		assert_eq!(proximal_term(0.5, &local, &global).unwrap(), 1.25);
		let mut grad = [1.0, 1.0];
		proximal_gradient(0.5, &local, &global, &mut grad).unwrap();
		assert_eq!(grad, [1.5, 2.0]);
		assert!(proximal_term(0.5, &local, &global[..1]).is_err());
	}

	proptest! {
		#[test]
		fn gradient_matches_finite_difference(
			local in proptest::collection::vec(-10f32..10.0, 1..8),
			mu in 0.0f64..2.0,
		) {
			let global: Vec<f32> = local.iter().map(|v| v * 0.5 + 1.0).collect();
			let mut grad = vec![0.0f32; local.len()];
			proximal_gradient(mu, &local, &global, &mut grad).unwrap();
			let h = 1e-3f32;
			for i in 0..local.len() {
				let mut up = local.clone();
				up[i] += h;
				let mut down = local.clone();
				down[i] -= h;
				let numeric = (proximal_term(mu, &up, &global).unwrap()
					- proximal_term(mu, &down, &global).unwrap())
					/ (f64::from(up[i]) - f64::from(down[i]));
				prop_assert!((numeric - f64::from(grad[i])).abs() <= 1e-3 * (1.0 + numeric.abs()));
			}
		}
	}
}
