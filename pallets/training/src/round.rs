//! The round phase machine, advanced one transition at a time by the due-queue.
//!
//! ```text
//!  start ──▶ Training ──▶ Commit ──▶ Reveal ──▶ Aggregation ──▶ SettlingTrainers ─▶ SettlingValidators ─▶ closed
//!    │          │           │          │   (consensus)  │  quorum ▲        (batches)
//!    │          └───────────┴──────────┴────────────────┴─ failure ┘
//!    └─ too few candidates: skipped, retried after a training period
//! ```
//!
//! A phase ends at its deadline, or at the next block once everyone expected has acted.
//! Failure at any phase jumps to settlement with a `Failed` outcome: nothing is paid, absent
//! and harmful participants are still slashed, and the model stays as it was.

use crate::{
	consensus::{consensus_scores, mean_absolute_deviation, WeightedReveal},
	rewards::{selection_weight, trainer_weight},
	selection::sample_without_replacement,
	Accepted, AcceptedUpdate, BalanceOf, CompletionReason, Config, Event, FailureReason, History,
	Pallet, Participant, ParticipantStatus, Participants, Phase, ProtocolPaused, Reveals, Role,
	Roster, RoundOutcome, RoundRecord, RoundState, Rounds, ScoreThresholds, SelectedTrainers,
	TaskId, TaskInfo, TaskStatus, Tasks, UpdateCids, UpdateEntry, Updates, ValidatorSeat,
};
use alloc::vec::Vec;
use codec::Encode;
use frame_support::{
	pallet_prelude::*,
	traits::{Get, Randomness},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{One, Zero},
	Perbill, SaturatedConversion, Saturating,
};

/// Domain separator of the selection randomness.
const SELECTION_SUBJECT: &[u8] = b"decentralml/training/selection";

impl<T: Config> Pallet<T> {
	/// Performs the transition `task` is due for and stores the task.
	///
	/// While the protocol is paused (`paused`), an active task whose round is not settling is
	/// halted instead; a settling round still settles (its payments are owed).
	pub(crate) fn advance(
		id: TaskId,
		mut task: TaskInfo<T>,
		round: Option<RoundState<T>>,
		now: BlockNumberFor<T>,
		paused: bool,
	) {
		if Self::halts_when_due(&task, round.as_ref(), paused) {
			Self::halt(id, &mut task);
			Tasks::<T>::insert(id, task);
			return;
		}
		match round {
			None if task.status == TaskStatus::Active => Self::start_round(id, &mut task, now),
			None => {}
			Some(round) => match round.phase {
				Phase::Training { .. } => Self::close_training(id, &mut task, round, now),
				Phase::Commit { .. } => Self::close_commit(id, &mut task, round, now),
				Phase::Reveal { .. } => Self::close_reveal(id, &mut task, round, now),
				Phase::Aggregation { .. } => Self::close_aggregation(id, &mut task, round, now),
				Phase::SettlingTrainers { next } => {
					Self::settle_trainers(id, &mut task, round, next, now)
				}
				Phase::SettlingValidators => Self::settle_validators(id, &mut task, round, now),
			},
		}
		Tasks::<T>::insert(id, task);
	}

