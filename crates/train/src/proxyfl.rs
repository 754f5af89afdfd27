//! ProxyFL's local step (Kalra et al. 2023, "Decentralized federated learning through proxy
//! model sharing").
//!
//! Each client keeps a private model, which never leaves it, and a proxy, which it shares.
//! Both learn from the local data and from each other by deep mutual learning: each one's loss
//! is `(1 - w) * cross-entropy + w * KL(other || self)` with the other's predictions held fixed.
//! Only the proxy leaves the client, so only the proxy is trained with DP-SGD: per-example
//! gradients clipped to norm C, summed, plus Gaussian noise of standard deviation `sigma * C`,
//! divided by the batch size. Proxies travel on a directed exponential graph
//! ([`exponential_peer`]).
//!
//! The privacy accounting (the epsilon that a noise multiplier buys) is not computed here.

use crate::batch::{correct_count, cross_entropy, make_batch, Batch};
use crate::card::LocalConfig;
use crate::data::Dataset;
use crate::error::{Result, TrainError};
use crate::local::{check_compatible, optimizer, LocalTrainer, Metrics, Tally};
use crate::model::Network;
use crate::params::ModelParameters;
use burn::module::{ModuleVisitor, Param};
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::tensor::activation::log_softmax;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// DP-SGD settings for the proxy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DpSgd {
	/// Per-example gradient norm bound C.
	pub clip_norm: f64,
	/// Noise standard deviation as a multiple of C (sigma).
	pub noise_multiplier: f64,
}

/// Settings of a ProxyFL local step.
#[derive(Clone, Debug, PartialEq)]
pub struct ProxyConfig {
	/// Epochs, batch size and optimiser, used for both models (FedProx's mu is ignored).
	pub local: LocalConfig,
	/// Weight of the distillation (KL) term in both losses; ProxyFL uses 0.5.
	pub distillation_weight: f64,
	/// DP-SGD for the proxy; `None` trains it without privacy.
	pub privacy: Option<DpSgd>,
}

impl ProxyConfig {
	/// Checks the ranges of every setting.
	pub fn validate(&self) -> Result<()> {
		self.local.validate()?;
		if !(0.0..=1.0).contains(&self.distillation_weight) {
			return Err(TrainError::InvalidConfig {
				setting: "distillation_weight",
				reason: format!("must lie in [0, 1], got {}", self.distillation_weight),
			});
		}
		if let Some(dp) = self.privacy {
			let ok = dp.clip_norm.is_finite()
				&& dp.clip_norm > 0.0
				&& dp.noise_multiplier.is_finite()
				&& dp.noise_multiplier >= 0.0;
			if !ok {
				return Err(TrainError::InvalidConfig {
					setting: "privacy",
					reason: format!("clip norm must be > 0 and noise multiplier >= 0, got {dp:?}"),
				});
			}
		}
		Ok(())
	}
}

/// A client's two models.
#[derive(Clone, Debug, PartialEq)]
pub struct ProxyState {
	/// The private model (stays on the client).
	pub private: ModelParameters,
	/// The proxy (shared with peers).
	pub proxy: ModelParameters,
}

/// What a ProxyFL local step returns.
#[derive(Clone, Debug)]
pub struct ProxyOutcome {
	/// Both models after the step.
	pub state: ProxyState,
	/// Training metrics of the private model over the last epoch.
	pub private_metrics: Metrics,
	/// Training metrics of the proxy over the last epoch.
	pub proxy_metrics: Metrics,
}

/// The peer client `client` sends its proxy to in `round`: `client + 2^(round mod log2 n)`
/// (mod n), so that within `ceil(log2 n)` rounds information from every client can reach
/// every other.
pub fn exponential_peer(client: usize, round: usize, clients: usize) -> usize {
	if clients <= 1 {
		return client;
	}
	let hops = usize::BITS - (clients - 1).leading_zeros(); // ceil(log2 clients)
	let exponent = round % hops as usize;
	(client + (1usize << exponent)) % clients
}

