//! How a validator scores updates on its held-out data.
//!
//! The validator trains the global model on its held-out data with the task's local settings:
//! the **reference** update, whose direction is the one that lowers the held-out loss. Each
//! submitted update is judged by the agreement of its direction with the reference, the cosine
//! of the angle between `update − global` and `reference − global` (the trust score of FLTrust,
//! Cao et al., NDSS 2021). An update that moves the model the way the held-out data wants
//! agrees; one that pushes the other way (a sign flip), moves at random (noise) or learns
//! something else (flipped labels) does not.
//!
//! Agreement shrinks as the model converges and honest updates on skewed (non-IID) data agree
//! less than others, so each agreement is divided by the round's median agreement (an honest
//! majority makes the median honest), floored at [`MIN_MEDIAN`]: `r = cos / max(median,
//! MIN_MEDIAN)`. The score maps `r` linearly from [`ZERO_AT`] (score 0) to [`FULL_AT`]
//! (score 100%), clamped.
//!
//! Calibrated with `examples/score_calibration.rs` on MNIST 2NN, ten Dirichlet(0.5) clients
//! and three validators on a third of the test set each, over six rounds: honest updates had
//! `r` between 0.45 and 1.6 (scores 60% to 100%); sign-flipped updates −0.7 to −1.0, noise
//! about 0, label-flipped updates 0.3 in the first round and below 0.12 after (scores 0%, but
//! 36% for the first-round label flip). Validators holding different data agreed within a few
//! points. Loss or accuracy improvement of the model moved towards each update could not tell
//! sign-flipped updates from honest ones trained on skewed data after two rounds, so it is not
//! used.
//!
//! An update that cannot be read, does not fit the model, or does not move it scores 0.

use crate::data::LocalData;
use crate::error::{Result, WorkerError};
use crate::weights::delta_cosine;
use decentralml_client::Perbill;
use decentralml_train::{LocalConfig, LocalTrainer, ModelParameters};

/// The smallest median agreement used as the round's scale.
pub const MIN_MEDIAN: f64 = 0.02;

/// Relative agreement at or below which an update scores 0.
pub const ZERO_AT: f64 = 0.15;

/// Relative agreement at or above which an update scores 100%.
pub const FULL_AT: f64 = 0.65;

/// A validator's view of one round's updates.
#[derive(Clone, Debug, PartialEq)]
pub struct RoundScores {
	/// Per update, its agreement with the reference (`None`: unreadable or no direction).
	pub agreements: Vec<Option<f64>>,
	/// The scores.
	pub scores: Vec<Perbill>,
}

/// Scores `updates` (in canonical order; `None` for unreadable ones) against `global` on the
/// validator's held-out `data`, training the reference with `local` and `seed`. CPU-heavy.
pub fn score_updates(
	trainer: &LocalTrainer,
	global: &ModelParameters,
	updates: &[Option<ModelParameters>],
	data: &LocalData,
	local: &LocalConfig,
	seed: u64,
) -> Result<RoundScores> {
	if updates.is_empty() {
		return Ok(RoundScores {
			agreements: Vec::new(),
			scores: Vec::new(),
		});
	}
	let reference = trainer
		.train_with(global, &data.dataset, &data.indices, local, seed)
		.map_err(|source| WorkerError::Training {
			what: "training the reference update on the held-out data".into(),
			source,
		})?
		.parameters;
	let agreements: Vec<Option<f64>> = updates
		.iter()
		.map(|update| {
			update
				.as_ref()
				// A layout that does not fit the model is the trainer's fault: no agreement.
				.and_then(|u| delta_cosine(global, u, &reference).ok().flatten())
				.filter(|cos| cos.is_finite())
		})
		.collect();
	let scores = scores_from_agreements(&agreements);
	Ok(RoundScores { agreements, scores })
}

/// Scores from agreements (`None`: invalid update) as described in the [module docs](self).
pub fn scores_from_agreements(agreements: &[Option<f64>]) -> Vec<Perbill> {
	let valid: Vec<f64> = agreements.iter().flatten().copied().collect();
	let scale = median(&valid).unwrap_or(0.0).max(MIN_MEDIAN);
	agreements
		.iter()
		.map(|agreement| match agreement {
			Some(cos) => to_perbill((cos / scale - ZERO_AT) / (FULL_AT - ZERO_AT)),
			None => Perbill::from_parts(0),
		})
		.collect()
}

/// The median (the upper one for an even count), or `None` for no values.
fn median(values: &[f64]) -> Option<f64> {
	let mut sorted = values.to_vec();
	sorted.sort_by(f64::total_cmp);
	sorted.get(sorted.len() / 2).copied()
}

/// `value` clamped to `[0, 1]` as a `Perbill`.
fn to_perbill(value: f64) -> Perbill {
	let parts = (value.clamp(0.0, 1.0) * f64::from(Perbill::ONE_PARTS)).round();
	Perbill::from_parts(parts as u32)
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	fn percent(score: Perbill) -> f64 {
		(score.as_fraction() * 1000.0).round() / 10.0
	}

	#[test]
	fn honest_updates_pass_and_attacks_score_zero() {
		// Agreements like those of the calibration's second round.
		let honest = [0.40, 0.49, 0.36, 0.42, 0.52, 0.42, 0.48, 0.55, 0.51, 0.48];
		let mut agreements: Vec<Option<f64>> = honest.iter().map(|c| Some(*c)).collect();
		agreements.extend([Some(-0.40), Some(0.001), Some(0.05), None]);
		let scores = scores_from_agreements(&agreements);
		for score in &scores[..10] {
			assert!(percent(*score) >= 80.0, "{score}");
		}
		for score in &scores[10..] {
			assert_eq!(percent(*score), 0.0);
		}
	}

	#[test]
	fn the_scale_is_the_median_agreement() {
		let scores = scores_from_agreements(&[Some(0.1), Some(0.2), Some(0.4)]);
		// Median 0.2: r = 0.5, 1, 2.
		assert_eq!(percent(scores[0]), 70.0);
		assert_eq!(percent(scores[1]), 100.0);
		assert_eq!(percent(scores[2]), 100.0);
	}

	#[test]
	fn a_dishonest_majority_does_not_turn_the_scale_negative() {
		// Median below the floor: agreements are measured against MIN_MEDIAN instead.
		let scores = scores_from_agreements(&[Some(-0.5), Some(-0.4), Some(0.05)]);
		assert_eq!(percent(scores[0]), 0.0);
		assert_eq!(percent(scores[2]), 100.0);
	}

	proptest! {
		#[test]
		fn scores_are_monotonic_in_the_agreement(
			agreements in prop::collection::vec(-1.0f64..1.0, 1..20),
		) {
			let wrapped: Vec<Option<f64>> = agreements.iter().map(|g| Some(*g)).collect();
			let scores = scores_from_agreements(&wrapped);
			for i in 0..agreements.len() {
				for j in 0..agreements.len() {
					if agreements[i] < agreements[j] {
						prop_assert!(scores[i] <= scores[j]);
					}
				}
			}
		}
	}
}
