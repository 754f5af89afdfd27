//! The pallet's data types: task parameters, participants, round state and history.

use crate::{cid::validate_cid, BalanceOf, Config};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use decentralml_primitives::AggregationConfig;
use frame_support::{
	traits::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use frame_system::pallet_prelude::BlockNumberFor;
use scale_info::TypeInfo;
use sp_runtime::{traits::Zero, Perbill, Saturating};

/// Identifies a task.
pub type TaskId = u32;
/// Index of a round within its task, counting every round that was started.
pub type RoundIndex = u32;
/// An ISO 3166-1 alpha-2 country code, two upper-case ASCII letters (`*b"DE"`).
pub type Jurisdiction = [u8; 2];
/// A participant's X25519 public key, to which trainers encrypt updates.
pub type X25519PublicKey = [u8; 32];
/// The salt a validator mixes into its score commitment.
pub type Salt = [u8; 32];
/// A content identifier in binary form (CIDv1), bounded by [`Config::MaxCidLen`].
pub type Cid<T> = BoundedVec<u8, <T as Config>::MaxCidLen>;
/// A validator's revealed scores, one per submitted update.
pub type Scores<T> = BoundedVec<Perbill, <T as Config>::MaxTrainersPerRound>;

/// The part a participant plays in a task.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum Role {
	/// Trains on private data and submits updates.
	Trainer,
	/// Scores updates on a held-out partition and attests aggregates.
	Validator,
	/// Combines the accepted updates into the next global model.
	Aggregator,
}

impl Role {
	/// All roles, in storage order.
	pub const ALL: [Role; 3] = [Role::Trainer, Role::Validator, Role::Aggregator];
}

/// How long each phase of a round lasts, in blocks.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct PhaseLengths<BlockNumber> {
	/// Trainers submit updates.
	pub training: BlockNumber,
	/// Validators commit to their scores.
	pub commit: BlockNumber,
	/// Validators reveal their scores.
	pub reveal: BlockNumber,
	/// The aggregator submits and validators attest the aggregate.
	pub aggregation: BlockNumber,
}

/// How a round's budget is divided between the roles. The parts sum to at most 100%; the rest
/// stays in the pool.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct RewardSplit {
	/// Shared by accepted trainers in proportion to score × capped examples.
	pub trainers: Perbill,
	/// Shared by agreeing validators in proportion to stake × (1 − deviation).
	pub validators: Perbill,
	/// The aggregator's fee when its aggregate is adopted.
	pub aggregator: Perbill,
}

/// Slash rates, each a fraction of the offender's bond in the task.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct SlashRates {
	/// A selected trainer that submitted no update.
	pub absent_trainer: Perbill,
	/// A trainer whose update's consensus score is at or below the harmful threshold.
	pub harmful_update: Perbill,
	/// A selected validator that did not commit, or committed and did not reveal.
	pub absent_validator: Perbill,
	/// A validator far from consensus, or attesting an aggregate that a quorum rejected.
	pub dissenting_validator: Perbill,
	/// An aggregator whose aggregate lost to another one chosen by a quorum.
	pub wrong_aggregator: Perbill,
	/// An aggregator that submitted nothing before the aggregation deadline.
	pub absent_aggregator: Perbill,
}

/// The smallest bond accepted for each role.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct MinBonds<Balance> {
	/// For trainers.
	pub trainer: Balance,
	/// For validators.
	pub validator: Balance,
	/// For aggregators.
	pub aggregator: Balance,
}

impl<Balance: Copy> MinBonds<Balance> {
	/// The minimum bond of `role`.
	pub fn of(&self, role: Role) -> Balance {
		match role {
			Role::Trainer => self.trainer,
			Role::Validator => self.validator,
			Role::Aggregator => self.aggregator,
		}
	}
}

/// Who may join a task.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct Eligibility<T: Config> {
	/// If set, only these accounts may join.
	pub allow_list: Option<BoundedVec<T::AccountId, T::MaxAllowList>>,
	/// If set, only participants declaring one of these jurisdictions may join.
	pub jurisdictions: Option<BoundedVec<Jurisdiction, T::MaxJurisdictions>>,
}

