//! Bulyan (El Mhamdi et al. 2018): Krum-based selection followed by a coordinate-wise trimmed
//! mean around the median.

use super::{
	kernels,
	krum::{rank_by_score, require_distances},
	krum_scores, ChunkInputs, Distances, Scratch, Strategy,
};
use crate::error::Result;

/// Tolerates `f` Byzantine clients among `K >= 4f + 3`:
///
/// 1. select `theta = K - 2f` updates by repeatedly taking the best Krum score among the
///    remaining ones (each round re-scores the remaining set; ties to the lower participant id);
/// 2. per coordinate, take the `beta = theta - 2f` selected values closest to their median
///    (ties to the lower participant id) and average them, unweighted.
#[derive(Clone, Copy, Debug)]
pub struct Bulyan {
	/// Byzantine clients tolerated.
	pub f: usize,
}

impl Strategy for Bulyan {
	fn name(&self) -> &'static str {
		"Bulyan"
	}

	fn min_updates(&self) -> usize {
		4 * self.f + 3
	}

	fn needs_distances(&self) -> bool {
		true
	}

	fn propagates_non_finite(&self) -> bool {
		false
	}

	fn select(&self, count: usize, distances: Option<&Distances>) -> Result<Vec<usize>> {
		let distances = require_distances(distances, self.name())?;
		let theta = count.saturating_sub(2 * self.f);
		let mut remaining: Vec<usize> = (0..count).collect();
		let mut selected = Vec::with_capacity(theta);
		while selected.len() < theta {
			let scores = krum_scores(distances, &remaining, self.f);
			let Some(&best) = rank_by_score(&remaining, &scores).first() else {
				break;
			};
			selected.push(best);
			remaining.retain(|&i| i != best);
		}
		selected.sort_unstable();
		Ok(selected)
	}

	fn combine(
		&self,
		inputs: &ChunkInputs<'_>,
		scratch: &mut Scratch,
		out: &mut [f64],
	) -> Result<()> {
		let beta = inputs.clients.len().saturating_sub(2 * self.f).max(1);
		let mut sorted = Vec::with_capacity(inputs.clients.len());
		kernels::for_each_column(inputs, scratch, out, |column, ranked| {
			sorted.clear();
			sorted.extend_from_slice(column);
			let median = kernels::median(&mut sorted);
			ranked.clear();
			ranked.extend(
				column
					.iter()
					.enumerate()
					.map(|(k, x)| ((x - median).abs(), k)),
			);
			ranked.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
			ranked.truncate(beta);
			// Sum the kept values in participant order.
			ranked.sort_unstable_by_key(|&(_, k)| k);
			let mut sum = 0.0;
			for &(_, k) in ranked.iter() {
				sum += column[k];
			}
			sum / beta as f64
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::strategy::test_support::combine;

	fn line(points: &[f64]) -> Distances {
		let mut upper = Vec::new();
		for i in 0..points.len() {
			for j in i + 1..points.len() {
				upper.push((points[i] - points[j]) * (points[i] - points[j]));
			}
		}
		Distances::from_upper_triangle(points.len(), &upper).unwrap()
	}

	#[test]
	fn selection_drops_the_outliers() {
		// K = 7, f = 1: theta = 5 of 7 chosen by iterated Krum; the outlier is never chosen.
		let d = line(&[0.0, 1.0, -50.0, 2.0, 3.0, 1.2, 1.5]);
		assert_eq!(
			Bulyan { f: 1 }.select(7, Some(&d)).unwrap(),
			vec![0, 1, 3, 4, 5]
		);
	}

	#[test]
	fn averages_the_values_closest_to_the_median() {
		// theta = 5 values, f = 1 -> beta = 3 closest to the median 2: {1, 2, 3}.
		let out = combine(
			&Bulyan { f: 1 },
			&[vec![1.0, 2.0, 3.0, -40.0, 90.0]],
			&[1.0; 5],
		)
		.unwrap();
		assert_eq!(out, vec![2.0]);
	}

	#[test]
	fn closeness_ties_go_to_the_lower_participant() {
		// Median 0, distances 0, 1, 2, 2, 10; beta = 3 keeps positions 0, 1 and, of the tie
		// between 2 (value 2) and 3 (value -2), position 2.
		let out = combine(
			&Bulyan { f: 1 },
			&[vec![0.0, -1.0, 2.0, -2.0, 10.0]],
			&[1.0; 5],
		)
		.unwrap();
		assert_eq!(out, vec![1.0 / 3.0]);
	}
}
