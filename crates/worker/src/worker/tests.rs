//! The roles against an in-memory chain: joining, persisting before submitting, resuming after
//! a crash, commit-reveal with the saved salt, and aggregator and validators agreeing on the
//! aggregate bit for bit.

use super::*;
use crate::attack::{Attack, AttackKind};
use crate::chain::Chain;
use async_trait::async_trait;
use decentralml_client::{
	score_commitment, AcceptedView, AccountId, AggregateView, ContentId, Deadlines, Jurisdiction,
	ParticipantStatus, ParticipantView, Perbill, Phase, Role, RosterCounts, RoundIndex, RoundView,
	Salt, TaskId, TaskSpec, TaskStatus, TaskSummary, UpdateView, ValidatorSeatView,
};
use decentralml_primitives::{AggregationConfig, StrategyConfig};
use decentralml_storage::{MemoryStore, StoreExt};
use decentralml_train::card::ImageShape;
use decentralml_train::data::{Dataset, Inputs};
use decentralml_train::{LocalTrainer, ModelCard, ModelParameters};
use std::sync::Mutex;

const TASK: TaskId = 7;

/// The shared state of the in-memory chain.
struct MockState {
	task: TaskSummary,
	round: Option<RoundView>,
	participants: Vec<ParticipantView>,
	/// Calls made, in order, e.g. `submit_update`.
	calls: Vec<String>,
	/// Calls to fail next: the call's name and whether the failure is transient.
	failures: Vec<(&'static str, bool)>,
	/// Scores revealed, per validator.
	revealed: Vec<(AccountId, Vec<Perbill>)>,
}

/// One account's view of the in-memory chain.
#[derive(Clone)]
struct MockChain {
	account: AccountId,
	state: Arc<Mutex<MockState>>,
}

impl MockChain {
	/// Logs `call` and fails it if a failure was queued for it.
	fn enter(&self, call: &'static str) -> Result<std::sync::MutexGuard<'_, MockState>> {
		let mut state = self.state.lock().unwrap();
		state.calls.push(call.to_string());
		if let Some(at) = state.failures.iter().position(|(name, _)| *name == call) {
			let (_, transient) = state.failures.remove(at);
			return Err(WorkerError::Chain {
				what: call.into(),
				message: "injected failure".into(),
				transient,
			});
		}
		Ok(state)
	}
}

fn dispatch_error(call: &str, reason: &str) -> WorkerError {
	WorkerError::Chain {
		what: call.into(),
		message: reason.into(),
		transient: false,
	}
}

#[async_trait]
impl Chain for MockChain {
	fn account(&self) -> AccountId {
		self.account
	}

	async fn task(&self, _task: TaskId) -> Result<Option<TaskSummary>> {
		Ok(Some(self.state.lock().unwrap().task.clone()))
	}

	async fn round(&self, _task: TaskId) -> Result<Option<RoundView>> {
		Ok(self.state.lock().unwrap().round.clone())
	}

	async fn participant(&self, _task: TaskId, who: &AccountId) -> Result<Option<ParticipantView>> {
		let state = self.state.lock().unwrap();
		Ok(state.participants.iter().find(|p| &p.who == who).cloned())
	}

	async fn participants(&self, _task: TaskId) -> Result<Vec<ParticipantView>> {
		Ok(self.state.lock().unwrap().participants.clone())
	}

	async fn join(
		&self,
		task: TaskId,
		role: Role,
		bond: u128,
		jurisdiction: Jurisdiction,
		encryption_key: [u8; 32],
	) -> Result<()> {
		let mut state = self.enter("join")?;
		state
			.participants
			.push(participant(task, self.account, role, encryption_key));
		state.participants.last_mut().unwrap().bond = bond;
		state.participants.last_mut().unwrap().jurisdiction = jurisdiction;
		Ok(())
	}

	async fn submit_update(
		&self,
		_task: TaskId,
		round: RoundIndex,
		update: &ContentId,
		examples: u64,
	) -> Result<()> {
		let me = self.account;
		let mut state = self.enter("submit_update")?;
		let view = state.round.as_mut().filter(|r| r.index == round).unwrap();
		let position = view
			.trainer_position(&me)
			.ok_or_else(|| dispatch_error("submit_update", "NotSelectedTrainer"))?;
		if !matches!(view.phase, Phase::Training { .. }) || view.update_of(&me).is_some() {
			return Err(dispatch_error("submit_update", "NotTrainingPhase"));
		}
		view.updates.push(UpdateView {
			position,
			trainer: me,
			cid: update.clone(),
			examples,
			score: None,
		});
		view.updates.sort_by_key(|u| u.position);
		Ok(())
	}

