//! Test runtime: real Balances, Assets and AssetsHolder, so that both native-token tasks and
//! Assets-pallet tasks are exercised through the same fungible traits as in the runtime.

use crate as pallet_training;
use crate::{Cid, TaskId, TaskParams};
use codec::Encode;
use core::cell::RefCell;
use frame_support::{
	derive_impl, ord_parameter_types, parameter_types,
	traits::{
		fungible::{NativeFromLeft, NativeOrWithId, UnionOf},
		AsEnsureOriginWithArg, ConstU32, ConstU64, Hooks, Randomness,
	},
	weights::Weight,
	PalletId,
};
use frame_system::{EnsureRoot, EnsureSignedBy};
use sp_core::H256;
use sp_runtime::{BuildStorage, Perbill};
use std::collections::BTreeMap;

/// Account ids are plain integers, wide enough (16 bytes) that each task's pool sub-account
/// (`"modl" ‖ PalletId ‖ task`) is distinct.
pub type AccountId = u128;
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
	pub type Training = pallet_training;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type AccountId = AccountId;
	type Lookup = sp_runtime::traits::IdentityLookup<AccountId>;
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
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

thread_local! {
	static RANDOM_SALT: RefCell<u64> = const { RefCell::new(0) };
	static PRIORITIES: RefCell<BTreeMap<TaskId, u128>> = const { RefCell::new(BTreeMap::new()) };
}

/// Task priorities that tests set with [`set_priority`] (0 unless set), standing in for the
/// backing pallet.
pub struct TestPriority;

impl crate::TaskPriority for TestPriority {
	fn priority(task: TaskId) -> u128 {
		PRIORITIES.with(|priorities| priorities.borrow().get(&task).copied().unwrap_or(0))
	}
}

/// Sets the priority [`TestPriority`] reports for `task`.
pub fn set_priority(task: TaskId, priority: u128) {
	PRIORITIES.with(|priorities| priorities.borrow_mut().insert(task, priority));
}

/// Forgets every priority set with [`set_priority`].
pub fn clear_priorities() {
	PRIORITIES.with(|priorities| priorities.borrow_mut().clear());
}

/// A deterministic randomness source: `blake2_256(subject ‖ block ‖ salt)`. Tests change the
/// salt with [`set_random_salt`] to get a different selection.
pub struct TestRandomness;

impl Randomness<H256, u64> for TestRandomness {
	fn random(subject: &[u8]) -> (H256, u64) {
		let block = System::block_number();
		let salt = RANDOM_SALT.with(|salt| *salt.borrow());
		(
			H256(sp_io::hashing::blake2_256(&(subject, block, salt).encode())),
			block,
		)
	}
}

/// Changes the mock randomness.
pub fn set_random_salt(salt: u64) {
	RANDOM_SALT.with(|cell| *cell.borrow_mut() = salt);
}

parameter_types! {
	pub const TrainingPalletId: PalletId = PalletId(*b"dml/trai");
	pub Quorum: Perbill = Perbill::from_rational(2u32, 3u32);
	pub const Smoothing: Perbill = Perbill::from_percent(20);
	pub const Floor: Perbill = Perbill::from_percent(10);
	pub storage HookBudget: Weight = Weight::MAX;
}

ord_parameter_types! {
	/// The account standing in for the licensing referendum track.
	pub const TermsBody: AccountId = TERMS_BODY;
	/// The account standing in for the protocol-parameters track.
	pub const ThresholdsBody: AccountId = THRESHOLDS_BODY;
	/// The account standing in for the council.
	pub const EmergencyBody: AccountId = EMERGENCY_BODY;
}

/// Signs for [`pallet_training::Config::TermsOrigin`].
pub const TERMS_BODY: AccountId = 201;
/// Signs for [`pallet_training::Config::ThresholdsOrigin`].
pub const THRESHOLDS_BODY: AccountId = 202;
/// Signs for [`pallet_training::Config::EmergencyOrigin`].
pub const EMERGENCY_BODY: AccountId = 203;

impl pallet_training::Config for Test {
	type AssetKind = NativeOrWithId<u32>;
	type Assets = UnionOf<Balances, Assets, NativeFromLeft, NativeOrWithId<u32>, AccountId>;
	type AssetHolds =
		UnionOf<Balances, AssetsHolder, NativeFromLeft, NativeOrWithId<u32>, AccountId>;
	type RuntimeHoldReason = RuntimeHoldReason;
	type GovernanceOrigin = EnsureRoot<AccountId>;
	type TermsOrigin = EnsureSignedBy<TermsBody, AccountId>;
	type ThresholdsOrigin = EnsureSignedBy<ThresholdsBody, AccountId>;
	type EmergencyOrigin = EnsureSignedBy<EmergencyBody, AccountId>;
	type Priority = TestPriority;
	type Randomness = TestRandomness;
	type PalletId = TrainingPalletId;
	type MaxCidLen = ConstU32<64>;
	type MaxTrainersPerRound = ConstU32<1024>;
	type MaxValidatorsPerRound = ConstU32<16>;
	type MaxRoster = ConstU32<4096>;
	type MaxAllowList = ConstU32<16>;
	type MaxJurisdictions = ConstU32<8>;
	type MaxRounds = ConstU32<100>;
	// Small, so that tests see full blocks and multi-block settlement.
	type MaxDuePerBlock = ConstU32<2>;
	// Small, so that tests fill the active set, the queue and the contributor list.
	type MaxActiveTasks = ConstU32<3>;
	type MaxQueuedTasks = ConstU32<3>;
	type MaxContributors = ConstU32<6>;
	type SettlementBatch = ConstU32<4>;
	type LeaveCooldown = ConstU64<10>;
	type MinPhaseBlocks = ConstU64<2>;
	type AttestationQuorum = Quorum;
	type ReputationSmoothing = Smoothing;
	type ReputationFloor = Floor;
	type MaxHookWeight = HookBudget;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchmarkAsset;
}

