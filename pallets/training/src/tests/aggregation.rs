//! Aggregate submission, attestation and the quorum, including a lying aggregator.

use super::*;
use frame_support::{assert_noop, BoundedVec};

/// A task in its aggregation phase (block 5): 4 accepted updates, 3 revealing validators.
fn aggregating() -> (TaskId, Cast) {
	let (task, cast) = setup(params(native()), 4, 3, 1);
	start_round(task);
	let entries: Vec<(AccountId, u64)> = cast.trainers.iter().map(|w| (*w, 100)).collect();
	submit(task, 0, &entries);
	run_to_due(task);
	let votes: Vec<(AccountId, Vec<u32>)> =
		cast.validators.iter().map(|w| (*w, vec![80; 4])).collect();
	score(task, 0, &votes);
	assert_eq!(round_of(task).phase, Phase::Aggregation { ends: 9 });
	(task, cast)
}

#[test]
fn aggregate_submission_errors() {
	run_test(|| {
		let (task, cast) = setup(params(native()), 4, 3, 1);
		start_round(task);
		let aggregator = cast.aggregators[0];
		let submit_as = |who: AccountId, model: Cid<Test>, state: Option<Cid<Test>>| {
			Training::submit_aggregate(RuntimeOrigin::signed(who), task, 0, model, state)
		};
		assert_noop!(
			submit_as(aggregator, cid(100), None),
			Error::<Test>::NotAggregationPhase
		);
		let entries: Vec<(AccountId, u64)> = cast.trainers.iter().map(|w| (*w, 100)).collect();
		submit(task, 0, &entries);
		run_to_due(task);
		let votes: Vec<(AccountId, Vec<u32>)> =
			cast.validators.iter().map(|w| (*w, vec![80; 4])).collect();
		score(task, 0, &votes);

		assert_noop!(
			submit_as(cast.validators[0], cid(100), None),
			Error::<Test>::NotAggregator
		);
		assert_noop!(
			submit_as(aggregator, BoundedVec::truncate_from(vec![9]), None),
			Error::<Test>::InvalidCid
		);
		assert_noop!(
			submit_as(aggregator, cid(100), Some(BoundedVec::new())),
			Error::<Test>::InvalidCid
		);
		assert_ok!(submit_as(aggregator, cid(100), None));
		assert_noop!(
			submit_as(aggregator, cid(100), None),
			Error::<Test>::AggregateAlreadySubmitted
		);
		assert!(emitted(crate::Event::AggregateSubmitted {
			task,
			round: 0,
			aggregator,
			model: cid(100),
			state: None
		}));
	});
}

#[test]
fn attestation_errors() {
	run_test(|| {
		let (task, cast) = setup(params(native()), 4, 3, 1);
		start_round(task);
		let entries: Vec<(AccountId, u64)> = cast.trainers.iter().map(|w| (*w, 100)).collect();
		submit(task, 0, &entries);
		run_to_due(task);
		let v = &cast.validators;
		// v2 commits but never reveals.
		for who in v.iter() {
			commit(task, 0, *who, &[80; 4]);
		}
		run_to_due(task);
		reveal(task, 0, v[0], &[80; 4]);
		reveal(task, 0, v[1], &[80; 4]);
		let attest_as = |who: AccountId, model: Cid<Test>| {
			Training::attest_aggregate(RuntimeOrigin::signed(who), task, 0, model)
		};
		assert_noop!(
			attest_as(v[0], cid(100)),
			Error::<Test>::NotAggregationPhase
		);
		run_to_block(7);
		assert_noop!(
			attest_as(v[0], cid(100)),
			Error::<Test>::AggregateNotSubmitted
		);
		assert_ok!(Training::submit_aggregate(
			RuntimeOrigin::signed(cast.aggregators[0]),
			task,
			0,
			cid(100),
			None
		));
		assert_noop!(
			attest_as(cast.trainers[0], cid(100)),
			Error::<Test>::NotSelectedValidator
		);
		assert_noop!(
			attest_as(v[2], cid(100)),
			Error::<Test>::NotRevealingValidator
		);
		assert_noop!(
			attest_as(v[0], BoundedVec::new()),
			Error::<Test>::InvalidCid
		);
		assert_noop!(
			Training::attest_aggregate(RuntimeOrigin::signed(v[0]), task, 3, cid(100)),
			Error::<Test>::WrongRound
		);
		assert_ok!(attest_as(v[0], cid(100)));
		assert_noop!(attest_as(v[0], cid(100)), Error::<Test>::AlreadyAttested);
		assert!(emitted(crate::Event::AggregateAttested {
			task,
			round: 0,
			validator: v[0],
			model: cid(100),
			stake: VALIDATOR_BOND
		}));
	});
}

