//! The worker loop: join the task once, then read the chain every poll and do whatever the
//! worker's role owes the round in progress.
//!
//! Every decision is taken from chain state read afresh (the round's phase, the worker's seat,
//! what it already submitted) plus the [state file](crate::state), so a worker restarted at
//! any point picks up where it stopped: a trainer resubmits an update it had uploaded, a
//! validator reveals with the salt it saved before committing.

use crate::attack::Attack;
use crate::chain::Chain;
use crate::data::LocalData;
use crate::error::{Result, WorkerError};
use crate::state::StateFile;
use decentralml_client::{
	Balance, ContentId, Jurisdiction, Role, RoundIndex, RoundView, TaskId, TaskStatus, TaskSummary,
};
use decentralml_storage::envelope::StaticSecret;
use decentralml_storage::Store;
use decentralml_train::{LocalTrainer, ModelCard};
use std::collections::HashMap;
use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tracing::Instrument;

/// How often a failing action of one round is retried before the worker gives up on it for
/// that round (transient failures are retried without limit).
pub const MAX_ATTEMPTS: u32 = 3;

/// The longest pause between retries after transient failures.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// How a worker runs.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
	/// The task.
	pub task: TaskId,
	/// The role played.
	pub role: Role,
	/// The bond to hold when joining; the task's minimum for the role when `None`.
	pub bond: Option<Balance>,
	/// The jurisdiction declared when joining.
	pub jurisdiction: Jurisdiction,
	/// The worker's examples: training data for trainers, held-out data for validators.
	pub data: Option<LocalData>,
	/// A Byzantine behaviour, for demonstrations of the protocol's defences (trainers only).
	pub attack: Option<Attack>,
	/// Pause between two reads of the chain.
	pub poll_interval: Duration,
	/// Limits how many CPU-heavy jobs (training, scoring, aggregation) run at once, shared by
	/// the workers of one process.
	pub compute: Arc<Semaphore>,
	/// Seed of local training's batch order (mixed with the round and the account).
	pub seed: u64,
}

impl WorkerConfig {
	/// A configuration with one compute slot, polling every second, no attack, seed 0.
	pub fn new(
		task: TaskId,
		role: Role,
		jurisdiction: Jurisdiction,
		data: Option<LocalData>,
	) -> Self {
		Self {
			task,
			role,
			bond: None,
			jurisdiction,
			data,
			attack: None,
			poll_interval: Duration::from_secs(1),
			compute: Arc::new(Semaphore::new(1)),
			seed: 0,
		}
	}
}

/// What one step did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
	/// Nothing was owed.
	Idle,
	/// The worker acted (the action's name, e.g. `commit`).
	Acted(&'static str),
	/// The task has ended.
	Finished(TaskStatus),
}

