//! What a worker needs from the chain, as a trait so that the roles can be tested against an
//! in-memory chain; [`ClientChain`] implements it over the SDK's [`Client`].

use crate::error::{Result, WorkerError};
use async_trait::async_trait;
use decentralml_client::{
	AccountId, Balance, Client, ClientError, ContentId, Jurisdiction, ParticipantView, Perbill,
	Role, RoundIndex, RoundView, Salt, TaskId, TaskSummary,
};

/// The chain as a worker sees it: reads at the latest finalized block and the protocol's
/// transactions, signed by the worker's account.
#[async_trait]
pub trait Chain: Send + Sync {
	/// The worker's account.
	fn account(&self) -> AccountId;

	/// Task `task`, if it exists.
	async fn task(&self, task: TaskId) -> Result<Option<TaskSummary>>;

	/// The task's round in progress, if any.
	async fn round(&self, task: TaskId) -> Result<Option<RoundView>>;

	/// `who`'s registration in `task`.
	async fn participant(&self, task: TaskId, who: &AccountId) -> Result<Option<ParticipantView>>;

	/// Every participant of `task` (for their encryption keys).
	async fn participants(&self, task: TaskId) -> Result<Vec<ParticipantView>>;

	/// Joins `task` as `role` with `bond`.
	async fn join(
		&self,
		task: TaskId,
		role: Role,
		bond: Balance,
		jurisdiction: Jurisdiction,
		encryption_key: [u8; 32],
	) -> Result<()>;

	/// Submits a trainer's update.
	async fn submit_update(
		&self,
		task: TaskId,
		round: RoundIndex,
		update: &ContentId,
		examples: u64,
	) -> Result<()>;

	/// Commits a validator to its scores.
	async fn commit_scores(
		&self,
		task: TaskId,
		round: RoundIndex,
		commitment: [u8; 32],
	) -> Result<()>;

	/// Reveals a validator's scores and salt.
	async fn reveal_scores(
		&self,
		task: TaskId,
		round: RoundIndex,
		scores: &[Perbill],
		salt: &Salt,
	) -> Result<()>;

	/// Submits the aggregator's aggregate.
	async fn submit_aggregate(
		&self,
		task: TaskId,
		round: RoundIndex,
		model: &ContentId,
		state: Option<&ContentId>,
	) -> Result<()>;

	/// Attests the aggregate a validator recomputed.
	async fn attest_aggregate(
		&self,
		task: TaskId,
		round: RoundIndex,
		model: &ContentId,
	) -> Result<()>;
}

/// The chain through the SDK, signing as one account.
#[derive(Clone)]
pub struct ClientChain {
	client: Client,
	account: AccountId,
}

impl ClientChain {
	/// Wraps a client that has a signer.
	pub fn new(client: Client) -> Result<Self> {
		let account = client
			.account_id()
			.map_err(|e| chain_error("reading the worker's account", e))?;
		Ok(Self { client, account })
	}

	/// The underlying client.
	pub fn client(&self) -> &Client {
		&self.client
	}
}

/// Turns an SDK error met while doing `what` into a worker error, transient when retrying can
/// succeed: a lost connection, an RPC failure, or the node refusing the transaction for now
/// (a stale nonce, a full pool).
pub fn chain_error(what: impl Into<String>, error: ClientError) -> WorkerError {
	let transient = matches!(
		error,
		ClientError::ConnectionLost { .. }
			| ClientError::Connect { .. }
			| ClientError::Subxt { .. }
			| ClientError::Rejected { .. }
	);
	WorkerError::Chain {
		what: what.into(),
		message: error.to_string(),
		transient,
	}
}

#[async_trait]
impl Chain for ClientChain {
	fn account(&self) -> AccountId {
		self.account
	}

	async fn task(&self, task: TaskId) -> Result<Option<TaskSummary>> {
		self.client
			.task(task)
			.await
			.map_err(|e| chain_error(format!("reading task {task}"), e))
	}

	async fn round(&self, task: TaskId) -> Result<Option<RoundView>> {
		self.client
			.round(task)
			.await
			.map_err(|e| chain_error(format!("reading the round of task {task}"), e))
	}

	async fn participant(&self, task: TaskId, who: &AccountId) -> Result<Option<ParticipantView>> {
		self.client
			.participant(task, who)
			.await
			.map_err(|e| chain_error(format!("reading participant {who} of task {task}"), e))
	}

	async fn participants(&self, task: TaskId) -> Result<Vec<ParticipantView>> {
		self.client
			.participants(task)
			.await
			.map_err(|e| chain_error(format!("reading the participants of task {task}"), e))
	}

	async fn join(
		&self,
		task: TaskId,
		role: Role,
		bond: Balance,
		jurisdiction: Jurisdiction,
		encryption_key: [u8; 32],
	) -> Result<()> {
		self.client
			.join(task, role, bond, jurisdiction, encryption_key)
			.await
			.map(drop)
			.map_err(|e| chain_error(format!("joining task {task} as {role}"), e))
	}

	async fn submit_update(
		&self,
		task: TaskId,
		round: RoundIndex,
		update: &ContentId,
		examples: u64,
	) -> Result<()> {
		self.client
			.submit_update(task, round, update, examples)
			.await
			.map(drop)
			.map_err(|e| chain_error(format!("submitting the update of round {round}"), e))
	}

	async fn commit_scores(
		&self,
		task: TaskId,
		round: RoundIndex,
		commitment: [u8; 32],
	) -> Result<()> {
		self.client
			.commit_scores(task, round, commitment)
			.await
			.map(drop)
			.map_err(|e| chain_error(format!("committing the scores of round {round}"), e))
	}

	async fn reveal_scores(
		&self,
		task: TaskId,
		round: RoundIndex,
		scores: &[Perbill],
		salt: &Salt,
	) -> Result<()> {
		self.client
			.reveal_scores(task, round, scores, salt)
			.await
			.map(drop)
			.map_err(|e| chain_error(format!("revealing the scores of round {round}"), e))
	}

	async fn submit_aggregate(
		&self,
		task: TaskId,
		round: RoundIndex,
		model: &ContentId,
		state: Option<&ContentId>,
	) -> Result<()> {
		self.client
			.submit_aggregate(task, round, model, state)
			.await
			.map(drop)
			.map_err(|e| chain_error(format!("submitting the aggregate of round {round}"), e))
	}

	async fn attest_aggregate(
		&self,
		task: TaskId,
		round: RoundIndex,
		model: &ContentId,
	) -> Result<()> {
		self.client
			.attest_aggregate(task, round, model)
			.await
			.map(drop)
			.map_err(|e| chain_error(format!("attesting the aggregate of round {round}"), e))
	}
}
