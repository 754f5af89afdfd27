//! Per-task terms: eligibility and score thresholds, set by the owner while proposed and by
//! their governance origins afterwards.

use super::*;
use frame_support::{assert_noop, BoundedVec};
use sp_runtime::DispatchError;

/// Only `accounts`, from Germany or France.
fn eligibility(accounts: &[AccountId]) -> Eligibility<Test> {
	Eligibility {
		allow_list: Some(BoundedVec::truncate_from(accounts.to_vec())),
		jurisdictions: Some(BoundedVec::truncate_from(vec![*b"DE", *b"FR"])),
	}
}

fn percent(value: u32) -> Perbill {
	Perbill::from_percent(value)
}

#[test]
fn the_owner_sets_the_terms_of_a_proposed_task() {
	run_test(|| {
		let task = propose(params(native()));
		assert_ok!(Training::set_eligibility(
			RuntimeOrigin::signed(OWNER),
			task,
			eligibility(&[10])
		));
		assert_eq!(task_of(task).params.eligibility, eligibility(&[10]));
		assert!(emitted(crate::Event::EligibilityChanged { task }));

		assert_ok!(Training::set_score_thresholds(
			RuntimeOrigin::signed(OWNER),
			task,
			percent(60),
			percent(20)
		));
		let params = task_of(task).params;
		assert_eq!(
			(params.min_score, params.harmful_score),
			(percent(60), percent(20))
		);
		assert!(emitted(crate::Event::ScoreThresholdsChanged {
			task,
			min_score: percent(60),
			harmful_score: percent(20)
		}));
	});
}

#[test]
fn nobody_else_sets_the_terms_of_a_proposed_task() {
	run_test(|| {
		let task = propose(params(native()));
		assert_noop!(
			Training::set_eligibility(RuntimeOrigin::signed(2), task, eligibility(&[]),),
			Error::<Test>::NotTaskOwner
		);
		assert_noop!(
			Training::set_score_thresholds(RuntimeOrigin::none(), task, percent(60), percent(5)),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Training::set_eligibility(RuntimeOrigin::signed(OWNER), 9, eligibility(&[])),
			Error::<Test>::TaskNotFound
		);
		// Governance may act before approval too.
		assert_ok!(Training::set_eligibility(
			RuntimeOrigin::signed(TERMS_BODY),
			task,
			eligibility(&[11])
		));
	});
}

#[test]
fn after_approval_only_each_terms_governance_origin_changes_them() {
	run_test(|| {
		let task = approved(params(native()));
		assert_noop!(
			Training::set_eligibility(RuntimeOrigin::signed(OWNER), task, eligibility(&[10])),
			Error::<Test>::TermsGoverned
		);
		assert_noop!(
			Training::set_score_thresholds(
				RuntimeOrigin::signed(OWNER),
				task,
				percent(60),
				percent(5)
			),
			Error::<Test>::TermsGoverned
		);
		// Each body governs its own term only.
		assert_noop!(
			Training::set_eligibility(
				RuntimeOrigin::signed(THRESHOLDS_BODY),
				task,
				eligibility(&[10])
			),
			Error::<Test>::NotTaskOwner
		);
		assert_noop!(
			Training::set_score_thresholds(
				RuntimeOrigin::signed(TERMS_BODY),
				task,
				percent(60),
				percent(5)
			),
			Error::<Test>::NotTaskOwner
		);
		assert_noop!(
			Training::set_eligibility(RuntimeOrigin::root(), task, eligibility(&[10])),
			DispatchError::BadOrigin
		);
		assert_ok!(Training::set_eligibility(
			RuntimeOrigin::signed(TERMS_BODY),
			task,
			eligibility(&[10])
		));
		assert_ok!(Training::set_score_thresholds(
			RuntimeOrigin::signed(THRESHOLDS_BODY),
			task,
			percent(60),
			percent(5)
		));
		assert_eq!(task_of(task).params.thresholds().min_score, percent(60));
	});
}

