//! The training protocol and its economy: tasks and rounds (`pallet-training`), backing tasks
//! with any token (`pallet-backing`) and licences (`pallet-licensing`), plus the protocol-wide
//! parameters governance may change (`pallet-parameters`).
//!
//! The three pallets know nothing of each other's storage: [`TrainingTasks`] adapts the
//! training pallet to what backing and licensing need.

use crate::{
	governance::{LicensingGovernance, ParametersGovernance, ProtocolParameters, TaskGovernance},
	AccountId, AssetId, Assets, AssetsHolder, Balance, Balances, BlockNumber,
	RandomnessCollectiveFlip, Runtime, RuntimeEvent, RuntimeHoldReason, RuntimeOrigin, MINUTES,
};
use alloc::vec::Vec;
use frame_support::{
	dynamic_params::{dynamic_pallet_params, dynamic_params},
	parameter_types,
	traits::{
		fungible::{NativeFromLeft, NativeOrWithId, UnionOf},
		ConstU32, EnsureOrigin, EnsureOriginWithArg, Get,
	},
	weights::Weight,
	BoundedVec, PalletId,
};
use pallet_training::{TaskId, TaskStatus};
use sp_runtime::Perbill;

/// An asset a task can use: the native token or an Assets-pallet asset.
pub type AssetKind = NativeOrWithId<AssetId>;

/// Balances of every asset, for transfers.
pub type NativeAndAssets = UnionOf<Balances, Assets, NativeFromLeft, AssetKind, AccountId>;

/// Holds on every asset, for bonds and stakes.
pub type NativeAndAssetHolds =
	UnionOf<Balances, AssetsHolder, NativeFromLeft, AssetKind, AccountId>;

/// Protocol-wide defaults that only the protocol-parameters track may change.
#[dynamic_params(RuntimeParameters, pallet_parameters::Parameters::<Runtime>)]
pub mod dynamic_params {
	use super::*;

	/// Parameters of the training protocol.
	#[dynamic_pallet_params]
	#[codec(index = 0)]
	pub mod training {
		/// The shortest phase (training, commit, reveal, aggregation) a task may set, in blocks.
		#[codec(index = 0)]
		pub static MinPhaseBlocks: BlockNumber = 2;

		/// Blocks between leaving a task and withdrawing the bond.
		#[codec(index = 1)]
		pub static LeaveCooldown: BlockNumber = 10 * MINUTES;

		/// Share of the revealing validators' stake that must attest one aggregate (kept
		/// above one half whatever governance sets, see [`AttestationQuorum`]).
		#[codec(index = 2)]
		pub static AttestationQuorum: Perbill = Perbill::from_parts(666_666_667);

		/// Weight of the newest round in a participant's reputation.
		#[codec(index = 3)]
		pub static ReputationSmoothing: Perbill = Perbill::from_percent(20);

		/// Reputation added to every candidate's when seats are drawn, so newcomers and
		/// participants with a bad round keep a chance.
		#[codec(index = 4)]
		pub static ReputationFloor: Perbill = Perbill::from_percent(20);
	}

	/// Parameters of backing.
	#[dynamic_pallet_params]
	#[codec(index = 1)]
	pub mod backing {
		/// Blocks between unstaking and withdrawing.
		#[codec(index = 0)]
		pub static UnstakeCooldown: BlockNumber = 10 * MINUTES;
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl Default for RuntimeParameters {
	fn default() -> Self {
		RuntimeParameters::Training(dynamic_params::training::Parameters::MinPhaseBlocks(
			dynamic_params::training::MinPhaseBlocks,
			Some(2),
		))
	}
}

/// Every protocol parameter is changed by a referendum on the protocol-parameters track.
pub struct ParametersAdmin;

impl EnsureOriginWithArg<RuntimeOrigin, RuntimeParametersKey> for ParametersAdmin {
	type Success = ();

