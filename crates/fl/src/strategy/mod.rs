//! Aggregation strategies: one module each, behind the [`Strategy`] trait, built from the
//! chain's [`StrategyConfig`] by [`build`].
//!
//! The streaming engine ([`crate::aggregate`]) drives a strategy in up to three steps:
//!
//! 1. **select** (Krum family only): choose which updates take part, from the pairwise squared
//!    distances of all updates;
//! 2. **combine**: per chunk of elements, reduce the selected clients' values to one value per
//!    element (weighted mean, median, trimmed mean, ...);
//! 3. **server step**: turn that aggregate and the global weights into the new global weights,
//!    updating per-element state (momentum, moments) in place.
//!
//! Every step sees its inputs in ascending participant order and computes in `f64` with a fixed
//! operation order, so results are bit-identical however the work is split across threads.

mod bulyan;
mod fedadagrad;
mod fedadam;
mod fedavg;
mod fedavgm;
mod fedprox;
mod fedyogi;
pub(crate) mod kernels;
mod krum;
mod median;
mod multikrum;
pub mod norm_bound;
mod trimmed_mean;

pub use bulyan::Bulyan;
pub use fedadagrad::FedAdagrad;
pub use fedadam::FedAdam;
pub use fedavg::FedAvg;
pub use fedavgm::FedAvgM;
pub use fedprox::{proximal_gradient, proximal_term, FedProx};
pub use fedyogi::FedYogi;
pub use krum::{krum_scores, Krum};
pub use median::FedMedian;
pub use multikrum::MultiKrum;
pub use trimmed_mean::TrimmedMean;

use crate::{
	error::{FlError, Result},
	tensor::TensorRef,
	update::ParticipantId,
};
use decentralml_primitives::{Fixed9, StrategyConfig};

/// One selected client's view of the tensor being aggregated.
#[derive(Clone, Copy, Debug)]
pub struct ClientTensor<'a> {
	/// Who sent it.
	pub participant: ParticipantId,
	/// Its FedAvg weight (example count).
	pub weight: f64,
	/// Norm-bounding factor `s` applied to the delta: the value used is
	/// `global + s * (local - global)`. `None` means the update is used unchanged (not
	/// `Some(1.0)`, which would round differently).
	pub scale: Option<f64>,
	/// The client's tensor.
	pub tensor: TensorRef<'a>,
}

/// The inputs of one chunk of elements of one tensor.
#[derive(Clone, Copy, Debug)]
pub struct ChunkInputs<'a> {
	/// Name of the tensor.
	pub tensor_name: &'a str,
	/// Index of the chunk's first element within the tensor.
	pub start: usize,
	/// Global weights of the chunk; empty unless the strategy or norm bounding needs them.
	pub global: &'a [f64],
	/// Number of elements in the chunk.
	pub len: usize,
	/// Selected clients, in ascending participant order.
	pub clients: &'a [ClientTensor<'a>],
}

impl ChunkInputs<'_> {
	/// Decodes client `k`'s (norm-bounded) values for this chunk's elements
	/// `offset..offset + out.len()`.
	pub fn client_values(&self, k: usize, offset: usize, out: &mut [f64]) {
		let client = &self.clients[k];
		client.tensor.decode_into(self.start + offset, out);
		if let Some(scale) = client.scale {
			let global = &self.global[offset..offset + out.len()];
			for (x, g) in out.iter_mut().zip(global) {
				*x = g + scale * (*x - g);
			}
		}
	}

	/// The error reporting a non-finite value of client `k` at chunk offset `offset`.
	pub fn non_finite(&self, k: usize, offset: usize, value: f64) -> FlError {
		FlError::NonFinite {
			origin: format!("participant {}", self.clients[k].participant),
			tensor: self.tensor_name.to_string(),
			index: self.start + offset,
			value: value as f32,
		}
	}
}

/// Reusable per-thread buffers, so that kernels do not allocate per chunk.
#[derive(Debug, Default)]
pub struct Scratch {
	/// Client values gathered block by block (clients x block length).
	pub block: Vec<f64>,
	/// One element's values across clients.
	pub column: Vec<f64>,
	/// (key, client index) pairs for ranking.
	pub ranked: Vec<(f64, usize)>,
}

/// Squared L2 distances between every pair of updates (after norm bounding), indexed by the
/// updates' positions in ascending participant order.
#[derive(Clone, Debug, PartialEq)]
pub struct Distances {
	count: usize,
	squared: Vec<f64>,
}