#[test]
fn terms_are_validated_as_in_a_proposal() {
	run_test(|| {
		let task = propose(params(native()));
		let mut bad = eligibility(&[]);
		bad.jurisdictions = Some(BoundedVec::truncate_from(vec![*b"de"]));
		assert_noop!(
			Training::set_eligibility(RuntimeOrigin::signed(OWNER), task, bad),
			Error::<Test>::InvalidJurisdiction
		);
		for (min, harmful) in [(50, 50), (40, 60)] {
			assert_noop!(
				Training::set_score_thresholds(
					RuntimeOrigin::signed(OWNER),
					task,
					percent(min),
					percent(harmful)
				),
				Error::<Test>::HarmfulNotBelowMinScore
			);
		}
	});
}

#[test]
fn the_terms_of_a_finished_task_are_frozen() {
	run_test(|| {
		let task = propose(params(native()));
		assert_ok!(Training::cancel_task(RuntimeOrigin::root(), task));
		assert_noop!(
			Training::set_eligibility(RuntimeOrigin::signed(TERMS_BODY), task, eligibility(&[])),
			Error::<Test>::TaskFinished
		);
		assert_noop!(
			Training::set_score_thresholds(
				RuntimeOrigin::signed(THRESHOLDS_BODY),
				task,
				percent(60),
				percent(5)
			),
			Error::<Test>::TaskFinished
		);
	});
}

#[test]
fn new_eligibility_applies_to_later_joins_and_keeps_seats() {
	run_test(|| {
		let (task, cast) = setup(params(native()), 4, 3, 1);
		let mut only_france = eligibility(&[cast.trainers[0], 20, 21]);
		only_france.jurisdictions = Some(BoundedVec::truncate_from(vec![*b"FR"]));
		assert_ok!(Training::set_eligibility(
			RuntimeOrigin::signed(TERMS_BODY),
			task,
			only_france
		));
		assert_noop!(
			Training::join(
				RuntimeOrigin::signed(22),
				task,
				Role::Trainer,
				TRAINER_BOND,
				*b"FR",
				key(22)
			),
			Error::<Test>::NotAllowListed
		);
		assert_noop!(
			Training::join(
				RuntimeOrigin::signed(20),
				task,
				Role::Trainer,
				TRAINER_BOND,
				*b"DE",
				key(20)
			),
			Error::<Test>::JurisdictionNotAllowed
		);
		assert_ok!(Training::join(
			RuntimeOrigin::signed(21),
			task,
			Role::Trainer,
			TRAINER_BOND,
			*b"FR",
			key(21)
		));
		// The German participants joined before the change and keep their places.
		let round = start_round(task);
		assert_eq!(round.trainers, 4);
		assert_eq!(round.validators.len(), 3);
		assert_eq!(round.aggregator, cast.aggregators[0]);
	});
}

#[test]
fn new_thresholds_apply_to_consensus_computed_after_the_change() {
	run_test(|| {
		let (task, cast) = setup(params(native()), 4, 3, 1);
		let round = start_round(task);
		let entries: Vec<(AccountId, u64)> = cast.trainers.iter().map(|w| (*w, 100)).collect();
		submit(task, round.index, &entries);
		run_to_due(task);
		// Scores of 80% would pass the proposal's 50% but not the new 90%.
		assert_ok!(Training::set_score_thresholds(
			RuntimeOrigin::signed(THRESHOLDS_BODY),
			task,
			percent(90),
			percent(10)
		));
		let votes: Vec<(AccountId, Vec<u32>)> =
			cast.validators.iter().map(|w| (*w, vec![80; 4])).collect();
		score(task, round.index, &votes);
		assert!(emitted(crate::Event::RoundFailed {
			task,
			round: 0,
			reason: FailureReason::NotEnoughAccepted
		}));
		assert_eq!(round_of(task).thresholds.min_score, percent(90));
	});
}

#[test]
fn a_round_already_judged_settles_by_its_own_thresholds() {
	run_test(|| {
		let (task, cast) = setup(params(native()), 4, 3, 1);
		start_round(task);
		to_settlement(task);
		// After consensus: raising the bar and the harm line must not change this round.
		assert_ok!(Training::set_score_thresholds(
			RuntimeOrigin::signed(THRESHOLDS_BODY),
			task,
			percent(95),
			percent(85)
		));
		settle(task);
		for who in cast.trainers.iter() {
			assert_eq!(rewards_of(*who), vec![175], "paid as judged at 50%");
			assert!(slashes_of(*who).is_empty(), "not harmful as judged at 10%");
		}
	});
}
