//! The phase machine: selection, every transition, early ends, deadlines, completion.

use super::*;

/// Plays the reference round of the docs on `asset` and checks every step and payment.
fn reference_round(asset: NativeOrWithId<u32>) {
	let (task, cast) = setup(params(asset.clone()), 4, 3, 1);
	// Block 2: selection. Four trainers for four seats: everyone is selected.
	let round = start_round(task);
	assert_eq!(System::block_number(), 2);
	assert_eq!(round.index, 0);
	assert_eq!(round.trainers, 4);
	assert_eq!(
		SelectedTrainers::<Test>::get(task).into_inner(),
		cast.trainers
	);
	assert_eq!(
		round.validators.iter().map(|s| s.who).collect::<Vec<_>>(),
		cast.validators
	);
	assert_eq!(round.aggregator, cast.aggregators[0]);
	assert_eq!(round.phase, Phase::Training { ends: 7 });
	assert!(emitted(crate::Event::RoundStarted {
		task,
		round: 0,
		trainers: 4,
		validators: 3,
		aggregator: 90,
		training_ends: 7
	}));

	// Training: everyone submits, so the phase ends at the next block, not at block 7.
	let examples = [100, 200, 300, 400];
	let entries: Vec<(AccountId, u64)> = cast.trainers.iter().copied().zip(examples).collect();
	submit(task, 0, &entries);
	assert_eq!(task_of(task).next_due, Some(3));
	run_to_due(task);
	assert_eq!(round_of(task).phase, Phase::Commit { ends: 6 });
	assert!(emitted(crate::Event::CommitPhaseStarted {
		task,
		round: 0,
		updates: 4,
		ends: 6
	}));

	// Scoring: all validators agree at 80%; the reveal closes at block 5 with consensus.
	let votes: Vec<(AccountId, Vec<u32>)> =
		cast.validators.iter().map(|w| (*w, vec![80; 4])).collect();
	score(task, 0, &votes);
	assert_eq!(System::block_number(), 5);
	let round = round_of(task);
	assert_eq!(round.phase, Phase::Aggregation { ends: 9 });
	assert_eq!(round.accepted, 4);
	assert!(round
		.validators
		.iter()
		.all(|seat| seat.deviation == Some(Perbill::zero())));
	let accepted = crate::Accepted::<Test>::get(task);
	assert_eq!(accepted.len(), 4);
	assert_eq!(
		accepted[3],
		AcceptedUpdate {
			trainer: 3,
			examples: 400,
			score: Perbill::from_percent(80)
		}
	);
	assert!(
		crate::Reveals::<Test>::iter_prefix(task).next().is_none(),
		"reveals are consumed"
	);

	// Aggregation: two of three equal stakes are exactly the 2/3 quorum.
	aggregate(task, 0, cast.aggregators[0], &cast.validators[..1]);
	assert!(matches!(round_of(task).phase, Phase::Aggregation { .. }));
	assert_ok!(Training::attest_aggregate(
		RuntimeOrigin::signed(cast.validators[1]),
		task,
		0,
		cid(100)
	));
	assert_eq!(round_of(task).phase, Phase::SettlingTrainers { next: 0 });
	assert!(emitted(crate::Event::QuorumReached {
		task,
		round: 0,
		model: cid(100)
	}));

	settle(task);
	// Trainers share 700 by examples (equal scores): 70, 140, 210, 280.
	for (who, expected) in cast.trainers.iter().zip([70, 140, 210, 280]) {
		assert_eq!(rewards_of(*who), vec![expected]);
		assert_eq!(
			free(asset.clone(), *who),
			INITIAL_FUNDS - TRAINER_BOND + expected
		);
	}
	// Validators share 200 by equal stake: 66 each, 2 units of dust stay in the pool.
	for who in cast.validators.iter() {
		assert_eq!(rewards_of(*who), vec![66]);
	}
	assert_eq!(rewards_of(cast.aggregators[0]), vec![50]);
	let info = task_of(task);
	assert_eq!(info.pool, 10_001 - 700 - 198 - 50);
	assert_eq!(pool_balance(task), info.pool);
	assert_eq!(info.model, cid(100));
	assert_eq!(info.model_state, Some(cid(101)));
	assert_eq!(info.closed_rounds, 1);
	let record = History::<Test>::get(task, 0).expect("round 0 is recorded");
	assert_eq!(record.model, cid(100));
	assert_eq!(record.paid, 948);
	assert_eq!(record.slashed, 0);
	assert!(matches!(record.outcome, RoundOutcome::Succeeded { .. }));
	// Storage of the round is gone; the next round is scheduled for the next block.
	assert!(Rounds::<Test>::get(task).is_none());
	assert!(SelectedTrainers::<Test>::get(task).is_empty());
	assert!(crate::Updates::<Test>::get(task).is_empty());
	assert!(crate::UpdateCids::<Test>::iter_prefix(task)
		.next()
		.is_none());
	assert_eq!(info.next_due, Some(System::block_number() + 1));
}

