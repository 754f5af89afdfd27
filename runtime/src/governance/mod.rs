//! On-chain governance: a council and OpenGov referenda with DecentralML's own tracks.
//!
//! - The **council** (`pallet-collective` instance 1, members managed by `pallet-membership`)
//!   can fast-track: a two-thirds council motion approves, pauses, resumes or cancels a task at
//!   once, without a referendum.
//! - **Referenda** (`pallet-referenda` with `pallet-conviction-voting`, scheduled through
//!   `pallet-scheduler`, proposals stored by `pallet-preimage`) run on the tracks of
//!   [`tracks`]: `root`, `task_approval`, `protocol_parameters` and `licensing`. A referendum
//!   that passes on a track dispatches its call with that track's origin from [`origins`].
//! - Sudo exists only on development chains (its genesis key is empty elsewhere).

pub mod origins;
pub mod tracks;

pub use origins::{pallet_custom_origins, Licensing, ProtocolParameters, TaskApproval};

use crate::{
	AccountId, Balance, Balances, BlockNumber, Council, OriginCaller, Preimage, Referenda, Runtime,
	RuntimeCall, RuntimeEvent, RuntimeHoldReason, RuntimeOrigin, Scheduler, DAYS, UNIT,
};
use frame_support::{
	parameter_types,
	traits::{
		fungible::HoldConsideration, tokens::currency::ActiveIssuanceOf, ConstU32, EitherOfDiverse,
		EqualPrivilegeOnly, LinearStoragePrice,
	},
	weights::Weight,
};
use frame_system::{EnsureRoot, EnsureSigned};
use sp_runtime::Perbill;

/// The council's instance of `pallet-collective`.
pub type CouncilCollective = pallet_collective::Instance1;

/// Two thirds of the council.
pub type CouncilTwoThirds =
	pallet_collective::EnsureProportionAtLeast<AccountId, CouncilCollective, 2, 3>;

/// Root, or two thirds of the council: who manages the council's membership.
pub type RootOrCouncilTwoThirds = EitherOfDiverse<EnsureRoot<AccountId>, CouncilTwoThirds>;

/// Who may approve, pause, resume or cancel a task: a referendum on the task-approval track,
/// or a two-thirds council motion (the fast track).
pub type TaskGovernance = EitherOfDiverse<TaskApproval, CouncilTwoThirds>;

/// Who may change protocol-wide parameters: a referendum on the parameters track.
pub type ParametersGovernance = ProtocolParameters;

/// Who may change a task's licence terms, jurisdictions and eligible clients: a referendum on
/// the licensing track.
pub type LicensingGovernance = Licensing;

parameter_types! {
	/// Blocks a council motion stays open.
	pub const CouncilMotionDuration: BlockNumber = 3 * DAYS;
	/// Motions open at once.
	pub const CouncilMaxProposals: u32 = 100;
	/// Council seats.
	pub const CouncilMaxMembers: u32 = 100;
	/// Half a block's weight at most for a motion's call.
	pub MaxProposalWeight: Weight = Perbill::from_percent(50)
		* crate::configs::RuntimeBlockWeights::get().max_block;
}

impl pallet_collective::Config<CouncilCollective> for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type Proposal = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type MotionDuration = CouncilMotionDuration;
	type MaxProposals = CouncilMaxProposals;
	type MaxMembers = CouncilMaxMembers;
	/// Members who do not vote follow the prime member, if there is one.
	type DefaultVote = pallet_collective::PrimeDefaultVote;
	type WeightInfo = pallet_collective::weights::SubstrateWeight<Runtime>;
	type SetMembersOrigin = EnsureRoot<AccountId>;
	type MaxProposalWeight = MaxProposalWeight;
	type DisapproveOrigin = RootOrCouncilTwoThirds;
	type KillOrigin = RootOrCouncilTwoThirds;
	/// Council members propose without a deposit: there are few of them and they are known.
	type Consideration = ();
}

