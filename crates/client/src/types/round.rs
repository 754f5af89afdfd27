//! Rounds: the one in progress ([`RoundView`]) and closed ones ([`RoundRecord`]), and
//! participants' registrations.

use super::primitives::*;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The step a round is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum Phase {
	/// Selected trainers submit updates until block `ends`.
	Training {
		/// Block at which the phase closes.
		ends: BlockNumber,
	},
	/// Selected validators commit to scores until block `ends`.
	Commit {
		/// Block at which the phase closes.
		ends: BlockNumber,
	},
	/// Committed validators reveal scores until block `ends`.
	Reveal {
		/// Block at which the phase closes.
		ends: BlockNumber,
	},
	/// The aggregator submits and revealing validators attest until block `ends`.
	Aggregation {
		/// Block at which the phase closes.
		ends: BlockNumber,
	},
	/// Trainers are being settled in batches, from index `next`.
	SettlingTrainers {
		/// The next trainer index to settle.
		next: u32,
	},
	/// Validators and the aggregator are being settled; the round then closes.
	SettlingValidators,
}

impl Phase {
	/// The block at which the phase closes, for the four timed phases.
	pub fn ends(&self) -> Option<BlockNumber> {
		match *self {
			Phase::Training { ends }
			| Phase::Commit { ends }
			| Phase::Reveal { ends }
			| Phase::Aggregation { ends } => Some(ends),
			Phase::SettlingTrainers { .. } | Phase::SettlingValidators => None,
		}
	}

	/// Short lower-case name: `training`, `commit`, `reveal`, `aggregation`, `settling`.
	pub fn name(&self) -> &'static str {
		match self {
			Phase::Training { .. } => "training",
			Phase::Commit { .. } => "commit",
			Phase::Reveal { .. } => "reveal",
			Phase::Aggregation { .. } => "aggregation",
			Phase::SettlingTrainers { .. } | Phase::SettlingValidators => "settling",
		}
	}
}

impl fmt::Display for Phase {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self.ends() {
			Some(ends) => write!(f, "{} (ends at #{ends})", self.name()),
			None => f.write_str(self.name()),
		}
	}
}

/// A submitted update, in the canonical order validators score in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateView {
	/// The trainer's position among the round's sorted selected trainers.
	pub position: u32,
	/// The trainer.
	pub trainer: AccountId,
	/// The update's CID.
	pub cid: ContentId,
	/// Examples it was trained on.
	pub examples: u64,
	/// Consensus score, once the reveal phase closed.
	pub score: Option<Perbill>,
}

/// An update accepted for aggregation, with its weight inputs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedView {
	/// The trainer's position among the round's sorted selected trainers.
	pub position: u32,
	/// The trainer.
	pub trainer: AccountId,
	/// The update's CID.
	pub cid: ContentId,
	/// Examples (the aggregation weight).
	pub examples: u64,
	/// Consensus score.
	pub score: Perbill,
}

/// A validator's seat in the round and what it has done so far.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidatorSeatView {
	/// The validator.
	pub who: AccountId,
	/// Its bond when selected: the weight of its scores and attestations.
	pub stake: Balance,
	/// Its score commitment, once made.
	pub commitment: Option<[u8; 32]>,
	/// Whether it revealed scores matching the commitment.
	pub revealed: bool,
	/// Mean absolute deviation from consensus, once computed.
	pub deviation: Option<Perbill>,
	/// The aggregate CID it attested, if it did.
	pub attested: Option<ContentId>,
}

/// What the aggregator submitted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AggregateView {
	/// The aggregated model.
	pub model: ContentId,
	/// The strategy state after aggregation, if the strategy keeps state.
	pub state: Option<ContentId>,
}

/// Stake attesting one aggregate CID.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttestationView {
	/// The attested model.
	pub model: ContentId,
	/// Total stake of the validators attesting it.
	pub stake: Balance,
}

/// Why a round failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureReason {
	/// Fewer than `min_updates` updates were submitted.
	NotEnoughUpdates,
	/// No validator committed.
	NoCommitments,
	/// No validator revealed.
	NoReveals,
	/// Fewer than `min_updates` updates were accepted.
	NotEnoughAccepted,
	/// No aggregate reached the attestation quorum.
	NoQuorum,
}

/// How a round ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RoundOutcome {
	/// A quorum attested `model`, the new global model.
	Succeeded {
		/// The adopted model.
		model: ContentId,
		/// The adopted strategy state.
		state: Option<ContentId>,
	},
	/// The round failed; the model is unchanged.
	Failed {
		/// Why.
		reason: FailureReason,
	},
}