/// Trains a client's private model and proxy together on the examples `indices` of `data`.
pub fn local_step(
	private_trainer: &LocalTrainer,
	proxy_trainer: &LocalTrainer,
	state: &ProxyState,
	data: &Dataset,
	indices: &[usize],
	config: &ProxyConfig,
	seed: u64,
) -> Result<ProxyOutcome> {
	config.validate()?;
	check_compatible(private_trainer.card(), data)?;
	check_compatible(proxy_trainer.card(), data)?;
	if let Some(bad) = indices.iter().find(|i| **i >= data.len()) {
		return Err(TrainError::malformed(
			&data.name,
			format!("example index {bad} out of range"),
		));
	}
	let mut pair = Pair {
		private: private_trainer.network(&state.private, true)?,
		proxy: proxy_trainer.network(&state.proxy, true)?,
		private_optimizer: optimizer(&config.local.optimizer),
		proxy_optimizer: optimizer(&config.local.optimizer),
		device: private_trainer.device().clone().autodiff(),
		config: config.clone(),
		noise_rng: ChaCha8Rng::seed_from_u64(seed ^ 0x9e37_79b9_7f4a_7c15),
	};
	let mut rng = ChaCha8Rng::seed_from_u64(seed);
	let mut order = indices.to_vec();
	let (mut private_metrics, mut proxy_metrics) = (Metrics::default(), Metrics::default());
	for _ in 0..config.local.epochs {
		order.shuffle(&mut rng);
		let (mut private_tally, mut proxy_tally) = (Tally::default(), Tally::default());
		for chunk in order.chunks(config.local.batch_size) {
			pair.step(data, chunk, &mut private_tally, &mut proxy_tally)?;
		}
		private_metrics = private_tally.metrics();
		proxy_metrics = proxy_tally.metrics();
	}
	let state = ProxyState {
		private: pair.private.parameters()?,
		proxy: pair.proxy.parameters()?,
	};
	Ok(ProxyOutcome {
		state,
		private_metrics,
		proxy_metrics,
	})
}

/// The two networks of a client and their optimisers during one local step.
struct Pair {
	private: Network,
	proxy: Network,
	private_optimizer: ModuleOptimizer,
	proxy_optimizer: ModuleOptimizer,
	device: Device,
	config: ProxyConfig,
	noise_rng: ChaCha8Rng,
}

impl Pair {
	fn step(
		&mut self,
		data: &Dataset,
		chunk: &[usize],
		private_tally: &mut Tally,
		proxy_tally: &mut Tally,
	) -> Result<()> {
		let lr = self.config.local.optimizer.learning_rate();
		let w = self.config.distillation_weight;
		let batch = make_batch(data, chunk, &self.device)?;
		let private_logits = self.private.forward(batch.features.clone())?;
		let proxy_logits = self.proxy.forward(batch.features.clone())?;

		let private_ce = cross_entropy(private_logits.clone(), &batch);
		private_tally.add(
			finite(private_ce.clone().into_scalar::<f32>())?,
			correct_count(private_logits.clone().detach(), &batch),
			&batch,
		);
		let proxy_ce = cross_entropy(proxy_logits.clone(), &batch);
		proxy_tally.add(
			finite(proxy_ce.clone().into_scalar::<f32>())?,
			correct_count(proxy_logits.clone().detach(), &batch),
			&batch,
		);

		// The proxy learns from the private model's predictions before this step's update.
		let teacher = private_logits.clone().detach();
		let private_loss = mutual_loss(private_ce, private_logits, proxy_logits.clone(), &batch, w);
		let grads = GradientsParams::from_grads(private_loss.backward(), &self.private);
		// Networks are reference-counted handles: the clone is cheap.
		self.private = self.private_optimizer.step(lr, self.private.clone(), grads);

		let grads = match self.config.privacy {
			None => {
				let loss = mutual_loss(proxy_ce, proxy_logits, teacher, &batch, w);
				GradientsParams::from_grads(loss.backward(), &self.proxy)
			}
			Some(dp) => self.private_proxy_gradients(data, chunk, teacher, dp)?,
		};
		self.proxy = self.proxy_optimizer.step(lr, self.proxy.clone(), grads);
		Ok(())
	}

