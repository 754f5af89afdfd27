//! Server-side norm bounding (Sun et al. 2019, "Can you really backdoor federated learning?").
//!
//! Every update's delta `local - global` is scaled down to L2 norm at most `bound` before the
//! strategy sees it: the value used is `global + s * (local - global)` with
//! `s = min(1, bound / ||local - global||)`. It wraps any strategy and is also the clipping
//! step of central differential privacy. The norm is the square root of a sum of squares taken
//! in a fixed order (tensor name, then element), so `s` is the same on every machine.

/// The scale for an update whose delta has L2 norm `norm`: `None` (use the update unchanged)
/// when `norm <= bound`, otherwise `Some(bound / norm)`.
pub fn clip_factor(norm: f64, bound: f64) -> Option<f64> {
	if norm <= bound {
		None
	} else {
		Some(bound / norm)
	}
}

/// Scales `delta` in place to L2 norm at most `bound` and returns its norm before scaling
/// (summed in element order in `f64`).
pub fn clip_in_place(delta: &mut [f64], bound: f64) -> f64 {
	let mut squares = 0.0;
	for d in delta.iter() {
		squares += d * d;
	}
	let norm = squares.sqrt();
	if let Some(scale) = clip_factor(norm, bound) {
		for d in delta.iter_mut() {
			*d *= scale;
		}
	}
	norm
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	#[test]
	fn small_updates_are_untouched() {
		assert_eq!(clip_factor(1.0, 2.0), None);
		assert_eq!(clip_factor(2.0, 2.0), None);
		assert_eq!(clip_factor(4.0, 2.0), Some(0.5));
	}

	proptest! {
		#[test]
		fn clipped_norm_never_exceeds_bound(
			mut delta in proptest::collection::vec(-1e3f64..1e3, 1..50),
			bound in 1e-3f64..1e3,
		) {
			let original = delta.clone();
			let norm = clip_in_place(&mut delta, bound);
			let after: f64 = delta.iter().map(|d| d * d).sum::<f64>().sqrt();
			// One rounding per element and in the sum: allow a relative 1e-12.
			prop_assert!(after <= bound * (1.0 + 1e-12));
			if norm <= bound {
				prop_assert_eq!(delta, original);
			} else {
				// Direction is preserved.
				for (d, o) in delta.iter().zip(&original) {
					prop_assert!(d * o >= 0.0);
				}
			}
		}
	}
}
