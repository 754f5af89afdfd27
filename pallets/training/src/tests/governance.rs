//! Governance calls: approve, pause, resume, cancel.

use super::*;
use frame_support::assert_noop;
use sp_runtime::DispatchError;

#[test]
fn approval_needs_the_governance_origin_and_a_proposed_task() {
	run_test(|| {
		let task = propose(params(native()));
		assert_noop!(
			Training::approve_task(RuntimeOrigin::signed(OWNER), task),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Training::approve_task(RuntimeOrigin::root(), 9),
			Error::<Test>::TaskNotFound
		);
		assert_ok!(Training::approve_task(RuntimeOrigin::root(), task));
		let info = task_of(task);
		assert_eq!(info.status, TaskStatus::Active);
		assert_eq!(
			info.next_due,
			Some(2),
			"the first round starts at the next block"
		);
		assert!(emitted(crate::Event::TaskApproved { task }));
		assert_noop!(
			Training::approve_task(RuntimeOrigin::root(), task),
			Error::<Test>::NotProposed
		);
	});
}

#[test]
fn pausing_mid_round_aborts_it_without_rewards_or_slashes() {
	run_test(|| {
		let (task, cast) = setup(params(native()), 4, 3, 1);
		let round = start_round(task);
		submit(task, round.index, &[(cast.trainers[0], 10)]);
		let pool = task_of(task).pool;

		assert_noop!(
			Training::pause_task(RuntimeOrigin::signed(OWNER), task),
			DispatchError::BadOrigin
		);
		assert_ok!(Training::pause_task(RuntimeOrigin::root(), task));
		let info = task_of(task);
		assert_eq!(info.status, TaskStatus::Paused);
		assert_eq!(info.next_due, None);
		assert_eq!(info.pool, pool);
		assert!(Rounds::<Test>::get(task).is_none());
		assert!(crate::UpdateCids::<Test>::iter_prefix(task)
			.next()
			.is_none());
		assert!(crate::Updates::<Test>::get(task).is_empty());
		assert!(emitted(crate::Event::RoundAborted { task, round: 0 }));
		for who in cast.trainers.iter() {
			assert_eq!(held(native(), *who), TRAINER_BOND, "nobody is slashed");
		}
		// Paused: nothing happens however long we wait.
		run_to_block(40);
		assert!(Rounds::<Test>::get(task).is_none());
		assert_noop!(
			Training::pause_task(RuntimeOrigin::root(), task),
			Error::<Test>::NotActive
		);
	});
}

#[test]
fn resuming_starts_a_fresh_round_with_a_new_index() {
	run_test(|| {
		let (task, _) = setup(params(native()), 4, 3, 1);
		start_round(task);
		assert_ok!(Training::pause_task(RuntimeOrigin::root(), task));
		assert_noop!(
			Training::resume_task(RuntimeOrigin::signed(OWNER), task),
			DispatchError::BadOrigin
		);
		assert_ok!(Training::resume_task(RuntimeOrigin::root(), task));
		assert!(emitted(crate::Event::TaskResumed { task }));
		let round = start_round(task);
		assert_eq!(round.index, 1, "round indices are never reused");
		assert_eq!(
			task_of(task).closed_rounds,
			0,
			"an aborted round does not count"
		);
		assert_noop!(
			Training::resume_task(RuntimeOrigin::root(), task),
			Error::<Test>::NotPaused
		);
	});
}

#[test]
fn pausing_during_settlement_lets_the_round_close_first() {
	run_test(|| {
		let (task, cast) = setup(params(native()), 4, 3, 1);
		let round = start_round(task);
		let entries: Vec<(AccountId, u64)> = cast.trainers.iter().map(|w| (*w, 100)).collect();
		submit(task, round.index, &entries);
		run_to_due(task);
		let votes: Vec<(AccountId, Vec<u32>)> =
			cast.validators.iter().map(|w| (*w, vec![80; 4])).collect();
		score(task, round.index, &votes);
		aggregate(
			task,
			round.index,
			cast.aggregators[0],
			&cast.validators[..2],
		);
		assert!(round_of(task).phase.is_settling());

		assert_ok!(Training::pause_task(RuntimeOrigin::root(), task));
		settle(task);
		let info = task_of(task);
		assert_eq!(info.closed_rounds, 1);
		assert_eq!(info.model, cid(100), "the settled round's model is adopted");
		assert_eq!(info.next_due, None, "no new round while paused");
		assert!(!rewards_of(cast.trainers[0]).is_empty());

		assert_ok!(Training::resume_task(RuntimeOrigin::root(), task));
		assert_eq!(start_round(task).index, 1);
	});
}