impl<T: Config> Eligibility<T> {
	/// Checks that every allowed jurisdiction is an ISO 3166-1 alpha-2 code.
	pub fn validate(&self) -> Result<(), ParamsError> {
		if let Some(codes) = &self.jurisdictions {
			if let Some(bad) = codes.iter().find(|code| !is_jurisdiction(code)) {
				return Err(ParamsError::InvalidJurisdiction(*bad));
			}
		}
		Ok(())
	}
}

/// The consensus scores that decide an update's fate.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct ScoreThresholds {
	/// Score an update needs to be accepted and rewarded.
	pub min_score: Perbill,
	/// Score at or below which an update is harmful and slashed.
	pub harmful_score: Perbill,
}

impl ScoreThresholds {
	/// Checks that the harmful threshold lies below the acceptance threshold, so that no update
	/// can be both rewarded and slashed.
	pub fn validate(&self) -> Result<(), ParamsError> {
		if self.harmful_score >= self.min_score {
			return Err(ParamsError::HarmfulNotBelowMinScore);
		}
		Ok(())
	}
}

/// Everything a proposer fixes about a task, submitted in one `propose_task` call.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct TaskParams<T: Config> {
	/// The model card: architecture, data schema and licence text.
	pub model_card: Cid<T>,
	/// The model training starts from.
	pub initial_model: Cid<T>,
	/// The aggregation strategy, in fixed point.
	pub aggregation: AggregationConfig,
	/// How many rounds close (successfully or not) before the task completes.
	pub rounds: u32,
	/// Phase lengths in blocks, each at least [`Config::MinPhaseBlocks`].
	pub phases: PhaseLengths<BlockNumberFor<T>>,
	/// Trainers selected per round.
	pub trainers_per_round: u32,
	/// The fewest submitted, and later accepted, updates with which a round can go on.
	pub min_updates: u32,
	/// Validators selected per round.
	pub validators_per_round: u32,
	/// The asset of the pool and of every bond.
	pub asset: T::AssetKind,
	/// The most a round can pay out.
	pub budget_per_round: BalanceOf<T>,
	/// Transferred from the proposer into the task's pool; at least one round's budget.
	pub pool_deposit: BalanceOf<T>,
	/// Consensus score an update needs to be accepted and rewarded.
	pub min_score: Perbill,
	/// Consensus score at or below which an update is harmful and slashed.
	pub harmful_score: Perbill,
	/// How the budget is divided between the roles.
	pub reward_split: RewardSplit,
	/// The most examples an update's reward weight counts.
	pub example_cap: u64,
	/// Slash rates.
	pub slash_rates: SlashRates,
	/// A validator whose mean absolute deviation from consensus exceeds this dissents.
	pub score_tolerance: Perbill,
	/// Minimum bonds per role.
	pub min_bonds: MinBonds<BalanceOf<T>>,
	/// Who may join.
	pub eligibility: Eligibility<T>,
}

/// Why task parameters are invalid. Each variant maps onto a pallet error of the same meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParamsError {
	/// A CID is not a well-formed binary CIDv1.
	#[error("the {field} CID is malformed: {reason}")]
	InvalidCid {
		/// Which parameter.
		field: &'static str,
		/// What is wrong with it.
		reason: crate::cid::CidError,
	},
	/// The aggregation configuration failed its own validation.
	#[error("the aggregation configuration is invalid: {0}")]
	InvalidAggregation(decentralml_primitives::ConfigError),
	/// `rounds` is zero or above the limit.
	#[error("rounds must be between 1 and {max}, got {got}")]
	RoundsOutOfRange {
		/// The requested rounds.
		got: u32,
		/// The limit.
		max: u32,
	},
	/// A phase is shorter than the minimum.
	#[error("the {0} phase is shorter than the minimum phase length")]
	PhaseTooShort(&'static str),
	/// `trainers_per_round` is zero or above the limit.
	#[error("trainers per round must be between 1 and {max}, got {got}")]
	TrainersOutOfRange {
		/// The requested value.
		got: u32,
		/// The limit.
		max: u32,
	},
	/// `min_updates` is zero or more than the trainers per round.
	#[error("min updates must be between 1 and the trainers per round ({trainers}), got {got}")]
	MinUpdatesOutOfRange {
		/// The requested value.
		got: u32,
		/// The trainers per round.
		trainers: u32,
	},
	/// `validators_per_round` is zero or above the limit.
	#[error("validators per round must be between 1 and {max}, got {got}")]
	ValidatorsOutOfRange {
		/// The requested value.
		got: u32,
		/// The limit.
		max: u32,
	},
	/// The budget per round is zero.
	#[error("the budget per round is zero")]
	ZeroBudget,
	/// The pool deposit does not cover one round's budget.
	#[error("the pool deposit is smaller than one round's budget")]
	DepositBelowBudget,
	/// The harmful threshold is not below the acceptance threshold.
	#[error("the harmful score must be below the minimum score")]
	HarmfulNotBelowMinScore,
	/// The reward split sums to more than 100%.
	#[error("the reward split sums to more than 100%")]
	RewardSplitAboveWhole,
	/// The example cap is zero.
	#[error("the example cap is zero")]
	ZeroExampleCap,
	/// A role's minimum bond is zero.
	#[error("the minimum {0:?} bond is zero")]
	ZeroMinBond(Role),
	/// A jurisdiction is not two upper-case ASCII letters.
	#[error("jurisdiction {0:?} is not an ISO 3166-1 alpha-2 code")]
	InvalidJurisdiction(Jurisdiction),
}