	fn try_origin(
		origin: RuntimeOrigin,
		_key: &RuntimeParametersKey,
	) -> Result<Self::Success, RuntimeOrigin> {
		ProtocolParameters::try_origin(origin)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn try_successful_origin(_key: &RuntimeParametersKey) -> Result<RuntimeOrigin, ()> {
		<ProtocolParameters as EnsureOrigin<RuntimeOrigin>>::try_successful_origin()
	}
}

impl pallet_parameters::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeParameters = RuntimeParameters;
	type AdminOrigin = ParametersAdmin;
	// The crate exports only its reference-hardware weights, as the `()` implementation.
	type WeightInfo = ();
}

/// The governed attestation quorum, never at or below one half: with half, two different
/// aggregates could both reach it.
pub struct AttestationQuorum;

impl Get<Perbill> for AttestationQuorum {
	fn get() -> Perbill {
		dynamic_params::training::AttestationQuorum::get().max(Perbill::from_percent(51))
	}
}

/// The governed shortest phase, never below one block.
pub struct MinPhaseBlocks;

impl Get<BlockNumber> for MinPhaseBlocks {
	fn get() -> BlockNumber {
		dynamic_params::training::MinPhaseBlocks::get().max(1)
	}
}

parameter_types! {
	/// Each task's pool is a sub-account of this id.
	pub const TrainingPalletId: PalletId = PalletId(*b"dml/trai");
	/// Each task's licence-fee pot is a sub-account of this id.
	pub const LicensingPalletId: PalletId = PalletId(*b"dml/lcns");
	/// Round transitions may use up to half a block.
	pub TrainingHookWeight: Weight =
		Perbill::from_percent(50) * crate::configs::RuntimeBlockWeights::get().max_block;
	/// The native token, which backing values at one unit per unit.
	pub const NativeAsset: AssetKind = NativeOrWithId::Native;
}

impl pallet_training::Config for Runtime {
	type AssetKind = AssetKind;
	type Assets = NativeAndAssets;
	type AssetHolds = NativeAndAssetHolds;
	type RuntimeHoldReason = RuntimeHoldReason;
	type GovernanceOrigin = TaskGovernance;
	/// Eligible clients and jurisdictions: the licensing track.
	type TermsOrigin = LicensingGovernance;
	/// Reward thresholds: the protocol-parameters track.
	type ThresholdsOrigin = ParametersGovernance;
	/// The protocol-wide safety switch: a council motion or the task-approval track.
	type EmergencyOrigin = TaskGovernance;
	/// Backers raise a task's priority in the active set.
	type Priority = BackingPriority;
	/// Development randomness: see the training pallet's trust assumption.
	type Randomness = RandomnessCollectiveFlip;
	type PalletId = TrainingPalletId;
	type MaxCidLen = ConstU32<64>;
	type MaxTrainersPerRound = ConstU32<1024>;
	type MaxValidatorsPerRound = ConstU32<16>;
	type MaxRoster = ConstU32<4096>;
	type MaxAllowList = ConstU32<1024>;
	type MaxJurisdictions = ConstU32<64>;
	type MaxRounds = ConstU32<10_000>;
	type MaxDuePerBlock = ConstU32<16>;
	type MaxActiveTasks = ConstU32<16>;
	type MaxQueuedTasks = ConstU32<64>;
	type MaxContributors = ConstU32<1024>;
	type SettlementBatch = ConstU32<128>;
	type LeaveCooldown = dynamic_params::training::LeaveCooldown;
	type MinPhaseBlocks = MinPhaseBlocks;
	type AttestationQuorum = AttestationQuorum;
	type ReputationSmoothing = dynamic_params::training::ReputationSmoothing;
	type ReputationFloor = dynamic_params::training::ReputationFloor;
	type MaxHookWeight = TrainingHookWeight;
	type WeightInfo = crate::weights::pallet_training::WeightInfo<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = benchmark_helpers::ProtocolBenchmarks;
}

impl pallet_backing::Config for Runtime {
	type AssetKind = AssetKind;
	type Assets = NativeAndAssets;
	type AssetHolds = NativeAndAssetHolds;
	type RuntimeHoldReason = RuntimeHoldReason;
	type NativeAsset = NativeAsset;
	type Tasks = TrainingTasks;
	/// Valuing an asset decides how much its stake is worth: a protocol parameter.
	type ValuationOrigin = ParametersGovernance;
	type MaxBackersPerTask = ConstU32<256>;
	type MaxAssetsPerTask = ConstU32<8>;
	type MaxStakesPerBacker = ConstU32<16>;
	type UnstakeCooldown = dynamic_params::backing::UnstakeCooldown;
	type WeightInfo = crate::weights::pallet_backing::WeightInfo<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = benchmark_helpers::ProtocolBenchmarks;
}

impl pallet_licensing::Config for Runtime {
	type AssetKind = AssetKind;
	type Assets = NativeAndAssets;
	type Tasks = TrainingTasks;
	type Contributions = TrainingTasks;
	type Backers = crate::Backing;
	type LicensingOrigin = LicensingGovernance;
	type PalletId = LicensingPalletId;
	type MaxContributors = ConstU32<1024>;
	type MaxJurisdictions = ConstU32<64>;
	type MaxCidLen = ConstU32<64>;
	type WeightInfo = crate::weights::pallet_licensing::WeightInfo<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = benchmark_helpers::ProtocolBenchmarks;
}

/// Ranks queued tasks by the value of their backing.
pub struct BackingPriority;

impl pallet_training::TaskPriority for BackingPriority {
	fn priority(task: TaskId) -> u128 {
		<crate::Backing as pallet_backing::BackingInfo<AccountId>>::backing_value(task)
	}
}

/// The training pallet as backing and licensing see it.
pub struct TrainingTasks;

fn task_status(task: TaskId) -> Option<TaskStatus> {
	pallet_training::Tasks::<Runtime>::get(task).map(|info| info.status)
}

impl pallet_backing::BackableTasks<TaskId> for TrainingTasks {
	fn can_be_backed(task: TaskId) -> bool {
		task_status(task).is_some_and(|status| !status.is_finished())
	}
}

impl pallet_licensing::LicensableTasks<TaskId, AccountId> for TrainingTasks {
	fn owner(task: TaskId) -> Option<AccountId> {
		pallet_training::Tasks::<Runtime>::get(task).map(|info| info.owner)
	}

	fn stage(task: TaskId) -> Option<pallet_licensing::TaskStage> {
		use pallet_licensing::TaskStage;
		task_status(task).map(|status| match status {
			TaskStatus::Proposed => TaskStage::Proposed,
			TaskStatus::Cancelled => TaskStage::Closed,
			_ => TaskStage::Licensable,
		})
	}

	fn latest_model(task: TaskId) -> Option<Vec<u8>> {
		pallet_training::Tasks::<Runtime>::get(task).map(|info| info.model.into_inner())
	}
}

impl pallet_licensing::ContributionsOf<TaskId, AccountId, Balance> for TrainingTasks {
	fn contributions<Limit: Get<u32>>(task: TaskId) -> BoundedVec<(AccountId, Balance), Limit> {
		let mut earned = pallet_training::Pallet::<Runtime>::contributions(task);
		// Keep the largest contributions when there are more than the limit.
		earned.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
		BoundedVec::truncate_from(earned)
	}
}

#[cfg(feature = "runtime-benchmarks")]
mod benchmark_helpers;