impl pallet_membership::Config<pallet_membership::Instance1> for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type AddOrigin = RootOrCouncilTwoThirds;
	type RemoveOrigin = RootOrCouncilTwoThirds;
	type SwapOrigin = RootOrCouncilTwoThirds;
	type ResetOrigin = RootOrCouncilTwoThirds;
	type PrimeOrigin = RootOrCouncilTwoThirds;
	type MembershipInitialized = Council;
	type MembershipChanged = Council;
	type MaxMembers = CouncilMaxMembers;
	type WeightInfo = pallet_membership::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// Deposit per stored preimage.
	pub const PreimageBaseDeposit: Balance = UNIT;
	/// Deposit per byte of stored preimage.
	pub const PreimageByteDeposit: Balance = UNIT / 1_000;
	/// The hold reason preimage deposits are held under.
	pub const PreimageHoldReason: RuntimeHoldReason =
		RuntimeHoldReason::Preimage(pallet_preimage::HoldReason::Preimage);
}

impl pallet_preimage::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = pallet_preimage::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	type ManagerOrigin = EnsureRoot<AccountId>;
	type Consideration = HoldConsideration<
		AccountId,
		Balances,
		PreimageHoldReason,
		LinearStoragePrice<PreimageBaseDeposit, PreimageByteDeposit, Balance>,
	>;
}

parameter_types! {
	/// Scheduled calls may use up to 80% of a block.
	pub MaximumSchedulerWeight: Weight = Perbill::from_percent(80)
		* crate::configs::RuntimeBlockWeights::get().max_block;
}

impl pallet_scheduler::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeOrigin = RuntimeOrigin;
	type PalletsOrigin = OriginCaller;
	type RuntimeCall = RuntimeCall;
	type MaximumWeight = MaximumSchedulerWeight;
	type ScheduleOrigin = EnsureRoot<AccountId>;
	type OriginPrivilegeCmp = EqualPrivilegeOnly;
	type MaxScheduledPerBlock = ConstU32<50>;
	type WeightInfo = pallet_scheduler::weights::SubstrateWeight<Runtime>;
	type Preimages = Preimage;
	type BlockNumberProvider = frame_system::Pallet<Runtime>;
}

parameter_types! {
	/// How long a vote's balance stays locked per unit of conviction.
	pub const VoteLockingPeriod: BlockNumber = 7 * DAYS;
}

impl pallet_conviction_voting::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = pallet_conviction_voting::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	type Polls = Referenda;
	/// Turnout is measured against the active issuance of DML.
	type MaxTurnout = ActiveIssuanceOf<Balances, AccountId>;
	type MaxVotes = ConstU32<512>;
	type VoteLockingPeriod = VoteLockingPeriod;
	type BlockNumberProvider = frame_system::Pallet<Runtime>;
	type VotingHooks = ();
}

parameter_types! {
	/// Deposit to submit a referendum (returned unless it is killed).
	pub const SubmissionDeposit: Balance = 10 * UNIT;
	/// A referendum that finds no decision slot within this time is dropped.
	pub const UndecidingTimeout: BlockNumber = 14 * DAYS;
	/// Referenda are checked every block.
	pub const AlarmInterval: BlockNumber = 1;
}

impl pallet_referenda::Config for Runtime {
	type WeightInfo = pallet_referenda::weights::SubstrateWeight<Runtime>;
	type RuntimeCall = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type Scheduler = Scheduler;
	type Currency = Balances;
	type SubmitOrigin = EnsureSigned<AccountId>;
	type CancelOrigin = RootOrCouncilTwoThirds;
	type KillOrigin = EnsureRoot<AccountId>;
	/// Deposits of killed referenda are burned.
	type Slash = ();
	type Votes = Balance;
	type Tally = pallet_conviction_voting::TallyOf<Runtime>;
	type SubmissionDeposit = SubmissionDeposit;
	type MaxQueued = ConstU32<100>;
	type UndecidingTimeout = UndecidingTimeout;
	type AlarmInterval = AlarmInterval;
	type Tracks = tracks::TracksInfo;
	type Preimages = Preimage;
	type BlockNumberProvider = frame_system::Pallet<Runtime>;
}

impl pallet_custom_origins::Config for Runtime {}
