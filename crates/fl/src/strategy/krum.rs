//! Krum (Blanchard et al. 2017): keep the update whose nearest neighbours are closest.

use super::{ChunkInputs, Distances, Scratch, Strategy};
use crate::error::{FlError, Result};

/// Selects the single update with the lowest Krum score tolerating `f` Byzantine clients
/// (needs `K >= 2f + 3`); the new model is that update.
#[derive(Clone, Copy, Debug)]
pub struct Krum {
	/// Byzantine clients tolerated.
	pub f: usize,
}

/// Krum score of each candidate: the sum of its squared distances to its
/// `max(1, n - f - 2)` nearest other candidates, where `n = candidates.len()`. Distances are
/// ranked under IEEE total order and summed smallest first, so the score is deterministic.
pub fn krum_scores(distances: &Distances, candidates: &[usize], f: usize) -> Vec<f64> {
	let n = candidates.len();
	let neighbours = n.saturating_sub(f + 2).max(1);
	let mut row = Vec::with_capacity(n);
	candidates
		.iter()
		.map(|&i| {
			row.clear();
			row.extend(
				candidates
					.iter()
					.filter(|&&j| j != i)
					.map(|&j| distances.get(i, j)),
			);
			row.sort_unstable_by(f64::total_cmp);
			row.iter().take(neighbours).sum()
		})
		.collect()
}

/// Candidates ranked by (score, position): ties go to the lower participant id.
pub(crate) fn rank_by_score(candidates: &[usize], scores: &[f64]) -> Vec<usize> {
	let mut order: Vec<(f64, usize)> = scores
		.iter()
		.copied()
		.zip(candidates.iter().copied())
		.collect();
	order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
	order.into_iter().map(|(_, i)| i).collect()
}

pub(crate) fn require_distances<'a>(
	distances: Option<&'a Distances>,
	strategy: &str,
) -> Result<&'a Distances> {
	distances.ok_or_else(|| FlError::InvalidArgument {
		name: "distances",
		reason: format!("{strategy} selects updates by pairwise distance"),
	})
}

impl Strategy for Krum {
	fn name(&self) -> &'static str {
		"Krum"
	}

	fn min_updates(&self) -> usize {
		2 * self.f + 3
	}

	fn needs_distances(&self) -> bool {
		true
	}

	fn select(&self, count: usize, distances: Option<&Distances>) -> Result<Vec<usize>> {
		let distances = require_distances(distances, self.name())?;
		let candidates: Vec<usize> = (0..count).collect();
		let scores = krum_scores(distances, &candidates, self.f);
		Ok(rank_by_score(&candidates, &scores)
			.into_iter()
			.take(1)
			.collect())
	}

	fn combine(&self, inputs: &ChunkInputs<'_>, _: &mut Scratch, out: &mut [f64]) -> Result<()> {
		// One selected update: copy its (norm-bounded) weights. A weighted mean of one value
		// could differ from it in the last bit.
		if !inputs.clients.is_empty() {
			inputs.client_values(0, 0, out);
		}
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	/// Points on a line: distances are squared differences.
	fn line(points: &[f64]) -> Distances {
		let mut upper = Vec::new();
		for i in 0..points.len() {
			for j in i + 1..points.len() {
				upper.push((points[i] - points[j]).powi(2));
			}
		}
		Distances::from_upper_triangle(points.len(), &upper).unwrap()
	}

	#[test]
	fn picks_the_central_point_not_the_outlier() {
		let d = line(&[0.0, 1.0, 2.0, 3.0, 100.0]);
		assert_eq!(Krum { f: 1 }.select(5, Some(&d)).unwrap(), vec![1]);
	}

	#[test]
	fn scores_use_n_minus_f_minus_2_neighbours() {
		// n = 5, f = 1: two nearest neighbours.
		let d = line(&[0.0, 1.0, 2.0, 3.0, 100.0]);
		let scores = krum_scores(&d, &[0, 1, 2, 3, 4], 1);
		assert_eq!(
			scores,
			vec![
				1.0 + 4.0,
				1.0 + 1.0,
				1.0 + 1.0,
				1.0 + 4.0,
				97.0 * 97.0 + 98.0 * 98.0
			]
		);
	}

	#[test]
	fn ties_go_to_the_lowest_participant() {
		let d = line(&[0.0, 1.0, 2.0, 3.0, 100.0]);
		// Points 1 and 2 tie; position 1 (lower id) wins.
		assert_eq!(
			rank_by_score(&[0, 1, 2, 3, 4], &krum_scores(&d, &[0, 1, 2, 3, 4], 1))[..2],
			[1, 2]
		);
		assert!(Krum { f: 1 }.select(5, None).is_err());
	}
}