	async fn commit_scores(
		&self,
		_task: TaskId,
		_round: RoundIndex,
		commitment: [u8; 32],
	) -> Result<()> {
		let me = self.account;
		let mut state = self.enter("commit_scores")?;
		let seat = seat_mut(&mut state, &me);
		seat.commitment = Some(commitment);
		Ok(())
	}

	async fn reveal_scores(
		&self,
		task: TaskId,
		round: RoundIndex,
		scores: &[Perbill],
		salt: &Salt,
	) -> Result<()> {
		let me = self.account;
		let mut state = self.enter("reveal_scores")?;
		let seat = seat_mut(&mut state, &me);
		if seat.commitment != Some(score_commitment(task, round, &me, scores, salt)) {
			return Err(dispatch_error("reveal_scores", "CommitmentMismatch"));
		}
		seat.revealed = true;
		state.revealed.push((me, scores.to_vec()));
		Ok(())
	}

	async fn submit_aggregate(
		&self,
		_task: TaskId,
		_round: RoundIndex,
		model: &ContentId,
		state_cid: Option<&ContentId>,
	) -> Result<()> {
		let mut state = self.enter("submit_aggregate")?;
		state.round.as_mut().unwrap().aggregate = Some(AggregateView {
			model: model.clone(),
			state: state_cid.cloned(),
		});
		Ok(())
	}

	async fn attest_aggregate(
		&self,
		_task: TaskId,
		_round: RoundIndex,
		model: &ContentId,
	) -> Result<()> {
		let me = self.account;
		let mut state = self.enter("attest_aggregate")?;
		seat_mut(&mut state, &me).attested = Some(model.clone());
		Ok(())
	}
}

fn seat_mut<'a>(state: &'a mut MockState, who: &AccountId) -> &'a mut ValidatorSeatView {
	state
		.round
		.as_mut()
		.unwrap()
		.validators
		.iter_mut()
		.find(|seat| &seat.who == who)
		.unwrap()
}

fn participant(task: TaskId, who: AccountId, role: Role, key: [u8; 32]) -> ParticipantView {
	ParticipantView {
		task,
		who,
		role,
		bond: 10,
		jurisdiction: "ZZ".parse().unwrap(),
		encryption_key: key,
		reputation: Perbill::from_percent(50),
		status: ParticipantStatus::Active,
	}
}

/// A small image set a linear model learns: class `c` lights up row `2c + 1`.
fn striped(per_class: usize) -> Arc<Dataset> {
	let shape = ImageShape::MNIST;
	let mut pixels = Vec::new();
	let mut labels = Vec::new();
	for i in 0..10 * per_class {
		let class = i % 10;
		let mut image = vec![0u8; shape.len()];
		for x in 0..shape.width {
			image[(2 * class + 1) * shape.width + x] = 150 + (i % 100) as u8;
		}
		pixels.extend(image);
		labels.push(class as u32);
	}
	Arc::new(
		Dataset::new(
			"striped",
			Inputs::Images { shape, pixels },
			labels,
			10,
			None,
		)
		.unwrap(),
	)
}

fn account(byte: u8) -> AccountId {
	AccountId::from([byte; 32])
}

/// A task on a logistic-regression card with its model in a memory store, and a round with
/// trainers 1 and 2, validators 11 and 12 and aggregator 21.
struct Fixture {
	dir: tempfile::TempDir,
	store: Arc<dyn Store>,
	chain: Arc<Mutex<MockState>>,
	data: Arc<Dataset>,
	global: ModelParameters,
}

