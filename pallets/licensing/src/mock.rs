//! Test runtime: real Balances, Assets, AssetsHolder and backing pallet, so that fees in the
//! native token and in Assets-pallet assets, and backers' weights, go through the same code as
//! in the runtime. The training pallet is replaced by a task table in test storage, read
//! through the same kind of adapters the runtime uses.

use crate as pallet_licensing;
use crate::{ContributionsOf, LicensableTasks, TaskId, TaskStage};
use codec::{Decode, Encode};
use frame_support::{
	derive_impl, parameter_types,
	storage::unhashed,
	traits::{
		fungible::{NativeFromLeft, NativeOrWithId, UnionOf},
		AsEnsureOriginWithArg, ConstU32, ConstU64, Get,
	},
	BoundedVec, PalletId,
};
use frame_system::EnsureRoot;
use sp_runtime::BuildStorage;

/// Account ids are plain integers.
pub type AccountId = u64;
/// Balances of every asset.
pub type Balance = u64;
type Block = frame_system::mocking::MockBlock<Test>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeTask,
		RuntimeHoldReason,
		RuntimeFreezeReason
	)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(2)]
	pub type Assets = pallet_assets;
	#[runtime::pallet_index(3)]
	pub type AssetsHolder = pallet_assets_holder;
	#[runtime::pallet_index(4)]
	pub type Backing = pallet_backing;
	#[runtime::pallet_index(5)]
	pub type Licensing = pallet_licensing;
}

/// The native token's existential deposit.
pub const EXISTENTIAL_DEPOSIT: Balance = 10;

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type ExistentialDeposit = ConstU64<EXISTENTIAL_DEPOSIT>;
}

#[derive_impl(pallet_assets::config_preludes::TestDefaultConfig)]
impl pallet_assets::Config for Test {
	type CreateOrigin = AsEnsureOriginWithArg<frame_system::EnsureSigned<AccountId>>;
	type ForceOrigin = EnsureRoot<AccountId>;
	type Currency = Balances;
	type Holder = AssetsHolder;
}

impl pallet_assets_holder::Config for Test {
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeEvent = RuntimeEvent;
}

type AnyAsset = UnionOf<Balances, Assets, NativeFromLeft, NativeOrWithId<u32>, AccountId>;

parameter_types! {
	pub const Native: NativeOrWithId<u32> = NativeOrWithId::Native;
	pub const LicensingPalletId: PalletId = PalletId(*b"dml/lics");
}

impl pallet_backing::Config for Test {
	type AssetKind = NativeOrWithId<u32>;
	type Assets = AnyAsset;
	type AssetHolds =
		UnionOf<Balances, AssetsHolder, NativeFromLeft, NativeOrWithId<u32>, AccountId>;
	type RuntimeHoldReason = RuntimeHoldReason;
	type NativeAsset = Native;
	type Tasks = MockTasks;
	type ValuationOrigin = EnsureRoot<AccountId>;
	type MaxBackersPerTask = ConstU32<8>;
	type MaxAssetsPerTask = ConstU32<3>;
	type MaxStakesPerBacker = ConstU32<8>;
	type UnstakeCooldown = ConstU64<10>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockBenchmarkHelper;
}

/// The most contributors a fee is divided among in tests.
pub const MAX_CONTRIBUTORS: u32 = 8;

impl pallet_licensing::Config for Test {
	type AssetKind = NativeOrWithId<u32>;
	type Assets = AnyAsset;
	type Tasks = MockTasks;
	type Contributions = MockTasks;
	type Backers = Backing;
	type LicensingOrigin = EnsureRoot<AccountId>;
	type PalletId = LicensingPalletId;
	type MaxContributors = ConstU32<MAX_CONTRIBUTORS>;
	type MaxJurisdictions = ConstU32<4>;
	type MaxCidLen = ConstU32<64>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockBenchmarkHelper;
}

