//! A trainer's local round: load the global parameters, run E epochs of minibatch SGD or Adam
//! (with FedProx's proximal term when mu > 0), and hand back the new parameters with the
//! example count and metrics; and evaluation of parameters on a data set.

use crate::batch::{correct_count, cross_entropy, make_batch, Batch};
use crate::card::{Architecture, LocalConfig, ModelCard, OptimizerConfig};
use crate::data::{Dataset, Inputs};
use crate::error::{Result, TrainError};
use crate::model::{with_generator, Network};
use crate::params::ModelParameters;
use burn::module::{ModuleVisitor, Param};
use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer, SgdConfig};
use burn::prelude::*;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Loss and accuracy over some examples.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Metrics {
	/// Mean cross-entropy per target.
	pub loss: f64,
	/// Fraction of targets predicted right.
	pub accuracy: f64,
	/// Number of examples.
	pub examples: usize,
}

/// What a local round returns.
#[derive(Clone, Debug)]
pub struct LocalOutcome {
	/// The parameters after local training.
	pub parameters: ModelParameters,
	/// Number of local examples trained on (the weight FedAvg gives this update).
	pub examples: usize,
	/// Training loss and accuracy over the last epoch (cross-entropy only, without the
	/// proximal term).
	pub metrics: Metrics,
	/// Optimiser steps taken.
	pub steps: usize,
}

/// Trains and evaluates one model card on one device.
#[derive(Clone, Debug)]
pub struct LocalTrainer {
	card: ModelCard,
	device: Device,
}

/// Batch size used for evaluation (no gradients, so larger batches are fine).
const EVAL_BATCH: usize = 500;

impl LocalTrainer {
	/// A trainer for `card` on `device` (autodiff is enabled on it for training).
	pub fn new(card: ModelCard, device: Device) -> Result<Self> {
		card.validate()?;
		Ok(LocalTrainer {
			card,
			device: device.without_autodiff(),
		})
	}

	/// The model card.
	pub fn card(&self) -> &ModelCard {
		&self.card
	}

	/// The device (without autodiff).
	pub fn device(&self) -> &Device {
		&self.device
	}

	/// Freshly initialised parameters, repeatable for a given seed.
	pub fn initial_parameters(&self, seed: u64) -> Result<ModelParameters> {
		with_generator(|| {
			self.device.seed(seed);
			Network::from_card(&self.card, &self.device)?.parameters()
		})
	}

	/// Builds the network on the autodiff device with `params` loaded, for callers that drive
	/// their own loop (ProxyFL).
	pub(crate) fn network(&self, params: &ModelParameters, autodiff: bool) -> Result<Network> {
		let device = if autodiff {
			self.device.clone().autodiff()
		} else {
			self.device.clone()
		};
		// Building draws (lazily) from the shared generator: keep it out of a seeded draw.
		with_generator(|| Network::from_card(&self.card, &device)?.load_parameters(params))
	}

	/// Trains from `global` on the examples `indices` of `data` with the card's settings.
	pub fn train(
		&self,
		global: &ModelParameters,
		data: &Dataset,
		indices: &[usize],
		seed: u64,
	) -> Result<LocalOutcome> {
		self.train_with(global, data, indices, &self.card.training, seed)
	}

	/// Trains from `global` on the examples `indices` of `data` with `config`; `seed` fixes
	/// the batch order.
	pub fn train_with(
		&self,
		global: &ModelParameters,
		data: &Dataset,
		indices: &[usize],
		config: &LocalConfig,
		seed: u64,
	) -> Result<LocalOutcome> {
		config.validate()?;
		check_compatible(&self.card, data)?;
		check_indices(data, indices)?;
		let device = self.device.clone().autodiff();
		let mut network = self.network(global, true)?;
		let anchor = (config.proximal_mu > 0.0).then(|| flat_parameters(&network, true));
		let mut optimizer = optimizer(&config.optimizer);
		let lr = config.optimizer.learning_rate();
		let mut rng = ChaCha8Rng::seed_from_u64(seed);
		let mut order = indices.to_vec();
		let (mut metrics, mut steps) = (Metrics::default(), 0);
		for epoch in 0..config.epochs {
			order.shuffle(&mut rng);
			let mut tally = Tally::default();
			for (step, chunk) in order.chunks(config.batch_size).enumerate() {
				let batch = make_batch(data, chunk, &device)?;
				let logits = network.forward(batch.features.clone())?;
				let ce = cross_entropy(logits.clone(), &batch);
				let loss = match &anchor {
					Some(anchor) => {
						ce.clone() + proximal_term(&network, anchor, config.proximal_mu)
					}
					None => ce.clone(),
				};
				let value = ce.into_scalar::<f32>();
				if !value.is_finite() {
					return Err(TrainError::Diverged {
						loss: value,
						epoch,
						step,
					});
				}
				tally.add(value, correct_count(logits.detach(), &batch), &batch);
				let grads = GradientsParams::from_grads(loss.backward(), &network);
				network = optimizer.step(lr, network, grads);
				steps += 1;
			}
			metrics = tally.metrics();
		}
		Ok(LocalOutcome {
			parameters: network.parameters()?,
			examples: indices.len(),
			metrics,
			steps,
		})
	}

