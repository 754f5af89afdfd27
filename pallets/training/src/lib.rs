//! # Training pallet
//!
//! Runs federated training as an on-chain protocol. Bulky data (models, updates, strategy
//! state) lives in content-addressed storage; the chain holds content identifiers, stakes,
//! scores and money, and decides who is paid, who is slashed and which model is adopted.
//!
//! ## Life of a task
//!
//! 1. **Proposal.** Anyone calls [`Pallet::propose_task`] with one [`TaskParams`] value (model
//!    card and initial model CIDs, aggregation strategy, rounds, phase lengths, seats per
//!    round, asset, budget, thresholds, reward split, slash rates, minimum bonds,
//!    eligibility) and deposits the reward pool, which moves to the task's own pool account
//!    (`PalletId` sub-account keyed by the task id). [`Config::GovernanceOrigin`] approves,
//!    pauses, resumes or cancels tasks; cancellation refunds the unspent pool.
//! 2. **Participants** [`join`](Pallet::join) as trainer, validator or aggregator by bonding
//!    stake in the task's asset. The bond is *held* under [`HoldReason::Bond`], never
//!    transferred. They declare a jurisdiction (checked against the task's eligibility) and
//!    publish an X25519 public key so that trainers can encrypt updates for the round's
//!    validators and aggregator. [`leave`](Pallet::leave) is refused while selected in an
//!    unsettled round and starts a cool-down; [`withdraw_bond`](Pallet::withdraw_bond) then
//!    releases the hold.
//! 3. **Rounds** are driven by `on_initialize` through a due-queue keyed by block, so each
//!    block only touches the tasks that have a transition due, within
//!    [`Config::MaxHookWeight`]:
//!    * *selection* samples trainers, validators and one aggregator by
//!      `bond × (reputation floor + reputation) / 2`, from a seed derived from
//!      [`Config::Randomness`];
//!    * *training*: selected trainers [`submit_update`](Pallet::submit_update)
//!      `(update CID, example count)`;
//!    * *scoring*: validators [`commit_scores`](Pallet::commit_scores) to
//!      [`Pallet::score_commitment`] and later [`reveal_scores`](Pallet::reveal_scores); per
//!      update the consensus score is the stake-weighted median ([`consensus`]);
//!    * *aggregation*: the aggregator [`submit_aggregate`](Pallet::submit_aggregate)s, revealing
//!      validators recompute it and [`attest_aggregate`](Pallet::attest_aggregate); a CID
//!      attested by [`Config::AttestationQuorum`] of the revealing stake becomes the global
//!      model;
//!    * *settlement*, in batches of [`Config::SettlementBatch`] trainers per block, pays from
//!      the round budget ([`rewards`]) and slashes offenders into the pool.
//! 4. **History**: every closed round is recorded in [`History`]; reputations are moving
//!    averages of round results. After the last round the task completes, its final model is
//!    kept in [`Tasks`] and the unspent pool returns to the proposer.
//!
//! ## Trust assumption of the randomness source
//!
//! Selection is only as unbiased as [`Config::Randomness`]. The development runtime uses
//! `pallet-insecure-randomness-collective-flip`, whose output is a hash of the previous 81
//! block hashes: anyone can predict it a block ahead, and a block author can bias it by
//! choosing whether to author (or which extrinsics to include). With it, selection assumes that
//! block authors do not collude with participants to steer seats; production chains should use
//! a VRF-based source (BABE's, or a relay chain's).
//!
//! ## Example
//!
//! The protocol's arithmetic is exposed as pure functions, for off-chain workers to reproduce:
//!
//! ```
//! use pallet_training::{consensus, rewards, selection};
//! use sp_runtime::Perbill;
//!
//! // Three validators with stakes 5, 3 and 1 score one update; the stake-weighted median wins.
//! let mut votes = [(Perbill::from_percent(80), 5), (Perbill::from_percent(20), 3),
//!                  (Perbill::from_percent(90), 1)];
//! assert_eq!(consensus::weighted_median(&mut votes), Some(Perbill::from_percent(80)));
//!
//! // A trainer with half the total reward weight gets half the trainers' pot.
//! let pot = rewards::portion(1_000, Perbill::from_percent(70));
//! assert_eq!(rewards::pro_rata(pot, 50, 100), 350);
//!
//! // Two of four candidates, by weight, from a round seed.
//! let seats = selection::sample_without_replacement(&[10, 0, 30, 5], 2, [7; 32]);
//! assert_eq!(seats.len(), 2);
//! ```

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

mod active_set;
pub mod capacity;
pub mod cid;
pub mod consensus;
mod emergency;
mod funds;
// Also in std builds, so that runtime tests can check the invariants after every block.
#[cfg(any(feature = "try-runtime", feature = "std", test))]
mod invariants;
mod ledger;
mod participants;
pub mod priority;
pub mod rewards;
mod round;
mod schedule;
pub mod selection;
mod settlement;
mod submissions;
mod tasks;
mod terms;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use pallet::*;
pub use priority::TaskPriority;
pub use types::*;
pub use weights::WeightInfo;

