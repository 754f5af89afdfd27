//! Strategy state kept between rounds, stored as a safetensors file so that anyone holding the
//! previous global model, the state file and the round's updates can recompute the next
//! aggregate.
//!
//! Layout: for each state slot of the strategy (e.g. `m`, `v`) and each model tensor `name`, an
//! `F32` tensor `"{slot}/{name}"` with the model tensor's shape; with adaptive clipping, an `F32`
//! tensor [`CLIPPING_NORM`] of shape `[1]`. A missing state file means "first round": slots
//! start at zero and the clipping norm at its configured initial value.

use crate::{
	error::{FlError, Result},
	tensor::{ElemType, Parameters, TensorRef},
};

/// Name of the adaptive clipping norm in a state file.
pub const CLIPPING_NORM: &str = "dp/clipping_norm";

/// Name of a slot's tensor for model tensor `tensor`.
pub fn slot_tensor_name(slot: &str, tensor: &str) -> String {
	format!("{slot}/{tensor}")
}

/// The previous round's state, checked against the model and the strategy.
#[derive(Clone, Copy, Debug)]
pub struct PreviousState<'a> {
	file: Option<&'a Parameters>,
}

impl<'a> PreviousState<'a> {
	/// Checks that `file` holds exactly the tensors `slots` and `adaptive_clipping` call for,
	/// as finite `F32` values with the model's shapes.
	pub fn load(
		file: Option<&'a Parameters>,
		global: &Parameters,
		slots: &[&str],
		adaptive_clipping: bool,
	) -> Result<Self> {
		let Some(state) = file else {
			return Ok(PreviousState { file: None });
		};
		let mut expected = 0;
		for slot in slots {
			for spec in global.specs() {
				let name = slot_tensor_name(slot, &spec.name);
				let tensor = state.tensor(&name).ok_or_else(|| missing(&name))?;
				check_tensor(tensor, &spec.shape)?;
				expected += 1;
			}
		}
		if adaptive_clipping {
			let tensor = state
				.tensor(CLIPPING_NORM)
				.ok_or_else(|| missing(CLIPPING_NORM))?;
			check_tensor(tensor, &[1])?;
			if tensor.to_f32().first().is_some_and(|c| *c <= 0.0) {
				return Err(FlError::State {
					tensor: CLIPPING_NORM.to_string(),
					reason: "clipping norm must be positive".to_string(),
				});
			}
			expected += 1;
		}
		if state.specs().len() != expected {
			let extra = state
				.specs()
				.iter()
				.map(|s| s.name.as_str())
				.find(|name| !is_expected(name, slots, global, adaptive_clipping))
				.unwrap_or_default();
			return Err(FlError::State {
				tensor: extra.to_string(),
				reason: "not part of this strategy's state".to_string(),
			});
		}
		Ok(PreviousState { file: Some(state) })
	}

	/// The previous values of `slot` for model tensor `tensor`; `None` on the first round.
	pub fn slot(&self, slot: &str, tensor: &str) -> Option<TensorRef<'a>> {
		self.file?.tensor(&slot_tensor_name(slot, tensor))
	}

	/// The stored adaptive clipping norm; `None` on the first round.
	pub fn clipping_norm(&self) -> Option<f64> {
		let values = self.file?.tensor(CLIPPING_NORM)?.to_f32();
		values.first().map(|v| f64::from(*v))
	}
}

fn missing(name: &str) -> FlError {
	FlError::State {
		tensor: name.to_string(),
		reason: "missing".to_string(),
	}
}

fn check_tensor(tensor: TensorRef<'_>, shape: &[usize]) -> Result<()> {
	let name = &tensor.spec.name;
	if tensor.spec.elem != ElemType::F32 {
		return Err(FlError::State {
			tensor: name.clone(),
			reason: format!("dtype {} instead of F32", tensor.spec.elem),
		});
	}
	if tensor.spec.shape != shape {
		return Err(FlError::State {
			tensor: name.clone(),
			reason: format!("shape {:?} instead of {shape:?}", tensor.spec.shape),
		});
	}
	tensor.check_finite("strategy state")
}

fn is_expected(name: &str, slots: &[&str], global: &Parameters, adaptive: bool) -> bool {
	if adaptive && name == CLIPPING_NORM {
		return true;
	}
	slots.iter().any(|slot| {
		name.strip_prefix(slot)
			.and_then(|rest| rest.strip_prefix('/'))
			.is_some_and(|tensor| global.tensor(tensor).is_some())
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::tensor::{to_safetensors, Limits, OwnedTensor};

	fn params(tensors: &[OwnedTensor]) -> Parameters {
		Parameters::from_bytes("s", to_safetensors(tensors).unwrap(), &Limits::default()).unwrap()
	}

	fn global() -> Parameters {
		params(&[OwnedTensor::from_f32("w", vec![2], &[1.0, 2.0]).unwrap()])
	}

	#[test]
	fn complete_state_loads() {
		let state = params(&[
			OwnedTensor::from_f32("m/w", vec![2], &[0.5, 0.5]).unwrap(),
			OwnedTensor::from_f32(CLIPPING_NORM, vec![1], &[0.25]).unwrap(),
		]);
		let global = global();
		let loaded = PreviousState::load(Some(&state), &global, &["m"], true).unwrap();
		assert_eq!(loaded.slot("m", "w").unwrap().to_f32(), vec![0.5, 0.5]);
		assert_eq!(loaded.clipping_norm(), Some(0.25));
		let fresh = PreviousState::load(None, &global, &["m"], true).unwrap();
		assert!(fresh.slot("m", "w").is_none() && fresh.clipping_norm().is_none());
	}

	#[test]
	fn mismatches_name_the_state_tensor() {
		let global = global();
		let wrong_shape = params(&[OwnedTensor::from_f32("m/w", vec![1], &[0.5]).unwrap()]);
		let err = PreviousState::load(Some(&wrong_shape), &global, &["m"], false).unwrap_err();
		assert_eq!(
			err.to_string(),
			"strategy state: tensor `m/w`: shape [1] instead of [2]"
		);
		let missing = params(&[]);
		let err = PreviousState::load(Some(&missing), &global, &["m"], false).unwrap_err();
		assert_eq!(err.to_string(), "strategy state: tensor `m/w`: missing");
		let extra = params(&[
			OwnedTensor::from_f32("m/w", vec![2], &[0.5, 0.5]).unwrap(),
			OwnedTensor::from_f32("v/w", vec![2], &[0.5, 0.5]).unwrap(),
		]);
		let err = PreviousState::load(Some(&extra), &global, &["m"], false).unwrap_err();
		assert!(err.to_string().contains("`v/w`"), "{err}");
		let nan = params(&[OwnedTensor::from_f32("m/w", vec![2], &[0.5, f32::NAN]).unwrap()]);
		assert!(PreviousState::load(Some(&nan), &global, &["m"], false).is_err());
	}
}
