//! Client updates: who sent them, how many examples they trained on, and their new weights.
//!
//! **An update carries the client's new local weights**, not a delta: the aggregator derives
//! deltas (`local - global`) itself where a rule needs them (norm bounding, clipping, Krum
//! distances, server optimisers). Trainers that produce deltas add the global weights before
//! submitting, so every update in a round means the same thing.

use crate::{
	error::{FlError, Result},
	tensor::Parameters,
};

/// A participant's 32-byte identity (for example its account id). Updates are always processed
/// in ascending id order, which fixes the floating-point summation order.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ParticipantId(pub [u8; 32]);

impl From<u64> for ParticipantId {
	/// Big-endian in the last eight bytes, so that numeric order is id order.
	fn from(n: u64) -> Self {
		let mut id = [0u8; 32];
		id[24..].copy_from_slice(&n.to_be_bytes());
		ParticipantId(id)
	}
}

impl std::fmt::Display for ParticipantId {
	/// Ids made from a `u64` print as that number, others as 64 hex digits.
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		if self.0[..24].iter().all(|b| *b == 0) {
			let mut low = [0u8; 8];
			low.copy_from_slice(&self.0[24..]);
			write!(f, "{}", u64::from_be_bytes(low))
		} else {
			self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
		}
	}
}

impl std::fmt::Debug for ParticipantId {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		write!(f, "ParticipantId({self})")
	}
}

/// One client's contribution to a round.
#[derive(Debug)]
pub struct Update {
	/// Who sent it.
	pub participant: ParticipantId,
	/// Number of training examples behind it (the FedAvg weight), > 0.
	pub num_examples: u64,
	/// The client's new local weights, with the global model's names, shapes and dtypes.
	pub weights: Parameters,
}

impl Update {
	/// Bundles an update.
	pub fn new(
		participant: impl Into<ParticipantId>,
		num_examples: u64,
		weights: Parameters,
	) -> Self {
		Update {
			participant: participant.into(),
			num_examples,
			weights,
		}
	}

	/// How this update is named in error messages.
	pub fn origin(&self) -> String {
		format!("participant {}", self.participant)
	}
}

/// Checks that an update matches the global model: a positive example count, the same tensor
/// names, shapes and dtypes. Values are checked too when `check_values` is set (the aggregator
/// checks them while streaming instead, to read the data only once).
pub fn validate_update(global: &Parameters, update: &Update, check_values: bool) -> Result<()> {
	let participant = update.participant;
	if update.num_examples == 0 {
		return Err(FlError::ZeroExamples { participant });
	}
	let ours = update.weights.specs();
	for expected in global.specs() {
		let Some(found) = update.weights.tensor(&expected.name) else {
			return Err(FlError::MissingTensor {
				participant,
				tensor: expected.name.clone(),
			});
		};
		let found = found.spec;
		if found.elem != expected.elem {
			return Err(FlError::DtypeMismatch {
				participant,
				tensor: expected.name.clone(),
				expected: expected.elem.to_string(),
				found: found.elem.to_string(),
			});
		}
		if found.shape != expected.shape {
			return Err(FlError::ShapeMismatch {
				participant,
				tensor: expected.name.clone(),
				expected: expected.shape.clone(),
				found: found.shape.clone(),
			});
		}
	}
	// Every global name is present, so a longer list means extra tensors.
	if ours.len() != global.specs().len() {
		let extra = ours
			.iter()
			.find(|s| global.tensor(&s.name).is_none())
			.map(|s| s.name.clone())
			.unwrap_or_default();
		return Err(FlError::UnexpectedTensor {
			participant,
			tensor: extra,
		});
	}
	if check_values {
		update.weights.check_finite(&update.origin())?;
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::tensor::{to_safetensors, ElemType, Limits, OwnedTensor};

	fn params(tensors: &[OwnedTensor]) -> Parameters {
		Parameters::from_bytes("p", to_safetensors(tensors).unwrap(), &Limits::default()).unwrap()
	}

	fn t(name: &str, shape: Vec<usize>, elem: ElemType) -> OwnedTensor {
		let n = shape.iter().product();
		OwnedTensor::from_f64(name, elem, shape, &vec![0.5; n]).unwrap()
	}

	fn global() -> Parameters {
		params(&[
			t("a", vec![2], ElemType::F32),
			t("b", vec![1, 3], ElemType::F16),
		])
	}

	fn check(tensors: &[OwnedTensor]) -> Result<()> {
		validate_update(&global(), &Update::new(7, 10, params(tensors)), true)
	}

	#[test]
	fn matching_update_passes() {
		check(&[
			t("a", vec![2], ElemType::F32),
			t("b", vec![1, 3], ElemType::F16),
		])
		.unwrap();
	}

	#[test]
	fn errors_name_the_tensor_and_participant() {
		let missing = check(&[t("a", vec![2], ElemType::F32)]).unwrap_err();
		assert_eq!(
			missing.to_string(),
			"participant 7: tensor `b` of the global model is missing"
		);
		let shape = check(&[
			t("a", vec![2], ElemType::F32),
			t("b", vec![3], ElemType::F16),
		])
		.unwrap_err();
		assert_eq!(
			shape.to_string(),
			"participant 7: tensor `b` has shape [3], expected [1, 3]"
		);
		let dtype = check(&[
			t("a", vec![2], ElemType::BF16),
			t("b", vec![1, 3], ElemType::F16),
		])
		.unwrap_err();
		assert_eq!(
			dtype.to_string(),
			"participant 7: tensor `a` has dtype BF16, expected F32"
		);
		let extra = check(&[
			t("a", vec![2], ElemType::F32),
			t("b", vec![1, 3], ElemType::F16),
			t("c", vec![1], ElemType::F32),
		])
		.unwrap_err();
		assert_eq!(
			extra.to_string(),
			"participant 7: tensor `c` is not in the global model"
		);
	}

	#[test]
	fn non_finite_and_zero_examples_fail() {
		let bad = OwnedTensor::from_f32("a", vec![2], &[1.0, f32::INFINITY]).unwrap();
		let err = check(&[bad, t("b", vec![1, 3], ElemType::F16)]).unwrap_err();
		assert_eq!(
			err.to_string(),
			"participant 7: tensor `a` element 1 is inf, not finite"
		);
		let zero = Update::new(8, 0, global());
		assert!(matches!(
			validate_update(&global(), &zero, false),
			Err(FlError::ZeroExamples { .. })
		));
	}

	#[test]
	fn ids_order_and_print() {
		assert!(ParticipantId::from(2) < ParticipantId::from(10));
		assert_eq!(ParticipantId::from(42).to_string(), "42");
		let mut raw = [0u8; 32];
		raw[0] = 0xab;
		assert!(ParticipantId(raw).to_string().starts_with("ab00"));
	}
}
