//! A model's parameters as named float32 tensors, and their safetensors encoding.
//!
//! Names are stable across runs and machines (`fc1.weight`, `conv2.bias`,
//! `lstm1.input_gate.input_transform.weight`, ...), so the federated-learning library can
//! aggregate updates tensor by tensor.

use crate::error::{Result, TrainError};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};

/// One named float32 tensor.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedTensor {
	/// Stable name, e.g. `fc1.weight`.
	pub name: String,
	/// Dimensions, outermost first.
	pub shape: Vec<usize>,
	/// Values, row-major.
	pub values: Vec<f32>,
}

/// All parameters of a model, sorted by name.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ModelParameters {
	tensors: Vec<NamedTensor>,
}

impl ModelParameters {
	/// Builds a parameter set after checking each tensor's length against its shape and that
	/// names are unique.
	pub fn new(mut tensors: Vec<NamedTensor>) -> Result<Self> {
		for t in &tensors {
			let expected: usize = t.shape.iter().product();
			if t.values.len() != expected {
				return Err(TrainError::ParameterMismatch {
					name: t.name.clone(),
					reason: format!(
						"shape {:?} needs {expected} values, got {}",
						t.shape,
						t.values.len()
					),
				});
			}
		}
		tensors.sort_by(|a, b| a.name.cmp(&b.name));
		if let Some(pair) = tensors.windows(2).find(|w| w[0].name == w[1].name) {
			return Err(TrainError::ParameterMismatch {
				name: pair[0].name.clone(),
				reason: "appears twice".into(),
			});
		}
		Ok(ModelParameters { tensors })
	}

	/// A set of names and shapes whose values are left empty, for layout comparisons.
	pub(crate) fn from_layout(mut tensors: Vec<NamedTensor>) -> Self {
		tensors.sort_by(|a, b| a.name.cmp(&b.name));
		ModelParameters { tensors }
	}

	/// The tensors, sorted by name.
	pub fn tensors(&self) -> &[NamedTensor] {
		&self.tensors
	}

	/// Consumes the set, returning its tensors sorted by name.
	pub fn into_tensors(self) -> Vec<NamedTensor> {
		self.tensors
	}

	/// The tensor called `name`.
	pub fn get(&self, name: &str) -> Option<&NamedTensor> {
		self.tensors
			.binary_search_by(|t| t.name.as_str().cmp(name))
			.ok()
			.map(|i| &self.tensors[i])
	}

	/// Total number of scalar parameters.
	pub fn num_parameters(&self) -> usize {
		self.tensors.iter().map(|t| t.values.len()).sum()
	}

	/// Checks that `other` has the same names and shapes.
	pub fn check_same_layout(&self, other: &ModelParameters) -> Result<()> {
		for t in &self.tensors {
			let theirs = other
				.get(&t.name)
				.ok_or_else(|| TrainError::ParameterMismatch {
					name: t.name.clone(),
					reason: "missing from the other parameter set".into(),
				})?;
			if theirs.shape != t.shape {
				return Err(TrainError::ParameterMismatch {
					name: t.name.clone(),
					reason: format!("shape {:?} differs from {:?}", theirs.shape, t.shape),
				});
			}
		}
		match other.tensors.iter().find(|t| self.get(&t.name).is_none()) {
			Some(extra) => Err(TrainError::ParameterMismatch {
				name: extra.name.clone(),
				reason: "is not a parameter of this model".into(),
			}),
			None => Ok(()),
		}
	}

	/// Encodes the parameters as safetensors (float32, little-endian).
	pub fn to_safetensors(&self) -> Result<Vec<u8>> {
		let bytes: Vec<Vec<u8>> = self
			.tensors
			.iter()
			.map(|t| t.values.iter().flat_map(|v| v.to_le_bytes()).collect())
			.collect();
		let views = self
			.tensors
			.iter()
			.zip(&bytes)
			.map(|(t, b)| {
				TensorView::new(Dtype::F32, t.shape.clone(), b)
					.map(|v| (t.name.as_str(), v))
					.map_err(|e| safetensors_error(&t.name, e))
			})
			.collect::<Result<Vec<_>>>()?;
		safetensors::serialize(views, None).map_err(|e| safetensors_error("encoding", e))
	}

