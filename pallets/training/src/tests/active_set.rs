//! The bounded active set (3 slots in the mock) and the priority-ranked queue (3 places).

use super::*;
use frame_support::{assert_noop, dispatch::PostDispatchInfo};

/// Fills the active set with three bare tasks and queues three more; returns both lists.
fn full_set_and_queue() -> (Vec<TaskId>, Vec<TaskId>) {
	let active: Vec<TaskId> = (0..3).map(|_| approved(params(native()))).collect();
	let queued: Vec<TaskId> = (0..3).map(|_| approved(params(native()))).collect();
	assert_eq!(active_set(), active);
	assert_eq!(queue(), queued);
	(active, queued)
}

#[test]
fn approval_into_a_full_active_set_queues_the_task() {
	run_test(|| {
		let active: Vec<TaskId> = (0..3).map(|_| approved(params(native()))).collect();
		let task = propose(params(native()));
		assert_ok!(Training::approve_task(RuntimeOrigin::root(), task));

		let info = task_of(task);
		assert_eq!(info.status, TaskStatus::Queued);
		assert_eq!(info.next_due, None, "a queued task runs no round");
		assert_eq!(active_set(), active);
		assert_eq!(queue(), vec![task]);
		assert!(emitted(crate::Event::TaskApproved { task }));
		assert!(emitted(crate::Event::TaskQueued { task }));
		run_to_block(20);
		assert!(Rounds::<Test>::get(task).is_none());
	});
}

#[test]
fn approval_fails_when_the_queue_is_full_too() {
	run_test(|| {
		full_set_and_queue();
		let task = propose(params(native()));
		assert_noop!(
			Training::approve_task(RuntimeOrigin::root(), task),
			Error::<Test>::QueueFull
		);
		assert_eq!(task_of(task).status, TaskStatus::Proposed);
	});
}

#[test]
fn a_freed_slot_goes_to_the_highest_priority_and_ties_to_the_lowest_id() {
	run_test(|| {
		let (active, queued) = full_set_and_queue();
		set_priority(queued[0], 5);
		set_priority(queued[1], 9);
		set_priority(queued[2], 9);

		assert_ok!(Training::cancel_task(RuntimeOrigin::root(), active[0]));
		assert!(emitted(crate::Event::TaskActivated { task: queued[1] }));
		assert_eq!(task_of(queued[1]).status, TaskStatus::Active);
		assert_eq!(queue(), vec![queued[0], queued[2]]);

		assert_ok!(Training::pause_task(RuntimeOrigin::root(), active[1]));
		assert_eq!(task_of(queued[2]).status, TaskStatus::Active);
		assert_eq!(active_set(), vec![active[2], queued[1], queued[2]]);
		assert_eq!(queue(), vec![queued[0]]);
	});
}

#[test]
fn priorities_are_read_when_the_slot_frees_not_when_queued() {
	run_test(|| {
		let (active, queued) = full_set_and_queue();
		set_priority(queued[0], 100);
		// Backing moves to the last queued task while it waits.
		set_priority(queued[0], 0);
		set_priority(queued[2], 1);
		assert_ok!(Training::cancel_task(RuntimeOrigin::root(), active[0]));
		assert_eq!(task_of(queued[2]).status, TaskStatus::Active);
		assert_eq!(queue(), vec![queued[0], queued[1]]);
	});
}

#[test]
fn an_activated_task_starts_its_first_round_at_the_next_block() {
	run_test(|| {
		let active: Vec<TaskId> = (0..3).map(|_| approved(params(native()))).collect();
		let task = propose(params(native()));
		(10..14).for_each(|who| join(task, who, Role::Trainer, TRAINER_BOND));
		(50..53).for_each(|who| join(task, who, Role::Validator, VALIDATOR_BOND));
		join(task, 90, Role::Aggregator, AGGREGATOR_BOND);
		assert_ok!(Training::approve_task(RuntimeOrigin::root(), task));
		run_to_block(5);

		assert_ok!(Training::cancel_task(RuntimeOrigin::root(), active[2]));
		assert_eq!(task_of(task).next_due, Some(6));
		let round = start_round(task);
		assert_eq!(round.index, 0);
		assert_eq!(System::block_number(), 6);
	});
}

#[test]
fn completing_a_task_activates_the_best_queued_one() {
	run_test(|| {
		let mut p = params(native());
		p.rounds = 1;
		let (task, _) = setup(p, 4, 3, 1);
		let others: Vec<TaskId> = (0..2).map(|_| approved(params(native()))).collect();
		let waiting = approved(params(native()));
		assert_eq!(task_of(waiting).status, TaskStatus::Queued);

		play_round(task, 100);
		assert_eq!(task_of(task).status, TaskStatus::Completed);
		let now = System::block_number();
		assert!(emitted(crate::Event::TaskActivated { task: waiting }));
		let info = task_of(waiting);
		assert_eq!(info.status, TaskStatus::Active);
		assert_eq!(info.next_due, Some(now + 1));
		assert_eq!(active_set(), vec![others[0], others[1], waiting]);
		assert!(queue().is_empty());
	});
}