	/// Loss and accuracy of `params` on the examples `indices` of `data` (all when `None`).
	pub fn evaluate(
		&self,
		params: &ModelParameters,
		data: &Dataset,
		indices: Option<&[usize]>,
	) -> Result<Metrics> {
		check_compatible(&self.card, data)?;
		let all: Vec<usize>;
		let indices = match indices {
			Some(i) => {
				check_indices(data, i)?;
				i
			}
			None => {
				all = (0..data.len()).collect();
				&all
			}
		};
		let network = self.network(params, false)?;
		evaluate_network(&network, data, indices, &self.device)
	}
}

/// Loss and accuracy of a network already on `device`.
pub(crate) fn evaluate_network(
	network: &Network,
	data: &Dataset,
	indices: &[usize],
	device: &Device,
) -> Result<Metrics> {
	let mut tally = Tally::default();
	for chunk in indices.chunks(EVAL_BATCH) {
		let batch = make_batch(data, chunk, device)?;
		let logits = network.forward(batch.features.clone())?;
		let loss = cross_entropy(logits.clone(), &batch).into_scalar::<f32>();
		tally.add(loss, correct_count(logits, &batch), &batch);
	}
	Ok(tally.metrics())
}

/// Running sums for [`Metrics`], weighting each batch's mean loss by its target count.
#[derive(Default)]
pub(crate) struct Tally {
	loss_sum: f64,
	correct: usize,
	targets: usize,
	examples: usize,
}

impl Tally {
	pub(crate) fn add(&mut self, mean_loss: f32, correct: usize, batch: &Batch) {
		self.loss_sum += f64::from(mean_loss) * batch.targets_count as f64;
		self.correct += correct;
		self.targets += batch.targets_count;
		self.examples += batch.examples;
	}

	pub(crate) fn metrics(&self) -> Metrics {
		let per = self.targets.max(1) as f64;
		Metrics {
			loss: self.loss_sum / per,
			accuracy: self.correct as f64 / per,
			examples: self.examples,
		}
	}
}

/// The burn optimiser for a configuration (its state starts empty).
pub(crate) fn optimizer(config: &OptimizerConfig) -> ModuleOptimizer {
	match *config {
		OptimizerConfig::Sgd {
			momentum,
			weight_decay,
			..
		} => SgdConfig::new()
			.with_momentum((momentum > 0.0).then(|| {
				// PyTorch's convention (no dampening), which FedAvg and Flower baselines use.
				MomentumConfig::new()
					.with_momentum(momentum)
					.with_dampening(0.0)
			}))
			.with_weight_decay(
				(weight_decay > 0.0).then(|| WeightDecayConfig::new(weight_decay as f32)),
			)
			.init(),
		OptimizerConfig::Adam {
			beta1,
			beta2,
			epsilon,
			..
		} => AdamConfig::new()
			.with_beta_1(beta1 as f32)
			.with_beta_2(beta2 as f32)
			.with_epsilon(epsilon as f32)
			.init(),
	}
}

/// Every parameter flattened to one dimension, in visiting order; `detach` cuts them from
/// the autodiff graph (for the fixed global copy).
pub(crate) fn flat_parameters(network: &Network, detach: bool) -> Vec<Tensor<1>> {
	struct Flatten {
		out: Vec<Tensor<1>>,
		detach: bool,
	}
	impl ModuleVisitor for Flatten {
		fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
			let flat: Tensor<1> = param.val().flatten(0, D - 1);
			self.out
				.push(if self.detach { flat.detach() } else { flat });
		}
	}
	let mut visitor = Flatten {
		out: Vec::new(),
		detach,
	};
	network.visit(&mut visitor);
	visitor.out
}

