//! The round in progress of a task, assembled from the pallet's per-round storage items.

use super::{read, read_all};
use crate::{
	client::{ChainConfig, Client},
	convert,
	error::Result,
	runtime::{self, runtime_types::pallet_training::types as training},
	types::{
		AcceptedView, AccountId, AggregateView, AttestationView, ContentId, Deadlines, RoundView,
		TaskId, UpdateView,
	},
};
use std::collections::BTreeMap;
use subxt::client::OnlineClientAtBlock;

impl Client {
	/// `task`'s round in progress, or `None` between rounds and before the first. Read at
	/// one finalized block, so the updates, the accepted set and the seats agree.
	pub async fn round(&self, task: TaskId) -> Result<Option<RoundView>> {
		let at = self.at_finalized().await?;
		round_at(&at, task).await
	}
}

/// The round of `task` at block `at`.
pub(crate) async fn round_at(
	at: &OnlineClientAtBlock<ChainConfig>,
	task: TaskId,
) -> Result<Option<RoundView>> {
	let storage = runtime::storage().training();
	let Some(state) = read(
		at,
		storage.rounds(),
		(task,),
		&format!("the round of task {task}"),
	)
	.await?
	else {
		return Ok(None);
	};
	let trainers = read(
		at,
		storage.selected_trainers(),
		(task,),
		&format!("the selected trainers of task {task}"),
	)
	.await?
	.unwrap_or_default();
	let entries = read(
		at,
		storage.updates(),
		(task,),
		&format!("the updates of task {task}"),
	)
	.await?
	.unwrap_or_default();
	let cids: BTreeMap<u32, Vec<u8>> = read_all(
		at,
		storage.update_cids(),
		(task,),
		&format!("the update CIDs of task {task}"),
	)
	.await?
	.into_iter()
	.map(|((_, position), cid)| (position, cid))
	.collect();
	let accepted = read(
		at,
		storage.accepted(),
		(task,),
		&format!("the accepted updates of task {task}"),
	)
	.await?
	.unwrap_or_default();
	Ok(Some(assemble(
		task, &state, trainers, &entries, &cids, &accepted,
	)))
}

/// Joins the round state with the per-trainer items: positions become accounts and CIDs.
fn assemble(
	task: TaskId,
	state: &training::RoundState,
	trainers: Vec<AccountId>,
	entries: &[training::UpdateEntry],
	cids: &BTreeMap<u32, Vec<u8>>,
	accepted: &[training::AcceptedUpdate],
) -> RoundView {
	let trainer_at = |position: u32| -> AccountId {
		// Positions index `SelectedTrainers`; the pallet only stores positions it drew from
		// that list, so an out-of-range one means storage changed under us: show zeroes.
		trainers
			.get(position as usize)
			.copied()
			.unwrap_or(AccountId::from([0u8; 32]))
	};
	let cid_at = |position: u32| ContentId(cids.get(&position).cloned().unwrap_or_default());
	let updates = entries
		.iter()
		.map(|entry| UpdateView {
			position: entry.trainer,
			trainer: trainer_at(entry.trainer),
			cid: cid_at(entry.trainer),
			examples: entry.examples,
			score: entry.score,
		})
		.collect();
	let accepted = accepted
		.iter()
		.map(|update| AcceptedView {
			position: update.trainer,
			trainer: trainer_at(update.trainer),
			cid: cid_at(update.trainer),
			examples: update.examples,
			score: update.score,
		})
		.collect();
	RoundView {
		task,
		index: state.index,
		phase: convert::phase_from_chain(&state.phase),
		trainers,
		updates,
		accepted,
		validators: convert::validator_seats_from_chain(state),
		aggregator: state.aggregator,
		aggregate: state.aggregate.as_ref().map(|submission| AggregateView {
			model: ContentId(submission.model.clone()),
			state: submission.state.clone().map(ContentId),
		}),
		attestations: state
			.attestations
			.iter()
			.map(|tally| AttestationView {
				model: ContentId(tally.model.clone()),
				stake: tally.stake,
			})
			.collect(),
		min_score: state.thresholds.min_score,
		harmful_score: state.thresholds.harmful_score,
		deadlines: Deadlines {
			commit_closed: state.deadlines.commit_closed,
			reveal_closed: state.deadlines.reveal_closed,
			aggregation_closed: state.deadlines.aggregation_closed,
		},
		outcome: state.outcome.as_ref().map(convert::outcome_from_chain),
		paid: state.paid,
		slashed: state.slashed,
	}
}