	/// Selects the seats of a new round, or completes/skips when it cannot run.
	pub(crate) fn start_round(id: TaskId, task: &mut TaskInfo<T>, now: BlockNumberFor<T>) {
		if task.closed_rounds >= task.params.rounds {
			return Self::complete_task(id, task, CompletionReason::AllRoundsClosed);
		}
		let budget = task.params.budget_per_round;
		if Self::spendable_pool(task) < budget {
			Self::deposit_event(Event::PoolRanDry {
				task: id,
				pool: task.pool,
				budget,
			});
			return Self::complete_task(id, task, CompletionReason::PoolRanDry);
		}
		let index = task.next_round;
		let seed = Self::round_seed(id, index);
		let params = &task.params;
		let trainers = Self::select(id, task, Role::Trainer, params.trainers_per_round, &seed);
		let validators = Self::select(
			id,
			task,
			Role::Validator,
			params.validators_per_round,
			&seed,
		);
		let aggregators = Self::select(id, task, Role::Aggregator, 1, &seed);
		let training_ends = now.saturating_add(params.phases.training);
		let aggregator = match aggregators.first() {
			Some((aggregator, _))
				if trainers.len() as u32 >= params.min_updates && !validators.is_empty() =>
			{
				aggregator.clone()
			}
			_ => {
				Self::deposit_event(Event::RoundSkipped {
					task: id,
					round: index,
					trainers: trainers.len() as u32,
					validators: validators.len() as u32,
					aggregators: aggregators.len() as u32,
					retry_at: training_ends,
				});
				return Self::schedule_or_report(id, task, training_ends);
			}
		};

		let mut trainer_accounts: Vec<T::AccountId> =
			trainers.into_iter().map(|(who, _)| who).collect();
		trainer_accounts.sort();
		let mut seats: Vec<ValidatorSeat<T>> = validators
			.into_iter()
			.map(|(who, stake)| ValidatorSeat {
				who,
				stake,
				commitment: None,
				revealed: false,
				deviation: None,
				attested: None,
			})
			.collect();
		seats.sort_by(|a, b| a.who.cmp(&b.who));

		// Selection never returns more than the seats, which the parameters bound.
		let trainer_count = trainer_accounts.len() as u32;
		let validator_count = seats.len() as u32;
		let round = RoundState::<T> {
			index,
			phase: Phase::Training {
				ends: training_ends,
			},
			trainers: trainer_count,
			submitted: 0,
			validators: BoundedVec::truncate_from(seats),
			aggregator: aggregator.clone(),
			aggregate: None,
			accepted: 0,
			total_weight: 0,
			thresholds: params.thresholds(),
			attestations: BoundedVec::new(),
			deadlines: Default::default(),
			outcome: None,
			paid: Zero::zero(),
			slashed: Zero::zero(),
		};
		SelectedTrainers::<T>::insert(id, BoundedVec::truncate_from(trainer_accounts));
		Rounds::<T>::insert(id, round);
		task.next_round = index.saturating_add(1);
		Self::deposit_event(Event::RoundStarted {
			task: id,
			round: index,
			trainers: trainer_count,
			validators: validator_count,
			aggregator,
			training_ends,
		});
		Self::schedule_or_report(id, task, training_ends);
	}

	/// The round's selection seed: `blake2_256(SCALE((randomness, task, round)))`.
	fn round_seed(id: TaskId, index: u32) -> [u8; 32] {
		let subject = (SELECTION_SUBJECT, id, index).encode();
		let (random, _known_since) = T::Randomness::random(&subject);
		sp_io::hashing::blake2_256(&(random, id, index).encode())
	}

	/// Samples `seats` participants of `role`, weighted by bond and reputation.
	///
	/// Candidates are the role's roster members whose bond still meets the role's minimum
	/// (slashes can push a bond below it).
	fn select(
		id: TaskId,
		task: &TaskInfo<T>,
		role: Role,
		seats: u32,
		seed: &[u8; 32],
	) -> Vec<(T::AccountId, BalanceOf<T>)> {
		let min_bond = task.params.min_bonds.of(role);
		let floor = T::ReputationFloor::get();
		let mut candidates = Vec::new();
		let mut weights = Vec::new();
		for who in Roster::<T>::get(id, role) {
			let Some(participant) = Participants::<T>::get(id, &who) else {
				continue;
			};
			if participant.status != ParticipantStatus::Active || participant.bond < min_bond {
				continue;
			}
			let bond: u128 = participant.bond.saturated_into();
			weights.push(selection_weight(bond, participant.reputation, floor));
			candidates.push((who, participant.bond));
		}
		let role_seed = sp_io::hashing::blake2_256(&(seed, role).encode());
		sample_without_replacement(&weights, seats as usize, role_seed)
			.into_iter()
			.filter_map(|index| candidates.get(index).cloned())
			.collect()
	}