	/// Decodes safetensors bytes; every tensor must be float32.
	pub fn from_safetensors(bytes: &[u8]) -> Result<Self> {
		let file = SafeTensors::deserialize(bytes).map_err(|e| safetensors_error("decoding", e))?;
		let tensors = file
			.iter()
			.map(|(name, view)| {
				if view.dtype() != Dtype::F32 {
					return Err(TrainError::Safetensors {
						what: format!("tensor `{name}`"),
						reason: format!("dtype {:?} is not F32", view.dtype()),
					});
				}
				let values = view
					.data()
					.chunks_exact(4)
					.map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
					.collect();
				Ok(NamedTensor {
					name: name.to_string(),
					shape: view.shape().to_vec(),
					values,
				})
			})
			.collect::<Result<Vec<_>>>()?;
		ModelParameters::new(tensors)
	}
}

fn safetensors_error(what: &str, e: impl std::fmt::Display) -> TrainError {
	TrainError::Safetensors {
		what: what.to_string(),
		reason: e.to_string(),
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	fn tensor() -> impl Strategy<Value = NamedTensor> {
		(
			"[a-z]{1,6}(\\.[a-z0-9]{1,4}){0,2}",
			prop::collection::vec(1usize..5, 0..3),
		)
			.prop_flat_map(|(name, shape)| {
				let len = shape.iter().product::<usize>();
				prop::collection::vec(-1e6f32..1e6, len).prop_map(move |values| NamedTensor {
					name: name.clone(),
					shape: shape.clone(),
					values,
				})
			})
	}

	proptest! {
		#[test]
		fn safetensors_round_trip(tensors in prop::collection::vec(tensor(), 0..6)) {
			let mut unique = std::collections::BTreeMap::new();
			for t in tensors {
				unique.insert(t.name.clone(), t);
			}
			let params = ModelParameters::new(unique.into_values().collect()).unwrap();
			let bytes = params.to_safetensors().unwrap();
			prop_assert_eq!(ModelParameters::from_safetensors(&bytes).unwrap(), params);
		}

		#[test]
		fn decoding_garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..128)) {
			let _ = ModelParameters::from_safetensors(&bytes);
		}
	}

	#[test]
	fn rejects_wrong_lengths_duplicates_and_other_dtypes() {
		let t = |name: &str, n| NamedTensor {
			name: name.into(),
			shape: vec![2],
			values: vec![0.0; n],
		};
		assert!(ModelParameters::new(vec![t("a", 3)])
			.unwrap_err()
			.to_string()
			.contains("`a`"));
		assert!(ModelParameters::new(vec![t("a", 2), t("a", 2)])
			.unwrap_err()
			.to_string()
			.contains("twice"));
		let data = [0u8; 2];
		let view = TensorView::new(Dtype::U8, vec![2], &data).unwrap();
		let bytes = safetensors::serialize([("w", view)], None).unwrap();
		let err = ModelParameters::from_safetensors(&bytes)
			.unwrap_err()
			.to_string();
		assert!(err.contains("`w`") && err.contains("U8"), "{err}");
	}

	#[test]
	fn layout_check_names_the_difference() {
		let one = |name: &str, shape: Vec<usize>| {
			let values = vec![0.0; shape.iter().product()];
			ModelParameters::new(vec![NamedTensor {
				name: name.into(),
				shape,
				values,
			}])
			.unwrap()
		};
		let a = one("w", vec![2, 3]);
		assert!(a.check_same_layout(&a.clone()).is_ok());
		assert!(a
			.check_same_layout(&one("w", vec![3, 2]))
			.unwrap_err()
			.to_string()
			.contains("`w`"));
		assert!(a.check_same_layout(&one("v", vec![2, 3])).is_err());
	}
}
