//! End-to-end behaviour of the aggregation engine: values, state across rounds, norm bounding,
//! central DP, memory-mapped inputs and error reporting.

use decentralml_fl::{
	aggregate::{Aggregator, RoundInput, RoundOutput},
	state::CLIPPING_NORM,
	tensor::{to_safetensors, ElemType, Limits, OwnedTensor, Parameters},
	update::Update,
	FlError,
};
use decentralml_primitives::{
	AdaptiveOptimizer, AggregationConfig, CentralPrivacy, Clipping, Fixed9, StrategyConfig,
};

fn fixed(value: f64) -> Fixed9 {
	Fixed9((value * 1e9).round() as u64)
}

fn params(values: &[f64]) -> Parameters {
	let t = OwnedTensor::from_f64("w", ElemType::F32, vec![values.len()], values).unwrap();
	Parameters::from_bytes("p", to_safetensors(&[t]).unwrap(), &Limits::default()).unwrap()
}

fn run(
	config: AggregationConfig,
	global: &Parameters,
	updates: &[Update],
	state: Option<&Parameters>,
) -> Result<RoundOutput, FlError> {
	Aggregator::new(config)?.aggregate(RoundInput {
		global,
		updates,
		state,
		noise_seed: Some([1; 32]),
	})
}

fn values(output: &RoundOutput) -> Vec<f64> {
	output.model[0].to_f64()
}

#[test]
fn fedavg_matches_the_weighted_mean() {
	let global = params(&[0.0; 3]);
	let updates = vec![
		Update::new(1, 1, params(&[1.0, 2.0, 3.0])),
		Update::new(2, 3, params(&[5.0, 6.0, -1.0])),
	];
	let out = run(
		AggregationConfig::plain(StrategyConfig::FedAvg),
		&global,
		&updates,
		None,
	)
	.unwrap();
	assert_eq!(values(&out), vec![4.0, 5.0, 0.0]);
	assert!(out.state.is_empty());
	assert_eq!(out.report.selected.len(), 2);
}

#[test]
fn fedadam_state_lets_anyone_recompute_the_next_round() {
	let opt = AdaptiveOptimizer {
		server_learning_rate: fixed(0.5),
		beta1: fixed(0.9),
		beta2: fixed(0.99),
		tau: fixed(0.01),
	};
	let config = AggregationConfig::plain(StrategyConfig::FedAdam(opt));
	let global = params(&[1.0, -1.0]);
	let round1 = vec![
		Update::new(1, 1, params(&[2.0, -1.5])),
		Update::new(2, 1, params(&[1.0, -0.5])),
	];
	let first = run(config, &global, &round1, None).unwrap();
	// The state file round-trips through bytes, as a validator would receive it.
	let state =
		Parameters::from_bytes("state", first.state_bytes().unwrap(), &Limits::default()).unwrap();
	let global2 =
		Parameters::from_bytes("g2", first.model_bytes().unwrap(), &Limits::default()).unwrap();
	let round2 = vec![
		Update::new(1, 1, params(&[0.0, 0.0])),
		Update::new(2, 1, params(&[1.0, 1.0])),
	];
	let second = run(config, &global2, &round2, Some(&state)).unwrap();

	// Recompute both rounds by hand in f64 with f32 storage, as documented.
	let (eta, b1, b2, tau) = (0.5, 0.9, 0.99, 0.01);
	let mut g = [1.0f64, -1.0];
	let (mut m, mut v) = ([0.0f32; 2], [0.0f32; 2]);
	for mean in [[1.5, -1.0], [0.5, 0.5]] {
		for i in 0..2 {
			let d = mean[i] - g[i];
			let m_new = b1 * f64::from(m[i]) + (1.0 - b1) * d;
			let v_new = b2 * f64::from(v[i]) + (1.0 - b2) * d * d;
			g[i] = f64::from((g[i] + eta * m_new / (v_new.sqrt() + tau)) as f32);
			m[i] = m_new as f32;
			v[i] = v_new as f32;
		}
	}
	assert_eq!(values(&second), g.to_vec());
	let names: Vec<&str> = second.state.iter().map(|t| t.name.as_str()).collect();
	assert_eq!(names, ["m/w", "v/w"]);
	assert_eq!(second.state[0].to_f64(), m.map(f64::from).to_vec());
}