	/// Training deadline (or everyone submitted): on to the commit phase.
	fn close_training(
		id: TaskId,
		task: &mut TaskInfo<T>,
		mut round: RoundState<T>,
		now: BlockNumberFor<T>,
	) {
		if round.submitted < task.params.min_updates {
			return Self::fail(id, task, round, FailureReason::NotEnoughUpdates, now);
		}
		let ends = now.saturating_add(task.params.phases.commit);
		round.phase = Phase::Commit { ends };
		Self::deposit_event(Event::CommitPhaseStarted {
			task: id,
			round: round.index,
			updates: round.submitted,
			ends,
		});
		Rounds::<T>::insert(id, round);
		Self::schedule_or_report(id, task, ends);
	}

	/// Commit deadline (or everyone committed): on to the reveal phase.
	fn close_commit(
		id: TaskId,
		task: &mut TaskInfo<T>,
		mut round: RoundState<T>,
		now: BlockNumberFor<T>,
	) {
		round.deadlines.commit_closed = true;
		if round
			.validators
			.iter()
			.all(|seat| seat.commitment.is_none())
		{
			return Self::fail(id, task, round, FailureReason::NoCommitments, now);
		}
		let ends = now.saturating_add(task.params.phases.reveal);
		round.phase = Phase::Reveal { ends };
		Self::deposit_event(Event::RevealPhaseStarted {
			task: id,
			round: round.index,
			ends,
		});
		Rounds::<T>::insert(id, round);
		Self::schedule_or_report(id, task, ends);
	}

	/// Reveal deadline (or every committed validator revealed): computes consensus, fixes the
	/// accepted set and opens aggregation.
	fn close_reveal(
		id: TaskId,
		task: &mut TaskInfo<T>,
		mut round: RoundState<T>,
		now: BlockNumberFor<T>,
	) {
		round.deadlines.reveal_closed = true;
		let revealed = Self::take_reveals(id, &round);
		if revealed.is_empty() {
			return Self::fail(id, task, round, FailureReason::NoReveals, now);
		}
		let mut updates = Updates::<T>::get(id);
		let consensus = record_consensus(&mut round, &revealed, updates.len());
		// Thresholds changed by governance since the round started apply from here on.
		round.thresholds = task.params.thresholds();
		let judgement = judge_updates(
			updates.iter_mut(),
			consensus,
			&round.thresholds,
			task.params.example_cap,
		);
		let accepted = judgement.accepted.len() as u32;
		round.accepted = accepted;
		round.total_weight = judgement.total_weight;
		let aggregation_ends = now.saturating_add(task.params.phases.aggregation);
		Self::deposit_event(Event::ConsensusReached {
			task: id,
			round: round.index,
			accepted,
			rejected: (updates.len() as u32).saturating_sub(accepted),
			harmful: judgement.harmful,
			aggregation_ends,
		});
		Updates::<T>::insert(id, updates);
		if accepted < task.params.min_updates {
			return Self::fail(id, task, round, FailureReason::NotEnoughAccepted, now);
		}
		// At most one accepted update per submitted one: within the same bound.
		Accepted::<T>::insert(id, BoundedVec::truncate_from(judgement.accepted));
		round.phase = Phase::Aggregation {
			ends: aggregation_ends,
		};
		Rounds::<T>::insert(id, round);
		Self::schedule_or_report(id, task, aggregation_ends);
	}

	/// Removes and returns the revealed score vectors, with each validator's seat and stake.
	fn take_reveals(id: TaskId, round: &RoundState<T>) -> Vec<RevealedScores> {
		round
			.validators
			.iter()
			.enumerate()
			.filter(|(_, seat)| seat.revealed)
			.map(|(seat, validator)| RevealedScores {
				seat,
				stake: validator.stake.saturated_into(),
				scores: Reveals::<T>::take(id, &validator.who)
					.map(|scores| scores.into_inner())
					.unwrap_or_default(),
			})
			.collect()
	}