/// A worker of one task in one role.
pub struct Worker<C: Chain> {
	pub(crate) chain: C,
	pub(crate) store: Arc<dyn Store>,
	pub(crate) config: WorkerConfig,
	pub(crate) state: StateFile,
	pub(crate) secret: StaticSecret,
	/// The model card's CID and a trainer for it.
	model: Option<(ContentId, LocalTrainer)>,
	/// The action of the current step, for counting its failures.
	pub(crate) current: Option<(RoundIndex, &'static str)>,
	/// Failed attempts per round and action.
	failures: HashMap<(RoundIndex, &'static str), u32>,
	/// Whether the chain has confirmed the registration (checked once per run).
	joined: bool,
}

impl<C: Chain> Worker<C> {
	/// A worker signing through `chain`, keeping its state in `state_path`.
	pub fn new(
		chain: C,
		store: Arc<dyn Store>,
		config: WorkerConfig,
		state_path: &Path,
	) -> Result<Self> {
		check_config(&config)?;
		let account = chain.account().to_string();
		let state =
			StateFile::open_or_create(state_path, config.task, &account, config.role.name())?;
		let secret = state.get().secret()?;
		Ok(Self {
			chain,
			store,
			config,
			state,
			secret,
			model: None,
			current: None,
			failures: HashMap::new(),
			joined: false,
		})
	}

	/// The chain handle.
	pub fn chain(&self) -> &C {
		&self.chain
	}

	/// The state file.
	pub fn state(&self) -> &StateFile {
		&self.state
	}

	/// Runs until the task ends, a fatal error, or `shutdown` completes. Log lines carry the
	/// task, the role and the account.
	pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<()> {
		let account = self.chain.account().to_string();
		let span = tracing::info_span!(
			"worker",
			task = self.config.task,
			role = %self.config.role,
			account = %account.get(..8).unwrap_or(&account),
		);
		self.run_loop(shutdown).instrument(span).await
	}

	async fn run_loop(mut self, shutdown: impl Future<Output = ()>) -> Result<()> {
		tokio::pin!(shutdown);
		let mut backoff = self.config.poll_interval;
		loop {
			let pause = match self.step().await {
				Ok(Progress::Finished(status)) => {
					tracing::info!(task = self.config.task, %status, "the task has ended");
					return Ok(());
				}
				Ok(progress) => {
					if let Progress::Acted(action) = progress {
						tracing::debug!(action, "step done");
					}
					backoff = self.config.poll_interval;
					self.config.poll_interval
				}
				Err(error) => {
					self.note_failure(error)?;
					backoff = (backoff * 2).min(MAX_BACKOFF);
					backoff
				}
			};
			tokio::select! {
				() = &mut shutdown => {
					tracing::info!("stopping on request");
					return Ok(());
				}
				() = tokio::time::sleep(pause) => {}
			}
		}
	}

	/// One poll: reads the task and its round and does what the role owes.
	pub async fn step(&mut self) -> Result<Progress> {
		self.current = None;
		let task = self.task().await?;
		if task.status.is_finished() {
			return Ok(Progress::Finished(task.status));
		}
		if self.ensure_joined(&task).await? {
			return Ok(Progress::Acted("join"));
		}
		let Some(round) = self.chain.round(self.config.task).await? else {
			return Ok(Progress::Idle);
		};
		if !same_round(&task, &round) {
			// Finality moved between the two reads: the task (and its model) is from before
			// this round started. Acting on it would train, score or aggregate the wrong model.
			return Ok(Progress::Idle);
		}
		match self.config.role {
			Role::Trainer => self.trainer_step(&task, &round).await,
			Role::Validator => self.validator_step(&task, &round).await,
			Role::Aggregator => self.aggregator_step(&task, &round).await,
		}
	}

	/// The task, which must exist.
	async fn task(&self) -> Result<TaskSummary> {
		self.chain
			.task(self.config.task)
			.await?
			.ok_or_else(|| WorkerError::Chain {
				what: format!("reading task {}", self.config.task),
				message: "no such task".into(),
				transient: false,
			})
	}

	/// Joins the task unless the worker's account already participates; returns whether it
	/// joined now. Fails if the account participates in another role, or (for roles that
	/// decrypt updates) under an encryption key this state file does not hold. Once the
	/// registration is confirmed it is not read again.
	async fn ensure_joined(&mut self, task: &TaskSummary) -> Result<bool> {
		if self.joined {
			return Ok(false);
		}
		let me = self.chain.account();
		let public = self.state.get().public_key()?;
		match self.chain.participant(task.id, &me).await? {
			Some(participant) if participant.role != self.config.role => {
				Err(WorkerError::NotParticipant {
					account: me.to_string(),
					role: self.config.role.name().into(),
					task: task.id,
				})
			}
			Some(participant) => {
				if participant.encryption_key != public && self.config.role != Role::Trainer {
					return Err(WorkerError::Keys(format!(
						"account {me} joined task {} with another encryption key than the one in \
						 {}; the updates sent to it cannot be read with this state file",
						task.id,
						self.state.path().display()
					)));
				}
				self.joined = true;
				Ok(false)
			}
			None => {
				let bond = self
					.config
					.bond
					.unwrap_or(task.params.min_bonds.of(self.config.role));
				self.current = Some((task.next_round, "join"));
				self.chain
					.join(
						task.id,
						self.config.role,
						bond,
						self.config.jurisdiction,
						public,
					)
					.await?;
				tracing::info!(task = task.id, role = %self.config.role, bond, "joined");
				Ok(true)
			}
		}
	}

	/// Records a failed step: fatal errors end the worker, transient ones are retried, others
	/// count against the action and round they happened in.
	fn note_failure(&mut self, error: WorkerError) -> Result<()> {
		if is_fatal(&error) {
			return Err(error);
		}
		let Some(key) = self.current.take() else {
			tracing::warn!(%error, "reading the chain failed; retrying");
			return Ok(());
		};
		if error.is_transient() {
			tracing::warn!(round = key.0, action = key.1, %error, "transient failure; retrying");
			return Ok(());
		}
		let attempts = self.failures.entry(key).or_insert(0);
		*attempts += 1;
		if *attempts >= MAX_ATTEMPTS {
			tracing::error!(
				round = key.0,
				action = key.1,
				%error,
				"giving up on this action for the round"
			);
		} else {
			tracing::warn!(
				round = key.0,
				action = key.1,
				attempt = *attempts,
				%error,
				"action failed; retrying"
			);
		}
		Ok(())
	}

	/// Marks `action` of `round` as the one being attempted; `false` if it already failed
	/// [`MAX_ATTEMPTS`] times.
	pub(crate) fn begin(&mut self, round: RoundIndex, action: &'static str) -> bool {
		if self.failures.get(&(round, action)).copied().unwrap_or(0) >= MAX_ATTEMPTS {
			return false;
		}
		self.current = Some((round, action));
		true
	}

	/// A trainer for the task's model card, fetched and built once.
	pub(crate) async fn local_trainer(&mut self, task: &TaskSummary) -> Result<LocalTrainer> {
		if let Some((card, trainer)) = &self.model {
			if *card == task.params.model_card {
				return Ok(trainer.clone());
			}
		}
		let card: ModelCard =
			crate::blobs::fetch_card(self.store.as_ref(), &task.params.model_card).await?;
		let trainer = LocalTrainer::new(card, decentralml_train::cpu_device()).map_err(|e| {
			WorkerError::BadModelCard {
				cid: task.params.model_card.to_string(),
				reason: e.to_string(),
			}
		})?;
		if let Some(data) = &self.config.data {
			decentralml_train::local::check_compatible(trainer.card(), &data.dataset).map_err(
				|source| WorkerError::Training {
					what: format!(
						"checking the data against model card {}",
						trainer.card().name
					),
					source,
				},
			)?;
		}
		self.model = Some((task.params.model_card.clone(), trainer.clone()));
		Ok(trainer)
	}

	/// Runs CPU-heavy `job` on a blocking thread once a compute slot is free.
	pub(crate) async fn compute<T: Send + 'static>(
		&self,
		what: &str,
		job: impl FnOnce() -> Result<T> + Send + 'static,
	) -> Result<T> {
		let _slot = self
			.config
			.compute
			.clone()
			.acquire_owned()
			.await
			.map_err(|e| WorkerError::Job {
				what: what.to_string(),
				reason: e.to_string(),
			})?;
		tokio::task::spawn_blocking(job)
			.await
			.map_err(|e| WorkerError::Job {
				what: what.to_string(),
				reason: e.to_string(),
			})?
	}

	/// The X25519 keys of the round's validators and aggregator, the recipients of updates.
	pub(crate) async fn recipients(&self, round: &RoundView) -> Result<Vec<[u8; 32]>> {
		let participants = self.chain.participants(round.task).await?;
		let mut keys = Vec::new();
		let seats = round
			.validators
			.iter()
			.map(|seat| &seat.who)
			.chain(std::iter::once(&round.aggregator));
		for who in seats {
			let participant =
				participants
					.iter()
					.find(|p| &p.who == who)
					.ok_or_else(|| WorkerError::Chain {
						what: format!("reading the encryption key of {who}"),
						message: "the seat holder is not a participant of the task".into(),
						transient: true,
					})?;
			keys.push(participant.encryption_key);
		}
		keys.sort();
		keys.dedup();
		Ok(keys)
	}
}

#[cfg(test)]
mod tests;

/// Whether `task` was read during `round`: its next round index is the one after `round`,
/// so the model it holds is the one `round` started from.
fn same_round(task: &TaskSummary, round: &RoundView) -> bool {
	task.next_round == round.index.saturating_add(1)
}

/// Checks that the configuration fits the role.
fn check_config(config: &WorkerConfig) -> Result<()> {
	match config.role {
		Role::Trainer | Role::Validator if config.data.is_none() => Err(WorkerError::Data(
			format!("a {} needs data (--data)", config.role),
		)),
		Role::Validator | Role::Aggregator if config.attack.is_some() => Err(WorkerError::Data(
			"only trainers can be given an attack".into(),
		)),
		_ => Ok(()),
	}
}

/// Errors after which the worker cannot go on safely.
fn is_fatal(error: &WorkerError) -> bool {
	matches!(
		error,
		WorkerError::StateFile { .. }
			| WorkerError::Keys(_)
			| WorkerError::UnsupportedAggregation { .. }
			| WorkerError::BadModelCard { .. }
			| WorkerError::NotParticipant { .. }
	) || matches!(
		error,
		WorkerError::Chain { transient: false, what, .. }
			if what.starts_with("reading task") || what.starts_with("joining")
	)
}

/// A seed for one round's local training, from the worker's seed, the round and the account.
pub(crate) fn round_seed(seed: u64, round: RoundIndex, account: &[u8; 32]) -> u64 {
	let mut hasher = blake2::Blake2s256::default();
	blake2::Digest::update(&mut hasher, seed.to_le_bytes());
	blake2::Digest::update(&mut hasher, round.to_le_bytes());
	blake2::Digest::update(&mut hasher, account);
	let digest = blake2::Digest::finalize(hasher);
	u64::from_le_bytes(digest[..8].try_into().unwrap_or_default())
}
