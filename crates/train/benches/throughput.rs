//! Local training throughput (examples per second) of FedAvg's 2NN and CNN with B = 10 on
//! burn's Flex CPU backend, and its anchor: the same backend's throughput on a large square
//! matrix product, measured in the same run. The ratio says how much of the backend's
//! dense-compute speed small-batch training reaches.
//!
//!     cargo bench -p decentralml-train --bench throughput
//!
//! `THROUGHPUT_EXAMPLES` sets the examples per model (default 6,000: ten FedAvg clients' data).

use burn::prelude::*;
use decentralml_train::card::{ImageShape, LocalConfig, ModelCard};
use decentralml_train::data::{Dataset, Inputs};
use decentralml_train::{cpu_device, LocalTrainer};
use std::time::Instant;

/// Training FLOPs per example: forward multiply-adds x 2, and the backward pass costs about
/// twice the forward one.
fn training_flops_per_example(card: &ModelCard) -> f64 {
	let forward = match card.name.as_str() {
		// 784*200 + 200*200 + 200*10 multiply-adds.
		"mnist-2nn" => 2.0 * (784.0 * 200.0 + 200.0 * 200.0 + 200.0 * 10.0),
		// conv1 28*28*32*25, conv2 14*14*64*800, fc1 3136*512, fc2 512*10 multiply-adds.
		"mnist-cnn" => {
			2.0 * (28.0 * 28.0 * 32.0 * 25.0
				+ 14.0 * 14.0 * 64.0 * 800.0
				+ 3136.0 * 512.0
				+ 512.0 * 10.0)
		}
		other => panic!("no FLOP count for {other}"),
	};
	3.0 * forward
}

fn synthetic_mnist(count: usize) -> Dataset {
	let shape = ImageShape::MNIST;
	// A fixed pseudo-random pattern: throughput does not depend on the pixel values.
	let pixels = (0..count * shape.len())
		.map(|i| ((i * 2_654_435_761) >> 24) as u8)
		.collect();
	let labels = (0..count).map(|i| (i % 10) as u32).collect();
	Dataset::new(
		"synthetic",
		Inputs::Images { shape, pixels },
		labels,
		10,
		None,
	)
	.expect("consistent synthetic data")
}

/// Examples per second of one local epoch with B = 10.
fn training_throughput(card: ModelCard, data: &Dataset) -> f64 {
	let trainer = LocalTrainer::new(card, cpu_device()).expect("valid card");
	let global = trainer.initial_parameters(0).expect("init");
	let config = LocalConfig {
		epochs: 1,
		batch_size: 10,
		..LocalConfig::default()
	};
	let warm: Vec<usize> = (0..200).collect();
	trainer
		.train_with(&global, data, &warm, &config, 0)
		.expect("warm-up");
	let all: Vec<usize> = (0..data.len()).collect();
	let start = Instant::now();
	trainer
		.train_with(&global, data, &all, &config, 1)
		.expect("training");
	data.len() as f64 / start.elapsed().as_secs_f64()
}

/// GFLOP/s of a 1024 x 1024 x 1024 matrix product on the same device.
fn matmul_gflops() -> f64 {
	let device = cpu_device();
	let n = 1024;
	let a = Tensor::<2>::ones([n, n], &device);
	let b = Tensor::<2>::ones([n, n], &device);
	let _ = a.clone().matmul(b.clone()).sum().into_scalar::<f32>();
	let reps = 10;
	let start = Instant::now();
	for _ in 0..reps {
		let _ = a.clone().matmul(b.clone()).sum().into_scalar::<f32>();
	}
	reps as f64 * 2.0 * (n as f64).powi(3) / start.elapsed().as_secs_f64() / 1e9
}

fn main() {
	let examples = std::env::var("THROUGHPUT_EXAMPLES")
		.ok()
		.and_then(|v| v.parse().ok())
		.unwrap_or(6_000);
	let data = synthetic_mnist(examples);
	let anchor = matmul_gflops();
	println!("anchor: 1024^3 f32 matmul on Flex: {anchor:.1} GFLOP/s");
	for card in [ModelCard::fedavg_2nn(), ModelCard::fedavg_cnn()] {
		let flops = training_flops_per_example(&card);
		let name = card.name.clone();
		let rate = training_throughput(card, &data);
		let gflops = rate * flops / 1e9;
		println!(
			"{name}: {rate:.0} examples/s (B=10, {examples} examples), {gflops:.2} GFLOP/s, \
			 {:.1}% of the matmul anchor",
			100.0 * gflops / anchor
		);
	}
}
