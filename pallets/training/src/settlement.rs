//! Settlement of a round: rewards, slashes and reputation, spread over several blocks.
//!
//! Trainers are settled [`Config::SettlementBatch`] per block in their sorted order; then
//! validators and the aggregator in one step, after which the round closes.
//!
//! | who | succeeded round | failed round |
//! |-----|-----------------|--------------|
//! | trainer without update | slashed `absent_trainer` | same |
//! | update at or below `harmful_score` | slashed `harmful_update` | same, if scored |
//! | accepted update | paid `pot × weight / Σ weight` | nothing |
//! | validator without commitment or reveal (once that deadline passed) | slashed `absent_validator` | same |
//! | validator off consensus by more than `score_tolerance`, or attesting a losing CID | slashed `dissenting_validator` | same (off consensus) |
//! | agreeing validator | paid by `stake × (1 − deviation)` | nothing |
//! | aggregator whose CID won | paid the aggregator share | — |
//! | aggregator whose CID lost to a quorum | slashed `wrong_aggregator` | — |
//! | aggregator with no submission at the deadline | — | slashed `absent_aggregator` |
//!
//! Reputation moves toward the round's result: a trainer's consensus score (0 if absent), a
//! validator's `1 − deviation` (0 if absent or dissenting), an aggregator's 100% if its CID won
//! (0 if wrong or absent). Participants that were not asked to act keep their reputation.

use crate::{
	rewards::{moving_average, portion, pro_rata, trainer_weight, validator_weight},
	BalanceOf, Config, Deadlines, Event, Pallet, Participants, Phase, Role, RoundOutcome,
	RoundState, SelectedTrainers, SlashReason, TaskId, TaskInfo, UpdateCids, UpdateEntry, Updates,
	ValidatorSeat,
};
use alloc::vec::Vec;
use frame_support::traits::Get;
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{traits::One, Perbill, SaturatedConversion, Saturating};

/// How a validator behaved in a round.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum ValidatorVerdict {
	/// The round ended before the validator had to act.
	NotAsked,
	/// Missed a commitment or a reveal.
	Absent,
	/// Too far from consensus, or attested an aggregate a quorum rejected.
	Dissenting,
	/// Revealed scores close to consensus.
	Agreeing,
}

/// Classifies a validator seat; `winner` is the winning attestation's index on success.
pub(crate) fn validator_verdict<T: Config>(
	seat: &ValidatorSeat<T>,
	deadlines: &Deadlines,
	tolerance: Perbill,
	winner: Option<u32>,
) -> ValidatorVerdict {
	let missed_commit = deadlines.commit_closed && seat.commitment.is_none();
	let missed_reveal = deadlines.reveal_closed && !seat.revealed;
	if missed_commit || missed_reveal {
		return ValidatorVerdict::Absent;
	}
	let off_consensus = seat
		.deviation
		.is_some_and(|deviation| deviation > tolerance);
	let backed_loser = matches!((winner, seat.attested), (Some(w), Some(a)) if a != w);
	if off_consensus || backed_loser {
		ValidatorVerdict::Dissenting
	} else if seat.deviation.is_some() {
		ValidatorVerdict::Agreeing
	} else {
		ValidatorVerdict::NotAsked
	}
}

impl<T: Config> Pallet<T> {
	/// Settles the next batch of trainers.
	pub(crate) fn settle_trainers(
		id: TaskId,
		task: &mut TaskInfo<T>,
		mut round: RoundState<T>,
		next: u32,
		now: BlockNumberFor<T>,
	) {
		let trainers = SelectedTrainers::<T>::get(id);
		let updates = Updates::<T>::get(id);
		let end = next
			.saturating_add(T::SettlementBatch::get())
			.min(trainers.len() as u32);
		let succeeded = matches!(round.outcome, Some(RoundOutcome::Succeeded { .. }));
		let pot = portion(
			task.params.budget_per_round.saturated_into(),
			task.params.reward_split.trainers,
		);
		for index in next..end {
			let Some(who) = trainers.get(index as usize) else {
				break;
			};
			let entry = updates
				.binary_search_by_key(&index, |entry| entry.trainer)
				.ok()
				.and_then(|position| updates.get(position).copied());
			Self::settle_trainer(id, task, &mut round, who, entry, succeeded, pot);
			UpdateCids::<T>::remove(id, index);
		}
		round.phase = if end >= round.trainers {
			Phase::SettlingValidators
		} else {
			Phase::SettlingTrainers { next: end }
		};
		crate::Rounds::<T>::insert(id, round);
		Self::schedule_or_report(id, task, now.saturating_add(One::one()));
	}

	/// Pays, slashes and re-rates one trainer.
	fn settle_trainer(
		id: TaskId,
		task: &mut TaskInfo<T>,
		round: &mut RoundState<T>,
		who: &T::AccountId,
		entry: Option<UpdateEntry>,
		succeeded: bool,
		pot: u128,
	) {
		// A selected trainer cannot leave before its round is settled, so it is registered.
		let Some(mut participant) = Participants::<T>::get(id, who) else {
			return;
		};
		// The thresholds consensus used, even if governance changed the task's since.
		let (harmful_score, min_score, example_cap) = (
			round.thresholds.harmful_score,
			round.thresholds.min_score,
			task.params.example_cap,
		);
		let sample = match entry {
			None => {
				Self::slash(
					id,
					task,
					round,
					who,
					&mut participant.bond,
					SlashReason::AbsentTrainer,
				);
				Some(Perbill::zero())
			}
			// Submitted, but the round failed before consensus: nothing to judge.
			Some(UpdateEntry { score: None, .. }) => None,
			Some(UpdateEntry {
				score: Some(score),
				examples,
				..
			}) => {
				if score <= harmful_score {
					Self::slash(
						id,
						task,
						round,
						who,
						&mut participant.bond,
						SlashReason::HarmfulUpdate,
					);
				} else if succeeded && score >= min_score {
					let weight = trainer_weight(score, examples, example_cap);
					let amount: BalanceOf<T> =
						pro_rata(pot, weight, round.total_weight).saturated_into();
					Self::pay(id, task, round, who, Role::Trainer, amount);
				}
				Some(score)
			}
		};
		if let Some(sample) = sample {
			Self::update_reputation(id, who, &mut participant.reputation, sample);
		}
		Participants::<T>::insert(id, who, participant);
	}

