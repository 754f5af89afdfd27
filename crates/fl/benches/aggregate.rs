//! Aggregation throughput per strategy, beside single-threaded memcpy bandwidth measured in the
//! same run.
//!
//! ```text
//! cargo bench -p decentralml-fl --bench aggregate -- [options]
//!   --params 1.6M,10M,100M   model sizes (parameters; suffixes K, M)
//!   --clients 10,100         updates per round
//!   --strategies LIST        comma-separated names, or "all" (default)
//!   --memory-gib N           size of the update pool (default 3)
//!   --robust-limit N         skip coordinate-wise/Krum rules when K*P exceeds N (default 2e9)
//!   --min-seconds S          repeat each case for at least S seconds (default 1), best time wins
//! ```
//!
//! Throughput is update bytes read per second: `K * P * 4 / time`. Updates are F32. K updates
//! of 100 M parameters need 40 GB, more than the machine has, so updates are overlapping
//! windows of one pool of `--memory-gib` bytes (see `packed_rounds`): within a round no two
//! updates touch the same bytes close together in time, and repetitions rotate through the
//! pool, so with a pool several times the last-level cache every aggregate reads its
//! `K * P * 4` bytes from DRAM, not cache.

use decentralml_fl::{
	aggregate::{Aggregator, RoundInput},
	tensor::{to_safetensors, Limits, OwnedTensor, Parameters},
	update::Update,
};
use decentralml_primitives::{
	AdaptiveOptimizer, AggregationConfig, CentralPrivacy, Clipping, Fixed9, StrategyConfig,
};
use std::{
	sync::Arc,
	time::{Duration, Instant},
};

/// Largest tensor in the synthetic models (elements), so that models have several tensors.
const TENSOR_ELEMENTS: usize = 4 << 20;

struct Options {
	params: Vec<usize>,
	clients: Vec<usize>,
	strategies: Vec<String>,
	memory_bytes: usize,
	robust_limit: f64,
	min_time: Duration,
}

fn parse_count(text: &str) -> Result<usize, String> {
	let (number, scale) = match text.chars().last() {
		Some('K' | 'k') => (&text[..text.len() - 1], 1e3),
		Some('M' | 'm') => (&text[..text.len() - 1], 1e6),
		_ => (text, 1.0),
	};
	let value: f64 = number.parse().map_err(|_| format!("bad count `{text}`"))?;
	Ok((value * scale).round() as usize)
}

fn parse_list(text: &str) -> Result<Vec<usize>, String> {
	text.split(',').map(parse_count).collect()
}

fn options() -> Result<Options, String> {
	let mut o = Options {
		params: vec![1_600_000, 10_000_000, 100_000_000],
		clients: vec![10, 100],
		strategies: vec!["all".into()],
		memory_bytes: 3 << 30,
		robust_limit: 2e9,
		min_time: Duration::from_secs(1),
	};
	let mut args = std::env::args().skip(1);
	while let Some(arg) = args.next() {
		let mut value = || args.next().ok_or(format!("{arg} needs a value"));
		match arg.as_str() {
			"--params" => o.params = parse_list(&value()?)?,
			"--clients" => o.clients = parse_list(&value()?)?,
			"--strategies" => o.strategies = value()?.split(',').map(str::to_string).collect(),
			"--memory-gib" => {
				o.memory_bytes = (value()?.parse::<f64>().map_err(|e| e.to_string())?
					* (1u64 << 30) as f64) as usize
			}
			"--robust-limit" => {
				o.robust_limit = value()?
					.parse()
					.map_err(|e: std::num::ParseFloatError| e.to_string())?
			}
			"--min-seconds" => {
				o.min_time = Duration::from_secs_f64(
					value()?
						.parse()
						.map_err(|e: std::num::ParseFloatError| e.to_string())?,
				)
			}
			// `cargo bench` passes `--bench`; ignore it and any filter.
			_ => {}
		}
	}
	Ok(o)
}

fn fixed(value: f64) -> Fixed9 {
	Fixed9((value * 1e9).round() as u64)
}