	/// DP-SGD gradient of the proxy's loss: per-example gradients clipped to C, summed,
	/// Gaussian noise N(0, (sigma C)^2) added, divided by the batch size.
	fn private_proxy_gradients(
		&mut self,
		data: &Dataset,
		chunk: &[usize],
		teacher: Tensor<2>,
		dp: DpSgd,
	) -> Result<GradientsParams> {
		let w = self.config.distillation_weight;
		let rows = teacher.dims()[0] / chunk.len().max(1);
		let mut sum = GradientsParams::new();
		for (i, example) in chunk.iter().enumerate() {
			let single = make_batch(data, std::slice::from_ref(example), &self.device)?;
			let teacher = teacher.clone().narrow(0, i * rows, rows);
			let logits = self.proxy.forward(single.features.clone())?;
			let ce = cross_entropy(logits.clone(), &single);
			let loss = mutual_loss(ce, logits, teacher, &single, w);
			let grads = GradientsParams::from_grads(loss.backward(), &self.proxy);
			let norm = squared_norm(&self.proxy, &grads).sqrt();
			let scale = if norm > dp.clip_norm {
				dp.clip_norm / norm
			} else {
				1.0
			};
			accumulate(&self.proxy, &grads, &mut sum, scale as f32);
		}
		let std = dp.noise_multiplier * dp.clip_norm;
		add_noise_and_divide(&self.proxy, &mut sum, std, chunk.len(), &mut self.noise_rng)?;
		Ok(sum)
	}
}

/// The other model's predictions are a fixed target: `(1 - w) * ce + w * KL(other || self)`.
fn mutual_loss(
	ce: Tensor<1>,
	own_logits: Tensor<2>,
	other_logits: Tensor<2>,
	batch: &Batch,
	w: f64,
) -> Tensor<1> {
	let own = log_softmax(own_logits, 1);
	let other = log_softmax(other_logits.detach(), 1);
	let per_row: Tensor<1> = (other.clone().exp() * (other - own))
		.sum_dim(1)
		.squeeze_dim(1);
	let kl = match &batch.mask {
		None => per_row.mean(),
		Some(mask) => (per_row * mask.clone())
			.sum()
			.div_scalar(batch.targets_count.max(1) as f32),
	};
	ce.mul_scalar(1.0 - w) + kl.mul_scalar(w)
}

fn finite(loss: f32) -> Result<f32> {
	if loss.is_finite() {
		Ok(loss)
	} else {
		Err(TrainError::Diverged {
			loss,
			epoch: 0,
			step: 0,
		})
	}
}

/// `sum_i ||g_i||^2` over the network's parameters.
fn squared_norm(network: &Network, grads: &GradientsParams) -> f64 {
	struct Norm<'a> {
		grads: &'a GradientsParams,
		total: f64,
	}
	impl ModuleVisitor for Norm<'_> {
		fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
			if let Some(g) = self.grads.get::<D>(param.id) {
				self.total += f64::from(g.square().sum().into_scalar::<f32>());
			}
		}
	}
	let mut visitor = Norm { grads, total: 0.0 };
	network.visit(&mut visitor);
	visitor.total
}

/// `sum += scale * grads`, parameter by parameter.
fn accumulate(network: &Network, grads: &GradientsParams, sum: &mut GradientsParams, scale: f32) {
	struct Accumulate<'a> {
		grads: &'a GradientsParams,
		sum: &'a mut GradientsParams,
		scale: f32,
	}
	impl ModuleVisitor for Accumulate<'_> {
		fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
			if let Some(g) = self.grads.get::<D>(param.id) {
				let g = g.mul_scalar(self.scale);
				let total = match self.sum.remove::<D>(param.id) {
					Some(previous) => previous + g,
					None => g,
				};
				self.sum.register(param.id, total);
			}
		}
	}
	network.visit(&mut Accumulate { grads, sum, scale });
}