#[test]
fn missing_or_foreign_state_is_rejected() {
	let config = AggregationConfig::plain(StrategyConfig::FedAvgM {
		server_learning_rate: fixed(1.0),
		momentum: fixed(0.5),
	});
	let global = params(&[0.0]);
	let updates = vec![Update::new(1, 1, params(&[1.0]))];
	let wrong = params(&[0.0]);
	let err = run(config, &global, &updates, Some(&wrong)).unwrap_err();
	assert!(err.to_string().contains("momentum/w"), "{err}");
}

#[test]
fn norm_bounding_scales_large_deltas() {
	let mut config = AggregationConfig::plain(StrategyConfig::FedAvg);
	config.norm_bound = Some(fixed(1.0));
	let global = params(&[1.0, 1.0]);
	// Delta (3, 4) has norm 5 -> scaled to (0.6, 0.8); delta (0.3, 0) is within the bound.
	let updates = vec![
		Update::new(1, 1, params(&[4.0, 5.0])),
		Update::new(2, 1, params(&[1.3, 1.0])),
	];
	let out = run(config, &global, &updates, None).unwrap();
	let expected = [(1.6f64 + 1.3) / 2.0, (1.8 + 1.0) / 2.0];
	for (v, e) in values(&out).iter().zip(expected) {
		assert!((v - e).abs() < 1e-6, "{v} vs {e}");
	}
	assert_eq!(out.report.delta_norms.as_ref().unwrap()[0], 5.0);
	assert_eq!(out.report.clipping_bound, Some(1.0));
}

#[test]
fn krum_family_excludes_an_attacker() {
	let global = params(&[0.0, 0.0]);
	let honest = [
		[1.0, 1.0],
		[1.1, 0.9],
		[0.9, 1.1],
		[1.0, 1.05],
		[0.95, 1.0],
		[1.05, 0.95],
	];
	let mut updates: Vec<Update> = honest
		.iter()
		.enumerate()
		.map(|(i, v)| Update::new(i as u64, 10, params(v)))
		.collect();
	updates.push(Update::new(99, 10, params(&[100.0, -100.0])));
	for strategy in [
		StrategyConfig::Krum { f: 1 },
		StrategyConfig::MultiKrum { f: 1, m: 4 },
		StrategyConfig::Bulyan { f: 1 },
		StrategyConfig::FedMedian,
		StrategyConfig::TrimmedMean { beta: fixed(0.2) },
	] {
		let out = run(AggregationConfig::plain(strategy), &global, &updates, None).unwrap();
		for v in values(&out) {
			assert!((0.85..=1.15).contains(&v), "{strategy:?}: {v}");
		}
		let selects = matches!(
			strategy,
			StrategyConfig::Krum { .. }
				| StrategyConfig::MultiKrum { .. }
				| StrategyConfig::Bulyan { .. }
		);
		assert_eq!(
			out.report.selected.contains(&99u64.into()),
			!selects,
			"{strategy:?}"
		);
	}
	// FedAvg is pulled far away by the same attacker.
	let out = run(
		AggregationConfig::plain(StrategyConfig::FedAvg),
		&global,
		&updates,
		None,
	)
	.unwrap();
	assert!(values(&out)[0] > 10.0);
}

#[test]
fn too_few_updates_for_krum() {
	let global = params(&[0.0]);
	let updates: Vec<Update> = (0..4).map(|i| Update::new(i, 1, params(&[1.0]))).collect();
	let err = run(
		AggregationConfig::plain(StrategyConfig::Krum { f: 1 }),
		&global,
		&updates,
		None,
	)
	.unwrap_err();
	assert_eq!(err.to_string(), "Krum needs at least 5 updates, got 4");
}

#[test]
fn non_finite_values_name_participant_and_tensor() {
	let global = params(&[0.0, 0.0]);
	let updates = vec![
		Update::new(1, 1, params(&[1.0, 1.0])),
		Update::new(2, 1, params(&[1.0, f64::NAN])),
	];
	for strategy in [StrategyConfig::FedAvg, StrategyConfig::FedMedian] {
		let err = run(AggregationConfig::plain(strategy), &global, &updates, None).unwrap_err();
		assert_eq!(
			err.to_string(),
			"participant 2: tensor `w` element 1 is NaN, not finite",
			"{strategy:?}"
		);
	}
	let duplicate = vec![
		Update::new(1, 1, params(&[1.0, 1.0])),
		Update::new(1, 2, params(&[1.0, 1.0])),
	];
	assert!(matches!(
		run(
			AggregationConfig::plain(StrategyConfig::FedAvg),
			&global,
			&duplicate,
			None
		),
		Err(FlError::DuplicateParticipant { .. })
	));
}