/// Every benchmarked configuration: name, config, whether it is robust (slow per element).
fn cases() -> Vec<(&'static str, AggregationConfig, bool)> {
	let adam = AdaptiveOptimizer {
		server_learning_rate: fixed(0.1),
		beta1: fixed(0.9),
		beta2: fixed(0.99),
		tau: fixed(1e-3),
	};
	let plain = AggregationConfig::plain;
	vec![
		("FedAvg", plain(StrategyConfig::FedAvg), false),
		(
			"FedProx",
			plain(StrategyConfig::FedProx {
				proximal_mu: fixed(0.01),
			}),
			false,
		),
		(
			"FedAvgM",
			plain(StrategyConfig::FedAvgM {
				server_learning_rate: fixed(1.0),
				momentum: fixed(0.9),
			}),
			false,
		),
		("FedAdam", plain(StrategyConfig::FedAdam(adam)), false),
		("FedYogi", plain(StrategyConfig::FedYogi(adam)), false),
		(
			"FedAdagrad",
			plain(StrategyConfig::FedAdagrad {
				server_learning_rate: fixed(0.1),
				tau: fixed(1e-3),
			}),
			false,
		),
		(
			"FedAvg+NormBound",
			AggregationConfig {
				norm_bound: Some(fixed(1.0)),
				..plain(StrategyConfig::FedAvg)
			},
			false,
		),
		(
			"FedAvg+CentralDP",
			AggregationConfig {
				central_privacy: Some(CentralPrivacy {
					noise_multiplier: fixed(1.0),
					clipping: Clipping::Fixed { norm: fixed(1.0) },
				}),
				..plain(StrategyConfig::FedAvg)
			},
			false,
		),
		("FedMedian", plain(StrategyConfig::FedMedian), true),
		(
			"TrimmedMean",
			plain(StrategyConfig::TrimmedMean { beta: fixed(0.1) }),
			true,
		),
		("Krum", plain(StrategyConfig::Krum { f: 2 }), true),
		(
			"MultiKrum",
			plain(StrategyConfig::MultiKrum { f: 2, m: 5 }),
			true,
		),
		("Bulyan", plain(StrategyConfig::Bulyan { f: 1 }), true),
	]
}

/// A synthetic F32 model of `p` parameters with values in [-1, 1) from a xorshift generator.
fn model(p: usize, seed: u64) -> Arc<[u8]> {
	let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
	let mut tensors = Vec::new();
	let mut left = p;
	while left > 0 {
		let n = left.min(TENSOR_ELEMENTS);
		let values: Vec<f32> = (0..n)
			.map(|_| {
				state ^= state << 13;
				state ^= state >> 7;
				state ^= state << 17;
				(state >> 40) as f32 / (1u64 << 23) as f32 - 1.0
			})
			.collect();
		let name = format!("layer{:04}.weight", tensors.len());
		tensors.push(OwnedTensor::from_f32(name, vec![n], &values).expect("shape matches values"));
		left -= n;
	}
	to_safetensors(&tensors)
		.expect("serialising a synthetic model")
		.into()
}

/// `n` bytes of little-endian f32 values in [-1, 1) from a xorshift generator.
fn random_f32_bytes(n: usize, seed: u64) -> Vec<u8> {
	let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
	let mut bytes = vec![0u8; n];
	for word in bytes.chunks_exact_mut(4) {
		state ^= state << 13;
		state ^= state >> 7;
		state ^= state << 17;
		let value = (state >> 40) as f32 / (1u64 << 23) as f32 - 1.0;
		word.copy_from_slice(&value.to_le_bytes());
	}
	bytes
}

/// Update files packed into one pool of about `budget` bytes, grouped into rounds of `k`.
///
/// Every update is a window of the pool: the model's safetensors header written just before a
/// data region starting at its own offset. Offsets are spread evenly over the pool, so two
/// updates of a round never read the same bytes at the same point of the aggregation (a
/// window shifted by `stride` reaches a given byte `stride / CHUNK` chunks earlier or later,
/// gigabytes of reads apart), and successive rounds use further offsets. Header bytes that
/// land inside other windows' data are ASCII, which reads as finite f32 values.
fn packed_rounds(
	p: usize,
	k: usize,
	budget: usize,
	limits: &Limits,
) -> Result<(usize, Vec<Vec<Update>>), String> {
	let file = model(p, 1);
	let header = 8 + u64::from_le_bytes(file[..8].try_into().map_err(|_| "short file")?) as usize;
	let file_len = file.len();
	let pool_len = budget.max(2 * file_len + 2 * header + 64);
	let mut pool = random_f32_bytes(pool_len, 2);
	let first = header.next_multiple_of(64);
	let room = pool_len - first - (file_len - header);
	let rounds = (room / (k * file_len)).clamp(1, 64);
	let stride = (room / (rounds * k)) / 64 * 64;
	let mut ranges = Vec::with_capacity(rounds * k);
	for j in 0..rounds * k {
		let data = first + j * stride;
		pool[data - header..data].copy_from_slice(&file[..header]);
		ranges.push(data - header..data - header + file_len);
	}
	let pool: Arc<[u8]> = pool.into();
	let rounds = ranges
		.chunks(k)
		.map(|round| {
			round
				.iter()
				.enumerate()
				.map(|(i, range)| {
					let weights = Parameters::from_shared_range(
						format!("update {i}"),
						pool.clone(),
						range.clone(),
						limits,
					)
					.map_err(|e| e.to_string())?;
					Ok(Update::new(i as u64, 100 + i as u64, weights))
				})
				.collect::<Result<Vec<_>, String>>()
		})
		.collect::<Result<Vec<_>, String>>()?;
	Ok((pool_len, rounds))
}

