//! Buying licences: the checks, the single transfer, the exact split and the licence record.

use super::*;
use frame_support::assert_noop;

#[test]
fn a_purchase_pays_contributors_backers_and_the_owner() {
	run_test(|| {
		licensable_task(terms(native()));
		set_contributors(&[(10, 500), (11, 300), (12, 200)]);
		back(20, 600);
		back(21, 400);
		let buyer_before = balance(BUYER, native());

		buy(BUYER, 2);

		// Fee 2_000: contributors 50% = 1_000, backers 30% = 600, owner 400.
		assert_eq!(claimable(10, native()), 500);
		assert_eq!(claimable(11, native()), 300);
		assert_eq!(claimable(12, native()), 200);
		assert_eq!(claimable(20, native()), 360);
		assert_eq!(claimable(21, native()), 240);
		assert_eq!(claimable(OWNER, native()), 400);
		// One transfer: the fee plus the pot's existential deposit, paid once.
		assert_eq!(
			buyer_before - balance(BUYER, native()),
			2_000 + EXISTENTIAL_DEPOSIT
		);
		assert_eq!(pot(native()), 2_000 + EXISTENTIAL_DEPOSIT);
		assert_eq!(Owed::<Test>::get(TASK, native()), Some(2_000));

		let licence = Licences::<Test>::get(TASK, BUYER).expect("the licence is recorded");
		assert_eq!(
			licence,
			Licence {
				task: TASK,
				expires_at: 1 + 2 * PERIOD,
				jurisdiction: *b"DE",
				terms_version: 1
			}
		);
		assert!(Licensing::licence_valid(TASK, &BUYER, 1 + 2 * PERIOD - 1));
		assert!(!Licensing::licence_valid(TASK, &BUYER, 1 + 2 * PERIOD));
		assert!(!Licensing::licence_valid(TASK, &OWNER, 1));
		assert_eq!(
			last_event(),
			Event::LicenceBought {
				task: TASK,
				buyer: BUYER,
				jurisdiction: *b"DE",
				periods: 2,
				expires_at: 1 + 2 * PERIOD,
				terms_version: 1,
				model: BoundedVec::truncate_from(cid(1, 36)),
				asset: native(),
				fee: 2_000,
				pot_deposit: EXISTENTIAL_DEPOSIT,
				contributors: 1_000,
				backers: 600,
				owner: 400,
			}
		);
	});
}

#[test]
fn fees_in_an_asset_open_the_pot_once() {
	run_test(|| {
		licensable_task(terms(asset()));
		set_contributors(&[(10, 1)]);
		buy(BUYER, 1);
		assert_eq!(pot(asset()), 1_000 + ASSET_MIN_BALANCE);
		assert_eq!(pot(native()), 0, "nothing moves in other assets");
		buy(3, 1);
		assert!(matches!(
			last_event(),
			Event::LicenceBought { pot_deposit: 0, .. }
		));
		assert_eq!(pot(asset()), 2_000 + ASSET_MIN_BALANCE);
		assert_eq!(claimable(10, asset()), 1_000);
		// No backers: their 30% goes to the owner.
		assert_eq!(claimable(OWNER, asset()), 1_000);
	});
}

#[test]
fn a_pot_can_hold_an_asset_that_is_not_sufficient() {
	run_test(|| {
		let insufficient = NativeOrWithId::WithId(INSUFFICIENT_ASSET_ID);
		licensable_task(terms(insufficient.clone()));
		assert!(!frame_system::Pallet::<Test>::account_exists(
			&Licensing::pot_account(TASK)
		));
		buy(BUYER, 1);
		assert_eq!(pot(insufficient.clone()), 1_000 + ASSET_MIN_BALANCE);
		assert_ok!(Licensing::claim(
			RuntimeOrigin::signed(OWNER),
			TASK,
			insufficient.clone()
		));
		assert_eq!(pot(insufficient), ASSET_MIN_BALANCE);
	});
}

