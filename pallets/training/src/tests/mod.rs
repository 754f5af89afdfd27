//! Unit tests on the mock runtime, split by area. Every test ends with `do_try_state`
//! (see [`crate::mock::run_test`]).

mod active_set;
mod aggregation;
mod emergency;
mod governance;
mod ledger;
mod participants;
mod proposal;
mod rounds;
mod scheduling;
mod scoring;
mod settlement;
mod terms;

use crate::{mock::*, *};
use frame_support::{
	assert_ok,
	traits::{
		fungible::NativeOrWithId,
		fungibles::{Inspect, InspectHold},
	},
};
use sp_runtime::Perbill;

/// Proposer of every test task.
pub const OWNER: AccountId = 1;
/// Bonds used by [`setup`], per role.
pub const TRAINER_BOND: Balance = 1_000;
/// Validator bond used by [`setup`].
pub const VALIDATOR_BOND: Balance = 2_000;
/// Aggregator bond used by [`setup`].
pub const AGGREGATOR_BOND: Balance = 3_000;

/// The participants of a test task.
pub struct Cast {
	/// Trainers, numbered from 10.
	pub trainers: Vec<AccountId>,
	/// Validators, numbered from 50.
	pub validators: Vec<AccountId>,
	/// Aggregators, numbered from 90.
	pub aggregators: Vec<AccountId>,
}

/// A non-zero X25519 key unique to `who`.
pub fn key(who: AccountId) -> X25519PublicKey {
	[(who % 250) as u8 + 1; 32]
}

/// Proposes `params` from [`OWNER`]; returns the task id.
pub fn propose(params: TaskParams<Test>) -> TaskId {
	let id = NextTaskId::<Test>::get();
	assert_ok!(Training::propose_task(
		RuntimeOrigin::signed(OWNER),
		Box::new(params)
	));
	id
}

/// Joins `who` to `task` in `role` with `bond`, from Germany.
pub fn join(task: TaskId, who: AccountId, role: Role, bond: Balance) {
	assert_ok!(Training::join(
		RuntimeOrigin::signed(who),
		task,
		role,
		bond,
		*b"DE",
		key(who)
	));
}

/// Proposes `params`, joins `t` trainers, `v` validators and `a` aggregators and approves.
pub fn setup(params: TaskParams<Test>, t: AccountId, v: AccountId, a: AccountId) -> (TaskId, Cast) {
	let task = propose(params);
	let cast = Cast {
		trainers: (10..10 + t).collect(),
		validators: (50..50 + v).collect(),
		aggregators: (90..90 + a).collect(),
	};
	cast.trainers
		.iter()
		.for_each(|who| join(task, *who, Role::Trainer, TRAINER_BOND));
	cast.validators
		.iter()
		.for_each(|who| join(task, *who, Role::Validator, VALIDATOR_BOND));
	cast.aggregators
		.iter()
		.for_each(|who| join(task, *who, Role::Aggregator, AGGREGATOR_BOND));
	assert_ok!(Training::approve_task(RuntimeOrigin::root(), task));
	(task, cast)
}

/// Proposes `params` and approves the task without participants; returns its id.
pub fn approved(params: TaskParams<Test>) -> TaskId {
	let task = propose(params);
	assert_ok!(Training::approve_task(RuntimeOrigin::root(), task));
	task
}

/// The tasks in the active set, in the order they entered.
pub fn active_set() -> Vec<TaskId> {
	crate::ActiveTasks::<Test>::get().into_inner()
}

/// The queued tasks, in the order they arrived.
pub fn queue() -> Vec<TaskId> {
	crate::QueuedTasks::<Test>::get().into_inner()
}

/// Drives `task`'s current round (just started) until its settlement has begun: every
/// selected trainer submits 100 examples, every validator scores 80% and a quorum attests.
pub fn to_settlement(task: TaskId) -> RoundState<Test> {
	let round = round_of(task);
	let trainers = crate::SelectedTrainers::<Test>::get(task);
	let entries: Vec<(AccountId, u64)> = trainers.iter().map(|who| (*who, 100)).collect();
	submit(task, round.index, &entries);
	run_to_due(task);
	let votes: Vec<(AccountId, Vec<u32>)> = round
		.validators
		.iter()
		.map(|seat| (seat.who, vec![80; trainers.len()]))
		.collect();
	score(task, round.index, &votes);
	let attesters: Vec<AccountId> = round.validators.iter().map(|seat| seat.who).collect();
	aggregate(task, round.index, round.aggregator, &attesters[..2]);
	assert!(round_of(task).phase.is_settling());
	round
}

/// Runs blocks until `task`'s next transition has happened.
pub fn run_to_due(task: TaskId) {
	let due = Tasks::<Test>::get(task)
		.and_then(|info| info.next_due)
		.expect("task is scheduled");
	run_to_block(due);
}

/// The task's round in progress.
pub fn round_of(task: TaskId) -> RoundState<Test> {
	Rounds::<Test>::get(task).expect("a round is in progress")
}

/// The task's stored info.
pub fn task_of(task: TaskId) -> TaskInfo<Test> {
	Tasks::<Test>::get(task).expect("the task exists")
}