#[test]
fn resuming_while_the_settlement_still_runs_keeps_its_schedule() {
	run_test(|| {
		let (task, cast) = setup(params(native()), 4, 3, 1);
		let round = start_round(task);
		let entries: Vec<(AccountId, u64)> = cast.trainers.iter().map(|w| (*w, 100)).collect();
		submit(task, round.index, &entries);
		run_to_due(task);
		let votes: Vec<(AccountId, Vec<u32>)> =
			cast.validators.iter().map(|w| (*w, vec![80; 4])).collect();
		score(task, round.index, &votes);
		aggregate(
			task,
			round.index,
			cast.aggregators[0],
			&cast.validators[..2],
		);
		let due = task_of(task).next_due;
		assert_ok!(Training::pause_task(RuntimeOrigin::root(), task));
		assert_ok!(Training::resume_task(RuntimeOrigin::root(), task));
		assert_eq!(task_of(task).next_due, due);
		settle(task);
		assert_eq!(start_round(task).index, 1);
	});
}

#[test]
fn cancelling_refunds_the_pool_and_frees_every_bond() {
	run_test(|| {
		let (task, cast) = setup(params(native()), 4, 3, 1);
		let round = start_round(task);
		submit(task, round.index, &[(cast.trainers[0], 10)]);
		let owner_before = free(native(), OWNER);

		assert_noop!(
			Training::cancel_task(RuntimeOrigin::signed(OWNER), task),
			DispatchError::BadOrigin
		);
		assert_ok!(Training::cancel_task(RuntimeOrigin::root(), task));
		let info = task_of(task);
		assert_eq!(info.status, TaskStatus::Cancelled);
		assert_eq!(info.pool, 0);
		assert_eq!(info.next_due, None);
		assert_eq!(free(native(), OWNER), owner_before + 10_001);
		assert_eq!(pool_balance(task), 0);
		assert!(emitted(crate::Event::TaskCancelled {
			task,
			refunded: 10_001
		}));
		assert!(emitted(crate::Event::RoundAborted { task, round: 0 }));

		// Selected or not, everyone withdraws at once.
		for who in cast
			.trainers
			.iter()
			.chain(&cast.validators)
			.chain(&cast.aggregators)
		{
			assert_ok!(Training::withdraw_bond(RuntimeOrigin::signed(*who), task));
			assert_eq!(held(native(), *who), 0);
			assert_eq!(free(native(), *who), INITIAL_FUNDS);
		}
		assert_noop!(
			Training::cancel_task(RuntimeOrigin::root(), task),
			Error::<Test>::TaskFinished
		);
	});
}

#[test]
fn a_proposed_task_can_be_cancelled() {
	run_test(|| {
		let task = propose(params(asset()));
		join(task, 10, Role::Trainer, TRAINER_BOND);
		assert_ok!(Training::cancel_task(RuntimeOrigin::root(), task));
		assert_eq!(free(asset(), OWNER), INITIAL_FUNDS);
		assert_noop!(
			Training::approve_task(RuntimeOrigin::root(), task),
			Error::<Test>::NotProposed
		);
		assert_ok!(Training::withdraw_bond(RuntimeOrigin::signed(10), task));
		assert_eq!(held(asset(), 10), 0);
	});
}

#[test]
fn governance_calls_on_unknown_tasks_fail() {
	run_test(|| {
		assert_noop!(
			Training::pause_task(RuntimeOrigin::root(), 3),
			Error::<Test>::TaskNotFound
		);
		assert_noop!(
			Training::cancel_task(RuntimeOrigin::root(), 3),
			Error::<Test>::TaskNotFound
		);
		assert_noop!(
			Training::resume_task(RuntimeOrigin::root(), 3),
			Error::<Test>::TaskNotFound
		);
	});
}

#[test]
fn resuming_after_the_last_round_settled_while_paused_completes_the_task() {
	run_test(|| {
		let mut p = params(native());
		p.rounds = 1;
		let (task, cast) = setup(p, 4, 3, 1);
		let round = start_round(task);
		let entries: Vec<(AccountId, u64)> = cast.trainers.iter().map(|w| (*w, 100)).collect();
		submit(task, round.index, &entries);
		run_to_due(task);
		let votes: Vec<(AccountId, Vec<u32>)> =
			cast.validators.iter().map(|w| (*w, vec![80; 4])).collect();
		score(task, round.index, &votes);
		aggregate(
			task,
			round.index,
			cast.aggregators[0],
			&cast.validators[..2],
		);
		assert_ok!(Training::pause_task(RuntimeOrigin::root(), task));
		settle(task);
		assert_eq!(task_of(task).status, TaskStatus::Paused);
		assert_ok!(Training::resume_task(RuntimeOrigin::root(), task));
		run_to_due(task);
		let info = task_of(task);
		assert_eq!(info.status, TaskStatus::Completed);
		assert!(Rounds::<Test>::get(task).is_none());
		assert!(emitted(crate::Event::TaskCompleted {
			task,
			reason: CompletionReason::AllRoundsClosed,
			final_model: cid(100),
			refunded: 10_001 - 948
		}));
	});
}
