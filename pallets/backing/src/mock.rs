//! Test runtime: real Balances, Assets and AssetsHolder, so that native stakes and
//! Assets-pallet stakes go through the same fungible traits as in the runtime. The training
//! pallet is replaced by a task-state table in test storage.

use crate as pallet_backing;
use crate::TaskId;
use codec::Encode;
use frame_support::{
	derive_impl, parameter_types,
	storage::unhashed,
	traits::{
		fungible::{NativeFromLeft, NativeOrWithId, UnionOf},
		AsEnsureOriginWithArg, ConstU32, ConstU64,
	},
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
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type ExistentialDeposit = ConstU64<10>;
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

parameter_types! {
	pub const Native: NativeOrWithId<u32> = NativeOrWithId::Native;
}

/// Blocks between unstaking and withdrawing in tests.
pub const COOLDOWN: u64 = 10;

impl pallet_backing::Config for Test {
	type AssetKind = NativeOrWithId<u32>;
	type Assets = UnionOf<Balances, Assets, NativeFromLeft, NativeOrWithId<u32>, AccountId>;
	type AssetHolds =
		UnionOf<Balances, AssetsHolder, NativeFromLeft, NativeOrWithId<u32>, AccountId>;
	type RuntimeHoldReason = RuntimeHoldReason;
	type NativeAsset = Native;
	type Tasks = MockTasks;
	type ValuationOrigin = EnsureRoot<AccountId>;
	type MaxBackersPerTask = ConstU32<4>;
	type MaxAssetsPerTask = ConstU32<3>;
	type MaxStakesPerBacker = ConstU32<5>;
	type UnstakeCooldown = ConstU64<COOLDOWN>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockBenchmarkHelper;
}

/// The training pallet's view of a task, as far as backing cares.
#[derive(Clone, Copy, PartialEq, Eq, Debug, codec::Encode, codec::Decode)]
pub enum MockTaskState {
	/// Proposed, queued, active or paused: accepts backing.
	Open,
	/// Completed or cancelled: accepts no backing.
	Closed,
}

fn task_key(task: TaskId) -> Vec<u8> {
	(b"mock/backing/task", task).using_encoded(|bytes| bytes.to_vec())
}

/// Sets the state of `task` in the mock task table.
pub fn set_task(task: TaskId, state: MockTaskState) {
	unhashed::put(&task_key(task), &state);
}

/// Tasks in test storage; unknown tasks cannot be backed.
pub struct MockTasks;

impl crate::BackableTasks<TaskId> for MockTasks {
	fn can_be_backed(task: TaskId) -> bool {
		unhashed::get::<MockTaskState>(&task_key(task)) == Some(MockTaskState::Open)
	}
}

/// Benchmarks create Assets-pallet assets from id 100 and open tasks from id 1_000.
#[cfg(feature = "runtime-benchmarks")]
pub struct MockBenchmarkHelper;

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<NativeOrWithId<u32>> for MockBenchmarkHelper {
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
		set_task(1_000, MockTaskState::Open);
		1_000
	}
}

/// The Assets-pallet test asset (sufficient, minimum balance 5).
pub const ASSET_ID: u32 = 7;
/// A second Assets-pallet test asset.
pub const OTHER_ASSET_ID: u32 = 8;
/// A third Assets-pallet test asset.
pub const THIRD_ASSET_ID: u32 = 9;
/// Funds every test account starts with, in each asset.
pub const INITIAL_FUNDS: Balance = 1_000_000;
/// Test accounts are `1..=ACCOUNTS`.
pub const ACCOUNTS: AccountId = 20;
/// An open task.
pub const TASK: TaskId = 1;
/// A second open task.
pub const OTHER_TASK: TaskId = 2;

/// The native token.
pub fn native() -> NativeOrWithId<u32> {
	NativeOrWithId::Native
}

/// The Assets-pallet test asset.
pub fn asset() -> NativeOrWithId<u32> {
	NativeOrWithId::WithId(ASSET_ID)
}

/// Genesis with funded accounts in the native token and the test assets; [`TASK`] and
/// [`OTHER_TASK`] are open.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let accounts: Vec<AccountId> = (1..=ACCOUNTS).collect();
	let asset_ids = [ASSET_ID, OTHER_ASSET_ID, THIRD_ASSET_ID];
	let storage = RuntimeGenesisConfig {
		balances: pallet_balances::GenesisConfig {
			balances: accounts.iter().map(|who| (*who, INITIAL_FUNDS)).collect(),
			..Default::default()
		},
		assets: pallet_assets::GenesisConfig {
			assets: asset_ids.iter().map(|id| (*id, 1, true, 5)).collect(),
			metadata: vec![],
			accounts: asset_ids
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
	ext.execute_with(|| {
		System::set_block_number(1);
		set_task(TASK, MockTaskState::Open);
		set_task(OTHER_TASK, MockTaskState::Open);
	});
	ext
}

/// Runs `test` in fresh externalities, then checks the pallet's invariants.
pub fn run_test(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Backing::do_try_state().expect("try_state invariants hold at the end of the test");
	});
}

/// The pallet's events so far, oldest first.
pub fn backing_events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Backing(event) => Some(event),
			_ => None,
		})
		.collect()
}