/// Starts the next round (runs to the task's due block) and returns it.
pub fn start_round(task: TaskId) -> RoundState<Test> {
	run_to_due(task);
	let round = round_of(task);
	assert!(
		matches!(round.phase, Phase::Training { .. }),
		"round started: {:?}",
		round.phase
	);
	round
}

/// Submits an update with `examples` for each of `trainers`.
pub fn submit(task: TaskId, round: RoundIndex, trainers: &[(AccountId, u64)]) {
	for (who, examples) in trainers {
		assert_ok!(Training::submit_update(
			RuntimeOrigin::signed(*who),
			task,
			round,
			cid(*who as u8),
			*examples
		));
	}
}

/// The salt validator `who` uses.
pub fn salt_of(who: AccountId) -> Salt {
	[who as u8; 32]
}

/// Scores as a bounded vector, from percentages.
pub fn scores(percent: &[u32]) -> Scores<Test> {
	Scores::<Test>::truncate_from(percent.iter().map(|p| Perbill::from_percent(*p)).collect())
}

/// Commits `who` to `percent` scores.
pub fn commit(task: TaskId, round: RoundIndex, who: AccountId, percent: &[u32]) {
	let commitment = Training::score_commitment(task, round, &who, &scores(percent), &salt_of(who));
	assert_ok!(Training::commit_scores(
		RuntimeOrigin::signed(who),
		task,
		round,
		commitment
	));
}

/// Reveals the scores `who` committed to.
pub fn reveal(task: TaskId, round: RoundIndex, who: AccountId, percent: &[u32]) {
	assert_ok!(Training::reveal_scores(
		RuntimeOrigin::signed(who),
		task,
		round,
		scores(percent),
		salt_of(who)
	));
}

/// Commits and reveals every `(validator, scores)` pair, running the phases in between.
/// Leaves the round in aggregation (or failed), after the reveal phase closed.
pub fn score(task: TaskId, round: RoundIndex, votes: &[(AccountId, Vec<u32>)]) {
	for (who, percent) in votes {
		commit(task, round, *who, percent);
	}
	run_to_due(task);
	for (who, percent) in votes {
		reveal(task, round, *who, percent);
	}
	run_to_due(task);
}

/// Submits `model` as the aggregate and has `attesters` attest it.
pub fn aggregate(task: TaskId, round: RoundIndex, aggregator: AccountId, attesters: &[AccountId]) {
	assert_ok!(Training::submit_aggregate(
		RuntimeOrigin::signed(aggregator),
		task,
		round,
		cid(100),
		Some(cid(101))
	));
	for who in attesters {
		assert_ok!(Training::attest_aggregate(
			RuntimeOrigin::signed(*who),
			task,
			round,
			cid(100)
		));
	}
}

/// Runs blocks until `task` has no round in progress.
pub fn settle(task: TaskId) {
	while Rounds::<Test>::contains_key(task) {
		run_to_due(task);
	}
}

/// Plays one full successful round where every trainer submits `examples` and every
/// validator scores every update at 80%.
pub fn play_round(task: TaskId, examples: u64) -> RoundIndex {
	let round = start_round(task);
	let trainers = crate::SelectedTrainers::<Test>::get(task);
	let entries: Vec<(AccountId, u64)> = trainers.iter().map(|who| (*who, examples)).collect();
	submit(task, round.index, &entries);
	run_to_due(task);
	let votes: Vec<(AccountId, Vec<u32>)> = round
		.validators
		.iter()
		.map(|seat| (seat.who, vec![80; trainers.len()]))
		.collect();
	score(task, round.index, &votes);
	let attesters: Vec<AccountId> = round.validators.iter().map(|seat| seat.who).collect();
	aggregate(
		task,
		round.index,
		round.aggregator,
		&attesters[..2.min(attesters.len())],
	);
	settle(task);
	round.index
}

/// Funds held for bonds by `who` in `asset`.
pub fn held(asset: NativeOrWithId<u32>, who: AccountId) -> Balance {
	<Test as Config>::AssetHolds::balance_on_hold(asset, &HoldReason::Bond.into(), &who)
}

/// Free balance of `who` in `asset`.
pub fn free(asset: NativeOrWithId<u32>, who: AccountId) -> Balance {
	<Test as Config>::Assets::balance(asset, &who)
}

/// The pool account's balance of task `task`.
pub fn pool_balance(task: TaskId) -> Balance {
	free(task_of(task).params.asset, Training::pool_account(task))
}

/// Whether the pallet emitted `event`.
pub fn emitted(event: crate::Event<Test>) -> bool {
	training_events().contains(&event)
}

/// The `Slashed` amounts of `who`, in order.
pub fn slashes_of(who: AccountId) -> Vec<(SlashReason, Balance)> {
	training_events()
		.into_iter()
		.filter_map(|event| match event {
			crate::Event::Slashed {
				who: w,
				reason,
				amount,
				..
			} if w == who => Some((reason, amount)),
			_ => None,
		})
		.collect()
}

/// The `Rewarded` amounts of `who`, in order.
pub fn rewards_of(who: AccountId) -> Vec<Balance> {
	training_events()
		.into_iter()
		.filter_map(|event| match event {
			crate::Event::Rewarded { who: w, amount, .. } if w == who => Some(amount),
			_ => None,
		})
		.collect()
}