/// The Assets-pallet asset used by tests (sufficient, minimum balance 1).
pub const ASSET_ID: u32 = 7;
/// The asset benchmarks create.
#[cfg(feature = "runtime-benchmarks")]
pub const BENCHMARK_ASSET_ID: u32 = 99;
/// Funds every test account starts with, in each asset.
pub const INITIAL_FUNDS: Balance = 1_000_000;
/// Test accounts are `1..=ACCOUNTS`.
pub const ACCOUNTS: AccountId = 120;

/// The native token.
pub fn native() -> NativeOrWithId<u32> {
	NativeOrWithId::Native
}

/// The Assets-pallet test asset.
pub fn asset() -> NativeOrWithId<u32> {
	NativeOrWithId::WithId(ASSET_ID)
}

/// Benchmarks run on an Assets-pallet asset: holds then go through AssetsHolder.
#[cfg(feature = "runtime-benchmarks")]
pub struct BenchmarkAsset;

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<NativeOrWithId<u32>> for BenchmarkAsset {
	fn bond_asset() -> NativeOrWithId<u32> {
		use frame_support::traits::fungibles::{Create, Inspect};
		if !<Assets as Inspect<AccountId>>::asset_exists(BENCHMARK_ASSET_ID) {
			let created = <Assets as Create<AccountId>>::create(BENCHMARK_ASSET_ID, 0, true, 1);
			assert!(created.is_ok(), "the benchmark asset can be created");
		}
		NativeOrWithId::WithId(BENCHMARK_ASSET_ID)
	}
}

/// A well-formed CIDv1 (raw, sha2-256) whose digest is `tag` repeated.
pub fn cid(tag: u8) -> Cid<Test> {
	let mut bytes = vec![0x01, 0x55, 0x12, 0x20];
	bytes.extend([tag; 32]);
	Cid::<Test>::truncate_from(bytes)
}

/// Reasonable parameters for a small task in `asset`.
pub fn params(asset: NativeOrWithId<u32>) -> TaskParams<Test> {
	use crate::{Eligibility, MinBonds, PhaseLengths, RewardSplit, SlashRates};
	use decentralml_primitives::{AggregationConfig, StrategyConfig};
	TaskParams {
		model_card: cid(200),
		initial_model: cid(201),
		aggregation: AggregationConfig::plain(StrategyConfig::FedAvg),
		rounds: 2,
		phases: PhaseLengths {
			training: 5,
			commit: 3,
			reveal: 3,
			aggregation: 4,
		},
		trainers_per_round: 4,
		min_updates: 2,
		validators_per_round: 3,
		asset,
		budget_per_round: 1_000,
		pool_deposit: 10_001,
		min_score: Perbill::from_percent(50),
		harmful_score: Perbill::from_percent(10),
		reward_split: RewardSplit {
			trainers: Perbill::from_percent(70),
			validators: Perbill::from_percent(20),
			aggregator: Perbill::from_percent(5),
		},
		example_cap: 1_000,
		slash_rates: SlashRates {
			absent_trainer: Perbill::from_percent(10),
			harmful_update: Perbill::from_percent(50),
			absent_validator: Perbill::from_percent(20),
			dissenting_validator: Perbill::from_percent(30),
			wrong_aggregator: Perbill::from_percent(40),
			absent_aggregator: Perbill::from_percent(25),
		},
		score_tolerance: Perbill::from_percent(20),
		min_bonds: MinBonds {
			trainer: 100,
			validator: 200,
			aggregator: 300,
		},
		eligibility: Eligibility {
			allow_list: None,
			jurisdictions: None,
		},
	}
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
			assets: vec![(ASSET_ID, 1, true, 1)],
			metadata: vec![],
			accounts: accounts
				.iter()
				.map(|who| (ASSET_ID, *who, INITIAL_FUNDS))
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

/// Runs `test` in fresh externalities, then checks the pallet's invariants.
pub fn run_test(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		set_random_salt(0);
		clear_priorities();
		test();
		Training::do_try_state().expect("try_state invariants hold at the end of the test");
	});
}

/// Advances to block `target`, running the pallet's `on_initialize` for each new block.
pub fn run_to_block(target: u64) {
	while System::block_number() < target {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Training::on_initialize(next);
	}
}

/// The pallet's events so far, oldest first.
pub fn training_events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Training(event) => Some(event),
			_ => None,
		})
		.collect()
}