/// Whether `code` looks like an ISO 3166-1 alpha-2 code (two upper-case ASCII letters).
pub fn is_jurisdiction(code: &Jurisdiction) -> bool {
	code.iter().all(u8::is_ascii_uppercase)
}

impl<T: Config> TaskParams<T> {
	/// Checks every parameter that does not depend on chain state.
	pub fn validate(&self) -> Result<(), ParamsError> {
		for (field, cid) in [
			("model card", &self.model_card),
			("initial model", &self.initial_model),
		] {
			validate_cid(cid).map_err(|reason| ParamsError::InvalidCid { field, reason })?;
		}
		self.aggregation
			.validate()
			.map_err(ParamsError::InvalidAggregation)?;
		let max_rounds = T::MaxRounds::get();
		if self.rounds == 0 || self.rounds > max_rounds {
			return Err(ParamsError::RoundsOutOfRange {
				got: self.rounds,
				max: max_rounds,
			});
		}
		self.validate_phases()?;
		self.validate_seats()?;
		self.validate_economics()?;
		self.eligibility.validate()
	}

	/// The acceptance and harm thresholds.
	pub fn thresholds(&self) -> ScoreThresholds {
		ScoreThresholds {
			min_score: self.min_score,
			harmful_score: self.harmful_score,
		}
	}

	fn validate_phases(&self) -> Result<(), ParamsError> {
		let min = T::MinPhaseBlocks::get();
		let phases = &self.phases;
		for (name, length) in [
			("training", phases.training),
			("commit", phases.commit),
			("reveal", phases.reveal),
			("aggregation", phases.aggregation),
		] {
			if length < min || length.is_zero() {
				return Err(ParamsError::PhaseTooShort(name));
			}
		}
		Ok(())
	}

	fn validate_seats(&self) -> Result<(), ParamsError> {
		let max_trainers = T::MaxTrainersPerRound::get();
		if self.trainers_per_round == 0 || self.trainers_per_round > max_trainers {
			return Err(ParamsError::TrainersOutOfRange {
				got: self.trainers_per_round,
				max: max_trainers,
			});
		}
		if self.min_updates == 0 || self.min_updates > self.trainers_per_round {
			return Err(ParamsError::MinUpdatesOutOfRange {
				got: self.min_updates,
				trainers: self.trainers_per_round,
			});
		}
		let max_validators = T::MaxValidatorsPerRound::get();
		if self.validators_per_round == 0 || self.validators_per_round > max_validators {
			return Err(ParamsError::ValidatorsOutOfRange {
				got: self.validators_per_round,
				max: max_validators,
			});
		}
		Ok(())
	}

	fn validate_economics(&self) -> Result<(), ParamsError> {
		if self.budget_per_round.is_zero() {
			return Err(ParamsError::ZeroBudget);
		}
		if self.pool_deposit < self.budget_per_round {
			return Err(ParamsError::DepositBelowBudget);
		}
		self.thresholds().validate()?;
		let split = &self.reward_split;
		let parts = u64::from(split.trainers.deconstruct())
			+ u64::from(split.validators.deconstruct())
			+ u64::from(split.aggregator.deconstruct());
		if parts > u64::from(Perbill::one().deconstruct()) {
			return Err(ParamsError::RewardSplitAboveWhole);
		}
		if self.example_cap == 0 {
			return Err(ParamsError::ZeroExampleCap);
		}
		if let Some(role) = Role::ALL
			.into_iter()
			.find(|role| self.min_bonds.of(*role).is_zero())
		{
			return Err(ParamsError::ZeroMinBond(role));
		}
		Ok(())
	}
}

