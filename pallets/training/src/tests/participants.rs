//! Joining, leaving and withdrawing bonds.

use super::*;
use frame_support::{assert_noop, BoundedVec};

#[test]
fn joining_holds_the_bond_in_the_tasks_asset() {
	run_test(|| {
		let native_task = propose(params(native()));
		let asset_task = propose(params(asset()));
		join(native_task, 10, Role::Trainer, 500);
		join(asset_task, 10, Role::Validator, 700);
		assert_eq!(held(native(), 10), 500);
		assert_eq!(free(native(), 10), INITIAL_FUNDS - 500);
		assert_eq!(held(asset(), 10), 700);
		assert_eq!(free(asset(), 10), INITIAL_FUNDS - 700);

		let participant = Participants::<Test>::get(native_task, 10).unwrap();
		assert_eq!(participant.role, Role::Trainer);
		assert_eq!(participant.bond, 500);
		assert_eq!(participant.jurisdiction, *b"DE");
		assert_eq!(participant.encryption_key, key(10));
		assert_eq!(participant.reputation, INITIAL_REPUTATION);
		assert_eq!(task_of(native_task).roster.trainers, 1);
		assert_eq!(
			Roster::<Test>::get(native_task, Role::Trainer).into_inner(),
			vec![10]
		);
		assert!(emitted(crate::Event::Joined {
			task: native_task,
			who: 10,
			role: Role::Trainer,
			bond: 500,
			jurisdiction: *b"DE"
		}));
	});
}

#[test]
fn one_account_bonds_in_several_tasks_of_the_same_asset() {
	run_test(|| {
		let first = propose(params(native()));
		let second = propose(params(native()));
		join(first, 10, Role::Trainer, 500);
		join(second, 10, Role::Aggregator, 400);
		assert_eq!(held(native(), 10), 900);
	});
}

#[test]
fn joining_is_refused_for_every_reason() {
	run_test(|| {
		let mut p = params(native());
		p.eligibility.allow_list = Some(BoundedVec::truncate_from(vec![10, 11, 12]));
		p.eligibility.jurisdictions = Some(BoundedVec::truncate_from(vec![*b"DE", *b"FR"]));
		let task = propose(p);
		let attempt =
			|who: AccountId, role: Role, bond: Balance, code: Jurisdiction, k: [u8; 32]| {
				Training::join(RuntimeOrigin::signed(who), task, role, bond, code, k)
			};
		assert_noop!(
			Training::join(
				RuntimeOrigin::signed(10),
				9,
				Role::Trainer,
				500,
				*b"DE",
				key(10)
			),
			Error::<Test>::TaskNotFound
		);
		assert_noop!(
			attempt(13, Role::Trainer, 500, *b"DE", key(13)),
			Error::<Test>::NotAllowListed
		);
		assert_noop!(
			attempt(10, Role::Trainer, 500, *b"US", key(10)),
			Error::<Test>::JurisdictionNotAllowed
		);
		assert_noop!(
			attempt(10, Role::Trainer, 500, *b"de", key(10)),
			Error::<Test>::InvalidJurisdiction
		);
		assert_noop!(
			attempt(10, Role::Trainer, 500, *b"DE", [0; 32]),
			Error::<Test>::InvalidEncryptionKey
		);
		assert_noop!(
			attempt(10, Role::Validator, 199, *b"DE", key(10)),
			Error::<Test>::BondTooLow
		);
		assert!(attempt(10, Role::Trainer, INITIAL_FUNDS * 2, *b"FR", key(10)).is_err());
		assert_ok!(attempt(10, Role::Trainer, 500, *b"FR", key(10)));
		assert_noop!(
			attempt(10, Role::Validator, 500, *b"FR", key(10)),
			Error::<Test>::AlreadyJoined
		);
	});
}

#[test]
fn joining_a_paused_or_finished_task_is_refused() {
	run_test(|| {
		let (task, _) = setup(params(native()), 4, 3, 1);
		assert_ok!(Training::pause_task(RuntimeOrigin::root(), task));
		assert_noop!(
			Training::join(
				RuntimeOrigin::signed(30),
				task,
				Role::Trainer,
				500,
				*b"DE",
				key(30)
			),
			Error::<Test>::TaskNotOpen
		);
		assert_ok!(Training::cancel_task(RuntimeOrigin::root(), task));
		assert_noop!(
			Training::join(
				RuntimeOrigin::signed(30),
				task,
				Role::Trainer,
				500,
				*b"DE",
				key(30)
			),
			Error::<Test>::TaskNotOpen
		);
	});
}

