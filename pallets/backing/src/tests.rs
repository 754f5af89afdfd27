//! Unit tests on the mock runtime. Every test ends with `do_try_state` (see
//! [`crate::mock::run_test`]).

use crate::{mock::*, *};
use frame_support::{
	assert_noop, assert_ok,
	traits::{
		fungible::NativeOrWithId,
		fungibles::{Inspect, InspectHold, Mutate},
		tokens::Preservation,
	},
};
use sp_runtime::{DispatchError, FixedU128, TokenError};

const ALICE: AccountId = 1;
const BOB: AccountId = 2;
const CAROL: AccountId = 3;

fn stake(who: AccountId, task: TaskId, asset: NativeOrWithId<u32>, amount: Balance) {
	assert_ok!(Backing::stake(
		RuntimeOrigin::signed(who),
		task,
		asset,
		amount
	));
}

fn held(who: AccountId, asset: NativeOrWithId<u32>) -> Balance {
	<Test as Config>::AssetHolds::balance_on_hold(asset, &Backing::hold_reason(), &who)
}

/// The balance not on hold.
fn free(who: AccountId, asset: NativeOrWithId<u32>) -> Balance {
	<Test as Config>::Assets::balance(asset, &who)
}

fn value(asset: NativeOrWithId<u32>, units: u128) {
	assert_ok!(Backing::set_valuation(
		RuntimeOrigin::root(),
		asset,
		FixedU128::from(units)
	));
}

fn run_to(block: u64) {
	System::set_block_number(block);
}

#[test]
fn staking_native_holds_and_counts_at_once() {
	run_test(|| {
		stake(ALICE, TASK, native(), 500);
		assert_eq!(held(ALICE, native()), 500);
		assert_eq!(free(ALICE, native()), INITIAL_FUNDS - 500);
		assert_eq!(Backing::backing_value(TASK), 500);
		assert_eq!(
			Backing::backer_weights(TASK).into_inner(),
			vec![(ALICE, 500)]
		);
		assert_eq!(
			backing_events(),
			vec![Event::Staked {
				task: TASK,
				who: ALICE,
				asset: native(),
				amount: 500
			}]
		);
	});
}

#[test]
fn held_stake_cannot_be_spent() {
	run_test(|| {
		stake(ALICE, TASK, asset(), INITIAL_FUNDS - 100);
		let spent = <Test as Config>::Assets::transfer(
			asset(),
			&ALICE,
			&BOB,
			200,
			Preservation::Expendable,
		);
		assert!(spent.is_err(), "held stake must not be transferable");
		assert_eq!(<Test as Config>::Assets::balance(asset(), &ALICE), 100);
	});
}

#[test]
fn an_asset_counts_only_once_valued() {
	run_test(|| {
		stake(ALICE, TASK, asset(), 1_000);
		assert_eq!(held(ALICE, asset()), 1_000);
		assert_eq!(
			Backing::backing_value(TASK),
			0,
			"an unvalued asset buys no priority"
		);
		assert!(Backing::backer_weights(TASK).is_empty(), "nor revenue");

		assert_ok!(Backing::set_valuation(
			RuntimeOrigin::root(),
			asset(),
			FixedU128::from_rational(1, 4)
		));
		assert_eq!(Backing::backing_value(TASK), 250);
		assert_eq!(
			Backing::backer_weights(TASK).into_inner(),
			vec![(ALICE, 250)]
		);
	});
}

#[test]
fn native_is_worth_one_until_governance_says_otherwise() {
	run_test(|| {
		assert_eq!(Backing::valuation(&native()), FixedU128::from(1));
		assert_eq!(Backing::valuation(&asset()), FixedU128::from(0));
		stake(ALICE, TASK, native(), 300);
		assert_ok!(Backing::set_valuation(
			RuntimeOrigin::root(),
			native(),
			FixedU128::from(0)
		));
		assert_eq!(Backing::backing_value(TASK), 0);
		assert_eq!(
			backing_events().last(),
			Some(&Event::ValuationSet {
				asset: native(),
				value: FixedU128::from(0)
			})
		);
	});
}