/// Where a task is in its life.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum TaskStatus {
	/// Waiting for governance approval; participants may already join.
	#[codec(index = 0)]
	Proposed,
	/// Approved and waiting in `QueuedTasks` for a slot in the active set; participants may
	/// join as when active.
	#[codec(index = 5)]
	Queued,
	/// In the active set, running rounds.
	#[codec(index = 1)]
	Active,
	/// Paused by governance, or halted by the protocol-wide safety switch; no round runs until
	/// it is resumed.
	#[codec(index = 2)]
	Paused,
	/// Every round closed or the pool ran dry; the final model is recorded.
	#[codec(index = 3)]
	Completed,
	/// Cancelled by governance; the unspent pool was refunded.
	#[codec(index = 4)]
	Cancelled,
}

impl TaskStatus {
	/// Whether the task has ended (bonds are then withdrawable at once).
	pub fn is_finished(self) -> bool {
		matches!(self, TaskStatus::Completed | TaskStatus::Cancelled)
	}

	/// Whether participants may join: before approval, while queued and while active.
	pub fn accepts_participants(self) -> bool {
		matches!(
			self,
			TaskStatus::Proposed | TaskStatus::Queued | TaskStatus::Active
		)
	}
}

/// How many participants of each role are registered (and selectable).
#[derive(
	Clone,
	Copy,
	Default,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct RosterCounts {
	/// Registered trainers.
	pub trainers: u32,
	/// Registered validators.
	pub validators: u32,
	/// Registered aggregators.
	pub aggregators: u32,
}

impl RosterCounts {
	/// The count of `role`.
	pub fn get(&self, role: Role) -> u32 {
		match role {
			Role::Trainer => self.trainers,
			Role::Validator => self.validators,
			Role::Aggregator => self.aggregators,
		}
	}

	/// The count of `role`, for update.
	pub fn get_mut(&mut self, role: Role) -> &mut u32 {
		match role {
			Role::Trainer => &mut self.trainers,
			Role::Validator => &mut self.validators,
			Role::Aggregator => &mut self.aggregators,
		}
	}

	/// All registered participants.
	pub fn total(&self) -> u32 {
		self.trainers
			.saturating_add(self.validators)
			.saturating_add(self.aggregators)
	}
}

/// A task as stored.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct TaskInfo<T: Config> {
	/// The proposer; receives refunds of the pool.
	pub owner: T::AccountId,
	/// The parameters fixed at proposal.
	pub params: TaskParams<T>,
	/// Lifecycle status.
	pub status: TaskStatus,
	/// What the pool account holds for this task: the deposit, less payouts, plus slashes.
	pub pool: BalanceOf<T>,
	/// The current global model (the final model once completed).
	pub model: Cid<T>,
	/// The aggregation strategy's state that goes with `model`, if any.
	pub model_state: Option<Cid<T>>,
	/// Rounds started so far; the next round's index.
	pub next_round: RoundIndex,
	/// Rounds closed (succeeded or failed); the task completes when it reaches `params.rounds`.
	pub closed_rounds: u32,
	/// The block at which the hook next advances this task, if it is scheduled.
	pub next_due: Option<BlockNumberFor<T>>,
	/// Registered participants per role.
	pub roster: RosterCounts,
}

/// Whether a participant can still be selected.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum ParticipantStatus<BlockNumber> {
	/// Registered and selectable.
	Active,
	/// Left the roster; the bond can be withdrawn from `unlock_at`.
	Leaving {
		/// First block at which `withdraw_bond` succeeds.
		unlock_at: BlockNumber,
	},
}

/// A participant's registration in one task.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct Participant<T: Config> {
	/// The role the participant plays.
	pub role: Role,
	/// The bond held under the pallet's hold reason, net of slashes.
	pub bond: BalanceOf<T>,
	/// The declared jurisdiction.
	pub jurisdiction: Jurisdiction,
	/// The public key trainers encrypt updates to (validators and aggregators).
	pub encryption_key: X25519PublicKey,
	/// Moving average of the participant's round results; starts at 50%.
	pub reputation: Perbill,
	/// Selectable, or leaving.
	pub status: ParticipantStatus<BlockNumberFor<T>>,
}