/// The training pallet's task states, as the runtime's adapters would map them.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode)]
pub enum MockStatus {
	/// Proposed: backable; licensing terms still up to the owner.
	Proposed,
	/// Approved or active: backable and licensable.
	Active,
	/// Completed: licensable, no longer backable.
	Completed,
	/// Cancelled: neither.
	Cancelled,
}

/// A task in the mock task table.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct MockTask {
	/// The proposer.
	pub owner: AccountId,
	/// Where the task stands.
	pub status: MockStatus,
	/// The latest global model's CID.
	pub model: Option<Vec<u8>>,
	/// Contributors with their accumulated rewards, in ledger order.
	pub contributors: Vec<(AccountId, Balance)>,
}

fn task_key(task: TaskId) -> Vec<u8> {
	(b"mock/licensing/task", task).encode()
}

/// Stores `task` in the mock task table.
pub fn put_task(id: TaskId, task: &MockTask) {
	unhashed::put(&task_key(id), task);
}

/// Reads `task` from the mock task table.
pub fn get_task(id: TaskId) -> Option<MockTask> {
	unhashed::get(&task_key(id))
}

/// Changes `task` in the mock task table.
pub fn update_task(id: TaskId, change: impl FnOnce(&mut MockTask)) {
	let mut task = get_task(id).expect("the mock task exists");
	change(&mut task);
	put_task(id, &task);
}

/// Adapters over the mock task table, shaped like the runtime's adapters over the training
/// pallet.
pub struct MockTasks;

impl pallet_backing::BackableTasks<TaskId> for MockTasks {
	fn can_be_backed(task: TaskId) -> bool {
		get_task(task)
			.is_some_and(|t| matches!(t.status, MockStatus::Proposed | MockStatus::Active))
	}
}

impl LicensableTasks<TaskId, AccountId> for MockTasks {
	fn owner(task: TaskId) -> Option<AccountId> {
		get_task(task).map(|t| t.owner)
	}

	fn stage(task: TaskId) -> Option<TaskStage> {
		get_task(task).map(|t| match t.status {
			MockStatus::Proposed => TaskStage::Proposed,
			MockStatus::Active | MockStatus::Completed => TaskStage::Licensable,
			MockStatus::Cancelled => TaskStage::Closed,
		})
	}

	fn latest_model(task: TaskId) -> Option<Vec<u8>> {
		get_task(task).and_then(|t| t.model)
	}
}

impl ContributionsOf<TaskId, AccountId, Balance> for MockTasks {
	fn contributions<Limit: Get<u32>>(task: TaskId) -> BoundedVec<(AccountId, Balance), Limit> {
		let mut contributors = get_task(task).map(|t| t.contributors).unwrap_or_default();
		// Keep the largest rewards when there are too many, as the runtime adapter does.
		contributors.sort_by_key(|(_, reward)| core::cmp::Reverse(*reward));
		BoundedVec::truncate_from(contributors)
	}
}

/// Benchmarks create tasks from id 1_000 and fee asset 100.
#[cfg(feature = "runtime-benchmarks")]
pub struct MockBenchmarkHelper;

#[cfg(feature = "runtime-benchmarks")]
const BENCHMARK_TASKS: &[u8] = b"mock/licensing/next-benchmark-task";

#[cfg(feature = "runtime-benchmarks")]
impl pallet_backing::BenchmarkHelper<NativeOrWithId<u32>> for MockBenchmarkHelper {
	fn create_asset(index: u32) -> NativeOrWithId<u32> {
		use frame_support::traits::fungibles::{Create, Inspect};
		let id = 100 + index;
		if !<Assets as Inspect<AccountId>>::asset_exists(id) {
			let created = <Assets as Create<AccountId>>::create(id, 0, true, 1);
			assert!(created.is_ok(), "the benchmark asset can be created");
		}
		NativeOrWithId::WithId(id)
	}

