//! Calibration of the validators' scores: runs FedAvg rounds on MNIST without a chain and prints,
//! per validator, the score of every honest update and of each attack built from client 0.
//!
//! ```sh
//! cargo run --release -p decentralml-worker --example score_calibration -- [ROUNDS] [CNN]
//! ```
//!
//! Ten Dirichlet(0.5) clients; three validators each holding a third of the test set.

use decentralml_train::data::{self, DatasetName};
use decentralml_train::{LocalTrainer, ModelCard, ModelParameters};
use decentralml_worker::attack::{Attack, AttackKind};
use decentralml_worker::data::LocalData;
use decentralml_worker::scoring::score_updates;
use decentralml_worker::train_locally;
use decentralml_worker::weights::interpolate;
use std::sync::Arc;

const CLIENTS: usize = 10;
const VALIDATORS: usize = 3;

fn main() -> anyhow::Result<()> {
	let rounds: usize = std::env::args()
		.nth(1)
		.map(|s| s.parse())
		.transpose()?
		.unwrap_or(6);
	let card = match std::env::args().nth(2).as_deref() {
		Some("cnn") => ModelCard::fedavg_cnn(),
		_ => ModelCard::fedavg_2nn(),
	};
	let split = data::load(DatasetName::Mnist, &data::data_dir())?;
	let (train, test) = (Arc::new(split.train), Arc::new(split.test));
	let trainer = LocalTrainer::new(card, decentralml_train::cpu_device())?;
	let local = trainer.card().training.clone();
	let clients: Vec<LocalData> =
		decentralml_train::partition::dirichlet(&train.labels, train.classes, CLIENTS, 0.5, 0)?
			.into_iter()
			.map(|indices| LocalData::new(train.clone(), indices).map_err(anyhow::Error::from))
			.collect::<anyhow::Result<_>>()?;
	let slice = test.len() / VALIDATORS;
	let held_out: Vec<LocalData> = (0..VALIDATORS)
		.map(|v| {
			LocalData::new(test.clone(), (v * slice..(v + 1) * slice).collect())
				.map_err(anyhow::Error::from)
		})
		.collect::<anyhow::Result<_>>()?;
	let attacks = [
		AttackKind::SignFlip,
		AttackKind::Noise,
		AttackKind::LabelFlip,
	];
	let mut global = trainer.initial_parameters(1)?;
	for round in 0..rounds {
		let seed = round as u64 * 1000;
		let mut updates = Vec::new();
		for (c, client) in clients.iter().enumerate() {
			let (update, examples) =
				train_locally(&trainer, &global, client, &local, None, seed + c as u64)?;
			updates.push((format!("client {c} ({examples})"), update, examples));
		}
		for kind in attacks {
			let attack = Some(Attack::default_of(kind));
			let (update, examples) =
				train_locally(&trainer, &global, &clients[0], &local, attack, seed)?;
			updates.push((format!("{kind:?}"), update, examples));
		}
		let accuracy = trainer.evaluate(&global, &test, None)?.accuracy;
		println!("round {round}: global accuracy {accuracy:.4}");
		let candidates: Vec<Option<ModelParameters>> =
			updates.iter().map(|(_, u, _)| Some(u.clone())).collect();
		for (v, data) in held_out.iter().enumerate() {
			let scored = score_updates(&trainer, &global, &candidates, data, &local, seed + 99)?;
			let row: Vec<String> = updates
				.iter()
				.zip(scored.agreements.iter().zip(&scored.scores))
				.map(|((name, _, _), (cos, score))| {
					format!("{name}: cos {:+.3} score {score}", cos.unwrap_or(f64::NAN))
				})
				.collect();
			println!("  validator {v}:\n    {}", row.join("\n    "));
		}
		global = fedavg(&global, &updates[..CLIENTS])?;
	}
	Ok(())
}

/// FedAvg of the honest updates, by example count.
fn fedavg(
	global: &ModelParameters,
	updates: &[(String, ModelParameters, u64)],
) -> anyhow::Result<ModelParameters> {
	let total: u64 = updates.iter().map(|u| u.2).sum();
	let mut model = global.clone();
	for (_, update, examples) in updates {
		// Running mean: add each update's share of its difference from the global model.
		let step = *examples as f32 / total as f32;
		let moved = interpolate(global, update, step)?;
		model = decentralml_worker::weights::combine(&model, &moved, |m, x| m + x)?;
		model = decentralml_worker::weights::combine(&model, global, |m, g| m - g)?;
	}
	Ok(model)
}
