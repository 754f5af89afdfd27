//! The protocol-wide safety switch.

use super::*;
use crate::{HaltedTasks, ProtocolPaused};
use frame_support::{assert_noop, dispatch::PostDispatchInfo};
use sp_runtime::DispatchError;

fn switch(paused: bool) -> frame_support::dispatch::DispatchResultWithPostInfo {
	Training::set_protocol_paused(RuntimeOrigin::signed(EMERGENCY_BODY), paused)
}

#[test]
fn only_the_emergency_origin_flips_the_switch_and_only_one_way_at_a_time() {
	run_test(|| {
		assert_noop!(
			Training::set_protocol_paused(RuntimeOrigin::root(), true),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Training::set_protocol_paused(RuntimeOrigin::signed(TERMS_BODY), true),
			DispatchError::BadOrigin
		);
		assert_noop!(switch(false), Error::<Test>::ProtocolNotPaused);
		assert_ok!(switch(true));
		assert!(ProtocolPaused::<Test>::get());
		assert!(emitted(crate::Event::ProtocolPaused));
		assert_noop!(switch(true), Error::<Test>::ProtocolAlreadyPaused);
		assert_ok!(switch(false));
		assert!(!ProtocolPaused::<Test>::get());
		assert!(emitted(crate::Event::ProtocolUnpaused {
			resumed: 0,
			activated: 0
		}));
	});
}

#[test]
fn every_call_that_advances_training_waits_for_the_unpause() {
	run_test(|| {
		let (task, _) = setup(params(native()), 4, 3, 1);
		let round = start_round(task);
		let proposed = propose(params(native()));
		assert_ok!(switch(true));
		let trainer = crate::SelectedTrainers::<Test>::get(task)[0];
		let validator = round.validators[0].who;

		assert_noop!(
			Training::approve_task(RuntimeOrigin::root(), proposed),
			Error::<Test>::ProtocolPaused
		);
		assert_noop!(
			Training::join(
				RuntimeOrigin::signed(30),
				task,
				Role::Trainer,
				TRAINER_BOND,
				*b"DE",
				key(30)
			),
			Error::<Test>::ProtocolPaused
		);
		assert_noop!(
			Training::submit_update(RuntimeOrigin::signed(trainer), task, 0, cid(1), 10),
			Error::<Test>::ProtocolPaused
		);
		assert_noop!(
			Training::commit_scores(
				RuntimeOrigin::signed(validator),
				task,
				0,
				Default::default()
			),
			Error::<Test>::ProtocolPaused
		);
		assert_noop!(
			Training::reveal_scores(
				RuntimeOrigin::signed(validator),
				task,
				0,
				scores(&[80]),
				salt_of(validator)
			),
			Error::<Test>::ProtocolPaused
		);
		assert_noop!(
			Training::submit_aggregate(
				RuntimeOrigin::signed(round.aggregator),
				task,
				0,
				cid(100),
				None
			),
			Error::<Test>::ProtocolPaused
		);
		assert_noop!(
			Training::attest_aggregate(RuntimeOrigin::signed(validator), task, 0, cid(100)),
			Error::<Test>::ProtocolPaused
		);

		// Proposals, terms and the ways out still work.
		propose(params(native()));
		assert_ok!(Training::set_eligibility(
			RuntimeOrigin::signed(OWNER),
			proposed,
			Eligibility {
				allow_list: None,
				jurisdictions: None
			}
		));
		assert_ok!(Training::cancel_task(RuntimeOrigin::root(), proposed));
		assert_ok!(Training::pause_task(RuntimeOrigin::root(), task));
	});
}

#[test]
fn leaving_withdrawing_and_pausing_work_while_paused() {
	run_test(|| {
		let (task, _) = setup(params(native()), 4, 3, 1);
		join(task, 30, Role::Trainer, TRAINER_BOND);
		assert_ok!(switch(true));
		assert_ok!(Training::leave(RuntimeOrigin::signed(30), task));
		assert_ok!(Training::pause_task(RuntimeOrigin::root(), task));
		run_to_block(1 + 10);
		assert_ok!(Training::withdraw_bond(RuntimeOrigin::signed(30), task));
		assert_eq!(held(native(), 30), 0);
		assert_noop!(
			Training::resume_task(RuntimeOrigin::root(), task),
			Error::<Test>::ProtocolPaused
		);
	});
}

#[test]
fn a_due_task_is_halted_and_its_round_aborted_without_slashes() {
	run_test(|| {
		let (task, cast) = setup(params(native()), 4, 3, 1);
		let waiting: Vec<TaskId> = (0..3).map(|_| approved(params(native()))).collect();
		start_round(task);
		// Only one trainer submits: at the deadline the others would be slashed as absent.
		submit(task, 0, &[(cast.trainers[0], 100)]);
		let pool = task_of(task).pool;
		assert_ok!(switch(true));
		// Another active task goes away; its slot stays free while paused.
		assert_ok!(Training::cancel_task(RuntimeOrigin::root(), waiting[0]));
		assert_eq!(task_of(waiting[2]).status, TaskStatus::Queued);

		run_to_due(task);
		let info = task_of(task);
		assert_eq!(info.status, TaskStatus::Paused);
		assert_eq!(info.next_due, None);
		assert_eq!(info.pool, pool);
		assert!(Rounds::<Test>::get(task).is_none());
		assert!(emitted(crate::Event::RoundAborted { task, round: 0 }));
		assert!(emitted(crate::Event::TaskHalted { task }));
		assert!(HaltedTasks::<Test>::get().contains(&task));
		assert!(!active_set().contains(&task));
		assert_eq!(
			queue(),
			vec![waiting[2]],
			"nothing is activated while paused"
		);
		for who in cast.trainers.iter().chain(&cast.validators) {
			assert!(slashes_of(*who).is_empty());
		}
		assert_eq!(held(native(), cast.trainers[1]), TRAINER_BOND);
		assert!(
			History::<Test>::get(task, 0).is_none(),
			"an aborted round is not history"
		);
		run_to_block(40);
		assert!(
			Rounds::<Test>::get(task).is_none(),
			"nothing runs while halted"
		);
	});
}

