//! Benchmarks (frame-benchmarking v2) for every call and every hook transition.
//!
//! Worst cases: rounds of `MaxTrainersPerRound` trainers and `MaxValidatorsPerRound`
//! validators, full rosters, and the calls that end a phase early or reach the quorum. Hook
//! transitions are measured through `on_initialize` at the block they are due, so the weight
//! includes draining the due-queue. Setup drives the real pallet through its phases.

use crate::*;
use alloc::{boxed::Box, vec, vec::Vec};
use decentralml_primitives::{AggregationConfig, StrategyConfig};
use frame_benchmarking::v2::*;
use frame_support::traits::{
	fungibles::{Inspect, Mutate},
	EnsureOrigin, Get, Hooks,
};
use frame_support::BoundedVec;
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use sp_runtime::{traits::One, Perbill, Saturating};

const SEED: u32 = 0;
/// Bond of every benchmark participant (above every minimum bond), in minimum balances.
const BOND: u32 = 10_000;
/// Funds minted to every benchmark account, in minimum balances.
const FUNDS: u32 = 1_000_000_000;

/// `count` minimum balances of `asset`: amounts scale with the runtime's existential deposit,
/// so a pool of 10^8 is well above it in the mock runtime and in the real one.
fn units<T: Config>(asset: &T::AssetKind, count: u32) -> BalanceOf<T> {
	T::Assets::minimum_balance(asset.clone())
		.max(One::one())
		.saturating_mul(count.into())
}

fn benchmark_cid<T: Config>(tag: u8) -> Result<Cid<T>, BenchmarkError> {
	let mut bytes = vec![0x01, 0x55, 0x12, 0x20];
	bytes.extend([tag; 32]);
	Cid::<T>::try_from(bytes).map_err(|_| BenchmarkError::Stop("MaxCidLen is below 36 bytes"))
}

fn funded<T: Config>(
	name: &'static str,
	index: u32,
	asset: &T::AssetKind,
) -> Result<T::AccountId, BenchmarkError> {
	let who: T::AccountId = account(name, index, SEED);
	T::Assets::mint_into(asset.clone(), &who, units::<T>(asset, FUNDS))
		.map_err(|_| BenchmarkError::Stop("cannot mint the benchmark asset"))?;
	Ok(who)
}

fn benchmark_params<T: Config>(
	asset: T::AssetKind,
	trainers: u32,
	validators: u32,
	rounds: u32,
) -> Result<TaskParams<T>, BenchmarkError> {
	let phase = T::MinPhaseBlocks::get().max(One::one());
	let (budget, pool, min_bond) = (
		units::<T>(&asset, 1_000_000),
		units::<T>(&asset, 100_000_000),
		units::<T>(&asset, 1_000),
	);
	Ok(TaskParams {
		model_card: benchmark_cid::<T>(1)?,
		initial_model: benchmark_cid::<T>(2)?,
		aggregation: AggregationConfig::plain(StrategyConfig::FedAvg),
		rounds,
		phases: PhaseLengths {
			training: phase,
			commit: phase,
			reveal: phase,
			aggregation: phase,
		},
		trainers_per_round: trainers.max(1),
		min_updates: 1,
		validators_per_round: validators.max(1),
		asset,
		budget_per_round: budget,
		pool_deposit: pool,
		min_score: Perbill::from_percent(50),
		harmful_score: Perbill::from_percent(10),
		reward_split: RewardSplit {
			trainers: Perbill::from_percent(70),
			validators: Perbill::from_percent(20),
			aggregator: Perbill::from_percent(5),
		},
		example_cap: 1_000,
		slash_rates: SlashRates {
			absent_trainer: Perbill::from_percent(10),
			harmful_update: Perbill::from_percent(50),
			absent_validator: Perbill::from_percent(20),
			dissenting_validator: Perbill::from_percent(30),
			wrong_aggregator: Perbill::from_percent(40),
			absent_aggregator: Perbill::from_percent(25),
		},
		score_tolerance: Perbill::from_percent(20),
		min_bonds: MinBonds {
			trainer: min_bond,
			validator: min_bond,
			aggregator: min_bond,
		},
		eligibility: Eligibility {
			allow_list: None,
			jurisdictions: None,
		},
	})
}

