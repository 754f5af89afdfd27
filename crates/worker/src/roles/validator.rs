//! Validators: score every update on held-out data, commit to the scores, reveal them, then
//! recompute the aggregate and attest its CID.

use crate::blobs::{decode_model, fetch, fetch_update, UpdateFault};
use crate::chain::Chain;
use crate::error::{Result, WorkerError};
use crate::roles::trainer::local_config;
use crate::scoring;
use crate::state::{RoundAggregate, RoundScores};
use crate::worker::{round_seed, Progress, Worker};
use decentralml_client::{
	random_salt, score_commitment, ContentId, Perbill, Phase, RoundView, TaskSummary,
	ValidatorSeatView,
};

impl<C: Chain> Worker<C> {
	/// Does what this validator's seat owes in the current phase.
	pub(crate) async fn validator_step(
		&mut self,
		task: &TaskSummary,
		round: &RoundView,
	) -> Result<Progress> {
		let me = self.chain.account();
		let Some(seat) = round.validator_seat(&me).cloned() else {
			return Ok(Progress::Idle);
		};
		match round.phase {
			Phase::Commit { .. } if seat.commitment.is_none() => self.commit(task, round).await,
			Phase::Reveal { .. } if seat.commitment.is_some() && !seat.revealed => {
				self.reveal(task, round, &seat).await
			}
			Phase::Aggregation { .. } if seat.revealed && seat.attested.is_none() => {
				self.attest(task, round).await
			}
			_ => Ok(Progress::Idle),
		}
	}

	/// Scores the round's updates (or takes the scores saved before a restart), saves them
	/// with a fresh salt, then commits.
	async fn commit(&mut self, task: &TaskSummary, round: &RoundView) -> Result<Progress> {
		if !self.begin(round.index, "commit") {
			return Ok(Progress::Idle);
		}
		let cids: Vec<String> = round.updates.iter().map(|u| u.cid.to_string()).collect();
		let stored = self
			.state
			.get()
			.scores
			.clone()
			.filter(|s| s.round == round.index && s.updates == cids);
		let record = match stored {
			Some(record) => record,
			None => {
				let scores = self.score_round(task, round).await?;
				let salt = random_salt().map_err(|e| WorkerError::Keys(e.to_string()))?;
				let record = RoundScores {
					round: round.index,
					updates: cids,
					scores: scores.iter().map(|s| s.0).collect(),
					salt: hex::encode(salt),
				};
				// Persist before committing: without the salt the commitment cannot be revealed.
				self.state
					.update(|state| state.scores = Some(record.clone()))?;
				record
			}
		};
		let scores = perbills(&record);
		let commitment = score_commitment(
			task.id,
			round.index,
			&self.chain.account(),
			&scores,
			&record.salt_bytes()?,
		);
		self.chain
			.commit_scores(task.id, round.index, commitment)
			.await?;
		tracing::info!(round = round.index, scores = %show(&scores), "scores committed");
		Ok(Progress::Acted("commit"))
	}

	/// Reveals the saved scores and salt, after checking they match the commitment on chain.
	async fn reveal(
		&mut self,
		task: &TaskSummary,
		round: &RoundView,
		seat: &ValidatorSeatView,
	) -> Result<Progress> {
		if !self.begin(round.index, "reveal") {
			return Ok(Progress::Idle);
		}
		let record = self
			.state
			.get()
			.scores
			.clone()
			.filter(|s| s.round == round.index)
			.ok_or_else(|| {
				WorkerError::MissingState(format!(
					"the state file {} holds no scores for round {}, so the commitment cannot be \
					 revealed",
					self.state.path().display(),
					round.index
				))
			})?;
		let scores = perbills(&record);
		let salt = record.salt_bytes()?;
		let ours = score_commitment(task.id, round.index, &self.chain.account(), &scores, &salt);
		if seat.commitment != Some(ours) {
			return Err(WorkerError::MissingState(format!(
				"the scores saved for round {} do not match the commitment on chain",
				round.index
			)));
		}
		self.chain
			.reveal_scores(task.id, round.index, &scores, &salt)
			.await?;
		tracing::info!(round = round.index, "scores revealed");
		Ok(Progress::Acted("reveal"))
	}

