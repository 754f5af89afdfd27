//! The due-queue and the hook's weight budget.

use super::*;
use crate::{DueAt, ScheduledCount};
use frame_support::{assert_noop, traits::Hooks, weights::Weight, BoundedVec};

#[test]
fn a_full_block_pushes_the_next_task_to_the_following_block() {
	run_test(|| {
		// MaxDuePerBlock is 2.
		let tasks: Vec<TaskId> = (0..3).map(|_| propose(params(native()))).collect();
		for task in &tasks {
			assert_ok!(Training::approve_task(RuntimeOrigin::root(), *task));
		}
		let due: Vec<Option<u64>> = tasks.iter().map(|t| task_of(*t).next_due).collect();
		assert_eq!(due, vec![Some(2), Some(2), Some(3)]);
		assert_eq!(DueAt::<Test>::get(2).into_inner(), vec![0, 1]);
		assert_eq!(ScheduledCount::<Test>::get(), 3);
	});
}

#[test]
fn the_hook_only_touches_tasks_that_are_due() {
	run_test(|| {
		let (task, _) = setup(params(native()), 4, 3, 1);
		let idle = Training::on_initialize(5);
		assert_eq!(idle, <() as WeightInfo>::on_initialize_idle());
		assert!(
			Rounds::<Test>::get(task).is_none(),
			"block 5 has nothing due"
		);
		run_to_block(2);
		assert!(Rounds::<Test>::get(task).is_some());
	});
}

#[test]
fn the_hook_reports_the_weight_of_the_transitions_it_ran() {
	run_test(|| {
		let (_, _) = setup(params(native()), 4, 3, 1);
		System::set_block_number(2);
		let used = Training::on_initialize(2);
		// Completing would free a slot for a queued task (or halt the task under the pause).
		let after_closing =
			<() as WeightInfo>::activate_queued(3).max(<() as WeightInfo>::halt_task(0));
		let expected = <() as WeightInfo>::on_initialize_idle().saturating_add(
			<() as WeightInfo>::start_round(8)
				.max(<() as WeightInfo>::complete_task().saturating_add(after_closing)),
		);
		assert_eq!(used, expected);
	});
}

#[test]
fn over_budget_transitions_are_deferred_but_one_always_runs() {
	run_test(|| {
		HookBudget::set(&Weight::zero());
		let first = setup(params(native()), 4, 3, 1).0;
		let second = propose(params(native()));
		(20..24).for_each(|who| join(second, who, Role::Trainer, TRAINER_BOND));
		(60..63).for_each(|who| join(second, who, Role::Validator, VALIDATOR_BOND));
		join(second, 95, Role::Aggregator, AGGREGATOR_BOND);
		assert_ok!(Training::approve_task(RuntimeOrigin::root(), second));

		run_to_block(2);
		assert!(
			Rounds::<Test>::get(first).is_some(),
			"the first due task always advances"
		);
		assert!(
			Rounds::<Test>::get(second).is_none(),
			"the second is over budget"
		);
		assert_eq!(task_of(second).next_due, Some(3));
		run_to_block(3);
		assert!(Rounds::<Test>::get(second).is_some());
		HookBudget::set(&Weight::MAX);
	});
}

#[test]
fn stale_queue_entries_are_skipped() {
	run_test(|| {
		let (task, _) = setup(params(native()), 4, 3, 1);
		// An entry for a block at which the task is not due (it is due at block 2).
		DueAt::<Test>::insert(5, BoundedVec::truncate_from(vec![task, 77]));
		let before = ScheduledCount::<Test>::get();
		run_to_block(2);
		run_to_block(5);
		assert_eq!(ScheduledCount::<Test>::get(), before);
		assert!(DueAt::<Test>::get(5).is_empty());
		assert_eq!(round_of(task).index, 0);
	});
}

#[test]
fn approving_beyond_the_queue_capacity_is_refused() {
	run_test(|| {
		let task = propose(params(native()));
		let capacity = Training::schedule_capacity();
		assert_eq!(capacity, 2 * crate::SCHEDULE_WINDOW);
		ScheduledCount::<Test>::put(capacity);
		assert_noop!(
			Training::approve_task(RuntimeOrigin::root(), task),
			Error::<Test>::TooManyScheduledTasks
		);
		ScheduledCount::<Test>::put(0);
		assert_ok!(Training::approve_task(RuntimeOrigin::root(), task));
	});
}

#[test]
fn unscheduling_removes_the_queue_entry() {
	run_test(|| {
		let (task, _) = setup(params(native()), 4, 3, 1);
		assert_eq!(DueAt::<Test>::get(2).into_inner(), vec![task]);
		assert_ok!(Training::pause_task(RuntimeOrigin::root(), task));
		assert!(!DueAt::<Test>::contains_key(2));
		assert_eq!(ScheduledCount::<Test>::get(), 0);
	});
}

#[test]
fn early_phase_ends_move_the_queue_entry() {
	run_test(|| {
		let (task, cast) = setup(params(native()), 4, 3, 1);
		start_round(task);
		assert_eq!(DueAt::<Test>::get(7).into_inner(), vec![task]);
		let entries: Vec<(AccountId, u64)> = cast.trainers.iter().map(|w| (*w, 10)).collect();
		submit(task, 0, &entries);
		assert!(!DueAt::<Test>::contains_key(7));
		assert_eq!(DueAt::<Test>::get(3).into_inner(), vec![task]);
		assert_eq!(ScheduledCount::<Test>::get(), 1);
	});
}