#[test]
fn only_the_valuation_origin_sets_valuations() {
	run_test(|| {
		assert_noop!(
			Backing::set_valuation(RuntimeOrigin::signed(ALICE), asset(), FixedU128::from(9)),
			DispatchError::BadOrigin
		);
		assert_eq!(AssetValuation::<Test>::get(asset()), None);
	});
}

#[test]
fn task_value_sums_assets_by_valuation() {
	run_test(|| {
		value(asset(), 3);
		stake(ALICE, TASK, native(), 100);
		stake(BOB, TASK, asset(), 50);
		stake(BOB, TASK, native(), 20);
		stake(CAROL, TASK, NativeOrWithId::WithId(OTHER_ASSET_ID), 1_000);
		// 120 native × 1 + 50 × 3 + 1_000 unvalued.
		assert_eq!(Backing::backing_value(TASK), 270);
		let mut weights = Backing::backer_weights(TASK).into_inner();
		weights.sort();
		assert_eq!(weights, vec![(ALICE, 100), (BOB, 170)]);
		assert_eq!(
			<Backing as BackingInfo<AccountId>>::backing_value(TASK),
			270
		);
		assert_eq!(Backing::backing_value(OTHER_TASK), 0);
	});
}

#[test]
fn stake_adds_to_an_existing_position() {
	run_test(|| {
		stake(ALICE, TASK, native(), 100);
		stake(ALICE, TASK, native(), 150);
		assert_eq!(held(ALICE, native()), 250);
		let positions = Stakes::<Test>::get(TASK, ALICE).expect("staked");
		assert_eq!(positions.len(), 1);
		assert_eq!(positions[0].active, 250);
		assert_eq!(StakeCount::<Test>::get(ALICE), 1);
		assert_eq!(BackerCount::<Test>::get(TASK), 1);
	});
}

#[test]
fn stake_is_refused_for_bad_input() {
	run_test(|| {
		assert_noop!(
			Backing::stake(RuntimeOrigin::signed(ALICE), TASK, native(), 0),
			Error::<Test>::ZeroAmount
		);
		assert_noop!(
			Backing::stake(RuntimeOrigin::signed(ALICE), 99, native(), 10),
			Error::<Test>::TaskNotBackable
		);
		set_task(TASK, MockTaskState::Closed);
		assert_noop!(
			Backing::stake(RuntimeOrigin::signed(ALICE), TASK, native(), 10),
			Error::<Test>::TaskNotBackable
		);
		assert_noop!(
			Backing::stake(
				RuntimeOrigin::signed(ALICE),
				OTHER_TASK,
				native(),
				INITIAL_FUNDS + 1
			),
			TokenError::FundsUnavailable
		);
		assert_noop!(
			Backing::stake(
				RuntimeOrigin::signed(ALICE),
				OTHER_TASK,
				NativeOrWithId::WithId(55),
				1
			),
			Error::<Test>::UnknownAsset
		);
	});
}

#[test]
fn backers_per_task_are_bounded() {
	run_test(|| {
		for who in 1..=4 {
			stake(who, TASK, native(), 10);
		}
		assert_noop!(
			Backing::stake(RuntimeOrigin::signed(5), TASK, native(), 10),
			Error::<Test>::TooManyBackers
		);
		// An existing backer can still add.
		stake(4, TASK, native(), 10);
	});
}