#[test]
fn parts_without_recipients_go_to_the_owner() {
	run_test(|| {
		licensable_task(terms(native()));
		buy(BUYER, 1);
		assert_eq!(claimable(OWNER, native()), 1_000);
		assert!(matches!(
			last_event(),
			Event::LicenceBought {
				contributors: 0,
				backers: 0,
				owner: 1_000,
				..
			}
		));

		// Zero rewards and unvalued stakes are no weight either.
		set_contributors(&[(10, 0)]);
		assert_ok!(Backing::stake(
			RuntimeOrigin::signed(20),
			TASK,
			asset(),
			500
		));
		buy(3, 1);
		assert_eq!(claimable(OWNER, native()), 2_000);
		assert_eq!(claimable(10, native()), 0);
		assert_eq!(claimable(20, native()), 0);
	});
}

#[test]
fn rounding_leaks_nothing() {
	run_test(|| {
		let mut odd = terms(native());
		odd.fee_per_period = 1_001;
		odd.contributors_share = Perbill::from_rational(1u32, 3u32);
		odd.backers_share = Perbill::from_rational(1u32, 3u32);
		licensable_task(odd);
		set_contributors(&[(10, 1), (11, 1), (12, 1)]);
		back(20, 7);
		back(21, 7);
		back(22, 7);
		buy(BUYER, 1);
		let Event::LicenceBought {
			fee,
			contributors,
			backers,
			owner,
			..
		} = last_event()
		else {
			panic!("a purchase event");
		};
		assert_eq!(contributors + backers + owner, fee);
		// ⌊1_001 / 3⌋ = 333 each for contributors and backers (a third, rounded down).
		assert_eq!((contributors, backers, owner), (333, 333, 335));
		let mut shares: Vec<Balance> = [10, 11, 12]
			.iter()
			.map(|who| claimable(*who, native()))
			.collect();
		shares.sort();
		assert_eq!(shares, vec![111, 111, 111]);
		let total: Balance = Claimable::<Test>::iter().map(|(_, amount)| amount).sum();
		assert_eq!(total, 1_001);
	});
}

#[test]
fn the_owner_collects_in_every_role_it_plays() {
	run_test(|| {
		licensable_task(terms(native()));
		set_contributors(&[(OWNER, 1), (10, 1)]);
		back(OWNER, 100);
		buy(BUYER, 1);
		// 250 as contributor, 300 as the only backer, 200 as owner.
		assert_eq!(claimable(OWNER, native()), 750);
		assert_eq!(claimable(10, native()), 250);
	});
}

#[test]
fn only_the_largest_contributors_share_when_there_are_too_many() {
	run_test(|| {
		licensable_task(terms(native()));
		let many: Vec<(AccountId, Balance)> = (0..MAX_CONTRIBUTORS as u64 + 2)
			.map(|i| (10 + i, 100 + i))
			.collect();
		set_contributors(&many);
		buy(BUYER, 1);
		assert_eq!(claimable(10, native()), 0);
		assert_eq!(claimable(11, native()), 0);
		assert!(claimable(12, native()) > 0);
	});
}

#[test]
fn a_valid_licence_is_extended_and_an_expired_one_renewed() {
	run_test(|| {
		licensable_task(terms(native()));
		buy(BUYER, 1);
		System::set_block_number(50);
		buy(BUYER, 2);
		assert_eq!(
			Licences::<Test>::get(TASK, BUYER).map(|l| l.expires_at),
			Some(1 + 3 * PERIOD)
		);
		System::set_block_number(1_000);
		assert!(!Licensing::licence_valid(TASK, &BUYER, 1_000));
		buy(BUYER, 1);
		assert_eq!(
			Licences::<Test>::get(TASK, BUYER).map(|l| l.expires_at),
			Some(1_000 + PERIOD)
		);
	});
}

#[test]
fn a_valid_licence_cannot_change_jurisdiction() {
	run_test(|| {
		licensable_task(terms(native()));
		buy(BUYER, 1);
		assert_noop!(
			Licensing::buy_licence(RuntimeOrigin::signed(BUYER), TASK, 1, *b"FR"),
			Error::<Test>::LicenceInOtherJurisdiction
		);
		System::set_block_number(1 + PERIOD);
		assert_ok!(Licensing::buy_licence(
			RuntimeOrigin::signed(BUYER),
			TASK,
			1,
			*b"FR"
		));
		assert_eq!(
			Licences::<Test>::get(TASK, BUYER).map(|l| l.jurisdiction),
			Some(*b"FR")
		);
	});
}

