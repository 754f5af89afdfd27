//! Update submission, commit-reveal scoring and consensus, including adversarial cases.

use super::*;
use frame_support::{assert_noop, BoundedVec};

/// A running task in its training phase (round 0), with 4 trainers, 3 validators.
fn training() -> (TaskId, Cast) {
	let (task, cast) = setup(params(native()), 4, 3, 1);
	start_round(task);
	(task, cast)
}

/// A running task in its commit phase: every trainer submitted 100 examples.
fn committing() -> (TaskId, Cast) {
	let (task, cast) = training();
	let entries: Vec<(AccountId, u64)> = cast.trainers.iter().map(|w| (*w, 100)).collect();
	submit(task, 0, &entries);
	run_to_due(task);
	(task, cast)
}

#[test]
fn update_submission_errors() {
	run_test(|| {
		let (task, cast) = setup(params(native()), 4, 3, 1);
		let trainer = cast.trainers[0];
		let attempt = |who: AccountId, round: RoundIndex, cid: Cid<Test>, examples: u64| {
			Training::submit_update(RuntimeOrigin::signed(who), task, round, cid, examples)
		};
		assert_noop!(
			attempt(trainer, 0, cid(1), 10),
			Error::<Test>::NoActiveRound
		);
		assert_noop!(
			Training::submit_update(RuntimeOrigin::signed(trainer), 9, 0, cid(1), 10),
			Error::<Test>::TaskNotFound
		);
		start_round(task);
		assert_noop!(attempt(trainer, 1, cid(1), 10), Error::<Test>::WrongRound);
		// A registered trainer that was not selected (it joined after selection).
		join(task, 30, Role::Trainer, TRAINER_BOND);
		assert_noop!(
			attempt(30, 0, cid(1), 10),
			Error::<Test>::NotSelectedTrainer
		);
		assert_noop!(
			attempt(cast.validators[0], 0, cid(1), 10),
			Error::<Test>::NotSelectedTrainer
		);
		assert_noop!(attempt(trainer, 0, cid(1), 0), Error::<Test>::ZeroExamples);
		let garbage = BoundedVec::truncate_from(vec![1, 2, 3]);
		assert_noop!(attempt(trainer, 0, garbage, 10), Error::<Test>::InvalidCid);
		assert_ok!(attempt(trainer, 0, cid(1), 10));
		assert_noop!(
			attempt(trainer, 0, cid(2), 10),
			Error::<Test>::AlreadySubmitted
		);
		assert_eq!(crate::UpdateCids::<Test>::get(task, 0), Some(cid(1)));
		assert!(emitted(crate::Event::UpdateSubmitted {
			task,
			round: 0,
			trainer,
			update: cid(1),
			examples: 10
		}));
	});
}

#[test]
fn late_updates_are_refused() {
	run_test(|| {
		let (task, cast) = training();
		submit(task, 0, &[(cast.trainers[0], 1), (cast.trainers[1], 1)]);
		run_to_block(7);
		assert_noop!(
			Training::submit_update(RuntimeOrigin::signed(cast.trainers[2]), task, 0, cid(3), 5),
			Error::<Test>::NotTrainingPhase
		);
	});
}

#[test]
fn updates_are_kept_in_trainer_order_whatever_the_submission_order() {
	run_test(|| {
		let (task, cast) = training();
		submit(
			task,
			0,
			&[
				(cast.trainers[3], 4),
				(cast.trainers[0], 1),
				(cast.trainers[2], 3),
			],
		);
		let order: Vec<u32> = crate::Updates::<Test>::get(task)
			.iter()
			.map(|u| u.trainer)
			.collect();
		assert_eq!(order, vec![0, 2, 3]);
		assert_eq!(round_of(task).submitted, 3);
	});
}

#[test]
fn commit_errors() {
	run_test(|| {
		let (task, cast) = training();
		let validator = cast.validators[0];
		let h = sp_core::H256::repeat_byte(1);
		assert_noop!(
			Training::commit_scores(RuntimeOrigin::signed(validator), task, 0, h),
			Error::<Test>::NotCommitPhase
		);
		let entries: Vec<(AccountId, u64)> = cast.trainers.iter().map(|w| (*w, 100)).collect();
		submit(task, 0, &entries);
		run_to_due(task);
		assert_noop!(
			Training::commit_scores(RuntimeOrigin::signed(cast.trainers[0]), task, 0, h),
			Error::<Test>::NotSelectedValidator
		);
		assert_noop!(
			Training::commit_scores(RuntimeOrigin::signed(validator), task, 1, h),
			Error::<Test>::WrongRound
		);
		assert_ok!(Training::commit_scores(
			RuntimeOrigin::signed(validator),
			task,
			0,
			h
		));
		assert_noop!(
			Training::commit_scores(RuntimeOrigin::signed(validator), task, 0, h),
			Error::<Test>::AlreadyCommitted
		);
		assert!(emitted(crate::Event::ScoresCommitted {
			task,
			round: 0,
			validator
		}));
	});
}