#[test]
fn assets_per_task_are_bounded() {
	run_test(|| {
		stake(ALICE, TASK, native(), 10);
		stake(ALICE, TASK, asset(), 10);
		stake(BOB, TASK, NativeOrWithId::WithId(OTHER_ASSET_ID), 10);
		assert_noop!(
			Backing::stake(
				RuntimeOrigin::signed(CAROL),
				TASK,
				NativeOrWithId::WithId(THIRD_ASSET_ID),
				10
			),
			Error::<Test>::TooManyAssets
		);
		stake(ALICE, TASK, NativeOrWithId::WithId(OTHER_ASSET_ID), 10);
		assert_noop!(
			Backing::stake(
				RuntimeOrigin::signed(ALICE),
				TASK,
				NativeOrWithId::WithId(THIRD_ASSET_ID),
				10
			),
			Error::<Test>::TooManyAssets
		);
	});
}

#[test]
fn positions_per_backer_are_bounded() {
	run_test(|| {
		let assets = [native(), asset(), NativeOrWithId::WithId(OTHER_ASSET_ID)];
		for asset in assets.clone() {
			stake(ALICE, TASK, asset, 10);
		}
		for asset in assets.iter().take(2).cloned() {
			stake(ALICE, OTHER_TASK, asset, 10);
		}
		assert_eq!(StakeCount::<Test>::get(ALICE), 5);
		assert_noop!(
			Backing::stake(
				RuntimeOrigin::signed(ALICE),
				OTHER_TASK,
				assets[2].clone(),
				10
			),
			Error::<Test>::TooManyStakes
		);
	});
}

#[test]
fn unstaking_stops_counting_at_once_and_unlocks_after_the_cooldown() {
	run_test(|| {
		stake(ALICE, TASK, asset(), 1_000);
		value(asset(), 1);
		assert_ok!(Backing::unstake(
			RuntimeOrigin::signed(ALICE),
			TASK,
			asset(),
			400
		));
		assert_eq!(Backing::backing_value(TASK), 600);
		assert_eq!(held(ALICE, asset()), 1_000, "unstaked funds stay held");
		let unlock_at = 1 + COOLDOWN;
		assert_eq!(
			backing_events().last(),
			Some(&Event::Unstaked {
				task: TASK,
				who: ALICE,
				asset: asset(),
				amount: 400,
				unlock_at
			})
		);

		run_to(unlock_at - 1);
		assert_noop!(
			Backing::withdraw(RuntimeOrigin::signed(ALICE), TASK, asset()),
			Error::<Test>::StillCoolingDown
		);
		run_to(unlock_at);
		assert_ok!(Backing::withdraw(
			RuntimeOrigin::signed(ALICE),
			TASK,
			asset()
		));
		assert_eq!(held(ALICE, asset()), 600);
		assert_eq!(free(ALICE, asset()), INITIAL_FUNDS - 600);
		assert_eq!(
			backing_events().last(),
			Some(&Event::Withdrawn {
				task: TASK,
				who: ALICE,
				asset: asset(),
				amount: 400
			})
		);
		assert_noop!(
			Backing::withdraw(RuntimeOrigin::signed(ALICE), TASK, asset()),
			Error::<Test>::NothingToWithdraw
		);
	});
}

#[test]
fn unstaking_again_restarts_the_cooldown() {
	run_test(|| {
		stake(ALICE, TASK, native(), 100);
		assert_ok!(Backing::unstake(
			RuntimeOrigin::signed(ALICE),
			TASK,
			native(),
			10
		));
		run_to(5);
		assert_ok!(Backing::unstake(
			RuntimeOrigin::signed(ALICE),
			TASK,
			native(),
			10
		));
		run_to(1 + COOLDOWN);
		assert_noop!(
			Backing::withdraw(RuntimeOrigin::signed(ALICE), TASK, native()),
			Error::<Test>::StillCoolingDown
		);
		run_to(5 + COOLDOWN);
		assert_ok!(Backing::withdraw(
			RuntimeOrigin::signed(ALICE),
			TASK,
			native()
		));
		assert_eq!(held(ALICE, native()), 80);
	});
}