	fn backable_task() -> TaskId {
		<Self as crate::BenchmarkHelper<AccountId, NativeOrWithId<u32>, Balance>>::create_task(
			&0,
			TaskStage::Proposed,
		)
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId, NativeOrWithId<u32>, Balance> for MockBenchmarkHelper {
	fn fee_asset() -> NativeOrWithId<u32> {
		<Self as pallet_backing::BenchmarkHelper<NativeOrWithId<u32>>>::create_asset(0)
	}

	fn create_task(owner: &AccountId, stage: TaskStage) -> TaskId {
		let id = unhashed::get_or(BENCHMARK_TASKS, 1_000u32);
		unhashed::put(BENCHMARK_TASKS, &(id + 1));
		let (status, model) = match stage {
			TaskStage::Proposed => (MockStatus::Proposed, None),
			TaskStage::Licensable => (MockStatus::Active, Some(vec![7; 36])),
			TaskStage::Closed => (MockStatus::Cancelled, None),
		};
		put_task(
			id,
			&MockTask {
				owner: *owner,
				status,
				model,
				contributors: vec![],
			},
		);
		id
	}

	fn add_contributor(task: TaskId, who: &AccountId, reward: Balance) {
		update_task(task, |t| t.contributors.push((*who, reward)));
	}

	fn add_backer(task: TaskId, who: &AccountId) {
		use frame_support::traits::fungibles::Mutate;
		let minted = <AnyAsset as Mutate<AccountId>>::mint_into(Native::get(), who, 1_000_000);
		assert!(minted.is_ok(), "the benchmark backer can be funded");
		let staked = Backing::stake(RuntimeOrigin::signed(*who), task, Native::get(), 1_000);
		assert!(staked.is_ok(), "the benchmark backer can stake");
	}
}

/// The Assets-pallet test asset (sufficient, minimum balance 5).
pub const ASSET_ID: u32 = 7;
/// Its minimum balance.
pub const ASSET_MIN_BALANCE: Balance = 5;
/// An Assets-pallet asset that is not sufficient: only existing accounts can hold it.
pub const INSUFFICIENT_ASSET_ID: u32 = 8;
/// Funds every test account starts with, in each asset.
pub const INITIAL_FUNDS: Balance = 1_000_000_000;
/// Test accounts are `1..=ACCOUNTS`.
pub const ACCOUNTS: AccountId = 100;

/// The native token.
pub fn native() -> NativeOrWithId<u32> {
	NativeOrWithId::Native
}

/// The Assets-pallet test asset.
pub fn asset() -> NativeOrWithId<u32> {
	NativeOrWithId::WithId(ASSET_ID)
}

/// Genesis with funded accounts in the native token and the test asset.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let accounts: Vec<AccountId> = (1..=ACCOUNTS).collect();
	let storage = RuntimeGenesisConfig {
		balances: pallet_balances::GenesisConfig {
			balances: accounts.iter().map(|who| (*who, INITIAL_FUNDS)).collect(),
			..Default::default()
		},
		assets: pallet_assets::GenesisConfig {
			assets: vec![
				(ASSET_ID, 1, true, ASSET_MIN_BALANCE),
				(INSUFFICIENT_ASSET_ID, 1, false, ASSET_MIN_BALANCE),
			],
			metadata: vec![],
			accounts: [ASSET_ID, INSUFFICIENT_ASSET_ID]
				.iter()
				.flat_map(|id| accounts.iter().map(move |who| (*id, *who, INITIAL_FUNDS)))
				.collect(),
			next_asset_id: None,
			reserves: vec![],
		},
		..Default::default()
	}
	.build_storage()
	.expect("the mock genesis is valid");
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs `test` in fresh externalities, then checks both pallets' invariants.
pub fn run_test(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Licensing::do_try_state().expect("licensing invariants hold at the end of the test");
		Backing::do_try_state().expect("backing invariants hold at the end of the test");
	});
}

/// The licensing pallet's events so far, oldest first.
pub fn licensing_events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Licensing(event) => Some(event),
			_ => None,
		})
		.collect()
}
