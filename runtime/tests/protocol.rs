//! The training protocol end to end in the runtime, with signed extrinsics only: a task is
//! proposed, approved by a council motion, joined by trainers, validators and an aggregator,
//! and runs three rounds to completion. Everyone is paid from the pool, the history records
//! each round's model, and no money appears or vanishes beyond the fees.

mod common;

use codec::Encode;
use common::{
	training::{
		approve_by_council, cid, fee_paid, id, propose_and_join, run_to_completion, Cast, BUDGET,
		ROUNDS, TASK,
	},
	TestChain,
};
use decentralml_runtime::{Balances, Runtime, UNIT};
use frame_support::traits::fungible::InspectHold;
use pallet_training::{RoundOutcome, TaskStatus, Tasks};

#[test]
fn a_task_runs_three_rounds_with_signed_extrinsics() {
	let mut chain = TestChain::new();
	let cast = Cast::new();
	let issuance_before = chain.execute(Balances::total_issuance);
	propose_and_join(&mut chain, &cast);
	approve_by_council(&mut chain);
	assert_eq!(
		chain
			.execute(|| Tasks::<Runtime>::get(TASK))
			.unwrap()
			.status,
		TaskStatus::Active
	);
	let mut fees = fee_paid(&chain.events());
	fees += run_to_completion(&mut chain, &cast);

	let task = chain.execute(|| Tasks::<Runtime>::get(TASK)).unwrap();
	assert_eq!(task.status, TaskStatus::Completed);
	assert_eq!(task.closed_rounds, ROUNDS);
	for round in 0..ROUNDS {
		let record = chain
			.execute(|| pallet_training::History::<Runtime>::get(TASK, round))
			.unwrap_or_else(|| panic!("round {round} is recorded"));
		let expected = cid(&(b"aggregate", round).encode());
		assert!(
			matches!(&record.outcome, RoundOutcome::Succeeded { model, .. } if *model == expected),
			"round {round}: {:?}",
			record.outcome
		);
		assert_eq!(record.model, expected);
		assert!(
			record.paid > 0 && record.paid <= BUDGET,
			"round {round} paid {}",
			record.paid
		);
		assert_eq!(record.slashed, 0, "nobody misbehaved");
	}
	assert_eq!(
		task.model,
		cid(&(b"aggregate", ROUNDS - 1).encode()),
		"the final model"
	);

	// Every participant earned something; money moved but none appeared or vanished.
	chain.execute(|| {
		for pair in cast.all() {
			let free = Balances::free_balance(id(pair));
			let held = Balances::total_balance_on_hold(&id(pair));
			assert!(free + held > 1_000 * UNIT - UNIT, "{} was paid", id(pair));
		}
		assert_eq!(
			Balances::total_issuance(),
			issuance_before - fees,
			"only fees are burned"
		);
	});
}
