//! Training-pallet calls of proposers and participants.

use crate::{
	client::{Client, Receipt},
	commitment::{score_commitment, Salt},
	convert,
	error::{ClientError, Result},
	runtime::{self, training::events},
	types::{
		Asset, Balance, BlockNumber, ContentId, Jurisdiction, Perbill, Role, RoundIndex, TaskId,
		TaskSpec,
	},
};
use subxt::utils::H256;

impl Client {
	/// Proposes a task and deposits its pool (`spec.pool_deposit`, moved to the task's pool
	/// account); returns the new task's id. The spec is checked locally first
	/// ([`TaskSpec::validate`]).
	pub async fn propose_task(&self, spec: &TaskSpec) -> Result<TaskId> {
		spec.validate()?;
		let call = runtime::transactions()
			.training()
			.propose_task(convert::task_params_to_chain(spec));
		let receipt = self.submit(&call).await?;
		Ok(receipt.expect_event::<events::TaskProposed>()?.task)
	}

	/// The smallest pool deposit that pays every round of `spec`: the rounds' budgets plus the
	/// asset's minimum balance, which the pallet keeps in the pool account (a smaller pool
	/// completes the task early, with `PoolRanDry`). `None` for Assets-pallet assets, whose
	/// minimum balance this does not read.
	pub async fn full_pool_deposit(&self, spec: &TaskSpec) -> Result<Option<Balance>> {
		if spec.asset != Asset::Native {
			return Ok(None);
		}
		let existential_deposit = self
			.at_finalized()
			.await?
			.constants()
			.entry(runtime::constants().balances().existential_deposit())
			.map_err(|e| ClientError::subxt("reading the existential deposit", e))?;
		Ok(Some(
			spec.budget_per_round
				.saturating_mul(Balance::from(spec.rounds))
				.saturating_add(existential_deposit),
		))
	}

	/// Joins `task` as `role`, holding `bond` of the task's asset, declaring `jurisdiction` and
	/// publishing the X25519 public key trainers encrypt updates to.
	pub async fn join(
		&self,
		task: TaskId,
		role: Role,
		bond: Balance,
		jurisdiction: Jurisdiction,
		encryption_key: [u8; 32],
	) -> Result<Receipt> {
		let call = runtime::transactions().training().join(
			task,
			convert::role_to_chain(role),
			bond,
			jurisdiction.0,
			encryption_key,
		);
		let receipt = self.submit(&call).await?;
		receipt.expect_event::<events::Joined>()?;
		Ok(receipt)
	}

	/// Leaves `task`'s roster; returns the block from which the bond can be withdrawn.
	pub async fn leave(&self, task: TaskId) -> Result<BlockNumber> {
		let call = runtime::transactions().training().leave(task);
		let receipt = self.submit(&call).await?;
		Ok(receipt.expect_event::<events::Left>()?.unlock_at)
	}

	/// Releases the caller's bond in `task`; returns the amount released.
	pub async fn withdraw_bond(&self, task: TaskId) -> Result<Balance> {
		let call = runtime::transactions().training().withdraw_bond(task);
		let receipt = self.submit(&call).await?;
		Ok(receipt.expect_event::<events::BondWithdrawn>()?.amount)
	}

	/// Submits a selected trainer's update for `round`: the update's CID and the number of
	/// examples it was trained on.
	pub async fn submit_update(
		&self,
		task: TaskId,
		round: RoundIndex,
		update: &ContentId,
		examples: u64,
	) -> Result<Receipt> {
		let call = runtime::transactions().training().submit_update(
			task,
			round,
			update.0.clone(),
			examples,
		);
		self.submit(&call).await
	}

	/// Commits a selected validator to a commitment made with [`score_commitment`].
	pub async fn commit_scores(
		&self,
		task: TaskId,
		round: RoundIndex,
		commitment: [u8; 32],
	) -> Result<Receipt> {
		let call = runtime::transactions()
			.training()
			.commit_scores(task, round, H256(commitment));
		self.submit(&call).await
	}

	/// Commits to `scores` (one per submitted update, in canonical order) with `salt`,
	/// computing the commitment for the signer's account. Keep `scores` and `salt` for
	/// [`Client::reveal_scores`].
	pub async fn commit_to_scores(
		&self,
		task: TaskId,
		round: RoundIndex,
		scores: &[Perbill],
		salt: &Salt,
	) -> Result<Receipt> {
		let validator = self.account_id()?;
		let commitment = score_commitment(task, round, &validator, scores, salt);
		self.commit_scores(task, round, commitment).await
	}

	/// Reveals the scores and salt the validator committed to.
	pub async fn reveal_scores(
		&self,
		task: TaskId,
		round: RoundIndex,
		scores: &[Perbill],
		salt: &Salt,
	) -> Result<Receipt> {
		let call =
			runtime::transactions()
				.training()
				.reveal_scores(task, round, scores.to_vec(), *salt);
		self.submit(&call).await
	}

	/// Submits the round's aggregate (the aggregator only): the new model's CID and the
	/// strategy state's, if the strategy keeps state.
	pub async fn submit_aggregate(
		&self,
		task: TaskId,
		round: RoundIndex,
		model: &ContentId,
		state: Option<&ContentId>,
	) -> Result<Receipt> {
		let call = runtime::transactions().training().submit_aggregate(
			task,
			round,
			model.0.clone(),
			state.map(|cid| cid.0.clone()),
		);
		self.submit(&call).await
	}

	/// Attests the aggregate a revealing validator recomputed. Returns whether this
	/// attestation completed the quorum (the model was adopted in this transaction).
	pub async fn attest_aggregate(
		&self,
		task: TaskId,
		round: RoundIndex,
		model: &ContentId,
	) -> Result<bool> {
		let call =
			runtime::transactions()
				.training()
				.attest_aggregate(task, round, model.0.clone());
		let receipt = self.submit(&call).await?;
		Ok(receipt.find_first::<events::QuorumReached>()?.is_some())
	}

	/// Sets a task's score thresholds as its owner, while the task is still proposed (later
	/// only governance may: see [`crate::GovernanceCall::SetScoreThresholds`]).
	pub async fn set_score_thresholds(
		&self,
		task: TaskId,
		min_score: Perbill,
		harmful_score: Perbill,
	) -> Result<Receipt> {
		if harmful_score >= min_score {
			return Err(ClientError::invalid(
				"score thresholds",
				format!("harmful score {harmful_score} must be below min score {min_score}"),
			));
		}
		let call =
			runtime::transactions()
				.training()
				.set_score_thresholds(task, min_score, harmful_score);
		self.submit(&call).await
	}
}