#[test]
fn a_native_token_round_runs_through_every_phase() {
	run_test(|| reference_round(native()));
}

#[test]
fn an_asset_round_runs_through_every_phase() {
	run_test(|| reference_round(asset()));
}

#[test]
fn phases_end_at_their_deadlines_when_not_everyone_acts() {
	run_test(|| {
		let (task, cast) = setup(params(native()), 4, 3, 1);
		start_round(task);
		submit(task, 0, &[(cast.trainers[0], 10), (cast.trainers[1], 10)]);
		assert_eq!(task_of(task).next_due, Some(7));
		run_to_block(6);
		assert!(matches!(round_of(task).phase, Phase::Training { .. }));
		run_to_block(7);
		assert_eq!(round_of(task).phase, Phase::Commit { ends: 10 });
		commit(task, 0, cast.validators[0], &[80, 80]);
		commit(task, 0, cast.validators[1], &[80, 80]);
		run_to_block(10);
		assert_eq!(round_of(task).phase, Phase::Reveal { ends: 13 });
		reveal(task, 0, cast.validators[0], &[80, 80]);
		run_to_block(13);
		assert_eq!(round_of(task).phase, Phase::Aggregation { ends: 17 });
		run_to_block(17);
		assert_eq!(round_of(task).phase, Phase::SettlingTrainers { next: 0 });
		assert!(emitted(crate::Event::RoundFailed {
			task,
			round: 0,
			reason: FailureReason::NoQuorum
		}));
	});
}

#[test]
fn a_round_is_skipped_and_retried_until_enough_candidates_joined() {
	run_test(|| {
		// Two trainers but no validator yet.
		let (task, _) = setup(params(native()), 2, 0, 1);
		run_to_block(2);
		assert!(Rounds::<Test>::get(task).is_none());
		assert!(emitted(crate::Event::RoundSkipped {
			task,
			round: 0,
			trainers: 2,
			validators: 0,
			aggregators: 1,
			retry_at: 7
		}));
		assert_eq!(task_of(task).next_due, Some(7));
		join(task, 50, Role::Validator, VALIDATOR_BOND);
		run_to_block(7);
		let round = round_of(task);
		assert_eq!(round.index, 0, "a skipped round does not use up an index");
		assert_eq!(round.trainers, 2);
	});
}

#[test]
fn too_few_trainers_skip_the_round() {
	run_test(|| {
		let (task, _) = setup(params(native()), 1, 3, 1);
		run_to_block(2);
		assert!(Rounds::<Test>::get(task).is_none());
		assert!(emitted(crate::Event::RoundSkipped {
			task,
			round: 0,
			trainers: 1,
			validators: 3,
			aggregators: 1,
			retry_at: 7
		}));
	});
}

