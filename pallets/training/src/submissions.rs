//! What selected participants submit during a round: updates, score commitments and reveals,
//! the aggregate and attestations.

use crate::{
	cid::validate_cid, AggregateSubmission, AttestationTally, Cid, Config, Error, Event, Pallet,
	Phase, Reveals, RoundIndex, RoundOutcome, RoundState, Rounds, Salt, Scores, SelectedTrainers,
	TaskId, Tasks, UpdateCids, UpdateEntry, Updates,
};
use frame_support::{pallet_prelude::*, traits::Get};
use sp_runtime::{traits::Zero, Saturating};

impl<T: Config> Pallet<T> {
	/// Loads task `id`'s round in progress and checks that it is round `index` and that the
	/// protocol is running (every submission goes through here).
	fn current_round(id: TaskId, index: RoundIndex) -> Result<RoundState<T>, Error<T>> {
		Self::ensure_protocol_running()?;
		ensure!(Tasks::<T>::contains_key(id), Error::<T>::TaskNotFound);
		let round = Rounds::<T>::get(id).ok_or(Error::<T>::NoActiveRound)?;
		ensure!(round.index == index, Error::<T>::WrongRound);
		Ok(round)
	}

	/// Records a selected trainer's update; returns the round's trainer count (for the weight).
	pub(crate) fn do_submit_update(
		who: T::AccountId,
		id: TaskId,
		index: RoundIndex,
		update: Cid<T>,
		examples: u64,
	) -> Result<u32, DispatchError> {
		let mut round = Self::current_round(id, index)?;
		ensure!(
			matches!(round.phase, Phase::Training { .. }),
			Error::<T>::NotTrainingPhase
		);
		let position = SelectedTrainers::<T>::get(id)
			.binary_search(&who)
			.map_err(|_| Error::<T>::NotSelectedTrainer)? as u32;
		ensure!(
			!UpdateCids::<T>::contains_key(id, position),
			Error::<T>::AlreadySubmitted
		);
		ensure!(examples > 0, Error::<T>::ZeroExamples);
		validate_cid(&update).map_err(|_| Error::<T>::InvalidCid)?;

		Updates::<T>::try_mutate(id, |updates| -> DispatchResult {
			let slot = updates
				.binary_search_by_key(&position, |entry| entry.trainer)
				.err()
				.ok_or(Error::<T>::AlreadySubmitted)?;
			updates
				.try_insert(
					slot,
					UpdateEntry {
						trainer: position,
						examples,
						score: None,
					},
				)
				.map_err(|_| Error::<T>::BoundExceeded.into())
		})?;
		UpdateCids::<T>::insert(id, position, update.clone());
		round.submitted = round.submitted.saturating_add(1);
		let everyone = round.submitted >= round.trainers;
		let trainers = round.trainers;
		Rounds::<T>::insert(id, round);
		Self::deposit_event(Event::UpdateSubmitted {
			task: id,
			round: index,
			trainer: who,
			update,
			examples,
		});
		if everyone {
			Self::end_phase_early(id, frame_system::Pallet::<T>::block_number());
		}
		Ok(trainers)
	}

	/// Records a selected validator's score commitment.
	pub(crate) fn do_commit(
		who: T::AccountId,
		id: TaskId,
		index: RoundIndex,
		commitment: sp_core::H256,
	) -> DispatchResult {
		let mut round = Self::current_round(id, index)?;
		ensure!(
			matches!(round.phase, Phase::Commit { .. }),
			Error::<T>::NotCommitPhase
		);
		let seat = round
			.validator_index(&who)
			.ok_or(Error::<T>::NotSelectedValidator)?;
		let seat = &mut round.validators[seat];
		ensure!(seat.commitment.is_none(), Error::<T>::AlreadyCommitted);
		seat.commitment = Some(commitment);
		let everyone = round
			.validators
			.iter()
			.all(|seat| seat.commitment.is_some());
		Rounds::<T>::insert(id, round);
		Self::deposit_event(Event::ScoresCommitted {
			task: id,
			round: index,
			validator: who,
		});
		if everyone {
			Self::end_phase_early(id, frame_system::Pallet::<T>::block_number());
		}
		Ok(())
	}

