//! Settlement: reward arithmetic, slashes, reputation, batching, the pool and issuance.

use super::*;
use frame_support::traits::fungibles::Inspect as _;

#[test]
fn trainers_are_paid_by_score_times_capped_examples() {
	run_test(|| {
		let mut p = params(native());
		p.example_cap = 500;
		let (task, cast) = setup(p, 4, 3, 1);
		start_round(task);
		let t = &cast.trainers;
		// Trainer 3 claims 10,000 examples but the cap counts 500.
		submit(
			task,
			0,
			&[(t[0], 100), (t[1], 200), (t[2], 400), (t[3], 10_000)],
		);
		run_to_due(task);
		let votes: Vec<(AccountId, Vec<u32>)> = cast
			.validators
			.iter()
			.map(|w| (*w, vec![60, 90, 30, 100]))
			.collect();
		score(task, 0, &votes);
		aggregate(task, 0, cast.aggregators[0], &cast.validators[..2]);
		settle(task);
		// Weights: 0.6×100 = 60, 0.9×200 = 180, rejected (30% < 50%), 1.0×500 = 500; Σ 740.
		let pot = 700u128;
		let expected = |weight: u128| (pot * weight / 740) as Balance;
		assert_eq!(rewards_of(t[0]), vec![expected(60)]);
		assert_eq!(rewards_of(t[1]), vec![expected(180)]);
		assert!(
			rewards_of(t[2]).is_empty(),
			"a rejected update earns nothing"
		);
		assert!(slashes_of(t[2]).is_empty(), "rejected is not harmful");
		assert_eq!(rewards_of(t[3]), vec![expected(500)]);
		let paid: Balance = [60, 180, 500].into_iter().map(expected).sum();
		assert!(paid <= 700 && 700 - paid < 3);
	});
}

#[test]
fn absent_and_harmful_trainers_are_slashed_in_a_successful_round() {
	run_test(|| {
		let (task, cast) = setup(params(native()), 4, 3, 1);
		start_round(task);
		let t = &cast.trainers;
		submit(task, 0, &[(t[0], 100), (t[1], 100), (t[2], 100)]);
		run_to_block(7);
		let votes: Vec<(AccountId, Vec<u32>)> = cast
			.validators
			.iter()
			.map(|w| (*w, vec![80, 80, 3]))
			.collect();
		score(task, 0, &votes);
		aggregate(task, 0, cast.aggregators[0], &cast.validators[..2]);
		let pool_before = task_of(task).pool;
		settle(task);
		assert_eq!(slashes_of(t[2]), vec![(SlashReason::HarmfulUpdate, 500)]);
		assert_eq!(slashes_of(t[3]), vec![(SlashReason::AbsentTrainer, 100)]);
		assert_eq!(held(native(), t[2]), TRAINER_BOND - 500);
		assert_eq!(
			Participants::<Test>::get(task, t[3]).unwrap().bond,
			TRAINER_BOND - 100
		);
		assert_eq!(rewards_of(t[0]), vec![350]);
		assert_eq!(rewards_of(t[1]), vec![350]);
		let paid = 700 + 198 + 50;
		assert_eq!(task_of(task).pool, pool_before + 600 - paid);
		let record = History::<Test>::get(task, 0).unwrap();
		assert_eq!((record.paid, record.slashed), (paid, 600));
	});
}

#[test]
fn settlement_is_spread_over_several_blocks() {
	run_test(|| {
		let mut p = params(native());
		p.trainers_per_round = 10;
		let (task, cast) = setup(p, 10, 3, 1);
		start_round(task);
		let entries: Vec<(AccountId, u64)> = cast.trainers.iter().map(|w| (*w, 100)).collect();
		submit(task, 0, &entries);
		run_to_due(task);
		let votes: Vec<(AccountId, Vec<u32>)> =
			cast.validators.iter().map(|w| (*w, vec![80; 10])).collect();
		score(task, 0, &votes);
		aggregate(task, 0, cast.aggregators[0], &cast.validators[..2]);
		// SettlementBatch is 4: trainers 0..4, 4..8, 8..10, then validators.
		let mut phases = Vec::new();
		while Rounds::<Test>::contains_key(task) {
			phases.push(round_of(task).phase);
			run_to_due(task);
		}
		assert_eq!(
			phases,
			vec![
				Phase::SettlingTrainers { next: 0 },
				Phase::SettlingTrainers { next: 4 },
				Phase::SettlingTrainers { next: 8 },
				Phase::SettlingValidators,
			]
		);
		for who in cast.trainers.iter() {
			assert_eq!(rewards_of(*who), vec![70]);
		}
		assert!(crate::UpdateCids::<Test>::iter_prefix(task)
			.next()
			.is_none());
	});
}