#[test]
fn reveal_errors() {
	run_test(|| {
		let (task, cast) = committing();
		let [a, b, c] = [cast.validators[0], cast.validators[1], cast.validators[2]];
		let fours = scores(&[80, 80, 80, 80]);
		assert_noop!(
			Training::reveal_scores(RuntimeOrigin::signed(a), task, 0, fours.clone(), salt_of(a)),
			Error::<Test>::NotRevealPhase
		);
		commit(task, 0, a, &[80, 80, 80, 80]);
		commit(task, 0, b, &[80, 80, 80, 80]);
		run_to_block(6);
		assert!(matches!(round_of(task).phase, Phase::Reveal { .. }));
		assert_noop!(
			Training::reveal_scores(RuntimeOrigin::signed(c), task, 0, fours.clone(), salt_of(c)),
			Error::<Test>::NoCommitment
		);
		assert_noop!(
			Training::reveal_scores(
				RuntimeOrigin::signed(a),
				task,
				0,
				scores(&[80; 3]),
				salt_of(a)
			),
			Error::<Test>::ScoreCountMismatch
		);
		assert_noop!(
			Training::reveal_scores(RuntimeOrigin::signed(a), task, 0, fours.clone(), [0; 32]),
			Error::<Test>::RevealMismatch
		);
		assert_noop!(
			Training::reveal_scores(
				RuntimeOrigin::signed(a),
				task,
				0,
				scores(&[80, 80, 80, 81]),
				salt_of(a)
			),
			Error::<Test>::RevealMismatch
		);
		assert_noop!(
			Training::reveal_scores(
				RuntimeOrigin::signed(30),
				task,
				0,
				fours.clone(),
				salt_of(a)
			),
			Error::<Test>::NotSelectedValidator
		);
		reveal(task, 0, a, &[80, 80, 80, 80]);
		assert_noop!(
			Training::reveal_scores(RuntimeOrigin::signed(a), task, 0, fours, salt_of(a)),
			Error::<Test>::AlreadyRevealed
		);
		assert!(emitted(crate::Event::ScoresRevealed {
			task,
			round: 0,
			validator: a
		}));
	});
}

#[test]
fn copying_another_validators_commitment_does_not_let_the_copier_reveal() {
	run_test(|| {
		let (task, cast) = committing();
		let [honest, copier] = [cast.validators[0], cast.validators[1]];
		let votes = scores(&[70, 80, 90, 60]);
		let commitment = Training::score_commitment(task, 0, &honest, &votes, &salt_of(honest));
		assert_ok!(Training::commit_scores(
			RuntimeOrigin::signed(honest),
			task,
			0,
			commitment
		));
		assert_ok!(Training::commit_scores(
			RuntimeOrigin::signed(copier),
			task,
			0,
			commitment
		));
		run_to_block(6);
		assert_ok!(Training::reveal_scores(
			RuntimeOrigin::signed(honest),
			task,
			0,
			votes.clone(),
			salt_of(honest)
		));
		// The copier saw the reveal, but the commitment binds the honest validator's account.
		assert_noop!(
			Training::reveal_scores(
				RuntimeOrigin::signed(copier),
				task,
				0,
				votes,
				salt_of(honest)
			),
			Error::<Test>::RevealMismatch
		);
	});
}

#[test]
fn consensus_is_the_stake_weighted_median_and_rejects_low_scores() {
	run_test(|| {
		let (task, cast) = committing();
		let v = &cast.validators;
		score(
			task,
			0,
			&[
				(v[0], vec![90, 40, 5, 60]),
				(v[1], vec![80, 45, 8, 70]),
				(v[2], vec![85, 30, 2, 50]),
			],
		);
		let updates = crate::Updates::<Test>::get(task);
		let consensus: Vec<Perbill> = updates.iter().map(|u| u.score.unwrap()).collect();
		let p = Perbill::from_percent;
		assert_eq!(consensus, vec![p(85), p(40), p(5), p(60)]);
		let accepted = crate::Accepted::<Test>::get(task);
		assert_eq!(
			accepted.iter().map(|a| a.trainer).collect::<Vec<_>>(),
			vec![0, 3]
		);
		assert!(emitted(crate::Event::ConsensusReached {
			task,
			round: 0,
			accepted: 2,
			rejected: 2,
			harmful: 1,
			aggregation_ends: 9
		}));
		let round = round_of(task);
		// Mean absolute deviation of v0: (5 + 0 + 0 + 0) / 4 = 1.25%.
		assert_eq!(
			round.validators[0].deviation,
			Some(Perbill::from_parts(12_500_000))
		);
	});
}

