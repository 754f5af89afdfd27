//! Governance in the runtime: a passed referendum on each of our tracks takes effect with the
//! track's origin, a rejected one changes nothing, the council fast-tracks task approval, and
//! the wrong origins are refused.

mod common;

use codec::Encode;
use common::{
	training::{approve_by_council, propose_and_join, Cast, TASK},
	TestChain,
};
use decentralml_runtime::{
	configs::dynamic_params, governance::pallet_custom_origins::Origin as TrackOrigin,
	OriginCaller, Runtime, RuntimeCall, RuntimeOrigin, UNIT,
};
use frame_support::{
	assert_noop,
	traits::{schedule::DispatchTime, Bounded, Get, UnfilteredDispatchable},
	BoundedVec,
};
use pallet_conviction_voting::{AccountVote, Conviction, Vote};
use pallet_referenda::ReferendumInfo;
use pallet_training::{TaskStatus, Tasks};
use sp_keyring::Sr25519Keyring::{self, Alice, Bob, Charlie, Dave, Eve};
use sp_runtime::DispatchError;

/// Voters with a large share of the issuance, so support clears every track's curve.
const VOTERS: [Sr25519Keyring; 4] = [Alice, Bob, Charlie, Dave];

/// Submits `call` as a referendum dispatching with `origin`, places the decision deposit and
/// has the voters vote `aye`. Returns the referendum's index.
fn open_referendum(
	chain: &mut TestChain,
	origin: TrackOrigin,
	call: RuntimeCall,
	aye: bool,
) -> u32 {
	let index = chain.execute(pallet_referenda::ReferendumCount::<Runtime>::get);
	let encoded = call.encode();
	assert!(encoded.len() <= 128, "small calls travel inline");
	chain.submit_ok(
		Eve,
		RuntimeCall::Referenda(pallet_referenda::Call::submit {
			proposal_origin: Box::new(OriginCaller::Origins(origin)),
			proposal: Bounded::Inline(BoundedVec::truncate_from(encoded)),
			enactment_moment: DispatchTime::After(1),
		}),
	);
	chain.submit_ok(
		Eve,
		RuntimeCall::Referenda(pallet_referenda::Call::place_decision_deposit { index }),
	);
	for voter in VOTERS {
		chain.submit_ok(
			voter,
			RuntimeCall::ConvictionVoting(pallet_conviction_voting::Call::vote {
				poll_index: index,
				vote: AccountVote::Standard {
					vote: Vote {
						aye,
						conviction: Conviction::Locked1x,
					},
					balance: 900_000 * UNIT,
				},
			}),
		);
	}
	index
}

/// Runs blocks (skipping ahead `step` at a time) until `done` holds, failing after `limit`.
fn run_until(
	chain: &mut TestChain,
	step: u32,
	limit: u32,
	mut done: impl FnMut(&mut TestChain) -> bool,
) {
	let start = chain.block_number();
	while !done(chain) {
		let now = chain.block_number();
		assert!(
			now - start < limit,
			"condition not reached within {limit} blocks"
		);
		chain.jump_to(now + step);
	}
}

fn referendum_approved(chain: &mut TestChain, index: u32) -> bool {
	matches!(
		chain.execute(|| pallet_referenda::ReferendumInfoFor::<Runtime>::get(index)),
		Some(ReferendumInfo::Approved(..))
	)
}

fn task_status(chain: &mut TestChain) -> Option<TaskStatus> {
	chain
		.execute(|| Tasks::<Runtime>::get(TASK))
		.map(|task| task.status)
}

#[test]
fn task_approval_referendum_approves_a_task() {
	let mut chain = TestChain::new();
	propose_and_join(&mut chain, &Cast::new());
	let approve = RuntimeCall::Training(pallet_training::Call::approve_task { task: TASK });
	let index = open_referendum(&mut chain, TrackOrigin::TaskApproval, approve, true);
	run_until(&mut chain, 10, 2_000, |chain| {
		task_status(chain) == Some(TaskStatus::Active)
	});
	assert!(referendum_approved(&mut chain, index));
}

#[test]
fn protocol_parameters_referendum_changes_a_parameter() {
	let mut chain = TestChain::new();
	let before = chain.execute(dynamic_params::training::MinPhaseBlocks::get);
	let set = RuntimeCall::Parameters(pallet_parameters::Call::set_parameter {
		key_value: decentralml_runtime::configs::RuntimeParameters::Training(
			dynamic_params::training::Parameters::MinPhaseBlocks(
				dynamic_params::training::MinPhaseBlocks,
				Some(before + 3),
			),
		),
	});
	open_referendum(&mut chain, TrackOrigin::ProtocolParameters, set, true);
	run_until(&mut chain, 50, 6_000, |chain| {
		chain.execute(dynamic_params::training::MinPhaseBlocks::get) == before + 3
	});
}