/// A validator's seat in a round.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct ValidatorSeat<T: Config> {
	/// The validator.
	pub who: T::AccountId,
	/// Its bond when selected: the weight of its scores and attestations.
	pub stake: BalanceOf<T>,
	/// Its score commitment, once made.
	pub commitment: Option<sp_core::H256>,
	/// Whether it revealed scores matching the commitment.
	pub revealed: bool,
	/// Mean absolute deviation of its scores from consensus, once computed.
	pub deviation: Option<Perbill>,
	/// Index into the round's attestations of the aggregate it attested.
	pub attested: Option<u32>,
}

/// What the aggregator submitted.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct AggregateSubmission<T: Config> {
	/// The aggregated model.
	pub model: Cid<T>,
	/// The strategy state after aggregation (e.g. server optimiser moments), if any.
	pub state: Option<Cid<T>>,
}

/// Stake attesting one aggregate CID.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct AttestationTally<T: Config> {
	/// The attested model CID.
	pub model: Cid<T>,
	/// Total stake of the validators attesting it.
	pub stake: BalanceOf<T>,
}

/// A submitted update in a round, in the canonical (sorted trainer) order.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct UpdateEntry {
	/// Index of the trainer in the round's sorted selected trainers.
	pub trainer: u32,
	/// Examples the update was trained on.
	pub examples: u64,
	/// Consensus score, once the reveal phase closed.
	pub score: Option<Perbill>,
}

/// An update accepted for aggregation, with its weight inputs.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct AcceptedUpdate {
	/// Index of the trainer in the round's sorted selected trainers.
	pub trainer: u32,
	/// Examples the update was trained on (the aggregation weight).
	pub examples: u64,
	/// Consensus score.
	pub score: Perbill,
}

/// The step a round is in.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum Phase<BlockNumber> {
	/// Selected trainers submit updates until `ends`.
	Training {
		/// Block at which the phase closes.
		ends: BlockNumber,
	},
	/// Selected validators commit to scores until `ends`.
	Commit {
		/// Block at which the phase closes.
		ends: BlockNumber,
	},
	/// Committed validators reveal scores until `ends`.
	Reveal {
		/// Block at which the phase closes.
		ends: BlockNumber,
	},
	/// The aggregator submits, revealing validators attest, until `ends` or a quorum.
	Aggregation {
		/// Block at which the phase closes.
		ends: BlockNumber,
	},
	/// Trainers are settled in batches, from index `next`.
	SettlingTrainers {
		/// The next trainer index to settle.
		next: u32,
	},
	/// Validators and the aggregator are settled and the round closes.
	SettlingValidators,
}

impl<BlockNumber> Phase<BlockNumber> {
	/// Whether the round is being settled (it then runs to completion even when paused).
	pub fn is_settling(&self) -> bool {
		matches!(
			self,
			Phase::SettlingTrainers { .. } | Phase::SettlingValidators
		)
	}
}

/// Why a round failed. A failed round pays nothing and leaves the model unchanged.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum FailureReason {
	/// Fewer than `min_updates` updates were submitted.
	NotEnoughUpdates,
	/// No validator committed to scores.
	NoCommitments,
	/// No validator revealed scores.
	NoReveals,
	/// Fewer than `min_updates` updates reached the minimum score.
	NotEnoughAccepted,
	/// No aggregate reached the attestation quorum before the deadline.
	NoQuorum,
}

/// How a round ended.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub enum RoundOutcome<T: Config> {
	/// A quorum attested `model`; it is the new global model.
	Succeeded {
		/// The adopted model.
		model: Cid<T>,
		/// The adopted strategy state (only when the aggregator's own CID won).
		state: Option<Cid<T>>,
	},
	/// The round failed.
	Failed(FailureReason),
}

/// Which deadlines of a round have passed, deciding who counts as absent.
#[derive(
	Clone,
	Copy,
	Default,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct Deadlines {
	/// The commit phase closed: validators without a commitment are absent.
	pub commit_closed: bool,
	/// The reveal phase closed: validators without a reveal are absent.
	pub reveal_closed: bool,
	/// The aggregation phase timed out: an aggregator without a submission is absent.
	pub aggregation_closed: bool,
}