#[test]
fn a_colluding_minority_cannot_sink_an_update_and_is_slashed() {
	run_test(|| {
		let (task, cast) = committing();
		let v = &cast.validators;
		// v2 colludes against trainer 0's update, scoring it as harmful.
		score(
			task,
			0,
			&[
				(v[0], vec![80, 80, 80, 80]),
				(v[1], vec![82, 80, 80, 80]),
				(v[2], vec![0, 0, 0, 0]),
			],
		);
		let updates = crate::Updates::<Test>::get(task);
		assert_eq!(updates[0].score, Some(Perbill::from_percent(80)));
		assert_eq!(round_of(task).accepted, 4);
		aggregate(task, 0, cast.aggregators[0], &v[..2]);
		settle(task);
		assert!(
			slashes_of(cast.trainers[0]).is_empty(),
			"the honest trainer is not slashed"
		);
		assert!(!rewards_of(cast.trainers[0]).is_empty());
		// 30% of the colluder's 2000 bond.
		assert_eq!(
			slashes_of(v[2]),
			vec![(SlashReason::DissentingValidator, 600)]
		);
		assert!(rewards_of(v[2]).is_empty());
	});
}

#[test]
fn nobody_revealing_fails_the_round_and_slashes_every_validator() {
	run_test(|| {
		let (task, cast) = committing();
		for who in cast.validators.iter() {
			commit(task, 0, *who, &[80; 4]);
		}
		run_to_due(task);
		run_to_block(7);
		assert!(emitted(crate::Event::RoundFailed {
			task,
			round: 0,
			reason: FailureReason::NoReveals
		}));
		settle(task);
		for who in cast.validators.iter() {
			assert_eq!(slashes_of(*who), vec![(SlashReason::AbsentValidator, 400)]);
		}
		// Trainers submitted but were never scored: neither paid nor slashed.
		for who in cast.trainers.iter() {
			assert!(slashes_of(*who).is_empty() && rewards_of(*who).is_empty());
		}
		assert_eq!(task_of(task).model, cid(201));
	});
}

#[test]
fn all_validators_absent_fails_the_round_cleanly() {
	run_test(|| {
		let (task, cast) = committing();
		run_to_block(6);
		assert!(emitted(crate::Event::RoundFailed {
			task,
			round: 0,
			reason: FailureReason::NoCommitments
		}));
		let before = free(native(), OWNER);
		settle(task);
		for who in cast.validators.iter() {
			assert_eq!(slashes_of(*who), vec![(SlashReason::AbsentValidator, 400)]);
		}
		assert_eq!(task_of(task).pool, 10_001 + 3 * 400);
		assert_eq!(free(native(), OWNER), before);
		// The next round starts from the unchanged model.
		let round = start_round(task);
		assert_eq!(round.index, 1);
		assert_eq!(task_of(task).model, cid(201));
	});
}

#[test]
fn a_validator_that_committed_but_never_revealed_is_slashed() {
	run_test(|| {
		let (task, cast) = committing();
		let v = &cast.validators;
		for who in v.iter() {
			commit(task, 0, *who, &[80; 4]);
		}
		run_to_due(task);
		reveal(task, 0, v[0], &[80; 4]);
		reveal(task, 0, v[1], &[80; 4]);
		run_to_block(8);
		assert!(matches!(round_of(task).phase, Phase::Aggregation { .. }));
		aggregate(task, 0, cast.aggregators[0], &v[..2]);
		settle(task);
		assert_eq!(slashes_of(v[2]), vec![(SlashReason::AbsentValidator, 400)]);
		// The two revealing validators share the validator pot equally.
		assert_eq!(rewards_of(v[0]), vec![100]);
		assert_eq!(rewards_of(v[1]), vec![100]);
	});
}

#[test]
fn too_few_accepted_updates_fail_the_round() {
	run_test(|| {
		let (task, cast) = committing();
		let v = &cast.validators;
		score(
			task,
			0,
			&[(v[0], vec![90, 20, 20, 5]), (v[1], vec![90, 20, 20, 5])],
		);
		assert!(emitted(crate::Event::RoundFailed {
			task,
			round: 0,
			reason: FailureReason::NotEnoughAccepted
		}));
		settle(task);
		// The harmful update is slashed even though the round failed (50% of 1000).
		assert_eq!(
			slashes_of(cast.trainers[3]),
			vec![(SlashReason::HarmfulUpdate, 500)]
		);
		assert!(rewards_of(cast.trainers[0]).is_empty());
		assert_eq!(slashes_of(v[2]), vec![(SlashReason::AbsentValidator, 400)]);
	});
}