/// `g = (g + N(0, std^2)) / count` for every parameter's summed gradient.
fn add_noise_and_divide(
	network: &Network,
	sum: &mut GradientsParams,
	std: f64,
	count: usize,
	rng: &mut ChaCha8Rng,
) -> Result<()> {
	struct Noise<'a> {
		sum: &'a mut GradientsParams,
		normal: Normal<f64>,
		rng: &'a mut ChaCha8Rng,
		count: f32,
	}
	impl ModuleVisitor for Noise<'_> {
		fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
			if let Some(g) = self.sum.remove::<D>(param.id) {
				let shape = g.shape();
				let noise: Vec<f32> = (0..shape.num_elements())
					.map(|_| self.normal.sample(&mut *self.rng) as f32)
					.collect();
				let noise = Tensor::<D>::from_data(TensorData::new(noise, shape), &g.device());
				self.sum
					.register(param.id, (g + noise).div_scalar(self.count));
			}
		}
	}
	let normal = Normal::new(0.0, std).map_err(|e| TrainError::InvalidConfig {
		setting: "privacy.noise_multiplier",
		reason: e.to_string(),
	})?;
	network.visit(&mut Noise {
		sum,
		normal,
		rng,
		count: count.max(1) as f32,
	});
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::card::ModelCard;
	use crate::data::tests::striped_images;

	#[test]
	fn exponential_graph_cycles_through_powers_of_two() {
		let peers: Vec<usize> = (0..5).map(|r| exponential_peer(0, r, 8)).collect();
		assert_eq!(peers, [1, 2, 4, 1, 2]);
		assert_eq!(exponential_peer(7, 2, 8), 3);
		assert_eq!(exponential_peer(3, 0, 1), 3);
		// With 5 clients (ceil(log2 5) = 3 hops): 1, 2, 4.
		assert_eq!(
			(0..3)
				.map(|r| exponential_peer(4, r, 5))
				.collect::<Vec<_>>(),
			[0, 1, 3]
		);
	}

	fn setup() -> (LocalTrainer, ProxyState, crate::data::Dataset) {
		let trainer = LocalTrainer::new(ModelCard::logistic_regression(4), Device::flex()).unwrap();
		let state = ProxyState {
			private: trainer.initial_parameters(1).unwrap(),
			proxy: trainer.initial_parameters(2).unwrap(),
		};
		(trainer, state, striped_images(4, 10))
	}

	#[test]
	fn both_models_learn_with_and_without_privacy() {
		let (trainer, state, data) = setup();
		let idx: Vec<usize> = (0..data.len()).collect();
		for privacy in [
			None,
			Some(DpSgd {
				clip_norm: 1.0,
				noise_multiplier: 0.5,
			}),
		] {
			let config = ProxyConfig {
				local: LocalConfig {
					epochs: 3,
					..LocalConfig::default()
				},
				distillation_weight: 0.5,
				privacy,
			};
			let out = local_step(&trainer, &trainer, &state, &data, &idx, &config, 3).unwrap();
			let private = trainer.evaluate(&out.state.private, &data, None).unwrap();
			let proxy = trainer.evaluate(&out.state.proxy, &data, None).unwrap();
			assert!(private.accuracy > 0.9, "{privacy:?}: private {private:?}");
			assert!(proxy.accuracy > 0.9, "{privacy:?}: proxy {proxy:?}");
		}
	}

	#[test]
	fn clipping_bounds_the_proxy_update() {
		let (trainer, state, data) = setup();
		let idx: Vec<usize> = (0..10).collect();
		let config = ProxyConfig {
			local: LocalConfig {
				epochs: 1,
				batch_size: 10,
				..LocalConfig::default()
			},
			distillation_weight: 0.0,
			privacy: Some(DpSgd {
				clip_norm: 0.01,
				noise_multiplier: 0.0,
			}),
		};
		let out = local_step(&trainer, &trainer, &state, &data, &idx, &config, 3).unwrap();
		// One step of lr 0.1 on a mean of gradients of norm <= 0.01 moves at most 0.001.
		let moved: f64 = out
			.state
			.proxy
			.tensors()
			.iter()
			.zip(state.proxy.tensors())
			.flat_map(|(a, b)| a.values.iter().zip(&b.values))
			.map(|(a, b)| f64::from(a - b).powi(2))
			.sum::<f64>()
			.sqrt();
		assert!(moved <= 0.001 + 1e-6 && moved > 0.0, "{moved}");
	}

	#[test]
	fn bad_settings_are_rejected() {
		let mut config = ProxyConfig {
			local: LocalConfig::default(),
			distillation_weight: 1.5,
			privacy: None,
		};
		assert!(config
			.validate()
			.unwrap_err()
			.to_string()
			.contains("distillation_weight"));
		config.distillation_weight = 0.5;
		config.privacy = Some(DpSgd {
			clip_norm: 0.0,
			noise_multiplier: 1.0,
		});
		assert!(config
			.validate()
			.unwrap_err()
			.to_string()
			.contains("privacy"));
	}
}
