//! Trainers: fetch the global model, train on private data, upload the update encrypted to the
//! round's validators and aggregator, then submit its CID and example count.

use crate::attack::Attack;
use crate::blobs::{decode_model, fetch, put_sealed};
use crate::chain::Chain;
use crate::data::LocalData;
use crate::error::{Result, WorkerError};
use crate::state::PendingUpdate;
use crate::worker::{round_seed, Progress, Worker};
use decentralml_client::{ContentId, Phase, RoundView, TaskSummary};
use decentralml_fl::strategy::fixed_to_f64;
use decentralml_primitives::StrategyConfig;
use decentralml_train::{LocalConfig, LocalTrainer, ModelParameters};

impl<C: Chain> Worker<C> {
	/// Submits this trainer's update if it holds a seat in the round's training phase and has
	/// not submitted yet.
	pub(crate) async fn trainer_step(
		&mut self,
		task: &TaskSummary,
		round: &RoundView,
	) -> Result<Progress> {
		let me = self.chain.account();
		let owed = matches!(round.phase, Phase::Training { .. })
			&& round.trainer_position(&me).is_some()
			&& round.update_of(&me).is_none();
		if !owed || !self.begin(round.index, "update") {
			return Ok(Progress::Idle);
		}
		let recipients = self.recipients(round).await?;
		let pending = match self.reusable_update(task, round, &recipients) {
			Some(pending) => {
				tracing::info!(
					round = round.index,
					cid = %pending.cid,
					"resubmitting the update uploaded before"
				);
				pending
			}
			None => {
				let pending = self.train_and_upload(task, round, &recipients).await?;
				// Persist before submitting: a crash from here on never costs a retraining.
				self.state
					.update(|state| state.update = Some(pending.clone()))?;
				pending
			}
		};
		let cid: ContentId = pending
			.cid
			.parse()
			.map_err(|e| WorkerError::Data(format!("the stored update CID: {e}")))?;
		self.chain
			.submit_update(task.id, round.index, &cid, pending.examples)
			.await?;
		tracing::info!(round = round.index, %cid, examples = pending.examples, "update submitted");
		Ok(Progress::Acted("update"))
	}

	/// The update stored before a restart, if it was made for this round, model and recipients.
	fn reusable_update(
		&self,
		task: &TaskSummary,
		round: &RoundView,
		recipients: &[[u8; 32]],
	) -> Option<PendingUpdate> {
		let keys: Vec<String> = recipients.iter().map(hex::encode).collect();
		self.state.get().update.clone().filter(|pending| {
			pending.round == round.index
				&& pending.model == task.model.to_string()
				&& pending.recipients == keys
		})
	}

	/// Trains on the global model, seals the update for `recipients` and uploads it.
	async fn train_and_upload(
		&mut self,
		task: &TaskSummary,
		round: &RoundView,
		recipients: &[[u8; 32]],
	) -> Result<PendingUpdate> {
		let global_bytes = fetch(self.store.as_ref(), &task.model, "the global model").await?;
		let global = decode_model(&global_bytes, "the global model")?;
		let trainer = self.local_trainer(task).await?;
		let local = local_config(&trainer, &task.params.aggregation.strategy);
		let data = self
			.config
			.data
			.clone()
			.ok_or_else(|| WorkerError::Data("a trainer needs data".into()))?;
		let attack = self.config.attack;
		let seed = round_seed(self.config.seed, round.index, &self.chain.account().0);
		tracing::info!(
			round = round.index,
			examples = data.indices.len(),
			"training"
		);
		let started = std::time::Instant::now();
		let (update, examples) = self
			.compute("local training", move || {
				train_locally(&trainer, &global, &data, &local, attack, seed)
			})
			.await?;
		let bytes = update
			.to_safetensors()
			.map_err(|source| WorkerError::Model {
				what: "the trained update".into(),
				source,
			})?;
		let cid = put_sealed(self.store.as_ref(), &bytes, recipients, "the update").await?;
		tracing::info!(
			round = round.index,
			%cid,
			seconds = started.elapsed().as_secs_f64(),
			"update trained and uploaded"
		);
		Ok(PendingUpdate {
			round: round.index,
			model: task.model.to_string(),
			recipients: recipients.iter().map(hex::encode).collect(),
			cid: cid.to_string(),
			examples,
		})
	}
}

/// The card's local settings, with FedProx's proximal term when the task aggregates with it.
pub(crate) fn local_config(trainer: &LocalTrainer, strategy: &StrategyConfig) -> LocalConfig {
	let mut local = trainer.card().training.clone();
	if let StrategyConfig::FedProx { proximal_mu } = strategy {
		local.proximal_mu = fixed_to_f64(*proximal_mu);
	}
	local
}

/// One trainer's round: trains from `global` on its data (poisoned first if `attack` says
/// so) and returns the update to submit with its example count. CPU-heavy.
pub fn train_locally(
	trainer: &LocalTrainer,
	global: &ModelParameters,
	data: &LocalData,
	local: &LocalConfig,
	attack: Option<Attack>,
	seed: u64,
) -> Result<(ModelParameters, u64)> {
	let examples = data.indices.len() as u64;
	let training = |what: &str| {
		let what = what.to_string();
		move |source| WorkerError::Training { what, source }
	};
	let poisoned = match attack {
		Some(attack) => attack.poison_data(&data.dataset, &data.indices)?,
		None => None,
	};
	let trained = if attack.is_some_and(|attack| !attack.trains()) {
		global.clone()
	} else if let Some(poisoned) = poisoned {
		let all: Vec<usize> = (0..poisoned.len()).collect();
		trainer
			.train_with(global, &poisoned, &all, local, seed)
			.map_err(training("training on poisoned data"))?
			.parameters
	} else {
		trainer
			.train_with(global, &data.dataset, &data.indices, local, seed)
			.map_err(training("local training"))?
			.parameters
	};
	let update = match attack {
		Some(attack) => attack.poison_update(global, &trained, seed)?,
		None => trained,
	};
	Ok((update, examples))
}
