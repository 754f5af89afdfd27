//! Byzantine trainer behaviours, for demonstrations and tests of the protocol's defences.
//!
//! A malicious trainer follows the protocol's steps (it trains, uploads and submits on time) but
//! poisons what it uploads. The three classic attacks are modelled:
//!
//! * **sign flip**: it submits `global − scale × (local − global)`, pushing the model against
//!   the direction its honest training found;
//! * **noise**: it submits `global + N(0, σ²)` per weight, without training;
//! * **label flip**: it trains honestly on its examples with every label `y` replaced by
//!   `classes − 1 − y`.
//!
//! Honest workers never use this module.

use crate::error::{Result, WorkerError};
use crate::weights::combine;
use decentralml_train::data::Dataset;
use decentralml_train::ModelParameters;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

/// The kinds of attack, as named on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum AttackKind {
	/// Submit the negated update.
	SignFlip,
	/// Submit Gaussian noise around the global model.
	Noise,
	/// Train on flipped labels.
	LabelFlip,
}

/// An attack with its strength.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Attack {
	/// Submit `global − scale × (local − global)`.
	SignFlip {
		/// How far to push against the honest direction (1: as far as honest training moved).
		scale: f32,
	},
	/// Submit `global + N(0, stddev²)` per weight.
	Noise {
		/// Standard deviation of the noise per weight.
		stddev: f32,
	},
	/// Train on labels `classes − 1 − y`.
	LabelFlip,
}

impl Attack {
	/// The attack of `kind` with its default strength: a sign flip of scale 1 and noise of
	/// standard deviation 0.1, about three times the initial weights of a 784-input layer.
	pub fn default_of(kind: AttackKind) -> Self {
		match kind {
			AttackKind::SignFlip => Attack::SignFlip { scale: 1.0 },
			AttackKind::Noise => Attack::Noise { stddev: 0.1 },
			AttackKind::LabelFlip => Attack::LabelFlip,
		}
	}

	/// Which kind this is.
	pub fn kind(&self) -> AttackKind {
		match self {
			Attack::SignFlip { .. } => AttackKind::SignFlip,
			Attack::Noise { .. } => AttackKind::Noise,
			Attack::LabelFlip => AttackKind::LabelFlip,
		}
	}

	/// Whether the attacker trains at all (the noise attack does not).
	pub fn trains(&self) -> bool {
		!matches!(self, Attack::Noise { .. })
	}

	/// The data the attacker trains on: its examples with flipped labels for a label flip,
	/// otherwise `None` (train on the honest data).
	pub fn poison_data(&self, data: &Dataset, indices: &[usize]) -> Result<Option<Dataset>> {
		if !matches!(self, Attack::LabelFlip) {
			return Ok(None);
		}
		let mut subset = data
			.subset(indices)
			.map_err(|e| WorkerError::Data(format!("selecting the attacker's examples: {e}")))?;
		let top = u32::try_from(data.classes.saturating_sub(1)).map_err(|_| {
			WorkerError::Data(format!("{} classes is too many to flip", data.classes))
		})?;
		for label in &mut subset.labels {
			*label = top.saturating_sub(*label);
		}
		Ok(Some(subset))
	}

	/// The update the attacker submits, from the global model and (for attacks that train) its
	/// locally trained model; `seed` fixes the noise.
	pub fn poison_update(
		&self,
		global: &ModelParameters,
		local: &ModelParameters,
		seed: u64,
	) -> Result<ModelParameters> {
		match *self {
			Attack::SignFlip { scale } => combine(global, local, |g, l| g - scale * (l - g)),
			Attack::Noise { stddev } => {
				if !(stddev.is_finite() && stddev >= 0.0) {
					return Err(WorkerError::Data(format!(
						"noise standard deviation {stddev} is not a finite non-negative number"
					)));
				}
				let normal = Normal::new(0.0f32, stddev).map_err(|e| {
					WorkerError::Data(format!("noise standard deviation {stddev}: {e}"))
				})?;
				let mut rng = ChaCha8Rng::seed_from_u64(seed);
				combine(global, global, |g, _| g + normal.sample(&mut rng))
			}
			Attack::LabelFlip => Ok(local.clone()),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use decentralml_train::card::ImageShape;
	use decentralml_train::data::Inputs;
	use decentralml_train::NamedTensor;

	fn model(values: &[f32]) -> ModelParameters {
		ModelParameters::new(vec![NamedTensor {
			name: "w".into(),
			shape: vec![values.len()],
			values: values.to_vec(),
		}])
		.unwrap()
	}

	#[test]
	fn sign_flip_mirrors_the_local_model_around_the_global_one() {
		let attack = Attack::SignFlip { scale: 2.0 };
		let poisoned = attack
			.poison_update(&model(&[1.0, 1.0]), &model(&[2.0, 0.0]), 0)
			.unwrap();
		assert_eq!(poisoned, model(&[-1.0, 3.0]));
	}

	#[test]
	fn noise_is_seeded_and_centred_on_the_global_model() {
		let attack = Attack::Noise { stddev: 0.5 };
		let global = model(&vec![3.0; 4000]);
		let a = attack.poison_update(&global, &global, 7).unwrap();
		assert_eq!(a, attack.poison_update(&global, &global, 7).unwrap());
		assert_ne!(a, attack.poison_update(&global, &global, 8).unwrap());
		let values = &a.tensors()[0].values;
		let mean = values.iter().map(|v| f64::from(*v)).sum::<f64>() / 4000.0;
		let var = values
			.iter()
			.map(|v| (f64::from(*v) - mean).powi(2))
			.sum::<f64>()
			/ 4000.0;
		assert!((mean - 3.0).abs() < 0.05, "mean {mean}");
		assert!((var.sqrt() - 0.5).abs() < 0.05, "stddev {}", var.sqrt());
	}

	#[test]
	fn label_flip_reverses_the_labels_of_the_chosen_examples() {
		let shape = ImageShape::MNIST;
		let inputs = Inputs::Images {
			shape,
			pixels: vec![0; 3 * shape.len()],
		};
		let data = Dataset::new("tiny", inputs, vec![0, 4, 9], 10, None).unwrap();
		let flipped = Attack::LabelFlip
			.poison_data(&data, &[2, 0])
			.unwrap()
			.unwrap();
		assert_eq!(flipped.labels, vec![0, 9]);
		assert!(Attack::SignFlip { scale: 1.0 }
			.poison_data(&data, &[0])
			.unwrap()
			.is_none());
	}

	#[test]
	fn a_negative_noise_level_is_an_error() {
		let attack = Attack::Noise { stddev: -1.0 };
		assert!(attack
			.poison_update(&model(&[0.0]), &model(&[0.0]), 0)
			.is_err());
	}
}