impl Distances {
	/// Builds the symmetric matrix from the upper triangle listed row by row
	/// (`(0,1), (0,2), ..., (1,2), ...`).
	pub fn from_upper_triangle(count: usize, upper: &[f64]) -> Result<Self> {
		if upper.len() != count * count.saturating_sub(1) / 2 {
			return Err(FlError::InvalidArgument {
				name: "upper",
				reason: format!("{} entries do not fit {count} updates", upper.len()),
			});
		}
		let mut squared = vec![0.0; count * count];
		let mut next = upper.iter();
		for i in 0..count {
			for j in i + 1..count {
				// The length check above guarantees one entry per pair.
				let d = next.next().copied().unwrap_or(f64::NAN);
				squared[i * count + j] = d;
				squared[j * count + i] = d;
			}
		}
		Ok(Distances { count, squared })
	}

	/// Number of updates.
	pub fn len(&self) -> usize {
		self.count
	}

	/// Whether there are no updates.
	pub fn is_empty(&self) -> bool {
		self.count == 0
	}

	/// Squared distance between updates `i` and `j`.
	pub fn get(&self, i: usize, j: usize) -> f64 {
		self.squared[i * self.count + j]
	}
}

/// An aggregation rule. See the [module documentation](self) for the three steps.
pub trait Strategy: Send + Sync {
	/// Human-readable name used in errors ("FedAvg", "Krum", ...).
	fn name(&self) -> &'static str;

	/// Fewest updates the rule accepts.
	fn min_updates(&self) -> usize {
		1
	}

	/// Whether [`Strategy::select`] needs pairwise distances.
	fn needs_distances(&self) -> bool {
		false
	}

	/// Positions (in participant order) of the updates that take part in combining. The default
	/// keeps all of them.
	fn select(&self, count: usize, _distances: Option<&Distances>) -> Result<Vec<usize>> {
		Ok((0..count).collect())
	}

	/// Whether the server step reads the global weights.
	fn uses_global(&self) -> bool {
		false
	}

	/// Whether the combined value is a weighted mean, so that any non-finite input shows up as
	/// a non-finite output (the engine then checks outputs only). Rules that can discard
	/// values check their inputs themselves.
	fn propagates_non_finite(&self) -> bool {
		true
	}

	/// Reduces the selected clients' values of one chunk to one value per element in `out`
	/// (`out.len() == inputs.len`).
	fn combine(
		&self,
		inputs: &ChunkInputs<'_>,
		scratch: &mut Scratch,
		out: &mut [f64],
	) -> Result<()>;

	/// Names of per-element state tensors the server step keeps (e.g. `["m", "v"]`).
	fn state_slots(&self) -> &'static [&'static str] {
		&[]
	}

	/// Turns the combined values in `values` into new global weights, in place, given the
	/// chunk's global weights and its state slices (one per [`Strategy::state_slots`] entry,
	/// holding the previous state on entry and the new state on return). The default keeps the
	/// combined values.
	fn server_step(&self, _global: &[f64], _values: &mut [f64], _state: &mut [&mut [f32]]) {}
}

/// Converts a fixed-point parameter to `f64`. Exact division by 1e9 (correctly rounded), so
/// every machine gets the same bits.
pub fn fixed_to_f64(value: Fixed9) -> f64 {
	value.0 as f64 / Fixed9::SCALE as f64
}

/// Builds the strategy a configuration names.
pub fn build(config: &StrategyConfig) -> Result<Box<dyn Strategy>> {
	config.validate()?;
	let strategy: Box<dyn Strategy> = match *config {
		StrategyConfig::FedAvg => Box::new(FedAvg),
		StrategyConfig::FedAvgM {
			server_learning_rate,
			momentum,
		} => Box::new(FedAvgM {
			server_learning_rate: fixed_to_f64(server_learning_rate),
			momentum: fixed_to_f64(momentum),
		}),
		StrategyConfig::FedAdam(opt) => Box::new(FedAdam::from_config(&opt)),
		StrategyConfig::FedYogi(opt) => Box::new(FedYogi::from_config(&opt)),
		StrategyConfig::FedAdagrad {
			server_learning_rate,
			tau,
		} => Box::new(FedAdagrad {
			server_learning_rate: fixed_to_f64(server_learning_rate),
			tau: fixed_to_f64(tau),
		}),
		StrategyConfig::FedProx { proximal_mu } => Box::new(FedProx {
			proximal_mu: fixed_to_f64(proximal_mu),
		}),
		StrategyConfig::FedMedian => Box::new(FedMedian),
		StrategyConfig::TrimmedMean { beta } => Box::new(TrimmedMean { beta }),
		StrategyConfig::Krum { f } => Box::new(Krum { f: f as usize }),
		StrategyConfig::MultiKrum { f, m } => Box::new(MultiKrum {
			f: f as usize,
			m: m as usize,
		}),
		StrategyConfig::Bulyan { f } => Box::new(Bulyan { f: f as usize }),
	};
	Ok(strategy)
}