#[test]
fn a_full_roster_refuses_newcomers() {
	run_test(|| {
		let task = propose(params(native()));
		let full: Vec<AccountId> = (10_000..10_000 + 4_096).collect();
		Roster::<Test>::insert(task, Role::Trainer, BoundedVec::truncate_from(full));
		assert_noop!(
			Training::join(
				RuntimeOrigin::signed(10),
				task,
				Role::Trainer,
				500,
				*b"DE",
				key(10)
			),
			Error::<Test>::RosterFull
		);
		// Other roles have their own rosters.
		join(task, 11, Role::Validator, 500);
		Roster::<Test>::remove(task, Role::Trainer);
	});
}

#[test]
fn leaving_starts_the_cooldown_and_withdrawing_releases_the_bond() {
	run_test(|| {
		let task = propose(params(asset()));
		join(task, 10, Role::Trainer, 500);
		assert_noop!(
			Training::withdraw_bond(RuntimeOrigin::signed(10), task),
			Error::<Test>::StillBonded
		);
		assert_ok!(Training::leave(RuntimeOrigin::signed(10), task));
		assert!(emitted(crate::Event::Left {
			task,
			who: 10,
			unlock_at: 11
		}));
		assert_eq!(task_of(task).roster.trainers, 0);
		assert!(Roster::<Test>::get(task, Role::Trainer).is_empty());
		assert_noop!(
			Training::leave(RuntimeOrigin::signed(10), task),
			Error::<Test>::AlreadyLeaving
		);

		run_to_block(10);
		assert_noop!(
			Training::withdraw_bond(RuntimeOrigin::signed(10), task),
			Error::<Test>::CooldownNotOver
		);
		run_to_block(11);
		assert_ok!(Training::withdraw_bond(RuntimeOrigin::signed(10), task));
		assert_eq!(held(asset(), 10), 0);
		assert_eq!(free(asset(), 10), INITIAL_FUNDS);
		assert!(Participants::<Test>::get(task, 10).is_none());
		assert!(emitted(crate::Event::BondWithdrawn {
			task,
			who: 10,
			amount: 500
		}));
		assert_noop!(
			Training::withdraw_bond(RuntimeOrigin::signed(10), task),
			Error::<Test>::NotParticipant
		);
	});
}

#[test]
fn strangers_cannot_leave_or_withdraw() {
	run_test(|| {
		let task = propose(params(native()));
		assert_noop!(
			Training::leave(RuntimeOrigin::signed(10), task),
			Error::<Test>::NotParticipant
		);
		assert_noop!(
			Training::withdraw_bond(RuntimeOrigin::signed(10), task),
			Error::<Test>::NotParticipant
		);
	});
}

#[test]
fn nobody_seated_in_an_unsettled_round_can_leave() {
	run_test(|| {
		let (task, cast) = setup(params(native()), 4, 3, 1);
		start_round(task);
		for who in [cast.trainers[0], cast.validators[0], cast.aggregators[0]] {
			assert_noop!(
				Training::leave(RuntimeOrigin::signed(who), task),
				Error::<Test>::SelectedInCurrentRound
			);
		}
		// Someone who joined after selection is not seated and may leave mid-round.
		join(task, 30, Role::Trainer, 500);
		assert_ok!(Training::leave(RuntimeOrigin::signed(30), task));
	});
}

#[test]
fn a_seated_participant_can_leave_once_the_round_is_settled() {
	run_test(|| {
		let (task, cast) = setup(params(native()), 4, 3, 1);
		play_round(task, 100);
		// Between rounds nobody is seated.
		assert!(Rounds::<Test>::get(task).is_none());
		assert_ok!(Training::leave(
			RuntimeOrigin::signed(cast.trainers[0]),
			task
		));
		assert_eq!(task_of(task).roster.trainers, 3);
	});
}

#[test]
fn leaving_participants_are_not_selected_again() {
	run_test(|| {
		let (task, cast) = setup(params(native()), 5, 3, 1);
		assert_ok!(Training::leave(
			RuntimeOrigin::signed(cast.trainers[4]),
			task
		));
		let round = start_round(task);
		assert_eq!(round.trainers, 4);
		assert!(!SelectedTrainers::<Test>::get(task).contains(&cast.trainers[4]));
	});
}

#[test]
fn bonds_of_a_completed_task_are_withdrawable_at_once() {
	run_test(|| {
		let mut p = params(native());
		p.rounds = 1;
		let (task, cast) = setup(p, 4, 3, 1);
		play_round(task, 100);
		assert_eq!(task_of(task).status, TaskStatus::Completed);
		let trainer = cast.trainers[0];
		let bond = Participants::<Test>::get(task, trainer).unwrap().bond;
		assert_ok!(Training::withdraw_bond(
			RuntimeOrigin::signed(trainer),
			task
		));
		assert_eq!(held(native(), trainer), 0);
		assert!(emitted(crate::Event::BondWithdrawn {
			task,
			who: trainer,
			amount: bond
		}));
	});
}