	/// Aggregation deadline without a quorum: the round fails.
	fn close_aggregation(
		id: TaskId,
		task: &mut TaskInfo<T>,
		mut round: RoundState<T>,
		now: BlockNumberFor<T>,
	) {
		round.deadlines.aggregation_closed = true;
		Self::fail(id, task, round, FailureReason::NoQuorum, now)
	}

	/// Marks the round failed and moves it to settlement at the next block.
	fn fail(
		id: TaskId,
		task: &mut TaskInfo<T>,
		mut round: RoundState<T>,
		reason: FailureReason,
		now: BlockNumberFor<T>,
	) {
		Self::deposit_event(Event::RoundFailed {
			task: id,
			round: round.index,
			reason,
		});
		round.outcome = Some(RoundOutcome::Failed(reason));
		round.phase = Phase::SettlingTrainers { next: 0 };
		Rounds::<T>::insert(id, round);
		Self::schedule_or_report(id, task, now.saturating_add(One::one()));
	}

	/// Records the settled round, adopts its model and starts the next round or completes.
	pub(crate) fn close_round(
		id: TaskId,
		task: &mut TaskInfo<T>,
		round: RoundState<T>,
		now: BlockNumberFor<T>,
	) {
		let outcome = Self::record_history(id, task, &round, now);
		task.closed_rounds = task.closed_rounds.saturating_add(1);
		Self::clear_round_storage(id);
		Self::deposit_event(Event::RoundClosed {
			task: id,
			round: round.index,
			outcome,
			paid: round.paid,
			slashed: round.slashed,
		});
		if task.status != TaskStatus::Active {
			// Paused (or queued) during settlement: nothing more runs until it is active again.
			return;
		}
		if ProtocolPaused::<T>::get() {
			// The settlement was owed; the next round (or the completion) waits for the unpause.
			Self::halt(id, task);
			return;
		}
		if task.closed_rounds >= task.params.rounds {
			Self::complete_task(id, task, CompletionReason::AllRoundsClosed);
		} else {
			Self::schedule_or_report(id, task, now.saturating_add(One::one()));
		}
	}

	/// Adopts a succeeded round's model and records the round in [`History`]; returns its
	/// outcome.
	fn record_history(
		id: TaskId,
		task: &mut TaskInfo<T>,
		round: &RoundState<T>,
		now: BlockNumberFor<T>,
	) -> RoundOutcome<T> {
		let outcome = round
			.outcome
			.clone()
			.unwrap_or(RoundOutcome::Failed(FailureReason::NoQuorum));
		if let RoundOutcome::Succeeded { model, state } = &outcome {
			task.model = model.clone();
			task.model_state = state.clone();
		}
		History::<T>::insert(
			id,
			round.index,
			RoundRecord {
				outcome: outcome.clone(),
				model: task.model.clone(),
				closed_at: now,
				paid: round.paid,
				slashed: round.slashed,
			},
		);
		outcome
	}

	/// Removes every per-round item of task `id`; returns how many trainers were selected.
	pub(crate) fn clear_round_storage(id: TaskId) -> u32 {
		let trainers = SelectedTrainers::<T>::take(id).len() as u32;
		Rounds::<T>::remove(id);
		Updates::<T>::remove(id);
		Accepted::<T>::remove(id);
		let _ = UpdateCids::<T>::clear_prefix(id, T::MaxTrainersPerRound::get(), None);
		let _ = Reveals::<T>::clear_prefix(id, T::MaxValidatorsPerRound::get(), None);
		trainers
	}

	/// Drops the round in progress without paying or slashing anyone further (pause, halt or
	/// cancel).
	///
	/// Only a cancellation can meet a settling round. Its outcome was decided and part of it
	/// may already be paid and slashed, so it is recorded in [`History`] (a succeeded round's
	/// model is adopted) with what it moved so far, keeping the history's totals equal to the
	/// money that moved. Returns how many trainers had been selected, for the call's weight.
	pub(crate) fn abort_round(id: TaskId, task: &mut TaskInfo<T>) -> u32 {
		let Some(round) = Rounds::<T>::get(id) else {
			return 0;
		};
		if round.phase.is_settling() {
			Self::record_history(id, task, &round, frame_system::Pallet::<T>::block_number());
		}
		Self::deposit_event(Event::RoundAborted {
			task: id,
			round: round.index,
		});
		Self::clear_round_storage(id)
	}