#[test]
fn too_few_submissions_fail_the_round_and_slash_the_absent() {
	run_test(|| {
		let (task, cast) = setup(params(native()), 4, 3, 1);
		start_round(task);
		submit(task, 0, &[(cast.trainers[0], 10)]);
		run_to_block(7);
		assert!(emitted(crate::Event::RoundFailed {
			task,
			round: 0,
			reason: FailureReason::NotEnoughUpdates
		}));
		settle(task);
		for who in &cast.trainers[1..] {
			assert_eq!(slashes_of(*who), vec![(SlashReason::AbsentTrainer, 100)]);
		}
		assert!(slashes_of(cast.trainers[0]).is_empty());
		// Validators were never asked to score.
		for who in cast.validators.iter().chain(&cast.aggregators) {
			assert!(slashes_of(*who).is_empty());
		}
		let info = task_of(task);
		assert_eq!(info.model, cid(201), "the model is unchanged");
		assert_eq!(info.pool, 10_001 + 300);
		assert_eq!(info.closed_rounds, 1, "failed rounds count");
		let record = History::<Test>::get(task, 0).unwrap();
		assert_eq!(
			record.outcome,
			RoundOutcome::Failed(FailureReason::NotEnoughUpdates)
		);
		assert_eq!(record.slashed, 300);
	});
}

#[test]
fn the_task_completes_after_its_last_round_and_refunds_the_pool() {
	run_test(|| {
		let (task, _) = setup(params(native()), 4, 3, 1);
		play_round(task, 100);
		play_round(task, 100);
		let info = task_of(task);
		assert_eq!(info.status, TaskStatus::Completed);
		assert_eq!(info.closed_rounds, 2);
		assert_eq!(info.pool, 0);
		assert_eq!(info.next_due, None);
		assert_eq!(info.roster, RosterCounts::default());
		assert_eq!(pool_balance(task), 0);
		let refunded = 10_001 - 2 * 948;
		assert_eq!(free(native(), OWNER), INITIAL_FUNDS - 10_001 + refunded);
		assert!(emitted(crate::Event::TaskCompleted {
			task,
			reason: CompletionReason::AllRoundsClosed,
			final_model: cid(100),
			refunded
		}));
		assert!(History::<Test>::get(task, 0).is_some() && History::<Test>::get(task, 1).is_some());
		// Nothing more happens.
		let blocks = System::block_number() + 20;
		run_to_block(blocks);
		assert!(Rounds::<Test>::get(task).is_none());
	});
}

#[test]
fn the_second_round_starts_from_the_first_rounds_model() {
	run_test(|| {
		let (task, _) = setup(params(native()), 4, 3, 1);
		play_round(task, 100);
		assert_eq!(task_of(task).model, cid(100));
		let round = start_round(task);
		assert_eq!(round.index, 1);
		assert_eq!(History::<Test>::get(task, 0).unwrap().model, cid(100));
	});
}

#[test]
fn selection_fills_exactly_the_seats_in_sorted_order() {
	run_test(|| {
		let mut p = params(native());
		p.trainers_per_round = 5;
		p.validators_per_round = 2;
		let (task, cast) = setup(p, 12, 6, 3);
		let round = start_round(task);
		let selected = SelectedTrainers::<Test>::get(task);
		assert_eq!(selected.len(), 5);
		assert!(selected.windows(2).all(|pair| pair[0] < pair[1]));
		assert!(selected.iter().all(|who| cast.trainers.contains(who)));
		assert_eq!(round.validators.len(), 2);
		assert!(round
			.validators
			.windows(2)
			.all(|pair| pair[0].who < pair[1].who));
		assert!(cast.aggregators.contains(&round.aggregator));
	});
}

#[test]
fn selection_favours_stake() {
	run_test(|| {
		// One trainer bonds 100 times the others; over many seeds it is nearly always picked
		// for one of two seats among eleven candidates.
		let mut p = params(native());
		p.trainers_per_round = 2;
		p.min_updates = 1;
		let task = propose(p);
		join(task, 10, Role::Trainer, 100_000);
		(11..21).for_each(|who| join(task, who, Role::Trainer, 1_000));
		join(task, 50, Role::Validator, VALIDATOR_BOND);
		join(task, 90, Role::Aggregator, AGGREGATOR_BOND);
		assert_ok!(Training::approve_task(RuntimeOrigin::root(), task));
		let mut picked = 0;
		for salt in 0..50 {
			set_random_salt(salt);
			assert_ok!(Training::pause_task(RuntimeOrigin::root(), task));
			assert_ok!(Training::resume_task(RuntimeOrigin::root(), task));
			run_to_due(task);
			if SelectedTrainers::<Test>::get(task).contains(&10) {
				picked += 1;
			}
		}
		assert!(
			picked >= 45,
			"the heavy trainer was picked {picked} times of 50"
		);
	});
}