#[test]
fn central_dp_noise_has_the_calibrated_scale_and_is_reproducible() {
	let n = 50_000;
	let global = params(&vec![0.0; n]);
	let updates: Vec<Update> = (0..4)
		.map(|i| Update::new(i, 1, params(&vec![0.0; n])))
		.collect();
	let mut config = AggregationConfig::plain(StrategyConfig::FedAvg);
	config.central_privacy = Some(CentralPrivacy {
		noise_multiplier: fixed(2.0),
		clipping: Clipping::Fixed { norm: fixed(0.5) },
	});
	let aggregator = Aggregator::new(config).unwrap();
	let input = RoundInput {
		global: &global,
		updates: &updates,
		state: None,
		noise_seed: Some([9; 32]),
	};
	let out = aggregator.aggregate(input).unwrap();
	// z * C * max w / sum w = 2 * 0.5 / 4.
	assert_eq!(out.report.noise_stddev, Some(0.25));
	assert_eq!(out.report.noise_multiplier, Some(2.0));
	let v = values(&out);
	let var = v.iter().map(|x| x * x).sum::<f64>() / n as f64;
	// Standard error of the variance estimate: sqrt(2/n) relative = 0.63%; allow 3%.
	assert!((var / 0.0625 - 1.0).abs() < 0.03, "variance {var}");
	assert_eq!(
		aggregator.aggregate(input).unwrap().model_bytes().unwrap(),
		out.model_bytes().unwrap()
	);
	let other_seed = RoundInput {
		noise_seed: Some([8; 32]),
		..input
	};
	assert_ne!(
		aggregator
			.aggregate(other_seed)
			.unwrap()
			.model_bytes()
			.unwrap(),
		out.model_bytes().unwrap()
	);
	let no_seed = RoundInput {
		noise_seed: None,
		..input
	};
	assert!(matches!(
		aggregator.aggregate(no_seed),
		Err(FlError::MissingNoiseSeed)
	));
}

#[test]
fn adaptive_clipping_carries_its_norm_in_the_state() {
	let global = params(&[0.0; 4]);
	// All deltas have norm 2; the initial norm 0.5 clips everyone, so the norm grows.
	let updates: Vec<Update> = (0..5)
		.map(|i| Update::new(i, 1, params(&[1.0; 4])))
		.collect();
	let mut config = AggregationConfig::plain(StrategyConfig::FedAvg);
	config.central_privacy = Some(CentralPrivacy {
		noise_multiplier: fixed(0.1),
		clipping: Clipping::Adaptive {
			initial_norm: fixed(0.5),
			target_quantile: fixed(0.5),
			learning_rate: fixed(0.2),
			count_noise_stddev: fixed(0.1),
		},
	});
	let first = run(config, &global, &updates, None).unwrap();
	let next = first.report.next_clipping_norm.unwrap();
	assert!(next > 0.5, "{next}");
	assert_eq!(first.state.len(), 1);
	assert_eq!(first.state[0].name, CLIPPING_NORM);
	let state =
		Parameters::from_bytes("s", first.state_bytes().unwrap(), &Limits::default()).unwrap();
	let second = run(config, &global, &updates, Some(&state)).unwrap();
	assert_eq!(second.report.clipping_bound, Some(f64::from(next as f32)));
}

#[test]
fn memory_mapped_files_aggregate_like_buffers() {
	let dir = tempfile::tempdir().unwrap();
	let write = |name: &str, v: &[f64]| {
		let path = dir.path().join(name);
		let t = OwnedTensor::from_f64("w", ElemType::F32, vec![v.len()], v).unwrap();
		std::fs::write(&path, to_safetensors(&[t]).unwrap()).unwrap();
		Parameters::open(&path, &Limits::default()).unwrap()
	};
	let global = write("g.safetensors", &[0.0; 100]);
	let a: Vec<f64> = (0..100).map(f64::from).collect();
	let b: Vec<f64> = (0..100).map(|i| -f64::from(i) / 3.0).collect();
	let mapped = vec![
		Update::new(1, 2, write("a.safetensors", &a)),
		Update::new(2, 5, write("b.safetensors", &b)),
	];
	let buffered = vec![Update::new(1, 2, params(&a)), Update::new(2, 5, params(&b))];
	let config = AggregationConfig::plain(StrategyConfig::FedAvg);
	assert_eq!(
		run(config, &global, &mapped, None)
			.unwrap()
			.model_bytes()
			.unwrap(),
		run(config, &params(&[0.0; 100]), &buffered, None)
			.unwrap()
			.model_bytes()
			.unwrap()
	);
}