#[test]
fn a_lying_aggregator_is_outvoted_and_slashed() {
	run_test(|| {
		let (task, cast) = aggregating();
		let v = &cast.validators;
		let aggregator = cast.aggregators[0];
		// The aggregator publishes a bogus aggregate; honest validators recompute cid(55).
		assert_ok!(Training::submit_aggregate(
			RuntimeOrigin::signed(aggregator),
			task,
			0,
			cid(66),
			Some(cid(67))
		));
		assert_ok!(Training::attest_aggregate(
			RuntimeOrigin::signed(v[0]),
			task,
			0,
			cid(66)
		));
		assert_ok!(Training::attest_aggregate(
			RuntimeOrigin::signed(v[1]),
			task,
			0,
			cid(55)
		));
		assert_ok!(Training::attest_aggregate(
			RuntimeOrigin::signed(v[2]),
			task,
			0,
			cid(55)
		));
		assert!(emitted(crate::Event::QuorumReached {
			task,
			round: 0,
			model: cid(55)
		}));
		settle(task);
		let info = task_of(task);
		assert_eq!(info.model, cid(55));
		assert_eq!(info.model_state, None, "the liar's state is not adopted");
		// 40% of the aggregator's 3000; 30% of the accomplice's 2000.
		assert_eq!(
			slashes_of(aggregator),
			vec![(SlashReason::WrongAggregator, 1_200)]
		);
		assert!(rewards_of(aggregator).is_empty());
		assert_eq!(
			slashes_of(v[0]),
			vec![(SlashReason::DissentingValidator, 600)]
		);
		// The two honest validators share the validator pot.
		assert_eq!(rewards_of(v[1]), vec![100]);
		assert_eq!(rewards_of(v[2]), vec![100]);
		let aggregator_info = Participants::<Test>::get(task, aggregator).unwrap();
		assert_eq!(aggregator_info.bond, AGGREGATOR_BOND - 1_200);
		assert_eq!(held(native(), aggregator), AGGREGATOR_BOND - 1_200);
		assert!(aggregator_info.reputation < INITIAL_REPUTATION);
	});
}

#[test]
fn without_a_quorum_the_round_fails_and_nothing_is_paid() {
	run_test(|| {
		let (task, cast) = aggregating();
		let v = &cast.validators;
		let pool = task_of(task).pool;
		assert_ok!(Training::submit_aggregate(
			RuntimeOrigin::signed(cast.aggregators[0]),
			task,
			0,
			cid(66),
			None
		));
		// Three validators, three different answers: no CID reaches 2/3.
		for (who, tag) in v.iter().zip([66, 55, 44]) {
			assert_ok!(Training::attest_aggregate(
				RuntimeOrigin::signed(*who),
				task,
				0,
				cid(tag)
			));
		}
		run_to_block(9);
		assert!(emitted(crate::Event::RoundFailed {
			task,
			round: 0,
			reason: FailureReason::NoQuorum
		}));
		settle(task);
		for who in cast.trainers.iter().chain(v).chain(&cast.aggregators) {
			assert!(
				rewards_of(*who).is_empty(),
				"{who} was paid in a failed round"
			);
			assert!(
				slashes_of(*who).is_empty(),
				"{who} was slashed without a quorum"
			);
		}
		let info = task_of(task);
		assert_eq!(info.pool, pool);
		assert_eq!(info.model, cid(201));
		assert_eq!(
			History::<Test>::get(task, 0).unwrap().outcome,
			RoundOutcome::Failed(FailureReason::NoQuorum)
		);
		// The next round starts from the unchanged model.
		assert_eq!(start_round(task).index, 1);
	});
}

#[test]
fn an_absent_aggregator_fails_the_round_and_is_slashed() {
	run_test(|| {
		let (task, cast) = aggregating();
		run_to_block(9);
		settle(task);
		assert_eq!(
			slashes_of(cast.aggregators[0]),
			vec![(SlashReason::AbsentAggregator, 750)]
		);
		for who in cast.validators.iter() {
			assert!(slashes_of(*who).is_empty(), "validators did their part");
		}
		assert_eq!(task_of(task).pool, 10_001 + 750);
	});
}

#[test]
fn the_quorum_and_validator_pay_follow_stake() {
	run_test(|| {
		// Unequal stakes: the validator with 5000 alone holds more than 2/3 of 7000.
		let task = propose(params(native()));
		(10..14).for_each(|who| join(task, who, Role::Trainer, TRAINER_BOND));
		join(task, 50, Role::Validator, 5_000);
		join(task, 51, Role::Validator, 1_000);
		join(task, 52, Role::Validator, 1_000);
		join(task, 90, Role::Aggregator, AGGREGATOR_BOND);
		assert_ok!(Training::approve_task(RuntimeOrigin::root(), task));
		start_round(task);
		submit(task, 0, &(10..14).map(|w| (w, 100)).collect::<Vec<_>>());
		run_to_due(task);
		score(
			task,
			0,
			&[(50, vec![80; 4]), (51, vec![80; 4]), (52, vec![80; 4])],
		);
		assert_ok!(Training::submit_aggregate(
			RuntimeOrigin::signed(90),
			task,
			0,
			cid(100),
			None
		));
		assert_ok!(Training::attest_aggregate(
			RuntimeOrigin::signed(51),
			task,
			0,
			cid(100)
		));
		assert!(matches!(round_of(task).phase, Phase::Aggregation { .. }));
		assert_ok!(Training::attest_aggregate(
			RuntimeOrigin::signed(50),
			task,
			0,
			cid(100)
		));
		assert!(round_of(task).phase.is_settling());
		settle(task);
		// Validators are paid by stake: 200 × 5/7 and 200 × 1/7 each.
		assert_eq!(rewards_of(50), vec![142]);
		assert_eq!(rewards_of(51), vec![28]);
		assert_eq!(rewards_of(52), vec![28]);
	});
}