	/// Completes the task: final model kept, pool refunded, rosters dropped.
	///
	/// The task leaves the active set and the best queued task takes its slot.
	pub(crate) fn complete_task(id: TaskId, task: &mut TaskInfo<T>, reason: CompletionReason) {
		task.status = TaskStatus::Completed;
		Self::unschedule(id, task);
		Self::leave_active_set(id);
		let refunded = Self::refund_pool(id, task);
		Self::clear_rosters(id, task);
		Self::deposit_event(Event::TaskCompleted {
			task: id,
			reason,
			final_model: task.model.clone(),
			refunded,
		});
		Self::fill_free_slots();
	}

	/// Drops the task's rosters (the participants' records stay until they withdraw).
	pub(crate) fn clear_rosters(id: TaskId, task: &mut TaskInfo<T>) {
		for role in Role::ALL {
			Roster::<T>::remove(id, role);
		}
		task.roster = Default::default();
	}

	/// Whether `who` (registered as `participant`) holds a seat in task `id`'s current round.
	pub(crate) fn is_seated(id: TaskId, who: &T::AccountId, participant: &Participant<T>) -> bool {
		let Some(round) = Rounds::<T>::get(id) else {
			return false;
		};
		match participant.role {
			Role::Trainer => SelectedTrainers::<T>::get(id).binary_search(who).is_ok(),
			Role::Validator | Role::Aggregator => round.holds_scoring_seat(who),
		}
	}
}

/// One validator's revealed scores, taken out of storage for the consensus.
struct RevealedScores {
	/// The validator's position among the round's validators.
	seat: usize,
	/// Its stake, the weight of its scores.
	stake: u128,
	/// One score per submitted update.
	scores: Vec<Perbill>,
}

/// Computes each update's consensus score and records every revealing validator's deviation.
fn record_consensus<T: Config>(
	round: &mut RoundState<T>,
	revealed: &[RevealedScores],
	updates: usize,
) -> Vec<Perbill> {
	let weighted: Vec<WeightedReveal<'_>> = revealed
		.iter()
		.map(|reveal| WeightedReveal {
			stake: reveal.stake,
			scores: &reveal.scores,
		})
		.collect();
	let consensus = consensus_scores(&weighted, updates);
	for reveal in revealed {
		if let Some(seat) = round.validators.get_mut(reveal.seat) {
			seat.deviation = Some(mean_absolute_deviation(&reveal.scores, &consensus));
		}
	}
	consensus
}

/// How a round's updates were judged.
struct Judgement {
	/// Updates at or above the minimum score, in canonical order.
	accepted: Vec<AcceptedUpdate>,
	/// Sum of the accepted updates' reward weights.
	total_weight: u128,
	/// Updates at or below the harmful score.
	harmful: u32,
}

/// Records each update's consensus score and sorts the updates into accepted and harmful.
fn judge_updates<'a>(
	updates: impl Iterator<Item = &'a mut UpdateEntry>,
	consensus: Vec<Perbill>,
	thresholds: &ScoreThresholds,
	example_cap: u64,
) -> Judgement {
	let mut judgement = Judgement {
		accepted: Vec::new(),
		total_weight: 0,
		harmful: 0,
	};
	for (entry, score) in updates.zip(consensus) {
		entry.score = Some(score);
		if score <= thresholds.harmful_score {
			judgement.harmful += 1;
		}
		if score >= thresholds.min_score {
			let weight = trainer_weight(score, entry.examples, example_cap);
			judgement.total_weight = judgement.total_weight.saturating_add(weight);
			judgement.accepted.push(AcceptedUpdate {
				trainer: entry.trainer,
				examples: entry.examples,
				score,
			});
		}
	}
	judgement
}
