//! Multi-Krum (Blanchard et al. 2017): average the `m` updates with the best Krum scores.

use super::{
	kernels,
	krum::{rank_by_score, require_distances},
	krum_scores, ChunkInputs, Distances, Scratch, Strategy,
};
use crate::error::Result;

/// Keeps the `m` updates with the lowest Krum scores (ties to the lower participant id) and
/// returns their example-weighted mean. Needs `K >= 2f + 3` and `K >= m`.
#[derive(Clone, Copy, Debug)]
pub struct MultiKrum {
	/// Byzantine clients tolerated.
	pub f: usize,
	/// Updates kept.
	pub m: usize,
}

impl Strategy for MultiKrum {
	fn name(&self) -> &'static str {
		"MultiKrum"
	}

	fn min_updates(&self) -> usize {
		(2 * self.f + 3).max(self.m)
	}

	fn needs_distances(&self) -> bool {
		true
	}

	fn select(&self, count: usize, distances: Option<&Distances>) -> Result<Vec<usize>> {
		let distances = require_distances(distances, self.name())?;
		let candidates: Vec<usize> = (0..count).collect();
		let scores = krum_scores(distances, &candidates, self.f);
		let mut kept: Vec<usize> = rank_by_score(&candidates, &scores)
			.into_iter()
			.take(self.m)
			.collect();
		// Combine in participant order, whatever the ranking.
		kept.sort_unstable();
		Ok(kept)
	}

	fn combine(&self, inputs: &ChunkInputs<'_>, _: &mut Scratch, out: &mut [f64]) -> Result<()> {
		kernels::weighted_mean(inputs, out);
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn keeps_the_m_best_in_participant_order() {
		let points = [5.0, 0.0, 1.0, 2.0, 100.0, 3.0];
		let mut upper = Vec::new();
		for i in 0..points.len() {
			for j in i + 1..points.len() {
				upper.push((points[i] - points[j]) * (points[i] - points[j]));
			}
		}
		let d = Distances::from_upper_triangle(points.len(), &upper).unwrap();
		let kept = MultiKrum { f: 1, m: 3 }
			.select(points.len(), Some(&d))
			.unwrap();
		// Scores (3 nearest neighbours): 29, 14, 6, 6, huge, 9 -> keep positions 2, 3, 5.
		assert_eq!(kept, vec![2, 3, 5]);
		assert!(!kept.contains(&4));
		assert_eq!(MultiKrum { f: 1, m: 7 }.min_updates(), 7);
	}
}