	/// Settles validators and the aggregator, then closes the round.
	pub(crate) fn settle_validators(
		id: TaskId,
		task: &mut TaskInfo<T>,
		mut round: RoundState<T>,
		now: BlockNumberFor<T>,
	) {
		let winner = winning_attestation(&round);
		let judged = judge_validators(&round, task.params.score_tolerance, winner);
		let total = judged
			.iter()
			.fold(0u128, |sum, (_, weight)| sum.saturating_add(*weight));
		let budget: u128 = task.params.budget_per_round.saturated_into();
		let pot = portion(budget, task.params.reward_split.validators);
		let seats: Vec<(T::AccountId, Option<Perbill>)> = round
			.validators
			.iter()
			.map(|seat| (seat.who.clone(), seat.deviation))
			.collect();
		for ((who, deviation), (verdict, weight)) in seats.iter().zip(judged) {
			let Some(mut participant) = Participants::<T>::get(id, who) else {
				continue;
			};
			let sample = match verdict {
				ValidatorVerdict::NotAsked => None,
				ValidatorVerdict::Absent | ValidatorVerdict::Dissenting => {
					let reason = if verdict == ValidatorVerdict::Absent {
						SlashReason::AbsentValidator
					} else {
						SlashReason::DissentingValidator
					};
					Self::slash(id, task, &mut round, who, &mut participant.bond, reason);
					Some(Perbill::zero())
				}
				ValidatorVerdict::Agreeing => {
					let amount: BalanceOf<T> = pro_rata(pot, weight, total).saturated_into();
					Self::pay(id, task, &mut round, who, Role::Validator, amount);
					deviation.map(|d| Perbill::one() - d)
				}
			};
			if let Some(sample) = sample {
				Self::update_reputation(id, who, &mut participant.reputation, sample);
			}
			Participants::<T>::insert(id, who, participant);
		}
		Self::settle_aggregator(id, task, &mut round, winner, budget);
		Self::close_round(id, task, round, now);
	}

	/// Pays the aggregator's fee, or slashes a wrong or absent aggregator.
	fn settle_aggregator(
		id: TaskId,
		task: &mut TaskInfo<T>,
		round: &mut RoundState<T>,
		winner: Option<u32>,
		budget: u128,
	) {
		let aggregator = round.aggregator.clone();
		let Some(mut participant) = Participants::<T>::get(id, &aggregator) else {
			return;
		};
		let winning_model = winner
			.and_then(|index| round.attestations.get(index as usize))
			.map(|tally| tally.model.clone());
		let submitted = round
			.aggregate
			.as_ref()
			.map(|aggregate| aggregate.model.clone());
		let sample = match (winning_model, submitted) {
			(Some(winning), Some(submitted)) if winning == submitted => {
				let fee: BalanceOf<T> =
					portion(budget, task.params.reward_split.aggregator).saturated_into();
				Self::pay(id, task, round, &aggregator, Role::Aggregator, fee);
				Some(Perbill::one())
			}
			(Some(_), Some(_)) => {
				let reason = SlashReason::WrongAggregator;
				Self::slash(id, task, round, &aggregator, &mut participant.bond, reason);
				Some(Perbill::zero())
			}
			(None, None) if round.deadlines.aggregation_closed => {
				let reason = SlashReason::AbsentAggregator;
				Self::slash(id, task, round, &aggregator, &mut participant.bond, reason);
				Some(Perbill::zero())
			}
			_ => None,
		};
		if let Some(sample) = sample {
			Self::update_reputation(id, &aggregator, &mut participant.reputation, sample);
		}
		Participants::<T>::insert(id, &aggregator, participant);
	}

	/// Moves `reputation` toward `sample` and emits the new value.
	fn update_reputation(
		id: TaskId,
		who: &T::AccountId,
		reputation: &mut Perbill,
		sample: Perbill,
	) {
		*reputation = moving_average(*reputation, sample, T::ReputationSmoothing::get());
		Self::deposit_event(Event::ReputationUpdated {
			task: id,
			who: who.clone(),
			reputation: *reputation,
		});
	}
}

/// The index of the attestation whose CID won, if the round succeeded.
fn winning_attestation<T: Config>(round: &RoundState<T>) -> Option<u32> {
	match &round.outcome {
		Some(RoundOutcome::Succeeded { model, .. }) => round
			.attestations
			.iter()
			.position(|tally| &tally.model == model)
			.map(|i| i as u32),
		_ => None,
	}
}

/// Each validator's verdict and reward weight (non-zero only for agreeing validators of a
/// succeeded round).
fn judge_validators<T: Config>(
	round: &RoundState<T>,
	tolerance: Perbill,
	winner: Option<u32>,
) -> Vec<(ValidatorVerdict, u128)> {
	round
		.validators
		.iter()
		.map(|seat| {
			let verdict = validator_verdict(seat, &round.deadlines, tolerance, winner);
			let weight = match (verdict, seat.deviation) {
				(ValidatorVerdict::Agreeing, Some(deviation)) if winner.is_some() => {
					validator_weight(seat.stake.saturated_into(), deviation)
				}
				_ => 0,
			};
			(verdict, weight)
		})
		.collect()
}