impl Fixture {
	async fn new() -> Self {
		let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
		let card = ModelCard::logistic_regression(10);
		let trainer = LocalTrainer::new(card.clone(), decentralml_train::cpu_device()).unwrap();
		let global = trainer.initial_parameters(1).unwrap();
		let card_cid = store.put_bytes(card.to_json().as_bytes()).await.unwrap();
		let model_cid = store
			.put_bytes(&global.to_safetensors().unwrap())
			.await
			.unwrap();
		let spec = TaskSpec::new(
			card_cid.into(),
			model_cid.into(),
			AggregationConfig::plain(StrategyConfig::FedAvg),
		);
		let task = TaskSummary {
			id: TASK,
			owner: account(99),
			status: TaskStatus::Active,
			model: spec.initial_model.clone(),
			params: spec,
			pool: 0,
			model_state: None,
			next_round: 1,
			closed_rounds: 0,
			next_due: None,
			roster: RosterCounts::default(),
		};
		let round = RoundView {
			task: TASK,
			index: 0,
			phase: Phase::Training { ends: 100 },
			trainers: vec![account(1), account(2)],
			updates: Vec::new(),
			accepted: Vec::new(),
			validators: [11, 12]
				.into_iter()
				.map(|b| ValidatorSeatView {
					who: account(b),
					stake: 10,
					commitment: None,
					revealed: false,
					deviation: None,
					attested: None,
				})
				.collect(),
			aggregator: account(21),
			aggregate: None,
			attestations: Vec::new(),
			min_score: Perbill::from_percent(50),
			harmful_score: Perbill::from_percent(10),
			deadlines: Deadlines::default(),
			outcome: None,
			paid: 0,
			slashed: 0,
		};
		let chain = Arc::new(Mutex::new(MockState {
			task,
			round: Some(round),
			participants: Vec::new(),
			calls: Vec::new(),
			failures: Vec::new(),
			revealed: Vec::new(),
		}));
		Self {
			dir: tempfile::tempdir().unwrap(),
			store,
			chain,
			data: striped(20),
			global,
		}
	}

	/// A worker for `account(byte)`, with its state file named after the byte.
	fn worker(&self, byte: u8, role: Role, attack: Option<AttackKind>) -> Worker<MockChain> {
		let data = match role {
			// Trainers split the examples; validators hold all of them.
			Role::Trainer => Some(
				LocalData::new(
					self.data.clone(),
					(0..100).map(|i| i * 2 + usize::from(byte % 2)).collect(),
				)
				.unwrap(),
			),
			Role::Validator => Some(LocalData::new(self.data.clone(), (0..200).collect()).unwrap()),
			Role::Aggregator => None,
		};
		let mut config = WorkerConfig::new(TASK, role, "ZZ".parse().unwrap(), data);
		config.attack = attack.map(Attack::default_of);
		config.poll_interval = Duration::from_millis(10);
		let chain = MockChain {
			account: account(byte),
			state: self.chain.clone(),
		};
		let path = self.dir.path().join(format!("{byte}-{role}.json"));
		Worker::new(chain, self.store.clone(), config, &path).unwrap()
	}

	/// Everyone of the round, joined (their first step joins).
	async fn everyone(&self) -> Vec<Worker<MockChain>> {
		let mut workers = vec![
			self.worker(1, Role::Trainer, None),
			self.worker(2, Role::Trainer, Some(AttackKind::SignFlip)),
			self.worker(11, Role::Validator, None),
			self.worker(12, Role::Validator, None),
			self.worker(21, Role::Aggregator, None),
		];
		for worker in &mut workers {
			assert_eq!(worker.step().await.unwrap(), Progress::Acted("join"));
		}
		workers
	}

	fn set_phase(&self, phase: Phase) {
		self.chain.lock().unwrap().round.as_mut().unwrap().phase = phase;
	}

	fn calls(&self, name: &str) -> usize {
		self.chain
			.lock()
			.unwrap()
			.calls
			.iter()
			.filter(|c| *c == name)
			.count()
	}

	fn round(&self) -> RoundView {
		self.chain.lock().unwrap().round.clone().unwrap()
	}
}

#[tokio::test]
async fn a_worker_joins_once_with_its_key() {
	let fixture = Fixture::new().await;
	let mut worker = fixture.worker(11, Role::Validator, None);
	assert_eq!(worker.step().await.unwrap(), Progress::Acted("join"));
	assert_eq!(worker.step().await.unwrap(), Progress::Idle);
	assert_eq!(fixture.calls("join"), 1);
	let state = fixture.chain.lock().unwrap();
	let joined = &state.participants[0];
	assert_eq!(joined.role, Role::Validator);
	assert_eq!(
		joined.encryption_key,
		worker.state().get().public_key().unwrap()
	);
	// The task's minimum bond for the role.
	assert_eq!(joined.bond, state.task.params.min_bonds.validator);
}