#[test]
fn unpausing_resumes_the_halted_tasks_and_fills_the_free_slots() {
	run_test(|| {
		let (task, _) = setup(params(native()), 4, 3, 1);
		let others: Vec<TaskId> = (0..2).map(|_| approved(params(native()))).collect();
		let waiting = approved(params(native()));
		start_round(task);
		assert_ok!(switch(true));
		assert_ok!(Training::cancel_task(RuntimeOrigin::root(), others[0]));
		run_to_block(20);
		// Halted as each came due: the bare task at block 3, the training round at block 7.
		assert_eq!(
			HaltedTasks::<Test>::get().into_inner(),
			vec![others[1], task]
		);
		assert!(active_set().is_empty());

		let info = switch(false).expect("unpauses");
		let now = System::block_number();
		for halted in [task, others[1]] {
			let resumed = task_of(halted);
			assert_eq!(resumed.status, TaskStatus::Active);
			assert!(resumed.next_due.is_some_and(|due| due > now));
			assert!(emitted(crate::Event::TaskResumed { task: halted }));
		}
		assert_eq!(task_of(task).next_due, Some(now + 1));
		assert_eq!(task_of(waiting).status, TaskStatus::Active);
		assert!(emitted(crate::Event::ProtocolUnpaused {
			resumed: 2,
			activated: 1
		}));
		assert_eq!(active_set(), vec![others[1], task, waiting]);
		assert!(HaltedTasks::<Test>::get().is_empty());
		let expected = <() as WeightInfo>::set_protocol_paused(2)
			.saturating_add(<() as WeightInfo>::activate_queued(1));
		assert_eq!(
			info,
			PostDispatchInfo {
				actual_weight: Some(expected),
				pays_fee: Default::default()
			}
		);

		let round = start_round(task);
		assert_eq!(round.index, 1, "the aborted round's index is not reused");
	});
}

#[test]
fn a_settling_round_finishes_under_the_pause_and_then_the_task_halts() {
	run_test(|| {
		let (task, cast) = setup(params(native()), 4, 3, 1);
		start_round(task);
		to_settlement(task);
		assert_ok!(switch(true));
		settle(task);

		let info = task_of(task);
		assert_eq!(info.closed_rounds, 1);
		assert_eq!(info.model, cid(100), "the settled round's model is adopted");
		assert_eq!(info.status, TaskStatus::Paused);
		assert_eq!(info.next_due, None, "no next round starts");
		assert!(emitted(crate::Event::TaskHalted { task }));
		assert!(!emitted(crate::Event::RoundAborted { task, round: 0 }));
		assert_eq!(rewards_of(cast.trainers[0]), vec![175]);
		assert_eq!(History::<Test>::get(task, 0).map(|r| r.paid), Some(948));

		assert_ok!(switch(false));
		assert_eq!(start_round(task).index, 1);
	});
}

#[test]
fn a_task_paused_by_governance_stays_paused_after_the_unpause() {
	run_test(|| {
		let (task, _) = setup(params(native()), 4, 3, 1);
		let waiting: Vec<TaskId> = (0..3).map(|_| approved(params(native()))).collect();
		assert_ok!(switch(true));
		assert_ok!(Training::pause_task(RuntimeOrigin::root(), task));
		assert_eq!(
			task_of(waiting[2]).status,
			TaskStatus::Queued,
			"no activation while paused"
		);
		assert!(HaltedTasks::<Test>::get().is_empty());
		assert_ok!(switch(false));
		assert_eq!(task_of(task).status, TaskStatus::Paused);
		assert_eq!(task_of(waiting[2]).status, TaskStatus::Active);
	});
}

#[test]
fn cancelling_a_halted_task_forgets_it() {
	run_test(|| {
		let (task, _) = setup(params(native()), 4, 3, 1);
		assert_ok!(switch(true));
		run_to_due(task);
		assert_eq!(HaltedTasks::<Test>::get().into_inner(), vec![task]);
		assert_ok!(Training::cancel_task(RuntimeOrigin::root(), task));
		assert!(HaltedTasks::<Test>::get().is_empty());
		assert_ok!(switch(false));
		assert_eq!(task_of(task).status, TaskStatus::Cancelled);
	});
}

#[test]
fn the_hook_charges_a_halt_by_the_aborted_round() {
	run_test(|| {
		let (task, cast) = setup(params(native()), 4, 3, 1);
		start_round(task);
		let entries: Vec<(AccountId, u64)> = cast.trainers.iter().map(|w| (*w, 10)).collect();
		submit(task, 0, &entries);
		assert_ok!(switch(true));
		let due = task_of(task).next_due.expect("scheduled");
		System::set_block_number(due);
		use frame_support::traits::Hooks;
		let used = Training::on_initialize(due);
		assert_eq!(
			used,
			<() as WeightInfo>::on_initialize_idle()
				.saturating_add(<() as WeightInfo>::halt_task(4))
		);
		assert_eq!(task_of(task).status, TaskStatus::Paused);
	});
}