#[test]
fn withdrawing_everything_forgets_the_backer() {
	run_test(|| {
		stake(ALICE, TASK, native(), 100);
		stake(ALICE, TASK, asset(), 100);
		assert_ok!(Backing::unstake(
			RuntimeOrigin::signed(ALICE),
			TASK,
			native(),
			100
		));
		assert_ok!(Backing::unstake(
			RuntimeOrigin::signed(ALICE),
			TASK,
			asset(),
			100
		));
		run_to(1 + COOLDOWN);
		assert_ok!(Backing::withdraw(
			RuntimeOrigin::signed(ALICE),
			TASK,
			native()
		));
		assert_eq!(StakeCount::<Test>::get(ALICE), 1);
		assert_ok!(Backing::withdraw(
			RuntimeOrigin::signed(ALICE),
			TASK,
			asset()
		));
		assert_eq!(Stakes::<Test>::get(TASK, ALICE), None);
		assert!(!StakeCount::<Test>::contains_key(ALICE));
		assert!(!BackerCount::<Test>::contains_key(TASK));
		assert!(!TaskTotals::<Test>::contains_key(TASK));
		assert_eq!(held(ALICE, native()), 0);
		assert_eq!(held(ALICE, asset()), 0);
		// The freed slot is available to a new backer.
		for who in 2..=5 {
			stake(who, TASK, native(), 10);
		}
	});
}

#[test]
fn unstake_is_refused_for_bad_input() {
	run_test(|| {
		assert_noop!(
			Backing::unstake(RuntimeOrigin::signed(ALICE), TASK, native(), 1),
			Error::<Test>::NotStaked
		);
		stake(ALICE, TASK, native(), 100);
		assert_noop!(
			Backing::unstake(RuntimeOrigin::signed(ALICE), TASK, asset(), 1),
			Error::<Test>::NotStaked
		);
		assert_noop!(
			Backing::unstake(RuntimeOrigin::signed(ALICE), TASK, native(), 101),
			Error::<Test>::InsufficientStake
		);
		assert_noop!(
			Backing::unstake(RuntimeOrigin::signed(ALICE), TASK, native(), 0),
			Error::<Test>::ZeroAmount
		);
		assert_noop!(
			Backing::withdraw(RuntimeOrigin::signed(BOB), TASK, native()),
			Error::<Test>::NotStaked
		);
	});
}

#[test]
fn a_closed_task_releases_everything_at_once() {
	run_test(|| {
		stake(ALICE, TASK, native(), 300);
		stake(ALICE, TASK, asset(), 70);
		assert_ok!(Backing::unstake(
			RuntimeOrigin::signed(ALICE),
			TASK,
			native(),
			100
		));
		set_task(TASK, MockTaskState::Closed);
		// Stake still counts for revenue until withdrawn.
		assert_eq!(
			Backing::backer_weights(TASK).into_inner(),
			vec![(ALICE, 200)]
		);
		assert_ok!(Backing::withdraw(
			RuntimeOrigin::signed(ALICE),
			TASK,
			native()
		));
		assert_eq!(held(ALICE, native()), 0);
		assert_eq!(
			backing_events().last(),
			Some(&Event::Withdrawn {
				task: TASK,
				who: ALICE,
				asset: native(),
				amount: 300
			})
		);
		assert_ok!(Backing::withdraw(
			RuntimeOrigin::signed(ALICE),
			TASK,
			asset()
		));
		assert_eq!(held(ALICE, asset()), 0);
		assert_eq!(free(ALICE, asset()), INITIAL_FUNDS);
		assert_eq!(Backing::backing_value(TASK), 0);
	});
}

#[test]
fn stakes_on_different_tasks_are_independent() {
	run_test(|| {
		stake(ALICE, TASK, native(), 100);
		stake(ALICE, OTHER_TASK, native(), 40);
		assert_eq!(held(ALICE, native()), 140);
		set_task(TASK, MockTaskState::Closed);
		assert_ok!(Backing::withdraw(
			RuntimeOrigin::signed(ALICE),
			TASK,
			native()
		));
		assert_eq!(held(ALICE, native()), 40);
		assert_eq!(Backing::backing_value(OTHER_TASK), 40);
		assert_noop!(
			Backing::withdraw(RuntimeOrigin::signed(ALICE), OTHER_TASK, native()),
			Error::<Test>::NothingToWithdraw
		);
	});
}