#[tokio::test]
async fn a_worker_registered_in_another_role_stops() {
	let fixture = Fixture::new().await;
	fixture.worker(1, Role::Trainer, None).step().await.unwrap();
	let error = fixture
		.worker(1, Role::Validator, None)
		.step()
		.await
		.unwrap_err();
	assert!(
		matches!(error, WorkerError::NotParticipant { .. }),
		"{error}"
	);
}

#[tokio::test]
async fn a_trainer_persists_its_update_and_resubmits_it_after_a_crash() {
	let fixture = Fixture::new().await;
	let mut workers = fixture.everyone().await;
	drop(workers.remove(0));
	let mut trainer = fixture.worker(1, Role::Trainer, None);
	// The submission is lost with the connection.
	fixture
		.chain
		.lock()
		.unwrap()
		.failures
		.push(("submit_update", true));
	let error = trainer.step().await.unwrap_err();
	assert!(error.is_transient(), "{error}");
	let saved = trainer
		.state()
		.get()
		.update
		.clone()
		.expect("saved before submitting");
	assert_eq!(saved.round, 0);
	assert!(fixture.round().updates.is_empty());
	drop(trainer);

	// Restarted, it submits the saved update without training again: a new training would
	// encrypt with a fresh key and give another CID.
	let mut restarted = fixture.worker(1, Role::Trainer, None);
	assert_eq!(restarted.step().await.unwrap(), Progress::Acted("update"));
	let round = fixture.round();
	assert_eq!(round.updates.len(), 1);
	assert_eq!(round.updates[0].cid.to_string(), saved.cid);
	assert_eq!(round.updates[0].examples, 100);
	// Nothing more is owed.
	assert_eq!(restarted.step().await.unwrap(), Progress::Idle);
	assert_eq!(fixture.calls("submit_update"), 2);
}

#[tokio::test]
async fn a_round_runs_from_updates_to_attestations() {
	let fixture = Fixture::new().await;
	let mut workers = fixture.everyone().await;
	for trainer in &mut workers[..2] {
		assert_eq!(trainer.step().await.unwrap(), Progress::Acted("update"));
	}
	assert_eq!(fixture.round().updates.len(), 2);

	// Commit, with the sign-flipped update of trainer 2 scored down.
	fixture.set_phase(Phase::Commit { ends: 200 });
	for validator in &mut workers[2..4] {
		assert_eq!(validator.step().await.unwrap(), Progress::Acted("commit"));
	}
	// The validators crash and restart: they reveal with the scores and salt they saved.
	let saved: Vec<_> = workers[2..4]
		.iter()
		.map(|w| w.state().get().scores.clone().unwrap())
		.collect();
	workers.truncate(2);
	workers.push(fixture.worker(11, Role::Validator, None));
	workers.push(fixture.worker(12, Role::Validator, None));
	workers.push(fixture.worker(21, Role::Aggregator, None));
	fixture.set_phase(Phase::Reveal { ends: 300 });
	for validator in &mut workers[2..4] {
		assert_eq!(validator.step().await.unwrap(), Progress::Acted("reveal"));
	}
	let revealed = fixture.chain.lock().unwrap().revealed.clone();
	for ((_, scores), saved) in revealed.iter().zip(&saved) {
		assert_eq!(scores.iter().map(|s| s.0).collect::<Vec<_>>(), saved.scores);
		assert!(
			scores[0] >= Perbill::from_percent(50),
			"honest update scored {}",
			scores[0]
		);
		assert_eq!(
			scores[1],
			Perbill::from_parts(0),
			"sign-flipped update scored {}",
			scores[1]
		);
	}

	// Only the honest update is accepted; validators recompute what the aggregator submits.
	let honest = fixture.round().updates[0].clone();
	{
		let mut state = fixture.chain.lock().unwrap();
		let round = state.round.as_mut().unwrap();
		round.accepted = vec![AcceptedView {
			position: honest.position,
			trainer: honest.trainer,
			cid: honest.cid.clone(),
			examples: honest.examples,
			score: Perbill::from_percent(90),
		}];
		round.phase = Phase::Aggregation { ends: 400 };
	}
	// Before the aggregator submits, validators compute the aggregate but cannot attest.
	assert_eq!(
		workers[2].step().await.unwrap(),
		Progress::Acted("recompute")
	);
	assert_eq!(
		workers[4].step().await.unwrap(),
		Progress::Acted("aggregate")
	);
	for validator in &mut workers[2..4] {
		assert_eq!(validator.step().await.unwrap(), Progress::Acted("attest"));
	}
	let round = fixture.round();
	let submitted = round.aggregate.clone().unwrap().model;
	for seat in &round.validators {
		assert_eq!(seat.attested.as_ref(), Some(&submitted));
	}
	// The aggregate of one update is that update, and it is in the store for everyone.
	let model = fixture
		.store
		.get_bytes(&submitted.to_cid().unwrap())
		.await
		.unwrap();
	let model = ModelParameters::from_safetensors(&model).unwrap();
	assert_ne!(model, fixture.global);
	for worker in &mut workers {
		assert_eq!(worker.step().await.unwrap(), Progress::Idle);
	}
}