#[test]
fn a_licence_records_the_terms_its_buyer_accepted() {
	run_test(|| {
		licensable_task(terms(native()));
		buy(BUYER, 1);
		let mut dearer = terms(native());
		dearer.fee_per_period = 2_000;
		assert_ok!(Licensing::set_terms(
			RuntimeOrigin::root(),
			TASK,
			Box::new(dearer)
		));
		assert_eq!(
			Licences::<Test>::get(TASK, BUYER).map(|l| l.terms_version),
			Some(1)
		);
		buy(3, 1);
		assert_eq!(
			Licences::<Test>::get(TASK, 3).map(|l| l.terms_version),
			Some(2)
		);
		assert!(matches!(
			last_event(),
			Event::LicenceBought { fee: 2_000, .. }
		));
	});
}

#[test]
fn jurisdictions_are_enforced() {
	run_test(|| {
		let mut european = terms(native());
		european.jurisdictions = jurisdictions(&[b"DE", b"FR"]);
		licensable_task(european);
		assert_ok!(Licensing::buy_licence(
			RuntimeOrigin::signed(BUYER),
			TASK,
			1,
			*b"FR"
		));
		assert_noop!(
			Licensing::buy_licence(RuntimeOrigin::signed(3), TASK, 1, *b"US"),
			Error::<Test>::JurisdictionNotAllowed
		);
		assert_noop!(
			Licensing::buy_licence(RuntimeOrigin::signed(3), TASK, 1, *b"de"),
			Error::<Test>::InvalidJurisdiction
		);
	});
}

#[test]
fn a_completed_task_still_sells_licences() {
	run_test(|| {
		licensable_task(terms(native()));
		update_task(TASK, |t| t.status = MockStatus::Completed);
		buy(BUYER, 1);
		assert!(Licensing::licence_valid(TASK, &BUYER, 2));
	});
}

#[test]
fn purchases_are_refused_with_the_reason() {
	run_test(|| {
		let try_buy =
			|periods| Licensing::buy_licence(RuntimeOrigin::signed(BUYER), TASK, periods, *b"DE");
		assert_noop!(try_buy(1), Error::<Test>::NoTerms);

		create_task(TASK, MockStatus::Proposed);
		assert_ok!(Licensing::set_terms(
			RuntimeOrigin::signed(OWNER),
			TASK,
			Box::new(terms(native()))
		));
		assert_noop!(try_buy(1), Error::<Test>::NotLicensable);

		update_task(TASK, |t| t.status = MockStatus::Active);
		assert_noop!(try_buy(1), Error::<Test>::NoModel);
		update_task(TASK, |t| t.model = Some(cid(1, 65)));
		assert_noop!(try_buy(1), Error::<Test>::ModelCidTooLong);
		update_task(TASK, |t| t.model = Some(cid(1, 64)));
		assert_noop!(try_buy(0), Error::<Test>::ZeroPeriods);

		let mut huge = terms(native());
		huge.fee_per_period = Balance::MAX / 2;
		assert_ok!(Licensing::set_terms(
			RuntimeOrigin::root(),
			TASK,
			Box::new(huge)
		));
		assert_noop!(try_buy(3), Error::<Test>::Overflow);
		assert_noop!(try_buy(1), Error::<Test>::InsufficientFunds);

		update_task(TASK, |t| t.status = MockStatus::Cancelled);
		assert_noop!(try_buy(1), Error::<Test>::NotLicensable);
		unhashed_remove_task(TASK);
		assert_noop!(try_buy(1), Error::<Test>::UnknownTask);
	});
}

fn unhashed_remove_task(task: TaskId) {
	use codec::Encode;
	frame_support::storage::unhashed::kill(&(b"mock/licensing/task", task).encode());
}