/// Proposes a task with `trainers` and `validators` seats per round; returns its id.
fn proposed_task<T: Config>(
	trainers: u32,
	validators: u32,
	rounds: u32,
) -> Result<TaskId, BenchmarkError> {
	let asset = T::BenchmarkHelper::bond_asset();
	let owner = funded::<T>("owner", 0, &asset)?;
	let params = benchmark_params::<T>(asset, trainers, validators, rounds)?;
	let id = NextTaskId::<T>::get();
	Pallet::<T>::do_propose(owner, params)?;
	Ok(id)
}

/// Registers `count` participants of `role`, numbered from `first`.
fn join_many<T: Config>(
	id: TaskId,
	role: Role,
	first: u32,
	count: u32,
) -> Result<Vec<T::AccountId>, BenchmarkError> {
	let asset = Tasks::<T>::get(id).ok_or("task exists")?.params.asset;
	let name = match role {
		Role::Trainer => "trainer",
		Role::Validator => "validator",
		Role::Aggregator => "aggregator",
	};
	(first..first.saturating_add(count))
		.map(|index| {
			let who = funded::<T>(name, index, &asset)?;
			let bond = units::<T>(&asset, BOND);
			Pallet::<T>::do_join(who.clone(), id, role, bond, *b"DE", [7u8; 32])?;
			Ok(who)
		})
		.collect()
}

/// An approved task with everyone joined, whose first round has started.
fn running_task<T: Config>(
	trainers: u32,
	validators: u32,
	rounds: u32,
) -> Result<TaskId, BenchmarkError> {
	let id = proposed_task::<T>(trainers, validators, rounds)?;
	join_many::<T>(id, Role::Trainer, 0, trainers.max(1))?;
	join_many::<T>(id, Role::Validator, 0, validators.max(1))?;
	join_many::<T>(id, Role::Aggregator, 0, 1)?;
	Pallet::<T>::do_approve(id)?;
	run_due::<T>(id)?;
	ensure_phase::<T>(id, |phase| matches!(phase, Phase::Training { .. }))?;
	Ok(id)
}

/// The block at which task `id` is next due.
fn due_block<T: Config>(id: TaskId) -> Result<BlockNumberFor<T>, BenchmarkError> {
	Tasks::<T>::get(id)
		.and_then(|task| task.next_due)
		.ok_or(BenchmarkError::Stop("the task is not scheduled"))
}

/// Moves to the block at which task `id` is due and runs the hook there.
fn run_due<T: Config>(id: TaskId) -> Result<(), BenchmarkError> {
	let due = due_block::<T>(id)?;
	frame_system::Pallet::<T>::set_block_number(due);
	Pallet::<T>::on_initialize(due);
	Ok(())
}

/// Moves to the block at which task `id` is due, without running the hook.
fn go_to_due<T: Config>(id: TaskId) -> Result<BlockNumberFor<T>, BenchmarkError> {
	let due = due_block::<T>(id)?;
	frame_system::Pallet::<T>::set_block_number(due);
	Ok(due)
}

fn ensure_phase<T: Config>(
	id: TaskId,
	expected: impl Fn(&Phase<BlockNumberFor<T>>) -> bool,
) -> Result<(), BenchmarkError> {
	let round = Rounds::<T>::get(id).ok_or("a round is in progress")?;
	if expected(&round.phase) {
		Ok(())
	} else {
		Err(BenchmarkError::Stop(
			"the round is not in the expected phase",
		))
	}
}

/// Submits updates for all selected trainers but the last `skip`.
fn submit_updates<T: Config>(id: TaskId, skip: u32) -> Result<(), BenchmarkError> {
	let trainers = SelectedTrainers::<T>::get(id);
	let submitting = trainers.len().saturating_sub(skip as usize);
	for who in trainers.iter().take(submitting) {
		Pallet::<T>::do_submit_update(who.clone(), id, 0, benchmark_cid::<T>(3)?, 100)?;
	}
	Ok(())
}