#[tokio::test]
async fn a_task_read_before_the_round_started_is_not_acted_on() {
	let fixture = Fixture::new().await;
	let mut workers = fixture.everyone().await;
	// The task snapshot predates the round: its model is the previous round's.
	fixture.chain.lock().unwrap().task.next_round = 0;
	assert_eq!(workers[0].step().await.unwrap(), Progress::Idle);
	assert!(fixture.round().updates.is_empty());
	fixture.chain.lock().unwrap().task.next_round = 1;
	assert_eq!(workers[0].step().await.unwrap(), Progress::Acted("update"));
}

#[tokio::test]
async fn a_validator_without_its_saved_scores_cannot_reveal() {
	let fixture = Fixture::new().await;
	let mut validator = fixture.worker(11, Role::Validator, None);
	validator.step().await.unwrap();
	fixture.set_phase(Phase::Commit { ends: 200 });
	// No updates: it commits to an empty score vector.
	assert_eq!(validator.step().await.unwrap(), Progress::Acted("commit"));
	validator.state.update(|s| s.scores = None).unwrap();
	fixture.set_phase(Phase::Reveal { ends: 300 });
	let error = validator.step().await.unwrap_err();
	assert!(matches!(error, WorkerError::MissingState(_)), "{error}");
}

#[tokio::test]
async fn an_action_refused_by_the_chain_is_given_up_after_max_attempts() {
	let fixture = Fixture::new().await;
	let mut workers = fixture.everyone().await;
	let trainer = &mut workers[0];
	for _ in 0..MAX_ATTEMPTS {
		fixture
			.chain
			.lock()
			.unwrap()
			.failures
			.push(("submit_update", false));
		let error = trainer.step().await.unwrap_err();
		trainer.note_failure(error).unwrap();
	}
	assert_eq!(trainer.step().await.unwrap(), Progress::Idle);
	assert_eq!(fixture.calls("submit_update"), MAX_ATTEMPTS as usize);
	// Failures to read the task are fatal.
	let fatal = WorkerError::StateFile {
		path: "x".into(),
		reason: "disk full".into(),
	};
	assert!(trainer.note_failure(fatal).is_err());
}

#[tokio::test]
async fn run_stops_when_the_task_ends() {
	let fixture = Fixture::new().await;
	fixture.chain.lock().unwrap().task.status = TaskStatus::Completed;
	let worker = fixture.worker(21, Role::Aggregator, None);
	let never = std::future::pending::<()>();
	tokio::time::timeout(Duration::from_secs(5), worker.run(never))
		.await
		.expect("the worker stops by itself")
		.unwrap();
}

#[test]
fn round_seeds_differ_by_round_and_account() {
	let a = round_seed(1, 0, &[1; 32]);
	assert_eq!(a, round_seed(1, 0, &[1; 32]));
	assert_ne!(a, round_seed(1, 1, &[1; 32]));
	assert_ne!(a, round_seed(1, 0, &[2; 32]));
	assert_ne!(a, round_seed(2, 0, &[1; 32]));
}