#[test]
fn reputation_is_a_moving_average_of_results() {
	run_test(|| {
		let (task, cast) = setup(params(native()), 4, 3, 1);
		start_round(task);
		let t = &cast.trainers;
		submit(task, 0, &[(t[0], 100), (t[1], 100), (t[2], 100)]);
		run_to_block(7);
		let v = &cast.validators;
		score(
			task,
			0,
			&[
				(v[0], vec![100, 60, 80]),
				(v[1], vec![100, 60, 80]),
				(v[2], vec![0, 0, 0]),
			],
		);
		aggregate(task, 0, cast.aggregators[0], &v[..2]);
		settle(task);
		let reputation = |who| Participants::<Test>::get(task, who).unwrap().reputation;
		let p = Perbill::from_percent;
		// 50% + 20% × (sample − 50%).
		assert_eq!(reputation(t[0]), p(60));
		assert_eq!(reputation(t[1]), p(52));
		assert_eq!(reputation(t[2]), p(56));
		assert_eq!(reputation(t[3]), p(40), "absent counts as zero");
		assert_eq!(reputation(v[0]), p(60), "no deviation counts as 100%");
		assert_eq!(reputation(v[2]), p(40), "dissent counts as zero");
		assert_eq!(reputation(cast.aggregators[0]), p(60));
		assert!(emitted(crate::Event::ReputationUpdated {
			task,
			who: t[0],
			reputation: p(60)
		}));
	});
}

#[test]
fn the_task_completes_early_when_the_pool_runs_dry() {
	run_test(|| {
		let mut p = params(asset());
		p.rounds = 5;
		p.pool_deposit = 1_500;
		let (task, _) = setup(p, 4, 3, 1);
		play_round(task, 100);
		// 1500 − 948 = 552 left: not enough for another budget of 1000.
		run_to_due(task);
		let info = task_of(task);
		assert_eq!(info.status, TaskStatus::Completed);
		assert_eq!(info.closed_rounds, 1);
		assert!(emitted(crate::Event::PoolRanDry {
			task,
			pool: 552,
			budget: 1_000
		}));
		assert!(emitted(crate::Event::TaskCompleted {
			task,
			reason: CompletionReason::PoolRanDry,
			final_model: cid(100),
			refunded: 552
		}));
		assert_eq!(free(asset(), OWNER), INITIAL_FUNDS - 1_500 + 552);
	});
}

#[test]
fn payouts_never_exceed_the_budget_or_the_pool() {
	run_test(|| {
		let mut p = params(native());
		p.reward_split.trainers = Perbill::from_percent(80);
		p.reward_split.validators = Perbill::from_percent(15);
		p.reward_split.aggregator = Perbill::from_percent(5);
		p.trainers_per_round = 7;
		let (task, cast) = setup(p, 7, 3, 1);
		start_round(task);
		let entries: Vec<(AccountId, u64)> = cast
			.trainers
			.iter()
			.zip(1..)
			.map(|(w, e)| (*w, 37 * e))
			.collect();
		submit(task, 0, &entries);
		run_to_due(task);
		let votes: Vec<(AccountId, Vec<u32>)> = cast
			.validators
			.iter()
			.zip([0u32, 3, 7])
			.map(|(w, d)| (*w, (0..7).map(|i| 55 + (i * 6 + d) % 40).collect()))
			.collect();
		score(task, 0, &votes);
		aggregate(task, 0, cast.aggregators[0], &cast.validators[..2]);
		settle(task);
		let record = History::<Test>::get(task, 0).unwrap();
		assert!(
			record.paid <= 1_000,
			"paid {} of a 1000 budget",
			record.paid
		);
		assert!(
			record.paid >= 990,
			"rounding leaves at most a few units: {}",
			record.paid
		);
	});
}

#[test]
fn total_issuance_is_conserved_across_a_task_with_slashes() {
	run_test(|| {
		let issuance = <Test as Config>::Assets::total_issuance(native());
		let (task, cast) = setup(params(native()), 4, 3, 1);
		start_round(task);
		submit(task, 0, &[(cast.trainers[0], 100), (cast.trainers[1], 100)]);
		run_to_block(7);
		let v = &cast.validators;
		score(task, 0, &[(v[0], vec![80, 80]), (v[1], vec![80, 80])]);
		aggregate(task, 0, cast.aggregators[0], &v[..2]);
		settle(task);
		play_round(task, 50);
		assert_eq!(task_of(task).status, TaskStatus::Completed);
		assert!(training_events()
			.iter()
			.any(|e| matches!(e, crate::Event::Slashed { .. })));
		assert_eq!(<Test as Config>::Assets::total_issuance(native()), issuance);
		// Every account's funds are either free or still held as a bond.
		let total: Balance = (1..=ACCOUNTS)
			.map(|who| free(native(), who) + held(native(), who))
			.sum();
		assert_eq!(total, ACCOUNTS as Balance * INITIAL_FUNDS);
	});
}