/// The scores and salt validator number `seat` uses: everyone agrees at 80%.
fn scores_of<T: Config>(id: TaskId, seat: usize) -> Result<(Scores<T>, Salt), BenchmarkError> {
	let round = Rounds::<T>::get(id).ok_or("a round is in progress")?;
	let scores = vec![Perbill::from_percent(80); round.submitted as usize];
	let scores = Scores::<T>::try_from(scores).map_err(|_| "scores fit the bound")?;
	Ok((scores, [seat as u8; 32]))
}

/// Commits for all validators but the last `skip`.
fn commit_all<T: Config>(id: TaskId, skip: u32) -> Result<(), BenchmarkError> {
	let round = Rounds::<T>::get(id).ok_or("a round is in progress")?;
	let committing = round.validators.len().saturating_sub(skip as usize);
	for (seat, validator) in round.validators.iter().enumerate().take(committing) {
		let (scores, salt) = scores_of::<T>(id, seat)?;
		let commitment = Pallet::<T>::score_commitment(id, 0, &validator.who, &scores, &salt);
		Pallet::<T>::do_commit(validator.who.clone(), id, 0, commitment)?;
	}
	Ok(())
}

/// Reveals for all validators but the last `skip`.
fn reveal_all<T: Config>(id: TaskId, skip: u32) -> Result<(), BenchmarkError> {
	let round = Rounds::<T>::get(id).ok_or("a round is in progress")?;
	let revealing = round.validators.len().saturating_sub(skip as usize);
	for (seat, validator) in round.validators.iter().enumerate().take(revealing) {
		let (scores, salt) = scores_of::<T>(id, seat)?;
		Pallet::<T>::do_reveal(validator.who.clone(), id, 0, scores, salt)?;
	}
	Ok(())
}

/// Drives task `id`'s first round from training into its aggregation phase.
fn to_aggregation<T: Config>(id: TaskId) -> Result<(), BenchmarkError> {
	submit_updates::<T>(id, 0)?;
	run_due::<T>(id)?;
	commit_all::<T>(id, 0)?;
	run_due::<T>(id)?;
	reveal_all::<T>(id, 0)?;
	run_due::<T>(id)?;
	ensure_phase::<T>(id, |phase| matches!(phase, Phase::Aggregation { .. }))
}