#[test]
fn minted_funds_can_be_staked() {
	run_test(|| {
		let newcomer = 99;
		assert_ok!(<Test as Config>::Assets::mint_into(asset(), &newcomer, 50));
		stake(newcomer, TASK, asset(), 40);
		assert_eq!(held(newcomer, asset()), 40);
	});
}

mod sequences {
	//! Random sequences of calls keep every invariant.

	use super::*;
	use proptest::prelude::*;

	#[derive(Clone, Debug)]
	enum Op {
		Stake {
			who: AccountId,
			task: TaskId,
			asset: u8,
			amount: Balance,
		},
		Unstake {
			who: AccountId,
			task: TaskId,
			asset: u8,
			amount: Balance,
		},
		Withdraw {
			who: AccountId,
			task: TaskId,
			asset: u8,
		},
		Advance(u64),
		Close(TaskId),
		Value {
			asset: u8,
			units: u32,
		},
	}

	fn asset_of(index: u8) -> NativeOrWithId<u32> {
		match index % 4 {
			0 => native(),
			1 => NativeOrWithId::WithId(ASSET_ID),
			2 => NativeOrWithId::WithId(OTHER_ASSET_ID),
			_ => NativeOrWithId::WithId(THIRD_ASSET_ID),
		}
	}

	fn op() -> impl Strategy<Value = Op> {
		let who = 1..=6u64;
		let task = 1..=2u32;
		prop_oneof![
			4 => (who.clone(), task.clone(), 0..4u8, 0..500u64)
				.prop_map(|(who, task, asset, amount)| Op::Stake { who, task, asset, amount }),
			2 => (who.clone(), task.clone(), 0..4u8, 0..300u64)
				.prop_map(|(who, task, asset, amount)| Op::Unstake { who, task, asset, amount }),
			2 => (who, task.clone(), 0..4u8)
				.prop_map(|(who, task, asset)| Op::Withdraw { who, task, asset }),
			1 => (0..2 * COOLDOWN).prop_map(Op::Advance),
			1 => task.prop_map(Op::Close),
			1 => (0..4u8, 0..5u32).prop_map(|(asset, units)| Op::Value { asset, units }),
		]
	}

	proptest! {
		#![proptest_config(ProptestConfig::with_cases(64))]

		#[test]
		fn invariants_hold_after_every_call(ops in proptest::collection::vec(op(), 1..40)) {
			new_test_ext().execute_with(|| {
				for op in ops {
					// Failures are expected (bounds, cool-downs); they must change nothing.
					let _ = match op {
						Op::Stake { who, task, asset, amount } =>
							Backing::stake(RuntimeOrigin::signed(who), task, asset_of(asset), amount),
						Op::Unstake { who, task, asset, amount } =>
							Backing::unstake(RuntimeOrigin::signed(who), task, asset_of(asset), amount),
						Op::Withdraw { who, task, asset } =>
							Backing::withdraw(RuntimeOrigin::signed(who), task, asset_of(asset)),
						Op::Advance(blocks) => {
							run_to(System::block_number() + blocks);
							Ok(())
						},
						Op::Close(task) => {
							set_task(task, MockTaskState::Closed);
							Ok(())
						},
						Op::Value { asset, units } => Backing::set_valuation(
							RuntimeOrigin::root(),
							asset_of(asset),
							FixedU128::from(u128::from(units)),
						),
					};
					Backing::do_try_state().expect("invariants hold after every call");
					let total: u128 = Backing::backer_weights(1)
						.iter()
						.map(|(_, weight)| *weight)
						.sum();
					assert_eq!(total, Backing::backing_value(1), "weights add up to the task value");
				}
			});
		}
	}
}