#[test]
fn licensing_referendum_sets_licence_terms() {
	let mut chain = TestChain::new();
	propose_and_join(&mut chain, &Cast::new());
	approve_by_council(&mut chain);
	let terms = pallet_licensing::LicenceTerms {
		terms: BoundedVec::truncate_from(common::training::cid(b"licence text").into_inner()),
		asset: frame_support::traits::fungible::NativeOrWithId::Native,
		fee_per_period: 10 * UNIT,
		period: 100,
		contributors_share: sp_runtime::Perbill::from_percent(60),
		backers_share: sp_runtime::Perbill::from_percent(20),
		jurisdictions: None,
	};
	// Once approved, the owner can no longer set the terms alone.
	let owner_try = chain.submit(
		Alice,
		RuntimeCall::Licensing(pallet_licensing::Call::set_terms {
			task: TASK,
			terms: Box::new(terms.clone()),
		}),
	);
	assert!(
		matches!(owner_try, Ok(Err(_))),
		"the owner is refused after approval: {owner_try:?}"
	);
	let set = RuntimeCall::Licensing(pallet_licensing::Call::set_terms {
		task: TASK,
		terms: Box::new(terms.clone()),
	});
	open_referendum(&mut chain, TrackOrigin::Licensing, set, true);
	run_until(&mut chain, 20, 3_000, |chain| {
		chain
			.execute(|| pallet_licensing::Terms::<Runtime>::get(TASK))
			.is_some()
	});
}

#[test]
fn rejected_referendum_changes_nothing() {
	let mut chain = TestChain::new();
	propose_and_join(&mut chain, &Cast::new());
	let approve = RuntimeCall::Training(pallet_training::Call::approve_task { task: TASK });
	let index = open_referendum(&mut chain, TrackOrigin::TaskApproval, approve, false);
	run_until(&mut chain, 2_000, 120_000, |chain| {
		matches!(
			chain.execute(|| pallet_referenda::ReferendumInfoFor::<Runtime>::get(index)),
			Some(ReferendumInfo::Rejected(..))
		)
	});
	assert_eq!(task_status(&mut chain), Some(TaskStatus::Proposed));
}

#[test]
fn council_fast_track_needs_two_thirds() {
	let mut chain = TestChain::new();
	propose_and_join(&mut chain, &Cast::new());
	// A motion with a threshold of one member executes at once, but one third of the council is
	// not the two thirds the fast track needs.
	let approve = RuntimeCall::Training(pallet_training::Call::approve_task { task: TASK });
	chain.submit_ok(
		Alice,
		RuntimeCall::Council(pallet_collective::Call::propose {
			threshold: 1,
			proposal: Box::new(approve.clone()),
			length_bound: approve.encoded_size() as u32,
		}),
	);
	let executed_with_error = chain.events().into_iter().any(|event| {
		matches!(
			event,
			decentralml_runtime::RuntimeEvent::Council(pallet_collective::Event::Executed {
				result: Err(DispatchError::BadOrigin),
				..
			})
		)
	});
	assert!(executed_with_error, "a one-member motion is refused");
	assert_eq!(task_status(&mut chain), Some(TaskStatus::Proposed));
	// Two of three members approve.
	approve_by_council(&mut chain);
	assert_eq!(task_status(&mut chain), Some(TaskStatus::Active));
}

#[test]
fn wrong_origins_are_refused() {
	let mut chain = TestChain::new();
	propose_and_join(&mut chain, &Cast::new());
	chain.execute(|| {
		let approve = pallet_training::Call::<Runtime>::approve_task { task: TASK };
		// A signed account, root, or another track's origin cannot approve a task.
		for origin in [
			RuntimeOrigin::signed(Alice.to_account_id()),
			RuntimeOrigin::root(),
			RuntimeOrigin::from(TrackOrigin::Licensing),
			RuntimeOrigin::from(TrackOrigin::ProtocolParameters),
		] {
			assert_noop!(
				approve.clone().dispatch_bypass_filter(origin),
				DispatchError::BadOrigin
			);
		}
		assert!(approve
			.dispatch_bypass_filter(TrackOrigin::TaskApproval.into())
			.is_ok());
	});
}