/// Single-threaded memcpy bandwidth (bytes copied per second): one untimed copy to map the
/// pages, then the best of eight 1 GiB copies.
fn memcpy_bandwidth() -> f64 {
	let n = 1 << 30;
	let src = vec![1u8; n];
	let mut dst = vec![0u8; n];
	dst.copy_from_slice(&src);
	let mut best = f64::INFINITY;
	for _ in 0..8 {
		let start = Instant::now();
		dst.copy_from_slice(std::hint::black_box(&src));
		std::hint::black_box(&mut dst);
		best = best.min(start.elapsed().as_secs_f64());
	}
	n as f64 / best
}

/// CPU time (user + system) this process has used so far, from `/proc/self/stat` (Linux);
/// `None` elsewhere.
fn cpu_seconds() -> Option<f64> {
	let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
	// Fields after the parenthesised command name; utime and stime are fields 14 and 15.
	let rest = stat.rsplit_once(')')?.1;
	let fields: Vec<&str> = rest.split_whitespace().collect();
	let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
	// USER_HZ is 100 on every Linux platform Rust supports.
	Some(ticks / 100.0)
}

/// Best time over repetitions, each aggregating the next round of `rounds` in rotation, and
/// the average number of cores the process used over all repetitions (less than the thread
/// count when other processes compete for the CPU).
fn time_case(
	aggregator: &Aggregator,
	global: &Parameters,
	rounds: &[Vec<Update>],
	min_time: Duration,
) -> (f64, Option<f64>) {
	let started = Instant::now();
	let cpu_start = cpu_seconds();
	let mut best = f64::INFINITY;
	let mut next = 0;
	while best.is_infinite() || started.elapsed() < min_time {
		let updates = &rounds[next % rounds.len()];
		next += 1;
		let input = RoundInput {
			global,
			updates,
			state: None,
			noise_seed: Some([7u8; 32]),
		};
		let start = Instant::now();
		let output = aggregator.aggregate(input).expect("benchmark aggregation");
		best = best.min(start.elapsed().as_secs_f64());
		std::hint::black_box(output);
	}
	let cores = match (cpu_start, cpu_seconds()) {
		(Some(a), Some(b)) => Some((b - a) / started.elapsed().as_secs_f64()),
		_ => None,
	};
	(best, cores)
}

fn main() -> Result<(), String> {
	let o = options()?;
	let threads = rayon::current_num_threads();
	let memcpy = memcpy_bandwidth();
	println!(
		"threads: {threads}; single-threaded memcpy: {:.2} GB/s",
		memcpy / 1e9
	);
	println!();
	println!("| strategy | P | K | update pool, windows | time (ms) | GB/s | ratio to memcpy | cores used |");
	println!("|---|---:|---:|---:|---:|---:|---:|---:|");
	let limits = Limits::default();
	for &p in &o.params {
		let global =
			Parameters::from_shared("global", model(p, 0), &limits).map_err(|e| e.to_string())?;
		for &k in &o.clients {
			let (pool, rounds) = packed_rounds(p, k, o.memory_bytes, &limits)?;
			let windows = rounds.len() * k;
			for (name, config, robust) in cases() {
				if !(o
					.strategies
					.iter()
					.any(|s| s == "all" || s.eq_ignore_ascii_case(name)))
				{
					continue;
				}
				let label = |n: usize| {
					if n >= 1_000_000 {
						format!("{}M", n as f64 / 1e6)
					} else {
						n.to_string()
					}
				};
				if robust && (k * p) as f64 > o.robust_limit {
					println!(
						"| {name} | {} | {k} | - | skipped (K*P > --robust-limit) | | | |",
						label(p)
					);
					continue;
				}
				let aggregator = Aggregator::new(config).map_err(|e| e.to_string())?;
				if k < aggregator.strategy().min_updates() {
					continue;
				}
				let (seconds, cores) = time_case(&aggregator, &global, &rounds, o.min_time);
				let cores = cores.map_or("n/a".to_string(), |c| format!("{c:.2}"));
				let rate = (k * p * 4) as f64 / seconds;
				println!(
					"| {name} | {} | {k} | {:.1} GiB, {windows} | {:.1} | {:.2} | {:.2} | {cores} |",
					label(p),
					pool as f64 / (1u64 << 30) as f64,
					seconds * 1e3,
					rate / 1e9,
					rate / memcpy
				);
			}
		}
	}
	Ok(())
}
