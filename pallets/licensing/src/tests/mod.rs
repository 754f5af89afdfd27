//! Unit tests on the mock runtime, split by area. Every test ends with both pallets'
//! `do_try_state` (see [`crate::mock::run_test`]).

mod claims;
mod properties;
mod purchase;
mod terms;

use crate::{mock::*, *};
use frame_support::{
	assert_ok,
	traits::{fungible::NativeOrWithId, fungibles::Inspect, ConstU32},
	BoundedVec,
};
use sp_runtime::Perbill;

/// Owner of every test task.
pub const OWNER: AccountId = 1;
/// A licence buyer.
pub const BUYER: AccountId = 2;
/// The task most tests use.
pub const TASK: TaskId = 1;
/// Blocks per licence period in [`terms`].
pub const PERIOD: u64 = 100;

/// A CID-like byte string, `len` copies of `tag`.
pub fn cid(tag: u8, len: usize) -> Vec<u8> {
	vec![tag; len]
}

/// Terms in `asset`: 1_000 per period of [`PERIOD`] blocks, 50% to contributors, 30% to
/// backers, anywhere.
pub fn terms(asset: NativeOrWithId<u32>) -> LicenceTerms<Test> {
	LicenceTerms {
		terms: BoundedVec::truncate_from(cid(9, 36)),
		asset,
		fee_per_period: 1_000,
		period: PERIOD,
		contributors_share: Perbill::from_percent(50),
		backers_share: Perbill::from_percent(30),
		jurisdictions: None,
	}
}

/// A jurisdiction list.
pub fn jurisdictions(codes: &[&[u8; 2]]) -> Option<BoundedVec<Jurisdiction, ConstU32<4>>> {
	Some(BoundedVec::truncate_from(
		codes.iter().map(|code| **code).collect(),
	))
}

/// Puts a task owned by [`OWNER`] with `status` into the mock table, with a model unless
/// proposed.
pub fn create_task(id: TaskId, status: MockStatus) {
	let model = (status != MockStatus::Proposed).then(|| cid(1, 36));
	put_task(
		id,
		&MockTask {
			owner: OWNER,
			status,
			model,
			contributors: vec![],
		},
	);
}

/// Creates [`TASK`] as proposed, sets `terms` as its owner, then approves it.
pub fn licensable_task(terms: LicenceTerms<Test>) {
	create_task(TASK, MockStatus::Proposed);
	assert_ok!(Licensing::set_terms(
		RuntimeOrigin::signed(OWNER),
		TASK,
		Box::new(terms)
	));
	update_task(TASK, |t| {
		t.status = MockStatus::Active;
		t.model = Some(cid(1, 36));
	});
}

/// Sets the contributors of [`TASK`].
pub fn set_contributors(contributors: &[(AccountId, Balance)]) {
	update_task(TASK, |t| t.contributors = contributors.to_vec());
}

/// Stakes `amount` of the native token from `who` on [`TASK`].
pub fn back(who: AccountId, amount: Balance) {
	assert_ok!(Backing::stake(
		RuntimeOrigin::signed(who),
		TASK,
		native(),
		amount
	));
}

/// Buys `periods` periods of [`TASK`]'s licence for use in Germany.
pub fn buy(buyer: AccountId, periods: u32) {
	assert_ok!(Licensing::buy_licence(
		RuntimeOrigin::signed(buyer),
		TASK,
		periods,
		*b"DE"
	));
}

/// What `who` can claim from [`TASK`] in `asset`.
pub fn claimable(who: AccountId, asset: NativeOrWithId<u32>) -> Balance {
	Claimable::<Test>::get((TASK, asset, who)).unwrap_or_default()
}

/// The free balance of `who` in `asset`.
pub fn balance(who: AccountId, asset: NativeOrWithId<u32>) -> Balance {
	<Test as Config>::Assets::balance(asset, &who)
}

/// The pot's balance of `asset` for [`TASK`].
pub fn pot(asset: NativeOrWithId<u32>) -> Balance {
	balance(Licensing::pot_account(TASK), asset)
}

/// The last licensing event.
pub fn last_event() -> crate::Event<Test> {
	licensing_events().pop().expect("an event was emitted")
}