/// FedProx's `mu/2 * ||w - w_global||^2`.
fn proximal_term(network: &Network, anchor: &[Tensor<1>], mu: f64) -> Tensor<1> {
	let squared: Vec<Tensor<1>> = flat_parameters(network, false)
		.into_iter()
		.zip(anchor)
		.map(|(w, g)| (w - g.clone()).square().sum())
		.collect();
	Tensor::cat(squared, 0).sum().mul_scalar(mu / 2.0)
}

/// Checks that the card's network can read the data set's inputs and predict its classes.
pub fn check_compatible(card: &ModelCard, data: &Dataset) -> Result<()> {
	let incompatible = |reason: String| TrainError::Incompatible {
		model: card.name.clone(),
		dataset: data.name.clone(),
		reason,
	};
	match (&card.architecture, &data.inputs) {
		(Architecture::CharLstm { vocab, .. }, Inputs::Sequences { .. }) => {
			if *vocab < data.classes {
				return Err(incompatible(format!(
					"vocabulary {vocab} is smaller than the data's {}",
					data.classes
				)));
			}
		}
		(Architecture::CharLstm { .. }, Inputs::Images { .. }) => {
			return Err(incompatible("a character model cannot read images".into()))
		}
		(_, Inputs::Sequences { .. }) => {
			return Err(incompatible(
				"an image model cannot read token sequences".into(),
			))
		}
		(
			Architecture::LogisticRegression { input, .. }
			| Architecture::Mlp { input, .. }
			| Architecture::Cnn { input, .. },
			Inputs::Images { shape, .. },
		) => {
			if input != shape {
				return Err(incompatible(format!(
					"input {input:?} but images are {shape:?}"
				)));
			}
			if card.classes() < data.classes {
				return Err(incompatible(format!(
					"{} outputs for {} classes",
					card.classes(),
					data.classes
				)));
			}
		}
	}
	Ok(())
}