use frame_support::traits::fungibles;

/// The balance type of the task assets.
pub type BalanceOf<T> =
	<<T as Config>::Assets as fungibles::Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// A newcomer's reputation.
pub const INITIAL_REPUTATION: sp_runtime::Perbill = sp_runtime::Perbill::from_percent(50);

/// How many consecutive blocks the due-queue searches for room. The number of scheduled tasks
/// is capped at `MaxDuePerBlock × SCHEDULE_WINDOW`, which guarantees the search succeeds.
pub const SCHEDULE_WINDOW: u32 = 16;

/// Creates what benchmarks need that the pallet cannot create itself.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AssetKind> {
	/// An existing asset in which accounts can be funded with `fungibles::Mutate::mint_into`
	/// and which a fresh account (a task's pool) can receive.
	fn bond_asset() -> AssetKind;
}

/// The pallet: configuration, storage, events, errors, calls and hooks.
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::boxed::Box;
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungibles::{Inspect, InspectHold, Mutate, MutateHold},
			EnsureOrigin, Randomness,
		},
		PalletId,
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::Perbill;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// Reasons for which the pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A participant's bond in a task.
		#[codec(index = 0)]
		Bond,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// Identifies an asset: the native token or an Assets-pallet asset.
		type AssetKind: Parameter + MaxEncodedLen + Clone;

		/// Balances of every asset, for transfers into and out of task pools.
		type Assets: Inspect<Self::AccountId, AssetId = Self::AssetKind> + Mutate<Self::AccountId>;

		/// Holds on every asset, for bonds.
		type AssetHolds: InspectHold<
				Self::AccountId,
				AssetId = Self::AssetKind,
				Balance = BalanceOf<Self>,
				Reason = Self::RuntimeHoldReason,
			> + MutateHold<
				Self::AccountId,
				AssetId = Self::AssetKind,
				Balance = BalanceOf<Self>,
				Reason = Self::RuntimeHoldReason,
			>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// Approves, pauses, resumes and cancels tasks.
		type GovernanceOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Changes an approved task's eligibility (the licensing referendum track).
		type TermsOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Changes an approved task's score thresholds (the protocol-parameters track).
		type ThresholdsOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Pauses and unpauses the whole protocol (the council or the task-approval track).
		type EmergencyOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Ranks queued tasks for the active set (the backing pallet's backing value).
		type Priority: TaskPriority;

		/// Source of the selection seed. See the crate docs for the trust assumption.
		type Randomness: Randomness<Self::Hash, BlockNumberFor<Self>>;

		/// Each task's pool is this id's sub-account keyed by the task id.
		#[pallet::constant]
		type PalletId: Get<PalletId>;

		/// The longest CID in bytes.
		#[pallet::constant]
		type MaxCidLen: Get<u32>;

		/// The most trainers a round can select.
		#[pallet::constant]
		type MaxTrainersPerRound: Get<u32>;

		/// The most validators a round can select.
		#[pallet::constant]
		type MaxValidatorsPerRound: Get<u32>;

		/// The most registered participants per task and role.
		#[pallet::constant]
		type MaxRoster: Get<u32>;

		/// The longest allow-list.
		#[pallet::constant]
		type MaxAllowList: Get<u32>;

		/// The most allowed jurisdictions per task.
		#[pallet::constant]
		type MaxJurisdictions: Get<u32>;

		/// The most rounds a task can have.
		#[pallet::constant]
		type MaxRounds: Get<u32>;

		/// The most task transitions queued for one block.
		#[pallet::constant]
		type MaxDuePerBlock: Get<u32>;

		/// The most tasks running rounds at once (the active set). At most
		/// `MaxDuePerBlock × SCHEDULE_WINDOW`, so that every active task can be scheduled.
		#[pallet::constant]
		type MaxActiveTasks: Get<u32>;

		/// The most approved tasks waiting for a slot in the active set.
		#[pallet::constant]
		type MaxQueuedTasks: Get<u32>;

		/// The most contributors listed per task in [`Contributors`]; later first-time earners
		/// are recorded in [`Earned`] but not listed. Choose it well above the participants a
		/// task can reward over its life.
		#[pallet::constant]
		type MaxContributors: Get<u32>;

		/// Trainers settled per block and task.
		#[pallet::constant]
		type SettlementBatch: Get<u32>;

		/// Blocks between leaving and being able to withdraw the bond.
		#[pallet::constant]
		type LeaveCooldown: Get<BlockNumberFor<Self>>;

		/// The shortest phase a task may set.
		#[pallet::constant]
		type MinPhaseBlocks: Get<BlockNumberFor<Self>>;

		/// Share of the revealing validators' stake that must attest one aggregate.
		#[pallet::constant]
		type AttestationQuorum: Get<Perbill>;

		/// Weight of the newest result in the reputation moving average.
		#[pallet::constant]
		type ReputationSmoothing: Get<Perbill>;

		/// Reputation added to every candidate's when weighing selection.
		#[pallet::constant]
		type ReputationFloor: Get<Perbill>;

		/// The most weight `on_initialize` spends advancing rounds in one block (at least one
		/// transition always runs so that no task can starve).
		#[pallet::constant]
		type MaxHookWeight: Get<Weight>;

		/// Weights of calls and hook transitions.
		type WeightInfo: WeightInfo;

		/// Creates an asset for benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AssetKind>;
	}

	/// The id the next task gets.
	#[pallet::storage]
	pub type NextTaskId<T> = StorageValue<_, TaskId, ValueQuery>;

	/// Every task ever proposed.
	#[pallet::storage]
	pub type Tasks<T: Config> = StorageMap<_, Twox64Concat, TaskId, TaskInfo<T>>;

	/// Participants per task.
	#[pallet::storage]
	pub type Participants<T: Config> =
		StorageDoubleMap<_, Twox64Concat, TaskId, Blake2_128Concat, T::AccountId, Participant<T>>;

	/// Selectable participants per task and role, in joining order.
	#[pallet::storage]
	pub type Roster<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		TaskId,
		Twox64Concat,
		Role,
		BoundedVec<T::AccountId, T::MaxRoster>,
		ValueQuery,
	>;

	/// The round in progress per task.
	#[pallet::storage]
	pub type Rounds<T: Config> = StorageMap<_, Twox64Concat, TaskId, RoundState<T>>;

	/// The current round's selected trainers, sorted: their positions index updates.
	#[pallet::storage]
	pub type SelectedTrainers<T: Config> = StorageMap<
		_,
		Twox64Concat,
		TaskId,
		BoundedVec<T::AccountId, T::MaxTrainersPerRound>,
		ValueQuery,
	>;

	/// The current round's update CIDs, by task and trainer position.
	#[pallet::storage]
	pub type UpdateCids<T: Config> =
		StorageDoubleMap<_, Twox64Concat, TaskId, Twox64Concat, u32, Cid<T>>;

	/// The current round's submitted updates in canonical order (by trainer position); scores
	/// are given in this order.
	#[pallet::storage]
	pub type Updates<T: Config> = StorageMap<
		_,
		Twox64Concat,
		TaskId,
		BoundedVec<UpdateEntry, T::MaxTrainersPerRound>,
		ValueQuery,
	>;

	/// Revealed score vectors of the current round, until consensus is computed.
	#[pallet::storage]
	pub type Reveals<T: Config> =
		StorageDoubleMap<_, Twox64Concat, TaskId, Blake2_128Concat, T::AccountId, Scores<T>>;

	/// The current round's accepted updates and their weights, fixed for aggregation.
	#[pallet::storage]
	pub type Accepted<T: Config> = StorageMap<
		_,
		Twox64Concat,
		TaskId,
		BoundedVec<AcceptedUpdate, T::MaxTrainersPerRound>,
		ValueQuery,
	>;

	/// Closed rounds per task: outcome and the global model after the round.
	#[pallet::storage]
	pub type History<T: Config> =
		StorageDoubleMap<_, Twox64Concat, TaskId, Twox64Concat, RoundIndex, RoundRecord<T>>;

	/// Tasks with a transition due at a block.
	#[pallet::storage]
	pub type DueAt<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<TaskId, T::MaxDuePerBlock>,
		ValueQuery,
	>;

	/// Entries in [`DueAt`] (equal to the tasks with `next_due` set).
	#[pallet::storage]
	pub type ScheduledCount<T> = StorageValue<_, u32, ValueQuery>;

	/// Tasks running rounds (status `Active`), in the order they entered.
	#[pallet::storage]
	pub type ActiveTasks<T: Config> =
		StorageValue<_, BoundedVec<TaskId, T::MaxActiveTasks>, ValueQuery>;

	/// Approved tasks waiting for a slot (status `Queued`), in the order they arrived; slots
	/// go to the highest [`Config::Priority`] first.
	#[pallet::storage]
	pub type QueuedTasks<T: Config> =
		StorageValue<_, BoundedVec<TaskId, T::MaxQueuedTasks>, ValueQuery>;

	/// Whether the protocol-wide safety switch is on (see `set_protocol_paused`).
	#[pallet::storage]
	pub type ProtocolPaused<T> = StorageValue<_, bool, ValueQuery>;

	/// Tasks the safety switch halted (status `Paused`); the unpause resumes them.
	#[pallet::storage]
	pub type HaltedTasks<T: Config> =
		StorageValue<_, BoundedVec<TaskId, T::MaxActiveTasks>, ValueQuery>;

	/// Every reward paid per task and account (any role), accumulated: the basis for sharing
	/// a model's licence revenue.
	#[pallet::storage]
	pub type Earned<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		TaskId,
		Blake2_128Concat,
		T::AccountId,
		BalanceOf<T>,
		ValueQuery,
	>;

	/// Accounts per task in the order they first earned; at most [`Config::MaxContributors`]
	/// (later first-time earners are not listed).
	#[pallet::storage]
	pub type Contributors<T: Config> = StorageMap<
		_,
		Twox64Concat,
		TaskId,
		BoundedVec<T::AccountId, T::MaxContributors>,
		ValueQuery,
	>;

	// Each variant's doc names its fields; documenting every field again would only repeat it.
	#[allow(missing_docs)]
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A task was proposed and its pool funded.
		TaskProposed {
			task: TaskId,
			owner: T::AccountId,
			asset: T::AssetKind,
			pool: BalanceOf<T>,
		},
		/// Governance approved a task; unless [`Event::TaskQueued`] follows, it is in the active
		/// set and its first round starts next block.
		TaskApproved { task: TaskId },
		/// An approved or resumed task found the active set full and waits in the queue.
		TaskQueued { task: TaskId },
		/// A queued task took a free slot in the active set; its first round starts next block.
		TaskActivated { task: TaskId },
		/// Governance paused a task; it left the active set.
		TaskPaused { task: TaskId },
		/// A paused task is back in the active set (resumed by governance or by the unpause).
		TaskResumed { task: TaskId },
		/// The safety switch halted an active task: its round was aborted (unless it was
		/// settling) and it is paused until the protocol is unpaused.
		TaskHalted { task: TaskId },
		/// A task's eligibility changed; it applies to later joins.
		EligibilityChanged { task: TaskId },
		/// A task's score thresholds changed; they apply to consensus computed from now on.
		ScoreThresholdsChanged {
			task: TaskId,
			min_score: Perbill,
			harmful_score: Perbill,
		},
		/// The emergency origin paused the protocol.
		ProtocolPaused,
		/// The emergency origin unpaused the protocol: `resumed` halted tasks are active again
		/// and `activated` queued tasks took the remaining free slots.
		ProtocolUnpaused { resumed: u32, activated: u32 },
		/// Governance cancelled a task; `refunded` went back to the owner.
		TaskCancelled {
			task: TaskId,
			refunded: BalanceOf<T>,
		},
		/// A task completed; `final_model` is its result, `refunded` went back to the owner.
		TaskCompleted {
			task: TaskId,
			reason: CompletionReason,
			final_model: Cid<T>,
			refunded: BalanceOf<T>,
		},
		/// The pool cannot cover another round's budget (the task completes).
		PoolRanDry {
			task: TaskId,
			pool: BalanceOf<T>,
			budget: BalanceOf<T>,
		},
		/// Refunding the pool to the owner failed; the funds stay in the pool account.
		RefundFailed { task: TaskId, amount: BalanceOf<T> },
		/// A participant joined and bonded.
		Joined {
			task: TaskId,
			who: T::AccountId,
			role: Role,
			bond: BalanceOf<T>,
			jurisdiction: Jurisdiction,
		},
		/// A participant left the roster; the bond unlocks at `unlock_at`.
		Left {
			task: TaskId,
			who: T::AccountId,
			unlock_at: BlockNumberFor<T>,
		},
		/// A bond was released.
		BondWithdrawn {
			task: TaskId,
			who: T::AccountId,
			amount: BalanceOf<T>,
		},
		/// A round started with these seats; training ends at `training_ends`.
		RoundStarted {
			task: TaskId,
			round: RoundIndex,
			trainers: u32,
			validators: u32,
			aggregator: T::AccountId,
			training_ends: BlockNumberFor<T>,
		},
		/// Too few eligible candidates to start a round; retried at `retry_at`.
		RoundSkipped {
			task: TaskId,
			round: RoundIndex,
			trainers: u32,
			validators: u32,
			aggregators: u32,
			retry_at: BlockNumberFor<T>,
		},
		/// A trainer submitted its update.
		UpdateSubmitted {
			task: TaskId,
			round: RoundIndex,
			trainer: T::AccountId,
			update: Cid<T>,
			examples: u64,
		},
		/// The commit phase started.
		CommitPhaseStarted {
			task: TaskId,
			round: RoundIndex,
			updates: u32,
			ends: BlockNumberFor<T>,
		},
		/// A validator committed to its scores.
		ScoresCommitted {
			task: TaskId,
			round: RoundIndex,
			validator: T::AccountId,
		},
		/// The reveal phase started.
		RevealPhaseStarted {
			task: TaskId,
			round: RoundIndex,
			ends: BlockNumberFor<T>,
		},
		/// A validator revealed scores matching its commitment.
		ScoresRevealed {
			task: TaskId,
			round: RoundIndex,
			validator: T::AccountId,
		},
		/// Consensus scores were computed; the aggregation phase started (unless too few were
		/// accepted).
		ConsensusReached {
			task: TaskId,
			round: RoundIndex,
			accepted: u32,
			rejected: u32,
			harmful: u32,
			aggregation_ends: BlockNumberFor<T>,
		},
		/// The aggregator submitted an aggregate.
		AggregateSubmitted {
			task: TaskId,
			round: RoundIndex,
			aggregator: T::AccountId,
			model: Cid<T>,
			state: Option<Cid<T>>,
		},
		/// A validator attested an aggregate CID with its stake.
		AggregateAttested {
			task: TaskId,
			round: RoundIndex,
			validator: T::AccountId,
			model: Cid<T>,
			stake: BalanceOf<T>,
		},
		/// An aggregate reached the attestation quorum; settlement starts.
		QuorumReached {
			task: TaskId,
			round: RoundIndex,
			model: Cid<T>,
		},
		/// The round failed; it is settled without rewards and the model is unchanged.
		RoundFailed {
			task: TaskId,
			round: RoundIndex,
			reason: FailureReason,
		},
		/// Governance aborted the round: no rewards, no slashes.
		RoundAborted { task: TaskId, round: RoundIndex },
		/// A participant was paid from the pool.
		Rewarded {
			task: TaskId,
			round: RoundIndex,
			who: T::AccountId,
			role: Role,
			amount: BalanceOf<T>,
		},
		/// A bond was slashed into the pool.
		Slashed {
			task: TaskId,
			round: RoundIndex,
			who: T::AccountId,
			reason: SlashReason,
			amount: BalanceOf<T>,
		},
		/// A payment could not be made; the amount stays in the pool.
		PaymentFailed {
			task: TaskId,
			round: RoundIndex,
			who: T::AccountId,
			amount: BalanceOf<T>,
		},
		/// A participant's reputation changed.
		ReputationUpdated {
			task: TaskId,
			who: T::AccountId,
			reputation: Perbill,
		},
		/// The round closed and was recorded in the history.
		RoundClosed {
			task: TaskId,
			round: RoundIndex,
			outcome: RoundOutcome<T>,
			paid: BalanceOf<T>,
			slashed: BalanceOf<T>,
		},
		/// The due-queue had no room for the task's next transition; pause and resume it.
		SchedulingFailed { task: TaskId },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No task has this id.
		TaskNotFound,
		/// A CID is not a well-formed binary CIDv1.
		InvalidCid,
		/// The aggregation configuration is invalid (see `AggregationConfig::validate`).
		InvalidAggregationConfig,
		/// `rounds` is zero or above `MaxRounds`.
		RoundsOutOfRange,
		/// A phase is shorter than `MinPhaseBlocks`.
		PhaseTooShort,
		/// `trainers_per_round` is zero or above `MaxTrainersPerRound`.
		TrainersPerRoundOutOfRange,
		/// `min_updates` is zero or above `trainers_per_round`.
		MinUpdatesOutOfRange,
		/// `validators_per_round` is zero or above `MaxValidatorsPerRound`.
		ValidatorsPerRoundOutOfRange,
		/// The budget per round is zero.
		ZeroBudget,
		/// The pool deposit, less the asset's minimum balance (kept to keep the pool account
		/// alive), does not cover one round's budget.
		DepositBelowBudget,
		/// The harmful score is not below the minimum score.
		HarmfulNotBelowMinScore,
		/// The reward split sums to more than 100%.
		RewardSplitAboveWhole,
		/// The example cap is zero.
		ZeroExampleCap,
		/// A role's minimum bond is zero.
		ZeroMinBond,
		/// A jurisdiction is not two upper-case ASCII letters.
		InvalidJurisdiction,
		/// The task id space is exhausted.
		TaskIdOverflow,
		/// The task is not awaiting approval.
		NotProposed,
		/// The task is not active.
		NotActive,
		/// The task is not paused.
		NotPaused,
		/// The task has completed or been cancelled.
		TaskFinished,
		/// The due-queue is full: too many tasks are scheduled.
		TooManyScheduledTasks,
		/// The task accepts no participants now (only while proposed or active).
		TaskNotOpen,
		/// The account already participates in this task.
		AlreadyJoined,
		/// The task has an allow-list without this account.
		NotAllowListed,
		/// The declared jurisdiction is not among the task's allowed ones.
		JurisdictionNotAllowed,
		/// The encryption key is all zeroes.
		InvalidEncryptionKey,
		/// The bond is below the role's minimum.
		BondTooLow,
		/// The role's roster is full.
		RosterFull,
		/// The account does not participate in this task.
		NotParticipant,
		/// The participant already left.
		AlreadyLeaving,
		/// The participant is selected in the unsettled current round and cannot leave now.
		SelectedInCurrentRound,
		/// The bond stays held until the participant leaves and the cool-down passes.
		StillBonded,
		/// The cool-down after leaving has not passed.
		CooldownNotOver,
		/// The task has no round in progress.
		NoActiveRound,
		/// The round index is not the current round's.
		WrongRound,
		/// The round is not in its training phase (too early or too late).
		NotTrainingPhase,
		/// The round is not in its commit phase.
		NotCommitPhase,
		/// The round is not in its reveal phase.
		NotRevealPhase,
		/// The round is not in its aggregation phase.
		NotAggregationPhase,
		/// The caller is not a selected trainer of this round.
		NotSelectedTrainer,
		/// An update must be trained on at least one example.
		ZeroExamples,
		/// The trainer already submitted its update.
		AlreadySubmitted,
		/// The caller is not a selected validator of this round.
		NotSelectedValidator,
		/// The validator already committed.
		AlreadyCommitted,
		/// The validator has no commitment to reveal.
		NoCommitment,
		/// The validator already revealed.
		AlreadyRevealed,
		/// The revealed scores are not one per submitted update.
		ScoreCountMismatch,
		/// The revealed scores and salt do not hash to the commitment.
		RevealMismatch,
		/// The caller is not this round's aggregator.
		NotAggregator,
		/// The aggregator already submitted.
		AggregateAlreadySubmitted,
		/// Nothing can be attested before the aggregator submits.
		AggregateNotSubmitted,
		/// Only validators that revealed scores may attest.
		NotRevealingValidator,
		/// The validator already attested.
		AlreadyAttested,
		/// A bounded list overflowed; its bound is below what the parameters allow.
		BoundExceeded,
		/// The protocol is paused by the emergency origin; this call waits for the unpause.
		ProtocolPaused,
		/// The protocol is already paused.
		ProtocolAlreadyPaused,
		/// The protocol is not paused.
		ProtocolNotPaused,
		/// The active set is full and so is the queue of approved tasks (`MaxQueuedTasks`).
		QueueFull,
		/// Only the task's owner (or governance) may change the terms of a proposed task.
		NotTaskOwner,
		/// The task was approved: its terms change only through governance.
		TermsGoverned,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::process_due(now)
		}

		fn integrity_test() {
			assert!(
				T::MaxTrainersPerRound::get() > 0,
				"MaxTrainersPerRound must be positive"
			);
			assert!(
				T::MaxValidatorsPerRound::get() > 0,
				"MaxValidatorsPerRound must be positive"
			);
			assert!(T::MaxRoster::get() > 0, "MaxRoster must be positive");
			assert!(
				T::MaxDuePerBlock::get() > 0,
				"MaxDuePerBlock must be positive"
			);
			assert!(
				T::MaxActiveTasks::get() > 0,
				"MaxActiveTasks must be positive"
			);
			assert!(
				T::MaxActiveTasks::get() <= Pallet::<T>::schedule_capacity(),
				"MaxActiveTasks must not exceed MaxDuePerBlock × SCHEDULE_WINDOW, or active tasks \
				 could find the due-queue full"
			);
			assert!(
				T::MaxContributors::get() > 0,
				"MaxContributors must be positive"
			);
			assert!(
				T::SettlementBatch::get() > 0,
				"SettlementBatch must be positive"
			);
			assert!(T::MaxRounds::get() > 0, "MaxRounds must be positive");
			assert!(
				T::MaxCidLen::get() >= 36,
				"MaxCidLen must hold a CIDv1 with a sha2-256 digest (36 bytes)"
			);
			assert_ne!(
				Pallet::<T>::pool_account(0),
				Pallet::<T>::pool_account(1),
				"AccountId is too short for distinct pool sub-accounts per task"
			);
			assert!(
				T::AttestationQuorum::get() > Perbill::from_percent(50),
				"AttestationQuorum must exceed half, or two aggregates could both win"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Proposes a task and deposits its reward pool.
		///
		/// `params.pool_deposit` moves from the caller to the task's pool account. The task
		/// waits in `Proposed` for [`Config::GovernanceOrigin`] to approve it; participants may
		/// join meanwhile.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::propose_task())]
		pub fn propose_task(origin: OriginFor<T>, params: Box<TaskParams<T>>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_propose(who, *params)
		}

		/// Approves a proposed task.
		///
		/// The task enters the active set if it has room (its first round starts at the next
		/// block) and otherwise waits in the queue for a slot (`TaskQueued`); fails with
		/// `QueueFull` when both are full.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::approve_task())]
		pub fn approve_task(origin: OriginFor<T>, task: TaskId) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			Self::do_approve(task)
		}

		/// Pauses an active task.
		///
		/// An unsettled round is aborted (no rewards, no slashes); a round already being
		/// settled finishes first. No new round starts until the task is resumed. The task
		/// leaves the active set and the best queued task takes its slot.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::pause_task(T::MaxTrainersPerRound::get())
			.saturating_add(T::WeightInfo::activate_queued(T::MaxQueuedTasks::get())))]
		pub fn pause_task(origin: OriginFor<T>, task: TaskId) -> DispatchResultWithPostInfo {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let (trainers, activation) = Self::do_pause(task)?;
			Ok(Some(
				T::WeightInfo::pause_task(trainers)
					.saturating_add(T::WeightInfo::activate_queued(activation.scanned)),
			)
			.into())
		}

		/// Resumes a paused task: back into the active set if it has room (a new round starts
		/// at the next block), else into the queue.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::resume_task())]
		pub fn resume_task(origin: OriginFor<T>, task: TaskId) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			Self::do_resume(task)
		}

		/// Cancels a task that has not finished.
		///
		/// Any round in progress is aborted where it stands (payments and slashes already made
		/// stand, and a round cut short in its settlement is recorded in [`History`]), the
		/// unspent pool is refunded to the owner and every bond becomes withdrawable at once.
		/// A queued task leaves the queue; an active one leaves its slot to the best queued
		/// task.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::cancel_task(T::MaxTrainersPerRound::get())
			.saturating_add(T::WeightInfo::activate_queued(T::MaxQueuedTasks::get())))]
		pub fn cancel_task(origin: OriginFor<T>, task: TaskId) -> DispatchResultWithPostInfo {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let (trainers, activation) = Self::do_cancel(task)?;
			Ok(Some(
				T::WeightInfo::cancel_task(trainers)
					.saturating_add(T::WeightInfo::activate_queued(activation.scanned)),
			)
			.into())
		}

		/// Joins a task in `role`, holding `bond` of the task's asset.
		///
		/// Allowed while the task is proposed, queued or active. The caller must pass the task's
		/// eligibility (allow-list and jurisdictions), bond at least the role's minimum and
		/// publish a non-zero X25519 public key. One role per account and task.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::join(T::MaxRoster::get()))]
		pub fn join(
			origin: OriginFor<T>,
			task: TaskId,
			role: Role,
			bond: BalanceOf<T>,
			jurisdiction: Jurisdiction,
			encryption_key: X25519PublicKey,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let roster = Self::do_join(who, task, role, bond, jurisdiction, encryption_key)?;
			Ok(Some(T::WeightInfo::join(roster)).into())
		}

		/// Leaves a task's roster and starts the bond's cool-down.
		///
		/// Refused while the caller holds a seat in the current, unsettled round.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::leave(T::MaxRoster::get()))]
		pub fn leave(origin: OriginFor<T>, task: TaskId) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let roster = Self::do_leave(who, task)?;
			Ok(Some(T::WeightInfo::leave(roster)).into())
		}

		/// Releases the caller's bond and removes its registration.
		///
		/// Allowed after the cool-down that `leave` started, or at once when the task has
		/// completed or been cancelled.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::withdraw_bond())]
		pub fn withdraw_bond(origin: OriginFor<T>, task: TaskId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_withdraw(who, task)
		}

		/// Submits a selected trainer's update for `round`: its CID and the number of examples
		/// it was trained on. Once per trainer, during the training phase.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::submit_update(T::MaxTrainersPerRound::get()))]
		pub fn submit_update(
			origin: OriginFor<T>,
			task: TaskId,
			round: RoundIndex,
			update: Cid<T>,
			examples: u64,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let trainers = Self::do_submit_update(who, task, round, update, examples)?;
			Ok(Some(T::WeightInfo::submit_update(trainers)).into())
		}

		/// Commits a selected validator to its scores for `round`.
		///
		/// `commitment` is [`Pallet::score_commitment`] of the scores (one per submitted update,
		/// in the order of [`Updates`]) and a secret salt. Once per validator, during the
		/// commit phase.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::commit_scores())]
		pub fn commit_scores(
			origin: OriginFor<T>,
			task: TaskId,
			round: RoundIndex,
			commitment: sp_core::H256,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_commit(who, task, round, commitment)
		}

		/// Reveals the scores and salt a validator committed to. Once, during the reveal phase.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::reveal_scores(scores.len() as u32))]
		pub fn reveal_scores(
			origin: OriginFor<T>,
			task: TaskId,
			round: RoundIndex,
			scores: Scores<T>,
			salt: Salt,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_reveal(who, task, round, scores, salt)
		}

		/// Submits the round's aggregate: the new model's CID and the strategy state's, if the
		/// strategy keeps state. Only the round's aggregator, once, during aggregation.
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::submit_aggregate())]
		pub fn submit_aggregate(
			origin: OriginFor<T>,
			task: TaskId,
			round: RoundIndex,
			model: Cid<T>,
			state: Option<Cid<T>>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_submit_aggregate(who, task, round, model, state)
		}

		/// Attests the aggregate CID a revealing validator recomputed from the accepted
		/// updates. When attesting stake for one CID reaches the quorum, that CID becomes the
		/// global model and settlement starts.
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::attest_aggregate())]
		pub fn attest_aggregate(
			origin: OriginFor<T>,
			task: TaskId,
			round: RoundIndex,
			model: Cid<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_attest(who, task, round, model)
		}

		/// Replaces a task's eligibility: the allow-list and the allowed jurisdictions
		/// (validated as in `propose_task`).
		///
		/// The owner may call it (signed) while the task is proposed; from approval on only
		/// [`Config::TermsOrigin`] may, and nobody once the task has finished. It applies to
		/// later joins: registered participants keep their places.
		#[pallet::call_index(13)]
		#[pallet::weight(T::WeightInfo::set_eligibility(
			eligibility.allow_list.as_ref().map_or(0, |list| list.len() as u32)
		))]
		pub fn set_eligibility(
			origin: OriginFor<T>,
			task: TaskId,
			eligibility: Eligibility<T>,
		) -> DispatchResult {
			Self::do_set_eligibility::<T::TermsOrigin>(origin, task, eligibility)
		}

		/// Replaces a task's acceptance threshold (`min_score`) and harm threshold
		/// (`harmful_score`, which must stay below `min_score`).
		///
		/// The owner may call it (signed) while the task is proposed; from approval on only
		/// [`Config::ThresholdsOrigin`] may, and nobody once the task has finished. It applies
		/// to consensus computed after the change; a round already judged is settled by the
		/// thresholds it was judged with.
		#[pallet::call_index(14)]
		#[pallet::weight(T::WeightInfo::set_score_thresholds())]
		pub fn set_score_thresholds(
			origin: OriginFor<T>,
			task: TaskId,
			min_score: Perbill,
			harmful_score: Perbill,
		) -> DispatchResult {
			let thresholds = ScoreThresholds {
				min_score,
				harmful_score,
			};
			Self::do_set_score_thresholds::<T::ThresholdsOrigin>(origin, task, thresholds)
		}

		/// Turns the protocol-wide safety switch on (`true`) or off (`false`).
		///
		/// While paused, approving, resuming, joining and every round submission fail with
		/// `ProtocolPaused`; leaving, withdrawing bonds, pausing, cancelling and proposing still
		/// work. Each active task is halted when it next comes due: a settling round finishes
		/// its settlement first, any other round is aborted without rewards or slashes.
		/// Unpausing resumes every halted task (first round at the next block) and fills the
		/// active set's free slots from the queue. Only [`Config::EmergencyOrigin`].
		#[pallet::call_index(15)]
		#[pallet::weight(T::WeightInfo::set_protocol_paused(T::MaxActiveTasks::get())
			.saturating_add(Pallet::<T>::fill_weight(
				T::MaxQueuedTasks::get(),
				T::MaxActiveTasks::get(),
			)))]
		pub fn set_protocol_paused(
			origin: OriginFor<T>,
			paused: bool,
		) -> DispatchResultWithPostInfo {
			T::EmergencyOrigin::ensure_origin(origin)?;
			let unpause = Self::do_set_protocol_paused(paused)?;
			let filled = if paused {
				Weight::zero()
			} else {
				Self::fill_weight(unpause.activation.scanned, unpause.activation.activated)
			};
			Ok(
				Some(T::WeightInfo::set_protocol_paused(unpause.halted).saturating_add(filled))
					.into(),
			)
		}
	}

	impl<T: Config> From<ParamsError> for Error<T> {
		fn from(error: ParamsError) -> Self {
			match error {
				ParamsError::InvalidCid { .. } => Error::InvalidCid,
				ParamsError::InvalidAggregation(_) => Error::InvalidAggregationConfig,
				ParamsError::RoundsOutOfRange { .. } => Error::RoundsOutOfRange,
				ParamsError::PhaseTooShort(_) => Error::PhaseTooShort,
				ParamsError::TrainersOutOfRange { .. } => Error::TrainersPerRoundOutOfRange,
				ParamsError::MinUpdatesOutOfRange { .. } => Error::MinUpdatesOutOfRange,
				ParamsError::ValidatorsOutOfRange { .. } => Error::ValidatorsPerRoundOutOfRange,
				ParamsError::ZeroBudget => Error::ZeroBudget,
				ParamsError::DepositBelowBudget => Error::DepositBelowBudget,
				ParamsError::HarmfulNotBelowMinScore => Error::HarmfulNotBelowMinScore,
				ParamsError::RewardSplitAboveWhole => Error::RewardSplitAboveWhole,
				ParamsError::ZeroExampleCap => Error::ZeroExampleCap,
				ParamsError::ZeroMinBond(_) => Error::ZeroMinBond,
				ParamsError::InvalidJurisdiction(_) => Error::InvalidJurisdiction,
			}
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The commitment a validator publishes in `commit_scores`:
	/// `blake2_256(SCALE((task, round, validator, scores, salt)))`.
	///
	/// Binding the validator's account (and the task) into the hash stops a validator from
	/// copying another's commitment and, after that one reveals, its reveal.
	pub fn score_commitment(
		task: TaskId,
		round: RoundIndex,
		validator: &T::AccountId,
		scores: &[sp_runtime::Perbill],
		salt: &Salt,
	) -> sp_core::H256 {
		use codec::Encode;
		sp_core::H256(sp_io::hashing::blake2_256(
			&(task, round, validator, scores, salt).encode(),
		))
	}
}