/// Which deadlines of a round have passed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
	/// Validators without a commitment are absent.
	pub commit_closed: bool,
	/// Validators without a reveal are absent.
	pub reveal_closed: bool,
	/// An aggregator without a submission is absent.
	pub aggregation_closed: bool,
}

/// The round in progress of a task, with everything workers read: seats, updates in
/// canonical order with their CIDs, the accepted set, validators' progress and the aggregate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundView {
	/// The task.
	pub task: TaskId,
	/// The round's index.
	pub index: RoundIndex,
	/// The current phase and its deadline.
	pub phase: Phase,
	/// The selected trainers, sorted: a trainer's position here indexes its update.
	pub trainers: Vec<AccountId>,
	/// Submitted updates in canonical order (the order of score vectors).
	pub updates: Vec<UpdateView>,
	/// The accepted updates, once consensus is computed.
	pub accepted: Vec<AcceptedView>,
	/// The selected validators, sorted by account.
	pub validators: Vec<ValidatorSeatView>,
	/// The selected aggregator.
	pub aggregator: AccountId,
	/// What the aggregator submitted, if anything yet.
	pub aggregate: Option<AggregateView>,
	/// Stake per attested aggregate CID.
	pub attestations: Vec<AttestationView>,
	/// Consensus score an update needs to be accepted in this round.
	pub min_score: Perbill,
	/// Consensus score at or below which an update is slashed in this round.
	pub harmful_score: Perbill,
	/// Which deadlines have passed.
	pub deadlines: Deadlines,
	/// Set once the round succeeded or failed.
	pub outcome: Option<RoundOutcome>,
	/// Paid so far in settlement.
	pub paid: Balance,
	/// Slashed so far in settlement.
	pub slashed: Balance,
}

impl RoundView {
	/// The position of `trainer` among the selected trainers, if selected.
	pub fn trainer_position(&self, trainer: &AccountId) -> Option<u32> {
		self.trainers
			.iter()
			.position(|t| t == trainer)
			.and_then(|p| u32::try_from(p).ok())
	}

	/// The seat of `validator`, if selected.
	pub fn validator_seat(&self, validator: &AccountId) -> Option<&ValidatorSeatView> {
		self.validators.iter().find(|seat| &seat.who == validator)
	}

	/// The update `trainer` submitted, if any.
	pub fn update_of(&self, trainer: &AccountId) -> Option<&UpdateView> {
		self.updates.iter().find(|u| &u.trainer == trainer)
	}
}

/// A closed round, as kept in the task's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundRecord {
	/// The round's index.
	pub round: RoundIndex,
	/// How it ended.
	pub outcome: RoundOutcome,
	/// The global model after the round (unchanged if it failed).
	pub model: ContentId,
	/// Block at which it closed.
	pub closed_at: BlockNumber,
	/// Total paid to participants.
	pub paid: Balance,
	/// Total slashed into the pool.
	pub slashed: Balance,
}

/// Whether a participant can still be selected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ParticipantStatus {
	/// Registered and selectable.
	Active,
	/// Left; the bond can be withdrawn from block `unlock_at`.
	Leaving {
		/// First block at which `withdraw_bond` succeeds.
		unlock_at: BlockNumber,
	},
}

/// A participant's registration in one task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantView {
	/// The task.
	pub task: TaskId,
	/// The participant.
	pub who: AccountId,
	/// Its role.
	pub role: Role,
	/// Its bond, net of slashes.
	pub bond: Balance,
	/// The declared jurisdiction.
	pub jurisdiction: Jurisdiction,
	/// The X25519 public key trainers encrypt updates to.
	pub encryption_key: [u8; 32],
	/// Moving average of its round results.
	pub reputation: Perbill,
	/// Selectable, or leaving.
	pub status: ParticipantStatus,
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn phases_report_their_deadline() {
		assert_eq!(Phase::Commit { ends: 40 }.ends(), Some(40));
		assert_eq!(Phase::SettlingValidators.ends(), None);
		assert_eq!(Phase::Reveal { ends: 9 }.to_string(), "reveal (ends at #9)");
		assert_eq!(Phase::SettlingTrainers { next: 3 }.name(), "settling");
		let json = serde_json::to_string(&Phase::Training { ends: 12 }).unwrap();
		assert_eq!(json, r#"{"phase":"training","ends":12}"#);
	}
}