#[test]
fn selection_skips_participants_slashed_below_the_minimum_bond() {
	run_test(|| {
		let (task, cast) = setup(params(native()), 5, 3, 1);
		Participants::<Test>::mutate(task, cast.trainers[0], |p| {
			let p = p.as_mut().unwrap();
			// Mirror a slash: the hold shrinks with the recorded bond.
			let moved = 950;
			assert_ok!(<<Test as Config>::AssetHolds as frame_support::traits::fungibles::MutateHold<_>>::release(
				native(),
				&HoldReason::Bond.into(),
				&cast.trainers[0],
				moved,
				frame_support::traits::tokens::Precision::Exact,
			));
			p.bond -= moved;
		});
		let round = start_round(task);
		assert_eq!(round.trainers, 4);
		assert!(!SelectedTrainers::<Test>::get(task).contains(&cast.trainers[0]));
	});
}

#[test]
fn a_round_of_1024_trainers_and_16_validators_stays_within_the_hook_budget() {
	use frame_support::{traits::Hooks, weights::Weight};
	run_test(|| {
		let trainers: Vec<AccountId> = (1_000..2_024).collect();
		let validators: Vec<AccountId> = (3_000..3_016).collect();
		for who in trainers.iter().chain(&validators).chain([&4_000]) {
			assert_ok!(Balances::force_set_balance(
				RuntimeOrigin::root(),
				*who,
				INITIAL_FUNDS
			));
		}
		assert_ok!(Balances::force_set_balance(
			RuntimeOrigin::root(),
			OWNER,
			10 * INITIAL_FUNDS
		));
		let mut p = params(native());
		p.budget_per_round = 1_024_000;
		p.pool_deposit = 2_100_000;
		p.trainers_per_round = 1_024;
		p.validators_per_round = 16;
		p.min_updates = 1;
		let task = propose(p);
		trainers
			.iter()
			.for_each(|who| join(task, *who, Role::Trainer, TRAINER_BOND));
		validators
			.iter()
			.for_each(|who| join(task, *who, Role::Validator, VALIDATOR_BOND));
		join(task, 4_000, Role::Aggregator, AGGREGATOR_BOND);
		assert_ok!(Training::approve_task(RuntimeOrigin::root(), task));

		// Half of a 6-second block's 2 s of compute, as the runtime would give the hook.
		let budget = Weight::from_parts(1_000_000_000_000, u64::MAX);
		let mut heaviest = Weight::zero();
		let advance = |heaviest: &mut Weight| {
			let due = task_of(task).next_due.expect("the task is scheduled");
			while System::block_number() < due {
				let next = System::block_number() + 1;
				System::set_block_number(next);
				let used = Training::on_initialize(next);
				assert!(used.all_lte(budget), "block {next} used {used:?}");
				*heaviest = (*heaviest).max(used);
			}
		};
		advance(&mut heaviest);
		assert_eq!(round_of(task).trainers, 1_024);
		let entries: Vec<(AccountId, u64)> = trainers.iter().map(|w| (*w, 50)).collect();
		submit(task, 0, &entries);
		advance(&mut heaviest);
		for who in &validators {
			commit(task, 0, *who, &[80; 1_024]);
		}
		advance(&mut heaviest);
		for who in &validators {
			reveal(task, 0, *who, &[80; 1_024]);
		}
		advance(&mut heaviest);
		assert_eq!(round_of(task).accepted, 1_024);
		aggregate(task, 0, 4_000, &validators[..11]);
		let mut settlement_blocks = 0;
		while Rounds::<Test>::contains_key(task) {
			advance(&mut heaviest);
			settlement_blocks += 1;
		}
		// 1024 trainers in batches of 4, then validators and the aggregator.
		assert_eq!(settlement_blocks, 1_024 / 4 + 1);
		assert!(trainers.iter().all(|who| rewards_of(*who) == vec![700]));
		assert_eq!(History::<Test>::get(task, 0).unwrap().model, cid(100));
		assert!(heaviest.ref_time() > 0);
	});
}
