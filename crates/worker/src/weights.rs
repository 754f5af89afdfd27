//! Arithmetic on whole models: the moves that scoring and the attack behaviours need.
//!
//! Every function checks that both models have the same layout (names and shapes) first, so a
//! malformed update is an error and never a panic.

use crate::error::{Result, WorkerError};
use decentralml_train::{ModelParameters, NamedTensor};

/// `global + step × (update − global)`: the global model moved towards (`step > 0`) or away
/// from (`step < 0`) an update.
pub fn interpolate(
	global: &ModelParameters,
	update: &ModelParameters,
	step: f32,
) -> Result<ModelParameters> {
	combine(global, update, |g, u| g + step * (u - g))
}

/// Applies `f(global value, update value)` element-wise.
pub fn combine(
	global: &ModelParameters,
	update: &ModelParameters,
	mut f: impl FnMut(f32, f32) -> f32,
) -> Result<ModelParameters> {
	global
		.check_same_layout(update)
		.map_err(|source| WorkerError::Model {
			what: "an update against the global model".into(),
			source,
		})?;
	let tensors = global
		.tensors()
		.iter()
		.zip(update.tensors())
		.map(|(g, u)| NamedTensor {
			name: g.name.clone(),
			shape: g.shape.clone(),
			values: g
				.values
				.iter()
				.zip(&u.values)
				.map(|(a, b)| f(*a, *b))
				.collect(),
		})
		.collect();
	ModelParameters::new(tensors).map_err(|source| WorkerError::Model {
		what: "a combined model".into(),
		source,
	})
}

/// The L2 norm of `update − global`, in f64.
pub fn delta_norm(global: &ModelParameters, update: &ModelParameters) -> Result<f64> {
	global
		.check_same_layout(update)
		.map_err(|source| WorkerError::Model {
			what: "an update against the global model".into(),
			source,
		})?;
	let sum: f64 = global
		.tensors()
		.iter()
		.zip(update.tensors())
		.flat_map(|(g, u)| g.values.iter().zip(&u.values))
		.map(|(g, u)| {
			let d = f64::from(*u) - f64::from(*g);
			d * d
		})
		.sum();
	Ok(sum.sqrt())
}

/// The cosine of the angle between `a − global` and `b − global`, in f64, or `None` when
/// either delta is zero (no direction).
pub fn delta_cosine(
	global: &ModelParameters,
	a: &ModelParameters,
	b: &ModelParameters,
) -> Result<Option<f64>> {
	for other in [a, b] {
		global
			.check_same_layout(other)
			.map_err(|source| WorkerError::Model {
				what: "an update against the global model".into(),
				source,
			})?;
	}
	let (mut dot, mut norm_a, mut norm_b) = (0.0f64, 0.0f64, 0.0f64);
	let tensors = global.tensors().iter().zip(a.tensors()).zip(b.tensors());
	for ((g, a), b) in tensors {
		for ((g, a), b) in g.values.iter().zip(&a.values).zip(&b.values) {
			let (g, a, b) = (f64::from(*g), f64::from(*a), f64::from(*b));
			let (da, db) = (a - g, b - g);
			dot += da * db;
			norm_a += da * da;
			norm_b += db * db;
		}
	}
	if norm_a == 0.0 || norm_b == 0.0 {
		return Ok(None);
	}
	Ok(Some(dot / (norm_a.sqrt() * norm_b.sqrt())))
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	fn model(values: &[f32]) -> ModelParameters {
		ModelParameters::new(vec![NamedTensor {
			name: "w".into(),
			shape: vec![values.len()],
			values: values.to_vec(),
		}])
		.unwrap()
	}

	#[test]
	fn interpolation_moves_along_the_delta() {
		let g = model(&[1.0, 2.0]);
		let u = model(&[3.0, 0.0]);
		assert_eq!(interpolate(&g, &u, 0.5).unwrap(), model(&[2.0, 1.0]));
		assert_eq!(interpolate(&g, &u, -1.0).unwrap(), model(&[-1.0, 4.0]));
		assert_eq!(interpolate(&g, &u, 0.0).unwrap(), g);
	}

	#[test]
	fn mismatched_layouts_are_errors() {
		let g = model(&[1.0, 2.0]);
		let u = model(&[1.0, 2.0, 3.0]);
		assert!(matches!(
			interpolate(&g, &u, 1.0),
			Err(WorkerError::Model { .. })
		));
		assert!(delta_norm(&g, &u).is_err());
	}

	#[test]
	fn cosines_compare_directions_from_the_global_model() {
		let g = model(&[1.0, 1.0]);
		let cos = |a: &[f32], b: &[f32]| delta_cosine(&g, &model(a), &model(b)).unwrap();
		assert_eq!(cos(&[2.0, 1.0], &[3.0, 1.0]), Some(1.0));
		assert_eq!(cos(&[2.0, 1.0], &[0.0, 1.0]), Some(-1.0));
		assert_eq!(cos(&[2.0, 1.0], &[1.0, 5.0]), Some(0.0));
		assert_eq!(cos(&[1.0, 1.0], &[1.0, 5.0]), None);
		assert!(delta_cosine(&g, &model(&[1.0]), &g).is_err());
	}

	proptest! {
		#[test]
		fn the_delta_norm_is_the_euclidean_distance(
			pairs in prop::collection::vec((-100f32..100.0, -100f32..100.0), 1..50)
		) {
			let (a, b): (Vec<f32>, Vec<f32>) = pairs.into_iter().unzip();
			let expected = a.iter().zip(&b)
				.map(|(x, y)| (f64::from(*y) - f64::from(*x)).powi(2))
				.sum::<f64>()
				.sqrt();
			let got = delta_norm(&model(&a), &model(&b)).unwrap();
			prop_assert!((got - expected).abs() <= 1e-9 * expected.max(1.0));
		}

		#[test]
		fn a_full_step_reaches_the_update(
			pairs in prop::collection::vec((-100f32..100.0, -100f32..100.0), 1..50)
		) {
			let (a, b): (Vec<f32>, Vec<f32>) = pairs.into_iter().unzip();
			let moved = interpolate(&model(&a), &model(&b), 1.0).unwrap();
			for (m, want) in moved.tensors()[0].values.iter().zip(&b) {
				// g + (u - g) rounds at most twice in f32.
				prop_assert!((m - want).abs() <= 1e-4 * want.abs().max(1.0));
			}
		}
	}
}