	/// Checks a validator's reveal against its commitment and stores the scores.
	pub(crate) fn do_reveal(
		who: T::AccountId,
		id: TaskId,
		index: RoundIndex,
		scores: Scores<T>,
		salt: Salt,
	) -> DispatchResult {
		let mut round = Self::current_round(id, index)?;
		ensure!(
			matches!(round.phase, Phase::Reveal { .. }),
			Error::<T>::NotRevealPhase
		);
		let position = round
			.validator_index(&who)
			.ok_or(Error::<T>::NotSelectedValidator)?;
		let submitted = round.submitted as usize;
		let seat = &mut round.validators[position];
		let commitment = seat.commitment.ok_or(Error::<T>::NoCommitment)?;
		ensure!(!seat.revealed, Error::<T>::AlreadyRevealed);
		ensure!(scores.len() == submitted, Error::<T>::ScoreCountMismatch);
		ensure!(
			Self::score_commitment(id, index, &who, &scores, &salt) == commitment,
			Error::<T>::RevealMismatch
		);
		seat.revealed = true;
		let everyone = round
			.validators
			.iter()
			.all(|seat| seat.commitment.is_none() || seat.revealed);
		Rounds::<T>::insert(id, round);
		Reveals::<T>::insert(id, &who, scores);
		Self::deposit_event(Event::ScoresRevealed {
			task: id,
			round: index,
			validator: who,
		});
		if everyone {
			Self::end_phase_early(id, frame_system::Pallet::<T>::block_number());
		}
		Ok(())
	}

	/// Records the aggregator's aggregate.
	pub(crate) fn do_submit_aggregate(
		who: T::AccountId,
		id: TaskId,
		index: RoundIndex,
		model: Cid<T>,
		state: Option<Cid<T>>,
	) -> DispatchResult {
		let mut round = Self::current_round(id, index)?;
		ensure!(
			matches!(round.phase, Phase::Aggregation { .. }),
			Error::<T>::NotAggregationPhase
		);
		ensure!(round.aggregator == who, Error::<T>::NotAggregator);
		ensure!(
			round.aggregate.is_none(),
			Error::<T>::AggregateAlreadySubmitted
		);
		validate_cid(&model).map_err(|_| Error::<T>::InvalidCid)?;
		if let Some(state) = &state {
			validate_cid(state).map_err(|_| Error::<T>::InvalidCid)?;
		}
		round.aggregate = Some(AggregateSubmission {
			model: model.clone(),
			state: state.clone(),
		});
		Rounds::<T>::insert(id, round);
		Self::deposit_event(Event::AggregateSubmitted {
			task: id,
			round: index,
			aggregator: who,
			model,
			state,
		});
		Ok(())
	}

	/// Adds a revealing validator's stake to the aggregate CID it attests; on quorum the CID
	/// wins and settlement starts at the next block.
	pub(crate) fn do_attest(
		who: T::AccountId,
		id: TaskId,
		index: RoundIndex,
		model: Cid<T>,
	) -> DispatchResult {
		let mut round = Self::current_round(id, index)?;
		ensure!(
			matches!(round.phase, Phase::Aggregation { .. }),
			Error::<T>::NotAggregationPhase
		);
		let aggregate = round
			.aggregate
			.clone()
			.ok_or(Error::<T>::AggregateNotSubmitted)?;
		let position = round
			.validator_index(&who)
			.ok_or(Error::<T>::NotSelectedValidator)?;
		let seat = &round.validators[position];
		ensure!(seat.revealed, Error::<T>::NotRevealingValidator);
		ensure!(seat.attested.is_none(), Error::<T>::AlreadyAttested);
		validate_cid(&model).map_err(|_| Error::<T>::InvalidCid)?;
		let stake = seat.stake;

		let tally = match round
			.attestations
			.iter()
			.position(|tally| tally.model == model)
		{
			Some(tally) => tally,
			None => {
				round
					.attestations
					.try_push(AttestationTally {
						model: model.clone(),
						stake: Zero::zero(),
					})
					.map_err(|_| Error::<T>::BoundExceeded)?;
				round.attestations.len() - 1
			}
		};
		let attested = &mut round.attestations[tally];
		attested.stake = attested.stake.saturating_add(stake);
		let attested_stake = attested.stake;
		round.validators[position].attested = Some(tally as u32);
		Self::deposit_event(Event::AggregateAttested {
			task: id,
			round: index,
			validator: who,
			model: model.clone(),
			stake,
		});

		if Self::quorum_reached(attested_stake, round.revealed_stake()) {
			// The strategy state is only known for the aggregator's own aggregate.
			let state = if aggregate.model == model {
				aggregate.state
			} else {
				None
			};
			round.outcome = Some(RoundOutcome::Succeeded {
				model: model.clone(),
				state,
			});
			round.phase = Phase::SettlingTrainers { next: 0 };
			Self::deposit_event(Event::QuorumReached {
				task: id,
				round: index,
				model,
			});
			Rounds::<T>::insert(id, round);
			Self::end_phase_early(id, frame_system::Pallet::<T>::block_number());
		} else {
			Rounds::<T>::insert(id, round);
		}
		Ok(())
	}

	/// Whether `attested` reaches [`Config::AttestationQuorum`] of `revealed` stake
	/// (`attested ≥ ⌊quorum × revealed⌋`, and never with zero stake).
	pub(crate) fn quorum_reached<B>(attested: B, revealed: B) -> bool
	where
		B: sp_runtime::traits::AtLeast32BitUnsigned + Copy,
	{
		let needed = T::AttestationQuorum::get().mul_floor(revealed);
		!attested.is_zero() && attested >= needed
	}
}