#[test]
fn cancelling_a_queued_task_takes_it_out_of_the_queue() {
	run_test(|| {
		let (active, queued) = full_set_and_queue();
		assert_ok!(Training::cancel_task(RuntimeOrigin::root(), queued[1]));
		assert_eq!(queue(), vec![queued[0], queued[2]]);
		assert_eq!(active_set(), active, "nothing is activated");
		assert_eq!(task_of(queued[1]).status, TaskStatus::Cancelled);
		assert_eq!(pool_balance(queued[1]), 0, "the pool is refunded");
	});
}

#[test]
fn a_queued_task_cannot_be_paused_or_resumed() {
	run_test(|| {
		let (_, queued) = full_set_and_queue();
		assert_noop!(
			Training::pause_task(RuntimeOrigin::root(), queued[0]),
			Error::<Test>::NotActive
		);
		assert_noop!(
			Training::resume_task(RuntimeOrigin::root(), queued[0]),
			Error::<Test>::NotPaused
		);
	});
}

#[test]
fn participants_may_join_a_queued_task() {
	run_test(|| {
		let (_, queued) = full_set_and_queue();
		join(queued[0], 10, Role::Trainer, TRAINER_BOND);
		assert_eq!(task_of(queued[0]).roster.trainers, 1);
	});
}

#[test]
fn resuming_into_a_full_set_queues_and_into_a_free_slot_activates() {
	run_test(|| {
		let active: Vec<TaskId> = (0..3).map(|_| approved(params(native()))).collect();
		let waiting = approved(params(native()));
		assert_ok!(Training::pause_task(RuntimeOrigin::root(), active[0]));
		assert_eq!(task_of(waiting).status, TaskStatus::Active);

		assert_ok!(Training::resume_task(RuntimeOrigin::root(), active[0]));
		assert_eq!(task_of(active[0]).status, TaskStatus::Queued);
		assert_eq!(task_of(active[0]).next_due, None);
		assert!(emitted(crate::Event::TaskQueued { task: active[0] }));
		assert!(!emitted(crate::Event::TaskResumed { task: active[0] }));
		assert_eq!(queue(), vec![active[0]]);

		assert_ok!(Training::pause_task(RuntimeOrigin::root(), active[1]));
		assert_eq!(task_of(active[0]).status, TaskStatus::Active);
		assert!(emitted(crate::Event::TaskActivated { task: active[0] }));
		assert!(queue().is_empty());

		// With a free slot, resuming puts the task straight back into the active set.
		assert_ok!(Training::cancel_task(RuntimeOrigin::root(), active[2]));
		assert_ok!(Training::resume_task(RuntimeOrigin::root(), active[1]));
		assert_eq!(task_of(active[1]).status, TaskStatus::Active);
		assert!(emitted(crate::Event::TaskResumed { task: active[1] }));
	});
}

#[test]
fn resuming_fails_when_the_set_and_the_queue_are_full() {
	run_test(|| {
		let (active, _) = full_set_and_queue();
		assert_ok!(Training::pause_task(RuntimeOrigin::root(), active[0]));
		// The pause activated a queued task; refill the queue.
		approved(params(native()));
		assert_eq!(queue().len(), 3);
		assert_noop!(
			Training::resume_task(RuntimeOrigin::root(), active[0]),
			Error::<Test>::QueueFull
		);
	});
}

#[test]
fn a_task_queued_during_its_settlement_settles_and_then_waits() {
	run_test(|| {
		let (task, cast) = setup(params(native()), 4, 3, 1);
		let others: Vec<TaskId> = (0..2).map(|_| approved(params(native()))).collect();
		start_round(task);
		to_settlement(task);
		assert_ok!(Training::pause_task(RuntimeOrigin::root(), task));
		let newcomer = approved(params(native()));
		assert_eq!(task_of(newcomer).status, TaskStatus::Active);
		assert_ok!(Training::resume_task(RuntimeOrigin::root(), task));
		assert_eq!(task_of(task).status, TaskStatus::Queued);

		settle(task);
		let info = task_of(task);
		assert_eq!(info.closed_rounds, 1, "the settlement finished");
		assert_eq!(info.next_due, None, "no round starts while queued");
		assert!(!rewards_of(cast.trainers[0]).is_empty());

		assert_ok!(Training::cancel_task(RuntimeOrigin::root(), others[0]));
		assert_eq!(task_of(task).status, TaskStatus::Active);
		assert_eq!(start_round(task).index, 1);
	});
}

#[test]
fn freeing_a_slot_charges_the_queue_scan() {
	run_test(|| {
		let (active, _) = full_set_and_queue();
		let info = Training::pause_task(RuntimeOrigin::root(), active[0]).expect("pauses");
		let expected = <() as WeightInfo>::pause_task(0)
			.saturating_add(<() as WeightInfo>::activate_queued(3));
		assert_eq!(
			info,
			PostDispatchInfo {
				actual_weight: Some(expected),
				pays_fee: Default::default()
			}
		);
	});
}