/// A round in progress, one per task at most.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct RoundState<T: Config> {
	/// The round's index.
	pub index: RoundIndex,
	/// The current phase.
	pub phase: Phase<BlockNumberFor<T>>,
	/// Selected trainers (their sorted list is in `SelectedTrainers`).
	pub trainers: u32,
	/// Updates submitted so far.
	pub submitted: u32,
	/// Selected validators, sorted by account.
	pub validators: BoundedVec<ValidatorSeat<T>, T::MaxValidatorsPerRound>,
	/// The selected aggregator.
	pub aggregator: T::AccountId,
	/// What the aggregator submitted, if anything.
	pub aggregate: Option<AggregateSubmission<T>>,
	/// Updates accepted after consensus.
	pub accepted: u32,
	/// Sum of accepted trainers' reward weights (score × capped examples).
	pub total_weight: u128,
	/// The thresholds the round's updates are judged by: the task's when the round started,
	/// replaced by the task's when consensus is computed. Settlement uses these, so a change
	/// of the task's thresholds never splits one round's judgement.
	pub thresholds: ScoreThresholds,
	/// Stake per attested aggregate CID.
	pub attestations: BoundedVec<AttestationTally<T>, T::MaxValidatorsPerRound>,
	/// Which deadlines have passed.
	pub deadlines: Deadlines,
	/// Set once the round succeeded or failed; settlement follows.
	pub outcome: Option<RoundOutcome<T>>,
	/// Paid out so far in settlement.
	pub paid: BalanceOf<T>,
	/// Slashed so far in settlement.
	pub slashed: BalanceOf<T>,
}

impl<T: Config> RoundState<T> {
	/// Total stake of the validators that revealed (the attestation quorum's base).
	pub fn revealed_stake(&self) -> BalanceOf<T> {
		self.validators
			.iter()
			.filter(|seat| seat.revealed)
			.fold(Zero::zero(), |sum: BalanceOf<T>, seat| {
				sum.saturating_add(seat.stake)
			})
	}

	/// The position of `who` among the validators, if selected.
	pub fn validator_index(&self, who: &T::AccountId) -> Option<usize> {
		self.validators.iter().position(|seat| &seat.who == who)
	}

	/// Whether `who` holds the round's validator or aggregator seat.
	pub fn holds_scoring_seat(&self, who: &T::AccountId) -> bool {
		&self.aggregator == who || self.validator_index(who).is_some()
	}
}

/// A closed round, kept as history.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct RoundRecord<T: Config> {
	/// How it ended; on success, the model it produced.
	pub outcome: RoundOutcome<T>,
	/// The global model after the round (unchanged if it failed).
	pub model: Cid<T>,
	/// Block at which the round closed.
	pub closed_at: BlockNumberFor<T>,
	/// Total paid to participants.
	pub paid: BalanceOf<T>,
	/// Total slashed into the pool.
	pub slashed: BalanceOf<T>,
}

/// Why a bond was slashed.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum SlashReason {
	/// A selected trainer submitted no update.
	AbsentTrainer,
	/// The trainer's update scored at or below the harmful threshold.
	HarmfulUpdate,
	/// A selected validator did not commit or did not reveal.
	AbsentValidator,
	/// The validator's scores were too far from consensus, or it attested a rejected aggregate.
	DissentingValidator,
	/// The aggregator's aggregate lost to another one chosen by a quorum.
	WrongAggregator,
	/// The aggregator submitted nothing before the deadline.
	AbsentAggregator,
}

impl SlashReason {
	/// The rate the task's parameters set for this offence.
	pub fn rate(self, rates: &SlashRates) -> Perbill {
		match self {
			SlashReason::AbsentTrainer => rates.absent_trainer,
			SlashReason::HarmfulUpdate => rates.harmful_update,
			SlashReason::AbsentValidator => rates.absent_validator,
			SlashReason::DissentingValidator => rates.dissenting_validator,
			SlashReason::WrongAggregator => rates.wrong_aggregator,
			SlashReason::AbsentAggregator => rates.absent_aggregator,
		}
	}
}

/// Why a task completed.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum CompletionReason {
	/// Every round closed.
	AllRoundsClosed,
	/// The pool could not cover another round's budget.
	PoolRanDry,
}