#[cfg(test)]
pub(crate) mod test_support {
	//! Runs a strategy's combine step on in-memory columns, for unit tests.

	use super::*;
	use crate::tensor::{to_safetensors, Limits, OwnedTensor, Parameters};

	/// Client `k` has values `columns[i][k]` at element `i` and weight `weights[k]`.
	pub fn combine(
		strategy: &dyn Strategy,
		columns: &[Vec<f64>],
		weights: &[f64],
	) -> Result<Vec<f64>> {
		let clients = weights.len();
		let params: Vec<Parameters> = (0..clients)
			.map(|k| {
				let values: Vec<f64> = columns.iter().map(|c| c[k]).collect();
				let t = OwnedTensor::from_f64(
					"w",
					crate::tensor::ElemType::F32,
					vec![values.len()],
					&values,
				)
				.unwrap();
				Parameters::from_bytes("t", to_safetensors(&[t]).unwrap(), &Limits::default())
					.unwrap()
			})
			.collect();
		let tensors: Vec<ClientTensor<'_>> = params
			.iter()
			.enumerate()
			.map(|(k, p)| ClientTensor {
				participant: ParticipantId::from(k as u64),
				weight: weights[k],
				scale: None,
				tensor: p.tensor("w").unwrap(),
			})
			.collect();
		let inputs = ChunkInputs {
			tensor_name: "w",
			start: 0,
			global: &[],
			len: columns.len(),
			clients: &tensors,
		};
		let mut out = vec![0.0; columns.len()];
		strategy.combine(&inputs, &mut Scratch::default(), &mut out)?;
		Ok(out)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use decentralml_primitives::AdaptiveOptimizer;

	#[test]
	fn build_covers_every_config() {
		let opt = AdaptiveOptimizer {
			server_learning_rate: Fixed9::ONE,
			beta1: Fixed9::ZERO,
			beta2: Fixed9::ZERO,
			tau: Fixed9(1),
		};
		let configs = [
			(StrategyConfig::FedAvg, "FedAvg"),
			(
				StrategyConfig::FedAvgM {
					server_learning_rate: Fixed9::ONE,
					momentum: Fixed9::ZERO,
				},
				"FedAvgM",
			),
			(StrategyConfig::FedAdam(opt), "FedAdam"),
			(StrategyConfig::FedYogi(opt), "FedYogi"),
			(
				StrategyConfig::FedAdagrad {
					server_learning_rate: Fixed9::ONE,
					tau: Fixed9(1),
				},
				"FedAdagrad",
			),
			(
				StrategyConfig::FedProx {
					proximal_mu: Fixed9::ONE,
				},
				"FedProx",
			),
			(StrategyConfig::FedMedian, "FedMedian"),
			(
				StrategyConfig::TrimmedMean {
					beta: Fixed9(100_000_000),
				},
				"TrimmedMean",
			),
			(StrategyConfig::Krum { f: 1 }, "Krum"),
			(StrategyConfig::MultiKrum { f: 1, m: 2 }, "MultiKrum"),
			(StrategyConfig::Bulyan { f: 1 }, "Bulyan"),
		];
		for (config, name) in configs {
			assert_eq!(build(&config).unwrap().name(), name);
		}
		assert!(build(&StrategyConfig::TrimmedMean { beta: Fixed9::HALF }).is_err());
	}

	#[test]
	fn fixed_conversion_is_exact_for_decimal_inputs() {
		assert_eq!(fixed_to_f64(Fixed9(100_000_000)), 0.1);
		assert_eq!(fixed_to_f64(Fixed9::ONE), 1.0);
		assert_eq!(fixed_to_f64(Fixed9(1)), 1e-9);
	}

	#[test]
	fn distances_are_symmetric() {
		let d = Distances::from_upper_triangle(3, &[1.0, 2.0, 3.0]).unwrap();
		assert_eq!(
			(
				d.get(0, 1),
				d.get(1, 0),
				d.get(0, 2),
				d.get(2, 1),
				d.get(1, 1)
			),
			(1.0, 1.0, 2.0, 3.0, 0.0)
		);
		assert!(Distances::from_upper_triangle(3, &[1.0]).is_err());
	}
}
