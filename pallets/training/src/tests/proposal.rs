//! `propose_task`: funding the pool and validating every parameter.

use super::*;
use decentralml_primitives::{Fixed9, StrategyConfig};
use frame_support::{assert_noop, BoundedVec};

#[test]
fn proposing_moves_the_native_deposit_into_the_pool() {
	run_test(|| {
		let task = propose(params(native()));
		let info = task_of(task);
		assert_eq!(info.status, TaskStatus::Proposed);
		assert_eq!(info.pool, 10_001);
		assert_eq!(info.model, cid(201));
		assert_eq!(free(native(), OWNER), INITIAL_FUNDS - 10_001);
		assert_eq!(pool_balance(task), 10_001);
		assert!(emitted(crate::Event::TaskProposed {
			task,
			owner: OWNER,
			asset: native(),
			pool: 10_001
		}));
		assert_eq!(NextTaskId::<Test>::get(), task + 1);
	});
}

#[test]
fn proposing_an_asset_task_funds_the_pool_in_that_asset() {
	run_test(|| {
		let task = propose(params(asset()));
		assert_eq!(free(asset(), OWNER), INITIAL_FUNDS - 10_001);
		assert_eq!(
			free(native(), OWNER),
			INITIAL_FUNDS,
			"the native token is untouched"
		);
		assert_eq!(pool_balance(task), 10_001);
	});
}

#[test]
fn each_task_has_its_own_pool_account() {
	run_test(|| {
		let first = propose(params(native()));
		let second = propose(params(native()));
		assert_ne!(
			Training::pool_account(first),
			Training::pool_account(second)
		);
		assert_eq!(pool_balance(first), 10_001);
		assert_eq!(pool_balance(second), 10_001);
	});
}

/// Proposes `params` and expects `error`, with nothing stored or moved.
fn rejected(params: TaskParams<Test>, error: Error<Test>) {
	assert_noop!(
		Training::propose_task(RuntimeOrigin::signed(OWNER), Box::new(params)),
		error
	);
}

#[test]
fn every_invalid_parameter_is_rejected_with_its_own_error() {
	run_test(|| {
		let base = params(native());
		let with = |change: &dyn Fn(&mut TaskParams<Test>)| {
			let mut p = base.clone();
			change(&mut p);
			p
		};
		rejected(
			with(&|p| p.model_card = BoundedVec::truncate_from(vec![0x12, 0x20])),
			Error::InvalidCid,
		);
		rejected(
			with(&|p| p.initial_model = BoundedVec::new()),
			Error::InvalidCid,
		);
		rejected(
			with(&|p| p.aggregation.strategy = StrategyConfig::TrimmedMean { beta: Fixed9::HALF }),
			Error::InvalidAggregationConfig,
		);
		rejected(with(&|p| p.rounds = 0), Error::RoundsOutOfRange);
		rejected(with(&|p| p.rounds = 101), Error::RoundsOutOfRange);
		rejected(with(&|p| p.phases.reveal = 1), Error::PhaseTooShort);
		rejected(
			with(&|p| p.trainers_per_round = 0),
			Error::TrainersPerRoundOutOfRange,
		);
		rejected(
			with(&|p| p.trainers_per_round = 1_025),
			Error::TrainersPerRoundOutOfRange,
		);
		rejected(with(&|p| p.min_updates = 0), Error::MinUpdatesOutOfRange);
		rejected(with(&|p| p.min_updates = 5), Error::MinUpdatesOutOfRange);
		rejected(
			with(&|p| p.validators_per_round = 0),
			Error::ValidatorsPerRoundOutOfRange,
		);
		rejected(
			with(&|p| p.validators_per_round = 17),
			Error::ValidatorsPerRoundOutOfRange,
		);
		rejected(with(&|p| p.budget_per_round = 0), Error::ZeroBudget);
		rejected(with(&|p| p.pool_deposit = 999), Error::DepositBelowBudget);
		// The pool keeps the minimum balance (1), so exactly one budget is not enough.
		rejected(with(&|p| p.pool_deposit = 1_000), Error::DepositBelowBudget);
		rejected(
			with(&|p| p.harmful_score = p.min_score),
			Error::HarmfulNotBelowMinScore,
		);
		rejected(
			with(&|p| p.reward_split.aggregator = Perbill::from_percent(11)),
			Error::RewardSplitAboveWhole,
		);
		rejected(with(&|p| p.example_cap = 0), Error::ZeroExampleCap);
		rejected(with(&|p| p.min_bonds.validator = 0), Error::ZeroMinBond);
		rejected(
			with(&|p| {
				p.eligibility.jurisdictions = Some(BoundedVec::truncate_from(vec![*b"DE", *b"d1"]))
			}),
			Error::InvalidJurisdiction,
		);
		assert_eq!(NextTaskId::<Test>::get(), 0);
	});
}

#[test]
fn exactly_one_budget_above_the_minimum_balance_is_enough() {
	run_test(|| {
		let mut p = params(native());
		p.pool_deposit = 1_001;
		let task = propose(p);
		assert_eq!(task_of(task).pool, 1_001);
	});
}

#[test]
fn a_proposer_who_cannot_pay_the_deposit_is_refused() {
	run_test(|| {
		let mut p = params(native());
		p.pool_deposit = INITIAL_FUNDS + 1;
		assert!(Training::propose_task(RuntimeOrigin::signed(OWNER), Box::new(p)).is_err());
		assert!(Tasks::<Test>::get(0).is_none());
		assert_eq!(free(native(), OWNER), INITIAL_FUNDS);
	});
}

#[test]
fn an_unknown_asset_is_refused() {
	run_test(|| {
		let p = params(NativeOrWithId::WithId(12_345));
		assert!(Training::propose_task(RuntimeOrigin::signed(OWNER), Box::new(p)).is_err());
		assert!(Tasks::<Test>::get(0).is_none());
	});
}

#[test]
fn proposing_needs_a_signed_origin() {
	run_test(|| {
		assert_noop!(
			Training::propose_task(RuntimeOrigin::root(), Box::new(params(native()))),
			sp_runtime::DispatchError::BadOrigin
		);
	});
}

#[test]
fn parameter_errors_explain_themselves() {
	let mut p = params(native());
	p.trainers_per_round = 2_000;
	let error = p.validate().unwrap_err();
	assert_eq!(
		error.to_string(),
		"trainers per round must be between 1 and 1024, got 2000"
	);
	p = params(native());
	p.model_card = BoundedVec::truncate_from(vec![0x01, 0x55]);
	assert_eq!(
		p.validate().unwrap_err().to_string(),
		"the model card CID is malformed: CID is truncated: it ends inside its hash code"
	);
}

#[test]
fn the_mock_configuration_passes_the_integrity_test() {
	use frame_support::traits::Hooks;
	run_test(Training::integrity_test);
}

#[test]
fn the_task_id_space_running_out_is_an_error() {
	run_test(|| {
		NextTaskId::<Test>::put(TaskId::MAX);
		rejected(params(native()), Error::TaskIdOverflow);
	});
}
