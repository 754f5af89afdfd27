//! Claiming credited fees from a task's pot.

use super::*;
use frame_support::assert_noop;
use sp_runtime::TokenError;

#[test]
fn every_recipient_claims_its_share_and_the_pot_keeps_only_its_deposit() {
	run_test(|| {
		licensable_task(terms(asset()));
		set_contributors(&[(10, 2), (11, 1)]);
		back(20, 50);
		buy(BUYER, 3);
		// Fee 3_000: contributors 1_500 (1_000 and 500), backer 900, owner 600.
		let expected = [(10, 1_000), (11, 500), (20, 900), (OWNER, 600)];
		for (who, amount) in expected {
			let before = balance(who, asset());
			assert_ok!(Licensing::claim(RuntimeOrigin::signed(who), TASK, asset()));
			assert_eq!(balance(who, asset()) - before, amount);
			assert_eq!(
				last_event(),
				Event::Claimed {
					task: TASK,
					asset: asset(),
					who,
					amount
				}
			);
			Licensing::do_try_state().expect("invariants hold after each claim");
		}
		assert_eq!(pot(asset()), ASSET_MIN_BALANCE);
		assert_eq!(Owed::<Test>::get(TASK, asset()), None);
		assert_eq!(Claimable::<Test>::iter().count(), 0);
		assert_noop!(
			Licensing::claim(RuntimeOrigin::signed(10), TASK, asset()),
			Error::<Test>::NothingToClaim
		);
	});
}

#[test]
fn claims_accumulate_over_purchases_and_are_per_asset() {
	run_test(|| {
		licensable_task(terms(native()));
		buy(BUYER, 1);
		assert_ok!(Licensing::set_terms(
			RuntimeOrigin::root(),
			TASK,
			Box::new(terms(asset()))
		));
		buy(3, 1);
		buy(4, 1);
		assert_eq!(claimable(OWNER, native()), 1_000);
		assert_eq!(claimable(OWNER, asset()), 2_000);
		assert_noop!(
			Licensing::claim(RuntimeOrigin::signed(OWNER), 99, asset()),
			Error::<Test>::NothingToClaim
		);
		let before = balance(OWNER, native());
		assert_ok!(Licensing::claim(
			RuntimeOrigin::signed(OWNER),
			TASK,
			native()
		));
		assert_eq!(balance(OWNER, native()) - before, 1_000);
		assert_eq!(
			claimable(OWNER, asset()),
			2_000,
			"the other asset is untouched"
		);
		assert_eq!(pot(native()), EXISTENTIAL_DEPOSIT);
	});
}

#[test]
fn a_share_below_the_minimum_balance_waits_for_the_recipient() {
	run_test(|| {
		let mut tiny = terms(native());
		tiny.fee_per_period = 9;
		tiny.contributors_share = Perbill::one();
		tiny.backers_share = Perbill::zero();
		licensable_task(tiny);
		let newcomer: AccountId = 500;
		set_contributors(&[(newcomer, 1)]);
		buy(BUYER, 1);
		// 9 < the existential deposit of 10: the empty account cannot receive it yet.
		assert_noop!(
			Licensing::claim(RuntimeOrigin::signed(newcomer), TASK, native()),
			TokenError::BelowMinimum
		);
		buy(BUYER, 1);
		assert_ok!(Licensing::claim(
			RuntimeOrigin::signed(newcomer),
			TASK,
			native()
		));
		assert_eq!(balance(newcomer, native()), 18);
	});
}

#[test]
fn claims_survive_the_end_of_the_task() {
	run_test(|| {
		licensable_task(terms(native()));
		back(20, 10);
		buy(BUYER, 1);
		update_task(TASK, |t| t.status = MockStatus::Cancelled);
		assert_ok!(Backing::withdraw(RuntimeOrigin::signed(20), TASK, native()));
		assert_ok!(Licensing::claim(RuntimeOrigin::signed(20), TASK, native()));
		assert_ok!(Licensing::claim(
			RuntimeOrigin::signed(OWNER),
			TASK,
			native()
		));
		assert_eq!(pot(native()), EXISTENTIAL_DEPOSIT);
	});
}
