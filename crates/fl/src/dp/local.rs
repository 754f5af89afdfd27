//! Local differential privacy: a client clips its own delta and adds Gaussian noise before the
//! update leaves its machine, so no other party (aggregator or validator) sees it un-noised.
//!
//! The privatised update is `global + clip(local - global, C) + N(0, (z C)^2)` per element,
//! written in the global model's element types. One release is the Gaussian mechanism with
//! sensitivity `C` (the whole update, i.e. client-level privacy) and noise multiplier `z`; its
//! cost over rounds is given by [`LocalPrivacy::spent`] through the RDP accountant with
//! sampling rate 1. Noise here must be unpredictable to everyone else, so it comes from a
//! caller-supplied cryptographic RNG (for example `rand_chacha::ChaCha20Rng::from_entropy()`),
//! not from a shared seed.

use super::{
	accountant::{compute_rdp, default_orders, epsilon_from_rdp, Conversion, PrivacySpent},
	Gaussian, PrivacyError,
};
use crate::{
	error::{FlError, Result},
	tensor::{OwnedTensor, Parameters},
	update::{validate_update, ParticipantId, Update},
};
use rand_core::{CryptoRng, RngCore};

/// Client-side clipping and noise.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LocalPrivacy {
	/// L2 bound on the delta (C), > 0.
	pub clipping_norm: f64,
	/// Noise standard deviation relative to C (z), > 0.
	pub noise_multiplier: f64,
}

impl LocalPrivacy {
	/// Privatises `local` weights against `global`: clip the delta to `clipping_norm`, add noise,
	/// return tensors in the global model's names, shapes and element types.
	pub fn privatize<R: RngCore + CryptoRng>(
		&self,
		global: &Parameters,
		local: Parameters,
		rng: &mut R,
	) -> Result<Vec<OwnedTensor>> {
		self.check()?;
		// Reuse update validation: same names, shapes, dtypes, finite values.
		let update = Update::new(ParticipantId::default(), 1, local);
		validate_update(global, &update, true)?;
		let mut squares = 0.0;
		let mut deltas = Vec::with_capacity(global.specs().len());
		for g in global.tensors() {
			// Present: checked by `validate_update`.
			let Some(l) = update.weights.tensor(&g.spec.name) else {
				continue;
			};
			let (mut gv, mut lv) = (vec![0.0; g.len()], vec![0.0; g.len()]);
			g.decode_into(0, &mut gv);
			l.decode_into(0, &mut lv);
			for (l, g) in lv.iter_mut().zip(&gv) {
				*l -= g;
				squares += *l * *l;
			}
			deltas.push((g, gv, lv));
		}
		let norm = squares.sqrt();
		let scale = if norm > self.clipping_norm {
			self.clipping_norm / norm
		} else {
			1.0
		};
		let stddev = self.noise_multiplier * self.clipping_norm;
		let mut noise = Gaussian::new(rng);
		deltas
			.into_iter()
			.map(|(g, gv, mut delta)| {
				for (d, g) in delta.iter_mut().zip(&gv) {
					*d = g + scale * *d + stddev * noise.standard_normal();
				}
				OwnedTensor::from_f64(
					g.spec.name.clone(),
					g.spec.elem,
					g.spec.shape.clone(),
					&delta,
				)
			})
			.collect()
	}

	/// Privacy spent by `rounds` releases, at `delta`.
	pub fn spent(&self, rounds: u64, delta: f64) -> Result<PrivacySpent, PrivacyError> {
		let orders = default_orders();
		let rdp = compute_rdp(1.0, self.noise_multiplier, rounds, &orders)?;
		epsilon_from_rdp(&orders, &rdp, delta, Conversion::Improved)
	}

	fn check(&self) -> Result<()> {
		let positive = |name, value: f64| {
			if value > 0.0 && value.is_finite() {
				Ok(())
			} else {
				Err(FlError::InvalidArgument {
					name,
					reason: format!("{value} must be > 0"),
				})
			}
		};
		positive("clipping_norm", self.clipping_norm)?;
		positive("noise_multiplier", self.noise_multiplier)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::tensor::{to_safetensors, ElemType, Limits};
	use rand_chacha::ChaCha20Rng;
	use rand_core::SeedableRng;

	fn params(values: &[f64], elem: ElemType) -> Parameters {
		let t = OwnedTensor::from_f64("w", elem, vec![values.len()], values).unwrap();
		Parameters::from_bytes("p", to_safetensors(&[t]).unwrap(), &Limits::default()).unwrap()
	}

	#[test]
	fn clips_then_adds_noise_of_the_right_scale() {
		let n = 20_000;
		let global = params(&vec![1.0; n], ElemType::F32);
		// Delta of norm 100 * sqrt(n) is clipped to norm 1 (per element 1 / sqrt(n)).
		let local = params(&vec![101.0; n], ElemType::F32);
		let dp = LocalPrivacy {
			clipping_norm: 1.0,
			noise_multiplier: 0.01,
		};
		let mut rng = ChaCha20Rng::seed_from_u64(5);
		let out = dp.privatize(&global, local, &mut rng).unwrap();
		let values = out[0].to_f64();
		let per_element = 1.0 / (n as f64).sqrt();
		let mean = values.iter().sum::<f64>() / n as f64 - 1.0;
		let var = values
			.iter()
			.map(|v| (v - 1.0 - per_element).powi(2))
			.sum::<f64>()
			/ n as f64;
		// Mean of the deltas is 1/sqrt(n) up to noise 0.01/sqrt(n); variance (z C)^2 = 1e-4
		// within 5% (about seven standard errors at n = 20000).
		assert!(
			(mean - per_element).abs() < 5.0 * 0.01 / (n as f64).sqrt(),
			"mean {mean}"
		);
		assert!((var / 1e-4 - 1.0).abs() < 0.05, "variance {var}");
	}

	#[test]
	fn keeps_the_global_element_type_and_validates() {
		let global = params(&[0.0; 4], ElemType::BF16);
		let dp = LocalPrivacy {
			clipping_norm: 1.0,
			noise_multiplier: 1.0,
		};
		let mut rng = ChaCha20Rng::seed_from_u64(1);
		let out = dp
			.privatize(&global, params(&[0.5; 4], ElemType::BF16), &mut rng)
			.unwrap();
		assert_eq!(out[0].elem, ElemType::BF16);
		let wrong = dp.privatize(&global, params(&[0.5; 4], ElemType::F32), &mut rng);
		assert!(matches!(wrong, Err(FlError::DtypeMismatch { .. })));
		let bad = LocalPrivacy {
			clipping_norm: 0.0,
			noise_multiplier: 1.0,
		};
		assert!(bad
			.privatize(&global, params(&[0.5; 4], ElemType::BF16), &mut rng)
			.is_err());
	}

	#[test]
	fn spent_grows_with_rounds() {
		let dp = LocalPrivacy {
			clipping_norm: 1.0,
			noise_multiplier: 5.0,
		};
		let one = dp.spent(1, 1e-5).unwrap().epsilon;
		let ten = dp.spent(10, 1e-5).unwrap().epsilon;
		assert!(one > 0.0 && ten > one && ten < 10.0 * one);
	}
}