fn check_indices(data: &Dataset, indices: &[usize]) -> Result<()> {
	match indices.iter().find(|i| **i >= data.len()) {
		Some(bad) => Err(TrainError::malformed(
			&data.name,
			format!(
				"example index {bad} out of range for {} examples",
				data.len()
			),
		)),
		None => Ok(()),
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::data::tests::striped_images;

	fn trainer(card: ModelCard) -> LocalTrainer {
		LocalTrainer::new(card, Device::flex()).unwrap()
	}

	#[test]
	fn initial_parameters_are_repeatable_while_other_threads_build_networks() {
		let trainer = trainer(ModelCard::logistic_regression(10));
		let expected = trainer.initial_parameters(7).unwrap();
		std::thread::scope(|scope| {
			// Another run in the same process: seeds, initialises and builds networks.
			scope.spawn(|| {
				for _ in 0..100 {
					let other = trainer.initial_parameters(8).unwrap();
					trainer.network(&other, true).unwrap();
				}
			});
			for _ in 0..100 {
				assert_eq!(trainer.initial_parameters(7).unwrap(), expected);
			}
		});
	}

	#[test]
	fn local_training_learns_a_separable_task() {
		let data = striped_images(10, 20);
		let trainer = trainer(ModelCard::logistic_regression(10));
		let start = trainer.initial_parameters(1).unwrap();
		let before = trainer.evaluate(&start, &data, None).unwrap();
		let all: Vec<usize> = (0..data.len()).collect();
		let config = LocalConfig {
			epochs: 3,
			..LocalConfig::default()
		};
		let out = trainer.train_with(&start, &data, &all, &config, 5).unwrap();
		assert_eq!(out.examples, 200);
		assert_eq!(out.steps, 60);
		let after = trainer.evaluate(&out.parameters, &data, None).unwrap();
		assert!(before.accuracy < 0.5, "{before:?}");
		assert!(
			after.accuracy > 0.95 && after.loss < before.loss,
			"{after:?}"
		);
		assert!(out.metrics.accuracy > 0.9, "{:?}", out.metrics);
	}

	#[test]
	fn same_seed_same_update() {
		let data = striped_images(4, 5);
		let trainer = trainer(ModelCard::logistic_regression(4));
		let start = trainer.initial_parameters(3).unwrap();
		assert_eq!(start, trainer.initial_parameters(3).unwrap());
		let idx: Vec<usize> = (0..20).collect();
		let a = trainer.train(&start, &data, &idx, 11).unwrap();
		let b = trainer.train(&start, &data, &idx, 11).unwrap();
		assert_eq!(a.parameters, b.parameters);
	}

	fn distance(a: &ModelParameters, b: &ModelParameters) -> f64 {
		a.tensors()
			.iter()
			.zip(b.tensors())
			.flat_map(|(x, y)| x.values.iter().zip(&y.values))
			.map(|(x, y)| f64::from(x - y).powi(2))
			.sum::<f64>()
			.sqrt()
	}

	#[test]
	fn proximal_term_keeps_the_update_near_the_global_model() {
		let data = striped_images(4, 10);
		let trainer = trainer(ModelCard::logistic_regression(4));
		let start = trainer.initial_parameters(2).unwrap();
		let idx: Vec<usize> = (0..40).collect();
		let free = LocalConfig {
			epochs: 5,
			..LocalConfig::default()
		};
		let prox = LocalConfig {
			proximal_mu: 10.0,
			..free.clone()
		};
		let a = trainer.train_with(&start, &data, &idx, &free, 1).unwrap();
		let b = trainer.train_with(&start, &data, &idx, &prox, 1).unwrap();
		assert!(distance(&b.parameters, &start) < 0.5 * distance(&a.parameters, &start));
	}

	#[test]
	fn adam_and_momentum_also_learn() {
		let data = striped_images(4, 10);
		let trainer = trainer(ModelCard::logistic_regression(4));
		let start = trainer.initial_parameters(2).unwrap();
		let idx: Vec<usize> = (0..40).collect();
		for optimizer in [
			OptimizerConfig::adam(0.01),
			OptimizerConfig::Sgd {
				learning_rate: 0.05,
				momentum: 0.9,
				weight_decay: 1e-4,
			},
		] {
			let config = LocalConfig {
				epochs: 3,
				optimizer,
				..LocalConfig::default()
			};
			let out = trainer.train_with(&start, &data, &idx, &config, 1).unwrap();
			let after = trainer.evaluate(&out.parameters, &data, None).unwrap();
			assert!(after.accuracy > 0.9, "{config:?}: {after:?}");
		}
	}

	#[test]
	fn divergence_is_reported_not_hidden() {
		let data = striped_images(4, 10);
		let trainer = trainer(ModelCard::fedavg_2nn());
		let start = trainer.initial_parameters(2).unwrap();
		let idx: Vec<usize> = (0..40).collect();
		let config = LocalConfig {
			optimizer: OptimizerConfig::sgd(1e9),
			..LocalConfig::default()
		};
		let err = trainer
			.train_with(&start, &data, &idx, &config, 1)
			.unwrap_err();
		assert!(matches!(err, TrainError::Diverged { .. }), "{err}");
	}

	#[test]
	fn incompatible_inputs_and_bad_indices_are_errors() {
		let data = striped_images(4, 2);
		let lstm = trainer(ModelCard::shakespeare_lstm());
		let params = lstm.initial_parameters(0).unwrap();
		let err = lstm.evaluate(&params, &data, None).unwrap_err().to_string();
		assert!(
			err.contains("shakespeare-lstm") && err.contains("striped"),
			"{err}"
		);
		let logreg = trainer(ModelCard::logistic_regression(4));
		let params = logreg.initial_parameters(0).unwrap();
		assert!(logreg
			.train(&params, &data, &[8], 0)
			.unwrap_err()
			.to_string()
			.contains("index 8"));
	}

	#[test]
	fn mnist_logistic_regression_beats_chance_by_far() {
		let Some(split) = crate::testdata::mnist_or_skip() else {
			return;
		};
		let trainer = trainer(ModelCard::logistic_regression(10));
		let start = trainer.initial_parameters(0).unwrap();
		let idx: Vec<usize> = (0..3000).collect();
		let out = trainer.train(&start, &split.train, &idx, 0).unwrap();
		let test: Vec<usize> = (0..2000).collect();
		let metrics = trainer
			.evaluate(&out.parameters, &split.test, Some(&test))
			.unwrap();
		assert!(metrics.accuracy > 0.8, "{metrics:?}");
	}
}