	/// Recomputes the aggregate of the accepted updates (once per round, saved) and attests its
	/// CID once the aggregator has submitted.
	async fn attest(&mut self, task: &TaskSummary, round: &RoundView) -> Result<Progress> {
		if !self.begin(round.index, "attest") {
			return Ok(Progress::Idle);
		}
		let (inputs, stored) = self.saved_aggregate(round);
		let record = match stored {
			Some(record) => record,
			None => {
				let aggregate = self.compute_aggregate(task, round).await?;
				let record = RoundAggregate {
					round: round.index,
					inputs,
					model: aggregate.model_cid().to_string(),
					state: None,
				};
				self.state
					.update(|state| state.aggregate = Some(record.clone()))?;
				tracing::info!(round = round.index, model = %record.model, "aggregate recomputed");
				record
			}
		};
		let Some(submitted) = &round.aggregate else {
			// The aggregator has not submitted yet; attest on a later poll.
			return Ok(Progress::Acted("recompute"));
		};
		let ours: ContentId = record
			.model
			.parse()
			.map_err(|e| WorkerError::Data(format!("the stored aggregate CID: {e}")))?;
		if submitted.model != ours {
			tracing::warn!(
				round = round.index,
				submitted = %submitted.model,
				recomputed = %ours,
				"the aggregator's model differs from ours; attesting ours"
			);
		}
		self.chain
			.attest_aggregate(task.id, round.index, &ours)
			.await?;
		tracing::info!(round = round.index, model = %ours, "aggregate attested");
		Ok(Progress::Acted("attest"))
	}

	/// Scores every update of the round, in canonical order; unreadable updates score zero.
	async fn score_round(&mut self, task: &TaskSummary, round: &RoundView) -> Result<Vec<Perbill>> {
		let global_bytes = fetch(self.store.as_ref(), &task.model, "the global model").await?;
		let global = decode_model(&global_bytes, "the global model")?;
		let trainer = self.local_trainer(task).await?;
		let mut updates = Vec::with_capacity(round.updates.len());
		for update in &round.updates {
			match fetch_update(self.store.as_ref(), &update.cid, &self.secret).await {
				Ok(parameters) => updates.push(Some(parameters)),
				Err(UpdateFault::Invalid(reason)) => {
					tracing::warn!(
						round = round.index,
						trainer = %update.trainer,
						%reason,
						"unreadable update scores zero"
					);
					updates.push(None);
				}
				Err(UpdateFault::Unavailable(error)) => return Err(error),
			}
		}
		let data = self
			.config
			.data
			.clone()
			.ok_or_else(|| WorkerError::Data("a validator needs held-out data".into()))?;
		let local = local_config(&trainer, &task.params.aggregation.strategy);
		let seed = round_seed(self.config.seed, round.index, &self.chain.account().0);
		let scored = self
			.compute("scoring", move || {
				scoring::score_updates(&trainer, &global, &updates, &data, &local, seed)
			})
			.await?;
		let agreements: Vec<String> = scored
			.agreements
			.iter()
			.map(|a| a.map_or_else(|| "-".to_string(), |a| format!("{a:+.3}")))
			.collect();
		tracing::info!(round = round.index, agreements = %agreements.join(" "), "updates scored");
		Ok(scored.scores)
	}
}

/// The stored scores as ratios.
fn perbills(record: &RoundScores) -> Vec<Perbill> {
	record
		.scores
		.iter()
		.map(|parts| Perbill::from_parts(*parts))
		.collect()
}

/// Scores for a log line: `[92%, 3.5%, …]`.
fn show(scores: &[Perbill]) -> String {
	let shown: Vec<String> = scores
		.iter()
		.map(|s| format!("{:.1}%", s.as_fraction() * 100.0))
		.collect();
	format!("[{}]", shown.join(", "))
}
