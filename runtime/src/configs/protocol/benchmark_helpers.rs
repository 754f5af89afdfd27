//! What the protocol pallets' benchmarks need from this runtime: assets to bond, stake and pay
//! in, and real training tasks at a given stage.

use super::{AssetKind, NativeAndAssets, TrainingPalletId};
use crate::{
	governance::TaskGovernance, AccountId, AssetId, Assets, Backing, Balance, Runtime,
	RuntimeOrigin, Training, UNIT,
};
use alloc::{boxed::Box, vec, vec::Vec};
use decentralml_primitives::{AggregationConfig, StrategyConfig};
use frame_support::{
	traits::{
		fungible::NativeOrWithId,
		fungibles::{Create, Inspect, Mutate},
		EnsureOrigin, Get,
	},
	BoundedVec,
};
use pallet_licensing::TaskStage;
use pallet_training::{
	Eligibility, MinBonds, PhaseLengths, RewardSplit, SlashRates, TaskId, TaskParams,
};
use sp_runtime::{traits::AccountIdConversion, Perbill};

/// The benchmark helper of the training, backing and licensing pallets.
pub struct ProtocolBenchmarks;

/// Benchmark assets get ids from here up, clear of the ids genesis or users create.
const FIRST_BENCHMARK_ASSET: AssetId = 1_000_000;

/// Funds a benchmark task's owner starts with.
const OWNER_FUNDS: Balance = 1_000_000 * UNIT;

fn cid(tag: u8) -> BoundedVec<u8, frame_support::traits::ConstU32<64>> {
	let mut bytes: Vec<u8> = vec![0x01, 0x55, 0x12, 0x20];
	bytes.extend([tag; 32]);
	BoundedVec::truncate_from(bytes)
}

/// A one-round task on the native token with the smallest phases governance allows.
fn task_params() -> TaskParams<Runtime> {
	let phase = <super::MinPhaseBlocks as Get<crate::BlockNumber>>::get();
	let percent = Perbill::from_percent;
	TaskParams {
		model_card: cid(1),
		initial_model: cid(2),
		aggregation: AggregationConfig::plain(StrategyConfig::FedAvg),
		rounds: 1,
		phases: PhaseLengths {
			training: phase,
			commit: phase,
			reveal: phase,
			aggregation: phase,
		},
		trainers_per_round: 1,
		min_updates: 1,
		validators_per_round: 1,
		asset: NativeOrWithId::Native,
		budget_per_round: UNIT,
		pool_deposit: 10 * UNIT,
		min_score: percent(50),
		harmful_score: percent(10),
		reward_split: RewardSplit {
			trainers: percent(70),
			validators: percent(20),
			aggregator: percent(10),
		},
		example_cap: 1_000,
		slash_rates: SlashRates {
			absent_trainer: percent(10),
			harmful_update: percent(20),
			absent_validator: percent(10),
			dissenting_validator: percent(10),
			wrong_aggregator: percent(20),
			absent_aggregator: percent(10),
		},
		score_tolerance: percent(20),
		min_bonds: MinBonds {
			trainer: UNIT,
			validator: UNIT,
			aggregator: UNIT,
		},
		eligibility: Eligibility {
			allow_list: None,
			jurisdictions: None,
		},
	}
}

/// Proposes a task owned by `owner` through the real call; panics (benchmarks only) when the
/// runtime refuses, which means the parameters above no longer fit its bounds.
fn propose(owner: &AccountId) -> TaskId {
	let minted = <NativeAndAssets as Mutate<AccountId>>::mint_into(
		NativeOrWithId::Native,
		owner,
		OWNER_FUNDS,
	);
	assert!(minted.is_ok(), "the benchmark task owner can be funded");
	let id = pallet_training::NextTaskId::<Runtime>::get();
	let proposed = Training::propose_task(
		RuntimeOrigin::signed(owner.clone()),
		Box::new(task_params()),
	);
	assert!(
		proposed.is_ok(),
		"the benchmark task is accepted: {proposed:?}"
	);
	id
}

fn governance() -> RuntimeOrigin {
	TaskGovernance::try_successful_origin().expect("the task-approval track has an origin")
}

impl pallet_training::BenchmarkHelper<AssetKind> for ProtocolBenchmarks {
	fn bond_asset() -> AssetKind {
		NativeOrWithId::Native
	}
}

impl pallet_backing::BenchmarkHelper<AssetKind> for ProtocolBenchmarks {
	fn create_asset(index: u32) -> AssetKind {
		let id = FIRST_BENCHMARK_ASSET.saturating_add(index);
		if !<Assets as Inspect<AccountId>>::asset_exists(id) {
			let admin: AccountId = TrainingPalletId::get().into_account_truncating();
			let created = <Assets as Create<AccountId>>::create(id, admin, true, 1);
			assert!(created.is_ok(), "the benchmark asset can be created");
		}
		NativeOrWithId::WithId(id)
	}

	fn backable_task() -> TaskId {
		propose(&frame_benchmarking::account("backable-owner", 0, 0))
	}
}

impl pallet_licensing::BenchmarkHelper<AccountId, AssetKind, Balance> for ProtocolBenchmarks {
	fn fee_asset() -> AssetKind {
		NativeOrWithId::Native
	}

	fn create_task(owner: &AccountId, stage: TaskStage) -> TaskId {
		let id = propose(owner);
		let moved = match stage {
			TaskStage::Proposed => Ok(()),
			TaskStage::Licensable => Training::approve_task(governance(), id),
			TaskStage::Closed => Training::cancel_task(governance(), id)
				.map(|_| ())
				.map_err(|e| e.error),
		};
		assert!(
			moved.is_ok(),
			"the benchmark task reaches {stage:?}: {moved:?}"
		);
		id
	}

	fn add_contributor(task: TaskId, who: &AccountId, reward: Balance) {
		pallet_training::Earned::<Runtime>::mutate(task, who, |earned| {
			*earned = earned.saturating_add(reward)
		});
		let listed = pallet_training::Contributors::<Runtime>::try_append(task, who);
		assert!(
			listed.is_ok(),
			"the benchmark contributor fits MaxContributors"
		);
	}

	fn add_backer(task: TaskId, who: &AccountId) {
		let minted = <NativeAndAssets as Mutate<AccountId>>::mint_into(
			NativeOrWithId::Native,
			who,
			1_000 * UNIT,
		);
		assert!(minted.is_ok(), "the benchmark backer can be funded");
		let staked = Backing::stake(
			RuntimeOrigin::signed(who.clone()),
			task,
			NativeOrWithId::Native,
			100 * UNIT,
		);
		assert!(staked.is_ok(), "the benchmark backer can stake: {staked:?}");
	}
}
