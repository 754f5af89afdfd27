//! The round's aggregate, computed the same way by the aggregator (which submits it) and by
//! every revealing validator (which recomputes it and attests its CID): bit for bit, so that
//! honest parties attest the same CID.
//!
//! The inputs are fixed by the chain: the task's global model and strategy state (by CID), and
//! the accepted updates with their trainers and example counts. Each update is identified by
//! its trainer's 32-byte account (the FL engine sums in ascending id order) and weighted by its
//! example count capped at the task's `example_cap`, the cap the rewards use, so that
//! over-reporting examples buys no extra influence on the model either.

use crate::error::{Result, WorkerError};
use decentralml_client::{AccountId, TaskId};
use decentralml_fl::aggregate::{Aggregator, RoundInput};
use decentralml_fl::tensor::{Limits, Parameters};
use decentralml_fl::update::{ParticipantId, Update};
use decentralml_primitives::AggregationConfig;
use decentralml_storage::{cid_of, Cid};

/// One accepted update: its trainer, example count and plaintext safetensors bytes.
#[derive(Clone, Debug)]
pub struct AcceptedUpdate {
	/// The trainer.
	pub trainer: AccountId,
	/// The examples it reported.
	pub examples: u64,
	/// The update's weights as safetensors.
	pub bytes: Vec<u8>,
}

/// What a round aggregates.
#[derive(Clone, Debug)]
pub struct AggregationInputs {
	/// The task.
	pub task: TaskId,
	/// The task's aggregation rule.
	pub config: AggregationConfig,
	/// The task's example cap.
	pub example_cap: u64,
	/// The global model as safetensors.
	pub global: Vec<u8>,
	/// The strategy state as safetensors, if the task has one.
	pub state: Option<Vec<u8>>,
	/// The accepted updates.
	pub updates: Vec<AcceptedUpdate>,
}

/// A computed aggregate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Aggregate {
	/// The new global model as safetensors.
	pub model: Vec<u8>,
	/// The new strategy state as safetensors, if the strategy keeps state.
	pub state: Option<Vec<u8>>,
}

impl Aggregate {
	/// The model's CID: what validators attest.
	pub fn model_cid(&self) -> Cid {
		cid_of(&self.model)
	}
}

/// Checks that workers can run `config`: central DP needs a noise seed that the protocol does
/// not define yet, so tasks with it cannot be aggregated verifiably.
pub fn check_supported(task: TaskId, config: &AggregationConfig) -> Result<()> {
	if config.central_privacy.is_some() {
		return Err(WorkerError::UnsupportedAggregation {
			task,
			reason: "central differential privacy needs a noise seed shared by the aggregator \
			         and the validators, which the protocol does not define yet"
				.into(),
		});
	}
	Aggregator::new(*config).map_err(|source| WorkerError::Aggregation {
		what: format!("task {task}'s configuration"),
		source,
	})?;
	Ok(())
}

/// Aggregates a round. CPU-heavy: run it on a blocking thread.
pub fn aggregate(inputs: &AggregationInputs) -> Result<Aggregate> {
	check_supported(inputs.task, &inputs.config)?;
	let what = format!("task {}", inputs.task);
	let fl_error = |source| WorkerError::Aggregation {
		what: what.clone(),
		source,
	};
	let aggregator = Aggregator::new(inputs.config).map_err(fl_error)?;
	let limits = Limits::default();
	let global =
		Parameters::from_bytes("global", inputs.global.clone(), &limits).map_err(fl_error)?;
	let state = match &inputs.state {
		Some(bytes) => {
			Some(Parameters::from_bytes("state", bytes.clone(), &limits).map_err(fl_error)?)
		}
		None => None,
	};
	let updates = inputs
		.updates
		.iter()
		.map(|update| {
			let label = format!("update of {}", update.trainer);
			let weights = Parameters::from_bytes(label, update.bytes.clone(), &limits)?;
			Ok(Update::new(
				ParticipantId(update.trainer.0),
				update.examples.min(inputs.example_cap),
				weights,
			))
		})
		.collect::<decentralml_fl::Result<Vec<_>>>()
		.map_err(fl_error)?;
	let output = aggregator
		.aggregate(RoundInput {
			global: &global,
			updates: &updates,
			state: state.as_ref(),
			noise_seed: None,
		})
		.map_err(fl_error)?;
	let model = output.model_bytes().map_err(fl_error)?;
	let state = if output.state.is_empty() {
		None
	} else {
		Some(output.state_bytes().map_err(fl_error)?)
	};
	Ok(Aggregate { model, state })
}

#[cfg(test)]
mod tests {
	use super::*;
	use decentralml_primitives::StrategyConfig;
	use decentralml_train::{ModelParameters, NamedTensor};

	fn bytes(values: &[f32]) -> Vec<u8> {
		ModelParameters::new(vec![NamedTensor {
			name: "w".into(),
			shape: vec![values.len()],
			values: values.to_vec(),
		}])
		.unwrap()
		.to_safetensors()
		.unwrap()
	}

	fn inputs(order: &[usize]) -> AggregationInputs {
		let all = [
			AcceptedUpdate {
				trainer: AccountId::from([1; 32]),
				examples: 100,
				bytes: bytes(&[1.0, 2.0]),
			},
			AcceptedUpdate {
				trainer: AccountId::from([2; 32]),
				examples: 1_000_000,
				bytes: bytes(&[3.0, 0.0]),
			},
		];
		AggregationInputs {
			task: 0,
			config: AggregationConfig::plain(StrategyConfig::FedAvg),
			example_cap: 300,
			global: bytes(&[0.0, 0.0]),
			state: None,
			updates: order.iter().map(|i| all[*i].clone()).collect(),
		}
	}

	#[test]
	fn the_aggregate_is_the_same_in_any_order_and_caps_examples() {
		let a = aggregate(&inputs(&[0, 1])).unwrap();
		let b = aggregate(&inputs(&[1, 0])).unwrap();
		assert_eq!(a, b);
		assert_eq!(a.model_cid(), b.model_cid());
		let model = ModelParameters::from_safetensors(&a.model).unwrap();
		// Weights 100 and 300 (capped): (100·1 + 300·3)/400 = 2.5, (100·2)/400 = 0.5.
		assert_eq!(model.tensors()[0].values, vec![2.5, 0.5]);
		assert!(a.state.is_none());
	}

	#[test]
	fn central_privacy_is_refused_with_a_reason() {
		use decentralml_primitives::{CentralPrivacy, Clipping, Fixed9};
		let mut config = AggregationConfig::plain(StrategyConfig::FedAvg);
		config.central_privacy = Some(CentralPrivacy {
			noise_multiplier: Fixed9(1_000_000_000),
			clipping: Clipping::Fixed {
				norm: Fixed9(1_000_000_000),
			},
		});
		let error = check_supported(4, &config).unwrap_err();
		assert!(error.to_string().contains("noise seed"), "{error}");
	}
}
