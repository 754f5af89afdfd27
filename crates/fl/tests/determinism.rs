//! Bit-exact determinism: for every strategy, shuffled inputs aggregated on rayon pools of 1, 2
//! and 4 threads give identical output bytes (model and state) and SHA-256.

use decentralml_fl::{
	aggregate::{Aggregator, RoundInput, RoundOutput, CHUNK_ELEMENTS},
	tensor::{to_safetensors, ElemType, Limits, OwnedTensor, Parameters},
	update::Update,
};
use decentralml_primitives::{
	AdaptiveOptimizer, AggregationConfig, CentralPrivacy, Clipping, Fixed9, StrategyConfig,
};
use rand::{seq::SliceRandom, Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

const CLIENTS: u64 = 7;

fn fixed(value: f64) -> Fixed9 {
	Fixed9((value * 1e9).round() as u64)
}

/// A model with a multi-chunk F32 tensor, a BF16 tensor and a small F16 tensor.
fn model(rng: &mut ChaCha20Rng, spread: f64) -> Vec<u8> {
	let mut values =
		|n: usize| -> Vec<f64> { (0..n).map(|_| rng.gen_range(-spread..spread)).collect() };
	let big = 2 * CHUNK_ELEMENTS + 123;
	let tensors = [
		OwnedTensor::from_f64("encoder.weight", ElemType::F32, vec![big], &values(big)).unwrap(),
		OwnedTensor::from_f64("encoder.bias", ElemType::BF16, vec![3, 50], &values(150)).unwrap(),
		OwnedTensor::from_f64("head", ElemType::F16, vec![7], &values(7)).unwrap(),
	];
	to_safetensors(&tensors).unwrap()
}

fn params(label: &str, bytes: Vec<u8>) -> Parameters {
	Parameters::from_bytes(label, bytes, &Limits::default()).unwrap()
}

struct Round {
	global: Vec<u8>,
	updates: Vec<(u64, u64, Vec<u8>)>,
}

fn round(seed: u64) -> Round {
	let mut rng = ChaCha20Rng::seed_from_u64(seed);
	let global = model(&mut rng, 1.0);
	let updates = (0..CLIENTS)
		.map(|i| (i * 13 + 5, 10 + i * 7, model(&mut rng, 1.0 + i as f64)))
		.collect();
	Round { global, updates }
}

fn configs() -> Vec<AggregationConfig> {
	let adam = AdaptiveOptimizer {
		server_learning_rate: fixed(0.1),
		beta1: fixed(0.9),
		beta2: fixed(0.99),
		tau: fixed(1e-3),
	};
	let plain = AggregationConfig::plain;
	let strategies = [
		StrategyConfig::FedAvg,
		StrategyConfig::FedAvgM {
			server_learning_rate: fixed(1.0),
			momentum: fixed(0.9),
		},
		StrategyConfig::FedAdam(adam),
		StrategyConfig::FedYogi(adam),
		StrategyConfig::FedAdagrad {
			server_learning_rate: fixed(0.1),
			tau: fixed(1e-3),
		},
		StrategyConfig::FedProx {
			proximal_mu: fixed(0.01),
		},
		StrategyConfig::FedMedian,
		StrategyConfig::TrimmedMean { beta: fixed(0.2) },
		StrategyConfig::Krum { f: 1 },
		StrategyConfig::MultiKrum { f: 1, m: 3 },
		StrategyConfig::Bulyan { f: 1 },
	];
	let mut configs: Vec<AggregationConfig> = strategies.iter().map(|s| plain(*s)).collect();
	// Norm bounding with a robust and a stateful rule.
	configs.push(AggregationConfig {
		norm_bound: Some(fixed(20.0)),
		..plain(StrategyConfig::Bulyan { f: 1 })
	});
	configs.push(AggregationConfig {
		norm_bound: Some(fixed(20.0)),
		..plain(StrategyConfig::FedAdam(adam))
	});
	// Central DP, fixed and adaptive clipping.
	configs.push(AggregationConfig {
		central_privacy: Some(CentralPrivacy {
			noise_multiplier: fixed(1.0),
			clipping: Clipping::Fixed { norm: fixed(30.0) },
		}),
		..plain(StrategyConfig::FedAvg)
	});
	configs.push(AggregationConfig {
		central_privacy: Some(CentralPrivacy {
			noise_multiplier: fixed(1.0),
			clipping: Clipping::Adaptive {
				initial_norm: fixed(30.0),
				target_quantile: fixed(0.5),
				learning_rate: fixed(0.2),
				count_noise_stddev: fixed(1.0),
			},
		}),
		..plain(StrategyConfig::FedAvgM {
			server_learning_rate: fixed(1.0),
			momentum: fixed(0.5),
		})
	});
	configs
}

fn aggregate(
	config: AggregationConfig,
	round: &Round,
	order_seed: u64,
	threads: usize,
) -> RoundOutput {
	let global = params("global", round.global.clone());
	let mut updates: Vec<Update> = round
		.updates
		.iter()
		.map(|(id, n, bytes)| Update::new(*id, *n, params("u", bytes.clone())))
		.collect();
	updates.shuffle(&mut ChaCha20Rng::seed_from_u64(order_seed));
	let aggregator = Aggregator::new(config).unwrap();
	let pool = rayon::ThreadPoolBuilder::new()
		.num_threads(threads)
		.build()
		.unwrap();
	pool.install(|| {
		aggregator
			.aggregate(RoundInput {
				global: &global,
				updates: &updates,
				state: None,
				noise_seed: Some([3; 32]),
			})
			.unwrap()
	})
}

#[test]
fn every_strategy_is_bit_exact_across_threads_and_input_order() {
	let round = round(1);
	for config in configs() {
		let reference = aggregate(config, &round, 0, 1);
		let reference_model = reference.model_bytes().unwrap();
		let reference_state = reference.state_bytes().unwrap();
		for (order_seed, threads) in [(1, 2), (2, 4), (3, 4)] {
			let other = aggregate(config, &round, order_seed, threads);
			assert_eq!(
				other.model_bytes().unwrap(),
				reference_model,
				"{config:?} on {threads} threads"
			);
			assert_eq!(
				other.model_sha256().unwrap(),
				reference.model_sha256().unwrap()
			);
			assert_eq!(
				other.state_bytes().unwrap(),
				reference_state,
				"{config:?} state"
			);
			assert_eq!(other.report, reference.report);
		}
	}
}

#[test]
fn outputs_keep_names_shapes_and_dtypes() {
	let round = round(2);
	let output = aggregate(
		AggregationConfig::plain(StrategyConfig::FedMedian),
		&round,
		0,
		2,
	);
	let model = params("out", output.model_bytes().unwrap());
	let global = params("global", round.global.clone());
	assert_eq!(model.specs().len(), global.specs().len());
	for (a, b) in model.specs().iter().zip(global.specs()) {
		assert_eq!((&a.name, a.elem, &a.shape), (&b.name, b.elem, &b.shape));
	}
	// The output is itself a valid update for the next round.
	model.check_finite("output").unwrap();
}

#[test]
fn inputs_that_differ_give_different_hashes() {
	let round_a = round(3);
	let mut round_b = round(3);
	// Replace one participant's weights.
	round_b.updates[0].2 = model(&mut ChaCha20Rng::seed_from_u64(99), 1.0);
	let config = AggregationConfig::plain(StrategyConfig::FedAvg);
	assert_ne!(
		aggregate(config, &round_a, 0, 2).model_sha256().unwrap(),
		aggregate(config, &round_b, 0, 2).model_sha256().unwrap()
	);
}
