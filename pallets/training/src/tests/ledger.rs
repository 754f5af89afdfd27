//! The contribution ledger (`Earned`, `Contributors`, `contributions`).

use super::*;
use crate::{Contributors, Earned};
use std::collections::BTreeMap;

/// `Rewarded` amounts summed per `(task, account)`, and the accounts in first-reward order.
fn rewards_by_event() -> (
	BTreeMap<(TaskId, AccountId), Balance>,
	Vec<(TaskId, AccountId)>,
) {
	let mut totals = BTreeMap::new();
	let mut order = Vec::new();
	for event in training_events() {
		if let crate::Event::Rewarded {
			task, who, amount, ..
		} = event
		{
			if !totals.contains_key(&(task, who)) {
				order.push((task, who));
			}
			*totals.entry((task, who)).or_insert(0) += amount;
		}
	}
	(totals, order)
}

#[test]
fn the_ledger_adds_up_the_rewarded_events_of_every_role() {
	run_test(|| {
		let (task, _) = setup(params(native()), 4, 3, 1);
		play_round(task, 100);
		set_random_salt(7);
		play_round(task, 300);
		assert_eq!(task_of(task).status, TaskStatus::Completed);
		// The same accounts in a second task, in another asset.
		let mut p = params(asset());
		p.rounds = 1;
		let other = setup(p, 2, 2, 1).0;
		play_round(other, 50);

		let (by_event, _) = rewards_by_event();
		assert_eq!(by_event.len(), 8 + 5, "every role was paid in both tasks");
		for ((id, who), total) in &by_event {
			assert_eq!(Earned::<Test>::get(id, who), *total);
		}
		assert_eq!(Earned::<Test>::iter().count(), by_event.len());
		let earned: Balance = Earned::<Test>::iter_prefix(task).map(|(_, a)| a).sum();
		let history: Balance = History::<Test>::iter_prefix_values(task)
			.map(|r| r.paid)
			.sum();
		assert_eq!(earned, history);
		assert_eq!(history, 2 * 948);
	});
}

#[test]
fn contributions_list_earners_in_first_earning_order_up_to_the_bound() {
	run_test(|| {
		// Eight payees per round: 4 trainers, 3 validators, the aggregator. Six are listed.
		let (task, cast) = setup(params(native()), 4, 3, 1);
		play_round(task, 100);

		let (by_event, order) = rewards_by_event();
		assert_eq!(order.len(), 8);
		let listed: Vec<AccountId> = order.iter().take(6).map(|(_, who)| *who).collect();
		assert_eq!(Contributors::<Test>::get(task).into_inner(), listed);
		let contributions = Training::contributions(task);
		assert_eq!(contributions.len(), 6);
		for (who, earned) in &contributions {
			assert_eq!(Some(earned), by_event.get(&(task, *who)));
		}
		// The unlisted still have their totals recorded.
		let aggregator = cast.aggregators[0];
		assert!(!listed.contains(&aggregator));
		assert_eq!(Earned::<Test>::get(task, aggregator), 50);
		assert!(Training::contributions(task + 1).is_empty());
	});
}

#[test]
fn a_contributor_is_listed_once_however_often_it_earns() {
	run_test(|| {
		let mut p = params(native());
		p.rounds = 2;
		let (task, cast) = setup(p, 2, 1, 1);
		play_round(task, 100);
		let first = Training::contributions(task);
		play_round(task, 100);
		let second = Training::contributions(task);
		let accounts = |c: &[(AccountId, Balance)]| c.iter().map(|(w, _)| *w).collect::<Vec<_>>();
		assert_eq!(accounts(&first), accounts(&second));
		assert_eq!(second.len(), 4);
		let trainer = cast.trainers[0];
		let total: Balance = rewards_of(trainer).iter().sum();
		assert_eq!(rewards_of(trainer).len(), 2);
		assert!(second.contains(&(trainer, total)));
	});
}

#[test]
fn cancelling_during_settlement_keeps_the_paid_part_in_the_history() {
	run_test(|| {
		let mut p = params(native());
		p.trainers_per_round = 8;
		let (task, _) = setup(p, 8, 3, 1);
		start_round(task);
		to_settlement(task);
		// SettlementBatch is 4: settle the first batch only, then cancel.
		run_to_due(task);
		assert_eq!(round_of(task).phase, Phase::SettlingTrainers { next: 4 });
		let paid = round_of(task).paid;
		assert_eq!(paid, 4 * 87);

		assert_ok!(Training::cancel_task(RuntimeOrigin::root(), task));
		let record = History::<Test>::get(task, 0).expect("the cut-short round is recorded");
		assert_eq!(record.paid, paid);
		assert_eq!(
			task_of(task).model,
			cid(100),
			"its attested model was adopted"
		);
		let earned: Balance = Earned::<Test>::iter_prefix(task).map(|(_, a)| a).sum();
		assert_eq!(earned, paid);
	});
}

#[test]
fn a_failed_payment_earns_nothing() {
	run_test(|| {
		let (task, cast) = setup(params(native()), 4, 3, 1);
		start_round(task);
		to_settlement(task);
		// Drain the pool's bookkeeping so that trainer payments cannot be covered.
		crate::Tasks::<Test>::mutate(task, |info| {
			if let Some(info) = info {
				info.pool = 1;
			}
		});
		settle(task);
		for who in cast.trainers.iter() {
			assert!(rewards_of(*who).is_empty());
			assert_eq!(Earned::<Test>::get(task, who), 0);
		}
		assert!(Training::contributions(task).is_empty());
	});
}
