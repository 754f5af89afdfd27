//! Adaptive clipping (Andrew, Thakkar, McMahan, Ramaswamy 2021, "Differentially Private
//! Learning with Adaptive Clipping").
//!
//! Each round the clipping norm `C` moves geometrically towards the `gamma` quantile of the
//! update norms: with `b` the noised fraction of updates whose delta norm is at most `C`,
//! `C <- C * exp(-eta * (b - gamma))`. The count is noised with `N(0, sigma_b^2)`; to keep the
//! same overall privacy, the update noise multiplier becomes
//! `z_delta = (z^-2 - (2 sigma_b)^-2)^(-1/2)` (their Theorem 1), which needs `2 sigma_b > z`.
//! `exp` comes from the pure-Rust `libm`, so the next norm is the same on every platform.

use super::Gaussian;
use rand_core::RngCore;

/// Adaptive clipping parameters, as `f64`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdaptiveClipping {
	/// Target fraction of unclipped updates (gamma).
	pub target_quantile: f64,
	/// Geometric learning rate (eta_C).
	pub learning_rate: f64,
	/// Standard deviation of the noise on the unclipped count (sigma_b).
	pub count_noise_stddev: f64,
}

impl AdaptiveClipping {
	/// The next clipping norm after a round in which `unclipped` of `count` update norms were at
	/// most `current`, with the count noise drawn from `noise`.
	pub fn next_norm<R: RngCore>(
		&self,
		current: f64,
		unclipped: usize,
		count: usize,
		noise: &mut Gaussian<R>,
	) -> f64 {
		let noised = unclipped as f64 + self.count_noise_stddev * noise.standard_normal();
		let fraction = noised / count as f64;
		current * libm::exp(-self.learning_rate * (fraction - self.target_quantile))
	}
}

/// The update noise multiplier that, together with count noise `count_noise_stddev`, spends the
/// same privacy as noise multiplier `noise_multiplier` alone. Infinite when
/// `2 * count_noise_stddev <= noise_multiplier` (configuration validation rejects that).
pub fn effective_noise_multiplier(noise_multiplier: f64, count_noise_stddev: f64) -> f64 {
	let z = noise_multiplier;
	let inner = 1.0 / (z * z) - 1.0 / (4.0 * count_noise_stddev * count_noise_stddev);
	if inner <= 0.0 {
		return f64::INFINITY;
	}
	1.0 / inner.sqrt()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn norm_grows_when_too_many_updates_are_clipped() {
		let params = AdaptiveClipping {
			target_quantile: 0.5,
			learning_rate: 0.2,
			count_noise_stddev: 0.0,
		};
		let mut noise = Gaussian::from_seed(&[0; 32], "t", 0);
		// None unclipped: b = 0 -> C * exp(0.1).
		let up = params.next_norm(1.0, 0, 10, &mut noise);
		assert_eq!(up, libm::exp(0.1));
		// All unclipped: b = 1 -> C * exp(-0.1).
		let down = params.next_norm(1.0, 10, 10, &mut noise);
		assert_eq!(down, libm::exp(-0.1));
		// On target: unchanged.
		assert_eq!(params.next_norm(2.0, 5, 10, &mut noise), 2.0);
	}

	#[test]
	fn converges_to_the_target_quantile() {
		// Norms 1..=100: the median is about 50.
		let norms: Vec<f64> = (1..=100).map(f64::from).collect();
		let params = AdaptiveClipping {
			target_quantile: 0.5,
			learning_rate: 0.2,
			count_noise_stddev: 1.0,
		};
		let mut noise = Gaussian::from_seed(&[3; 32], "t", 0);
		let mut c = 0.1;
		for _ in 0..400 {
			let unclipped = norms.iter().filter(|n| **n <= c).count();
			c = params.next_norm(c, unclipped, norms.len(), &mut noise);
		}
		assert!((40.0..60.0).contains(&c), "clipping norm {c}");
	}

	#[test]
	fn effective_multiplier_matches_formula() {
		// z = 1, sigma_b = 5: (1 - 1/100)^(-1/2).
		let z = effective_noise_multiplier(1.0, 5.0);
		assert!((z - 1.0 / 0.99f64.sqrt()).abs() < 1e-15);
		assert!(z > 1.0);
		assert_eq!(effective_noise_multiplier(1.0, 0.5), f64::INFINITY);
	}
}
