//! Property tests: any purchase splits its fee exactly, and the pot can pay every claim.

use super::*;
use proptest::prelude::*;

#[derive(Clone, Debug)]
struct Scenario {
	fee_per_period: Balance,
	periods: u32,
	contributors_share: u32,
	backers_share: u32,
	rewards: Vec<Balance>,
	stakes: Vec<Balance>,
	in_asset: bool,
	purchases: u8,
}

fn scenario() -> impl Strategy<Value = Scenario> {
	(
		1..1_000_000u64,
		1..5u32,
		0..=1_000_000_000u32,
		0..=1_000_000_000u32,
		proptest::collection::vec(prop_oneof![Just(0u64), 1..1_000u64, 1..u64::MAX / 4], 0..10),
		proptest::collection::vec(1..10_000u64, 0..8),
		any::<bool>(),
		1..4u8,
	)
		.prop_map(
			|(fee, periods, c, b, rewards, stakes, in_asset, purchases)| Scenario {
				fee_per_period: fee,
				periods,
				contributors_share: c,
				// Keep the two shares within 100%.
				backers_share: b.min(1_000_000_000 - c),
				rewards,
				stakes,
				in_asset,
				purchases,
			},
		)
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(64))]

	/// Every purchase credits exactly its fee (contributors + backers + owner = fee, and the
	/// claimable balances grow by the fee); afterwards every claim succeeds and the pot is left
	/// with exactly its deposit.
	#[test]
	fn purchases_split_fees_exactly(s in scenario()) {
		new_test_ext().execute_with(|| {
			let fee_asset = if s.in_asset { asset() } else { native() };
			let mut licence_terms = terms(fee_asset.clone());
			licence_terms.fee_per_period = s.fee_per_period;
			licence_terms.contributors_share = Perbill::from_parts(s.contributors_share);
			licence_terms.backers_share = Perbill::from_parts(s.backers_share);
			licensable_task(licence_terms);
			let contributors: Vec<(AccountId, Balance)> =
				s.rewards.iter().enumerate().map(|(i, r)| (10 + i as u64, *r)).collect();
			set_contributors(&contributors);
			for (i, stake) in s.stakes.iter().enumerate() {
				back(30 + i as u64, *stake);
			}

			let mut credited: Balance = 0;
			for purchase in 0..s.purchases {
				buy(50 + u64::from(purchase), s.periods);
				let Event::LicenceBought { fee, contributors, backers, owner, .. } = last_event()
				else {
					panic!("a purchase event");
				};
				assert_eq!(fee, s.fee_per_period * u64::from(s.periods));
				assert_eq!(contributors + backers + owner, fee);
				credited += fee;
				let total: Balance = Claimable::<Test>::iter().map(|(_, amount)| amount).sum();
				assert_eq!(total, credited);
				Licensing::do_try_state().expect("invariants hold after every purchase");
			}

			let recipients: Vec<AccountId> =
				Claimable::<Test>::iter_keys().map(|(_, _, who)| who).collect();
			for who in recipients {
				assert_ok!(Licensing::claim(RuntimeOrigin::signed(who), TASK, fee_asset.clone()));
			}
			let minimum = if s.in_asset { ASSET_MIN_BALANCE } else { EXISTENTIAL_DEPOSIT };
			assert_eq!(pot(fee_asset), minimum);
			Licensing::do_try_state().expect("invariants hold after the claims");
			Backing::do_try_state().expect("backing invariants hold");
		});
	}
}