#[test]
fn a_validator_far_from_consensus_dissents_even_without_colluding() {
	run_test(|| {
		let (task, cast) = setup(params(native()), 4, 3, 1);
		start_round(task);
		let entries: Vec<(AccountId, u64)> = cast.trainers.iter().map(|w| (*w, 100)).collect();
		submit(task, 0, &entries);
		run_to_due(task);
		let v = &cast.validators;
		// v2 is off by 25 points on average: above the 20% tolerance.
		score(
			task,
			0,
			&[
				(v[0], vec![80; 4]),
				(v[1], vec![80; 4]),
				(v[2], vec![55, 55, 55, 55]),
			],
		);
		assert_eq!(
			round_of(task).validators[2].deviation,
			Some(Perbill::from_percent(25))
		);
		aggregate(task, 0, cast.aggregators[0], &v[..2]);
		settle(task);
		assert_eq!(
			slashes_of(v[2]),
			vec![(SlashReason::DissentingValidator, 600)]
		);
		assert_eq!(rewards_of(v[0]), vec![100]);
	});
}

#[test]
fn validator_verdicts_cover_every_case() {
	use crate::settlement::{validator_verdict, ValidatorVerdict};
	let seat = |commitment: bool, revealed: bool, deviation: Option<u32>, attested: Option<u32>| {
		ValidatorSeat::<Test> {
			who: 1,
			stake: 10,
			commitment: commitment.then(sp_core::H256::zero),
			revealed,
			deviation: deviation.map(Perbill::from_percent),
			attested,
		}
	};
	let tolerance = Perbill::from_percent(20);
	let before_commit = Deadlines::default();
	let after_reveal = Deadlines {
		commit_closed: true,
		reveal_closed: true,
		aggregation_closed: false,
	};
	let after_commit = Deadlines {
		commit_closed: true,
		..Default::default()
	};
	let verdict = |s: &ValidatorSeat<Test>, d: &Deadlines, w: Option<u32>| {
		validator_verdict(s, d, tolerance, w)
	};
	assert_eq!(
		verdict(&seat(false, false, None, None), &before_commit, None),
		ValidatorVerdict::NotAsked
	);
	assert_eq!(
		verdict(&seat(false, false, None, None), &after_commit, None),
		ValidatorVerdict::Absent
	);
	assert_eq!(
		verdict(&seat(true, false, None, None), &after_commit, None),
		ValidatorVerdict::NotAsked
	);
	assert_eq!(
		verdict(&seat(true, false, None, None), &after_reveal, None),
		ValidatorVerdict::Absent
	);
	assert_eq!(
		verdict(&seat(true, true, Some(20), None), &after_reveal, None),
		ValidatorVerdict::Agreeing
	);
	assert_eq!(
		verdict(&seat(true, true, Some(21), None), &after_reveal, None),
		ValidatorVerdict::Dissenting
	);
	assert_eq!(
		verdict(&seat(true, true, Some(0), Some(1)), &after_reveal, Some(0)),
		ValidatorVerdict::Dissenting
	);
	assert_eq!(
		verdict(&seat(true, true, Some(0), Some(0)), &after_reveal, Some(0)),
		ValidatorVerdict::Agreeing
	);
	assert_eq!(
		verdict(&seat(true, true, Some(0), Some(1)), &after_reveal, None),
		ValidatorVerdict::Agreeing
	);
}

#[test]
fn a_frozen_asset_makes_payments_and_the_refund_fail_cleanly() {
	run_test(|| {
		let mut p = params(asset());
		p.rounds = 1;
		let (task, cast) = setup(p, 4, 3, 1);
		start_round(task);
		let entries: Vec<(AccountId, u64)> = cast.trainers.iter().map(|w| (*w, 100)).collect();
		submit(task, 0, &entries);
		run_to_due(task);
		let votes: Vec<(AccountId, Vec<u32>)> =
			cast.validators.iter().map(|w| (*w, vec![80; 4])).collect();
		score(task, 0, &votes);
		aggregate(task, 0, cast.aggregators[0], &cast.validators[..2]);
		// The asset's owner (account 1) freezes it: no transfer can leave the pool.
		assert_ok!(Assets::freeze_asset(RuntimeOrigin::signed(OWNER), ASSET_ID));
		settle(task);

		let failed: Vec<(AccountId, Balance)> = training_events()
			.into_iter()
			.filter_map(|event| match event {
				crate::Event::PaymentFailed { who, amount, .. } => Some((who, amount)),
				_ => None,
			})
			.collect();
		assert_eq!(failed.len(), 4 + 3 + 1, "every payment failed: {failed:?}");
		assert!(failed.contains(&(cast.trainers[0], 175)));
		let info = task_of(task);
		assert_eq!(
			info.status,
			TaskStatus::Completed,
			"the task still completes"
		);
		assert!(emitted(crate::Event::RefundFailed {
			task,
			amount: 10_001
		}));
		assert_eq!(
			info.pool, 10_001,
			"the pool keeps what it could not pay or refund"
		);
		assert_eq!(History::<Test>::get(task, 0).unwrap().paid, 0);
		assert_ok!(Assets::thaw_asset(RuntimeOrigin::signed(OWNER), ASSET_ID));
	});
}