/// Submits the aggregate and attests it until one more attestation reaches the quorum (or,
/// with `all`, until the quorum is reached). Returns the next validator to attest.
fn attest<T: Config>(id: TaskId, all: bool) -> Result<Option<T::AccountId>, BenchmarkError> {
	let round = Rounds::<T>::get(id).ok_or("a round is in progress")?;
	let model = benchmark_cid::<T>(4)?;
	Pallet::<T>::do_submit_aggregate(round.aggregator.clone(), id, 0, model.clone(), None)?;
	let total = round.revealed_stake();
	let mut attested: BalanceOf<T> = 0u32.into();
	for seat in round.validators.iter() {
		let reaches = Pallet::<T>::quorum_reached(attested.saturating_add(seat.stake), total);
		if reaches && !all {
			return Ok(Some(seat.who.clone()));
		}
		Pallet::<T>::do_attest(seat.who.clone(), id, 0, model.clone())?;
		attested = attested.saturating_add(seat.stake);
		if reaches {
			return Ok(None);
		}
	}
	Ok(None)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn propose_task() -> Result<(), BenchmarkError> {
		let asset = T::BenchmarkHelper::bond_asset();
		let caller = funded::<T>("proposer", 0, &asset)?;
		let params = benchmark_params::<T>(
			asset,
			T::MaxTrainersPerRound::get(),
			T::MaxValidatorsPerRound::get(),
			T::MaxRounds::get(),
		)?;
		let id = NextTaskId::<T>::get();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), Box::new(params));

		assert!(Tasks::<T>::contains_key(id));
		Ok(())
	}

	#[benchmark]
	fn approve_task() -> Result<(), BenchmarkError> {
		let id = proposed_task::<T>(1, 1, 1)?;
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, id);

		assert_eq!(
			Tasks::<T>::get(id).map(|task| task.status),
			Some(TaskStatus::Active)
		);
		Ok(())
	}

	#[benchmark]
	fn pause_task(k: Linear<1, { T::MaxTrainersPerRound::get() }>) -> Result<(), BenchmarkError> {
		let id = running_task::<T>(k, 1, 2)?;
		submit_updates::<T>(id, 0)?;
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, id);

		assert!(!Rounds::<T>::contains_key(id));
		Ok(())
	}

	#[benchmark]
	fn resume_task() -> Result<(), BenchmarkError> {
		let id = running_task::<T>(1, 1, 2)?;
		Pallet::<T>::do_pause(id)?;
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, id);

		assert_eq!(
			Tasks::<T>::get(id).map(|task| task.status),
			Some(TaskStatus::Active)
		);
		Ok(())
	}

	#[benchmark]
	fn cancel_task(k: Linear<1, { T::MaxTrainersPerRound::get() }>) -> Result<(), BenchmarkError> {
		let id = running_task::<T>(k, 1, 2)?;
		submit_updates::<T>(id, 0)?;
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, id);

		assert_eq!(
			Tasks::<T>::get(id).map(|task| task.status),
			Some(TaskStatus::Cancelled)
		);
		Ok(())
	}

	/// Governance replacing an approved task's eligibility with an allow-list of `a` accounts
	/// and the longest list of jurisdictions.
	#[benchmark]
	fn set_eligibility(a: Linear<0, { T::MaxAllowList::get() }>) -> Result<(), BenchmarkError> {
		let id = running_task::<T>(1, 1, 2)?;
		let allowed = (0..a).map(|i| account::<T::AccountId>("allowed", i, SEED));
		let codes = (0..T::MaxJurisdictions::get())
			.map(|i| [b'A' + (i / 26 % 26) as u8, b'A' + (i % 26) as u8]);
		let eligibility = Eligibility::<T> {
			allow_list: Some(BoundedVec::truncate_from(allowed.collect::<Vec<_>>())),
			jurisdictions: Some(BoundedVec::truncate_from(codes.collect::<Vec<_>>())),
		};
		let origin =
			T::TermsOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, id, eligibility);

		let task = Tasks::<T>::get(id).ok_or("task exists")?;
		assert_eq!(
			task.params
				.eligibility
				.allow_list
				.map(|list| list.len() as u32),
			Some(a)
		);
		Ok(())
	}

	#[benchmark]
	fn set_score_thresholds() -> Result<(), BenchmarkError> {
		let id = running_task::<T>(1, 1, 2)?;
		let origin =
			T::ThresholdsOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let (min_score, harmful_score) = (Perbill::from_percent(60), Perbill::from_percent(20));

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, id, min_score, harmful_score);

		let task = Tasks::<T>::get(id).ok_or("task exists")?;
		assert_eq!(task.params.min_score, min_score);
		Ok(())
	}

	/// Unpausing the protocol with `h` halted tasks to resume (an empty queue, so nothing else
	/// is activated: that is `activate_queued`).
	#[benchmark]
	fn set_protocol_paused(
		h: Linear<0, { T::MaxActiveTasks::get() }>,
	) -> Result<(), BenchmarkError> {
		// Approved tasks, halted before their first round: no hook runs during the set-up.
		let mut tasks = Vec::new();
		for _ in 0..h {
			let id = proposed_task::<T>(1, 1, 2)?;
			Pallet::<T>::do_approve(id)?;
			tasks.push(id);
		}
		Pallet::<T>::do_set_protocol_paused(true)?;
		for id in &tasks {
			let mut task = Tasks::<T>::get(id).ok_or("task exists")?;
			Pallet::<T>::halt(*id, &mut task);
			Tasks::<T>::insert(id, task);
		}
		let origin =
			T::EmergencyOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, false);

		assert!(!ProtocolPaused::<T>::get());
		assert_eq!(ActiveTasks::<T>::decode_len().unwrap_or(0) as u32, h);
		Ok(())
	}

	/// Filling one free slot of the active set from a queue of `q` tasks.
	#[benchmark]
	fn activate_queued(q: Linear<1, { T::MaxQueuedTasks::get() }>) -> Result<(), BenchmarkError> {
		let mut approved = Vec::new();
		for _ in 0..T::MaxActiveTasks::get().saturating_add(q) {
			let id = proposed_task::<T>(1, 1, 2)?;
			Pallet::<T>::do_approve(id)?;
			approved.push(id);
		}
		if QueuedTasks::<T>::decode_len().unwrap_or(0) as u32 != q {
			return Err(BenchmarkError::Stop("the queue does not hold q tasks"));
		}
		// Free one slot the way completing a task does, without refilling it.
		Pallet::<T>::leave_active_set(approved[0]);

		#[block]
		{
			Pallet::<T>::fill_free_slots();
		}

		assert_eq!(QueuedTasks::<T>::decode_len().unwrap_or(0) as u32, q - 1);
		Ok(())
	}

	/// The hook halting an active task (the protocol is paused) whose round has `k` trainers
	/// and their updates.
	#[benchmark]
	fn halt_task(k: Linear<1, { T::MaxTrainersPerRound::get() }>) -> Result<(), BenchmarkError> {
		let id = running_task::<T>(k, 1, 2)?;
		submit_updates::<T>(id, 0)?;
		Pallet::<T>::do_set_protocol_paused(true)?;
		let due = go_to_due::<T>(id)?;

		#[block]
		{
			Pallet::<T>::on_initialize(due);
		}

		assert!(HaltedTasks::<T>::get().contains(&id));
		Ok(())
	}

	#[benchmark]
	fn join(n: Linear<1, { T::MaxRoster::get() }>) -> Result<(), BenchmarkError> {
		let id = proposed_task::<T>(1, 1, 1)?;
		join_many::<T>(id, Role::Trainer, 0, n - 1)?;
		let asset = Tasks::<T>::get(id).ok_or("task exists")?.params.asset;
		let caller = funded::<T>("joiner", 0, &asset)?;

		#[extrinsic_call]
		_(
			RawOrigin::Signed(caller.clone()),
			id,
			Role::Trainer,
			units::<T>(&asset, BOND),
			*b"DE",
			[9u8; 32],
		);

		assert!(Participants::<T>::contains_key(id, &caller));
		Ok(())
	}

	#[benchmark]
	fn leave(n: Linear<2, { T::MaxRoster::get() }>) -> Result<(), BenchmarkError> {
		// A round with as many selected trainers as allowed is running; the leaver joined
		// after it started, so it is not seated, and sits last in a roster of `n`.
		let seated = (n - 1).min(T::MaxTrainersPerRound::get());
		let id = running_task::<T>(seated, 1, 2)?;
		join_many::<T>(id, Role::Trainer, seated, n - 1 - seated)?;
		let leaver = join_many::<T>(id, Role::Trainer, n, 1)?
			.pop()
			.ok_or("joined")?;

		#[extrinsic_call]
		_(RawOrigin::Signed(leaver.clone()), id);

		let status = Participants::<T>::get(id, &leaver).map(|p| p.status);
		assert!(matches!(status, Some(ParticipantStatus::Leaving { .. })));
		Ok(())
	}

	#[benchmark]
	fn withdraw_bond() -> Result<(), BenchmarkError> {
		let id = proposed_task::<T>(1, 1, 1)?;
		let who = join_many::<T>(id, Role::Trainer, 0, 1)?
			.pop()
			.ok_or("joined")?;
		Pallet::<T>::do_leave(who.clone(), id)?;
		let unlock =
			frame_system::Pallet::<T>::block_number().saturating_add(T::LeaveCooldown::get());
		frame_system::Pallet::<T>::set_block_number(unlock);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), id);

		assert!(!Participants::<T>::contains_key(id, &who));
		Ok(())
	}

	#[benchmark]
	fn submit_update(
		k: Linear<1, { T::MaxTrainersPerRound::get() }>,
	) -> Result<(), BenchmarkError> {
		let id = running_task::<T>(k, 1, 2)?;
		submit_updates::<T>(id, 1)?;
		let last = SelectedTrainers::<T>::get(id)
			.last()
			.cloned()
			.ok_or("a trainer is selected")?;
		let update = benchmark_cid::<T>(3)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(last), id, 0, update, 100);

		assert_eq!(Rounds::<T>::get(id).map(|round| round.submitted), Some(k));
		Ok(())
	}

	#[benchmark]
	fn commit_scores() -> Result<(), BenchmarkError> {
		let v = T::MaxValidatorsPerRound::get();
		let id = running_task::<T>(1, v, 2)?;
		submit_updates::<T>(id, 0)?;
		run_due::<T>(id)?;
		commit_all::<T>(id, 1)?;
		let round = Rounds::<T>::get(id).ok_or("a round is in progress")?;
		let seat = round.validators.len() - 1;
		let who = round.validators[seat].who.clone();
		let (scores, salt) = scores_of::<T>(id, seat)?;
		let commitment = Pallet::<T>::score_commitment(id, 0, &who, &scores, &salt);

		#[extrinsic_call]
		_(RawOrigin::Signed(who), id, 0, commitment);

		let round = Rounds::<T>::get(id).ok_or("a round is in progress")?;
		assert!(round
			.validators
			.iter()
			.all(|seat| seat.commitment.is_some()));
		Ok(())
	}

	#[benchmark]
	fn reveal_scores(
		k: Linear<1, { T::MaxTrainersPerRound::get() }>,
	) -> Result<(), BenchmarkError> {
		let id = running_task::<T>(k, T::MaxValidatorsPerRound::get(), 2)?;
		submit_updates::<T>(id, 0)?;
		run_due::<T>(id)?;
		commit_all::<T>(id, 0)?;
		run_due::<T>(id)?;
		reveal_all::<T>(id, 1)?;
		let round = Rounds::<T>::get(id).ok_or("a round is in progress")?;
		let seat = round.validators.len() - 1;
		let who = round.validators[seat].who.clone();
		let (scores, salt) = scores_of::<T>(id, seat)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), id, 0, scores, salt);

		assert!(Reveals::<T>::contains_key(id, &who));
		Ok(())
	}

	#[benchmark]
	fn submit_aggregate() -> Result<(), BenchmarkError> {
		let id = running_task::<T>(1, T::MaxValidatorsPerRound::get(), 2)?;
		to_aggregation::<T>(id)?;
		let round = Rounds::<T>::get(id).ok_or("a round is in progress")?;
		let model = benchmark_cid::<T>(4)?;
		let state = Some(benchmark_cid::<T>(5)?);

		#[extrinsic_call]
		_(RawOrigin::Signed(round.aggregator), id, 0, model, state);

		assert!(Rounds::<T>::get(id).is_some_and(|round| round.aggregate.is_some()));
		Ok(())
	}

	#[benchmark]
	fn attest_aggregate() -> Result<(), BenchmarkError> {
		let id = running_task::<T>(1, T::MaxValidatorsPerRound::get(), 2)?;
		to_aggregation::<T>(id)?;
		let deciding = attest::<T>(id, false)?.ok_or("a validator is left to reach the quorum")?;
		let model = benchmark_cid::<T>(4)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(deciding), id, 0, model);

		ensure_phase::<T>(id, |phase| matches!(phase, Phase::SettlingTrainers { .. }))?;
		Ok(())
	}

	#[benchmark]
	fn on_initialize_idle() {
		let now = frame_system::Pallet::<T>::block_number().saturating_add(One::one());

		#[block]
		{
			Pallet::<T>::on_initialize(now);
		}
	}

	#[benchmark]
	fn start_round(n: Linear<3, { T::MaxRoster::get() }>) -> Result<(), BenchmarkError> {
		// `n` registered participants: one validator, one aggregator and the rest trainers.
		let trainers = n - 2;
		let id = proposed_task::<T>(trainers.min(T::MaxTrainersPerRound::get()), 1, 2)?;
		join_many::<T>(id, Role::Trainer, 0, trainers)?;
		join_many::<T>(id, Role::Validator, 0, 1)?;
		join_many::<T>(id, Role::Aggregator, 0, 1)?;
		Pallet::<T>::do_approve(id)?;
		let due = go_to_due::<T>(id)?;

		#[block]
		{
			Pallet::<T>::on_initialize(due);
		}

		ensure_phase::<T>(id, |phase| matches!(phase, Phase::Training { .. }))
	}

	#[benchmark]
	fn complete_task() -> Result<(), BenchmarkError> {
		let id = proposed_task::<T>(1, 1, 2)?;
		join_many::<T>(id, Role::Trainer, 0, 1)?;
		Pallet::<T>::do_approve(id)?;
		// Spend the pool down (as past rounds would have) so the next round cannot be paid.
		Tasks::<T>::mutate(id, |task| {
			if let Some(task) = task {
				task.pool = task.params.budget_per_round.saturating_sub(One::one());
			}
		});
		let due = go_to_due::<T>(id)?;

		#[block]
		{
			Pallet::<T>::on_initialize(due);
		}

		assert_eq!(
			Tasks::<T>::get(id).map(|task| task.status),
			Some(TaskStatus::Completed)
		);
		Ok(())
	}

	#[benchmark]
	fn close_training() -> Result<(), BenchmarkError> {
		let id = running_task::<T>(1, T::MaxValidatorsPerRound::get(), 2)?;
		submit_updates::<T>(id, 0)?;
		let due = go_to_due::<T>(id)?;

		#[block]
		{
			Pallet::<T>::on_initialize(due);
		}

		ensure_phase::<T>(id, |phase| matches!(phase, Phase::Commit { .. }))
	}

	#[benchmark]
	fn close_commit() -> Result<(), BenchmarkError> {
		let id = running_task::<T>(1, T::MaxValidatorsPerRound::get(), 2)?;
		submit_updates::<T>(id, 0)?;
		run_due::<T>(id)?;
		commit_all::<T>(id, 0)?;
		let due = go_to_due::<T>(id)?;

		#[block]
		{
			Pallet::<T>::on_initialize(due);
		}

		ensure_phase::<T>(id, |phase| matches!(phase, Phase::Reveal { .. }))
	}

	#[benchmark]
	fn close_reveal(
		k: Linear<1, { T::MaxTrainersPerRound::get() }>,
		v: Linear<1, { T::MaxValidatorsPerRound::get() }>,
	) -> Result<(), BenchmarkError> {
		let id = running_task::<T>(k, v, 2)?;
		submit_updates::<T>(id, 0)?;
		run_due::<T>(id)?;
		commit_all::<T>(id, 0)?;
		run_due::<T>(id)?;
		reveal_all::<T>(id, 0)?;
		let due = go_to_due::<T>(id)?;

		#[block]
		{
			Pallet::<T>::on_initialize(due);
		}

		ensure_phase::<T>(id, |phase| matches!(phase, Phase::Aggregation { .. }))
	}

	#[benchmark]
	fn close_aggregation() -> Result<(), BenchmarkError> {
		let id = running_task::<T>(1, T::MaxValidatorsPerRound::get(), 2)?;
		to_aggregation::<T>(id)?;
		let due = go_to_due::<T>(id)?;

		#[block]
		{
			Pallet::<T>::on_initialize(due);
		}

		ensure_phase::<T>(id, |phase| matches!(phase, Phase::SettlingTrainers { .. }))
	}

	#[benchmark]
	fn settle_trainers(b: Linear<1, { T::SettlementBatch::get() }>) -> Result<(), BenchmarkError> {
		let id = running_task::<T>(b, 1, 2)?;
		to_aggregation::<T>(id)?;
		attest::<T>(id, true)?;
		let due = go_to_due::<T>(id)?;

		#[block]
		{
			Pallet::<T>::on_initialize(due);
		}

		ensure_phase::<T>(id, |phase| matches!(phase, Phase::SettlingValidators))
	}

	#[benchmark]
	fn settle_validators(
		v: Linear<1, { T::MaxValidatorsPerRound::get() }>,
	) -> Result<(), BenchmarkError> {
		// The task's only round: closing it also completes the task and refunds the pool.
		let id = running_task::<T>(1, v, 1)?;
		to_aggregation::<T>(id)?;
		attest::<T>(id, true)?;
		run_due::<T>(id)?;
		ensure_phase::<T>(id, |phase| matches!(phase, Phase::SettlingValidators))?;
		let due = go_to_due::<T>(id)?;

		#[block]
		{
			Pallet::<T>::on_initialize(due);
		}

		assert_eq!(
			Tasks::<T>::get(id).map(|task| task.status),
			Some(TaskStatus::Completed)
		);
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
