//! The token economy in the runtime: backing a task with the native token and with an
//! Assets-pallet token, and a licence purchase split exactly between contributors (by the
//! rewards they earned in training), backers (by stake value) and the owner.

mod common;

use common::{
	training::{approve_by_council, id, propose_and_join, run_to_completion, Cast, TASK},
	TestChain,
};
use decentralml_runtime::{
	governance::pallet_custom_origins::Origin as TrackOrigin, AccountId, Backing, Balances,
	Runtime, RuntimeCall, UNIT,
};
use frame_support::traits::Get;
use frame_support::{
	traits::{
		fungible::{InspectHold, NativeOrWithId},
		fungibles::InspectHold as AssetsInspectHold,
		UnfilteredDispatchable,
	},
	BoundedVec,
};
use sp_keyring::Sr25519Keyring::{Alice, Bob, Ferdie};
use sp_runtime::{FixedU128, Perbill};

const TOKEN: u32 = 7;

fn token() -> NativeOrWithId<u32> {
	NativeOrWithId::WithId(TOKEN)
}

/// Alice creates a sufficient token and gives Bob some of it.
fn create_token(chain: &mut TestChain) {
	chain.submit_ok(
		Alice,
		RuntimeCall::Assets(pallet_assets::Call::create {
			id: TOKEN.into(),
			admin: Alice.to_account_id().into(),
			min_balance: 1,
		}),
	);
	chain.submit_ok(
		Alice,
		RuntimeCall::Assets(pallet_assets::Call::mint {
			id: TOKEN.into(),
			beneficiary: Bob.to_account_id().into(),
			amount: 1_000 * UNIT,
		}),
	);
}

/// Governance values one unit of the token at two units of value (the parameters track's
/// origin, as a passed referendum would dispatch it).
fn value_token(chain: &mut TestChain) {
	chain.execute(|| {
		let call = pallet_backing::Call::<Runtime>::set_valuation {
			asset: token(),
			value: FixedU128::from_u32(2),
		};
		call.dispatch_bypass_filter(TrackOrigin::ProtocolParameters.into())
			.expect("the parameters track values assets");
	});
}

fn stake(asset: NativeOrWithId<u32>, amount: u128) -> RuntimeCall {
	RuntimeCall::Backing(pallet_backing::Call::stake {
		task: TASK,
		asset,
		amount,
	})
}

#[test]
fn backing_with_native_and_asset_tokens_is_held_and_withdrawable() {
	let mut chain = TestChain::new();
	propose_and_join(&mut chain, &Cast::new());
	create_token(&mut chain);
	value_token(&mut chain);
	let bob = Bob.to_account_id();
	let reason =
		decentralml_runtime::RuntimeHoldReason::Backing(pallet_backing::HoldReason::Backing);

	chain.submit_ok(Bob, stake(NativeOrWithId::Native, 100 * UNIT));
	chain.submit_ok(Bob, stake(token(), 50 * UNIT));
	chain.execute(|| {
		assert_eq!(
			Balances::balance_on_hold(&reason, &bob),
			100 * UNIT,
			"native stake is held"
		);
		assert_eq!(
			<decentralml_runtime::AssetsHolder as AssetsInspectHold<AccountId>>::balance_on_hold(
				TOKEN, &reason, &bob
			),
			50 * UNIT,
			"token stake is held"
		);
		// 100 native at 1 + 50 tokens at 2.
		assert_eq!(Backing::backing_value(TASK), 200 * UNIT);
	});

	chain.submit_ok(
		Bob,
		RuntimeCall::Backing(pallet_backing::Call::unstake {
			task: TASK,
			asset: token(),
			amount: 50 * UNIT,
		}),
	);
	chain.execute(|| {
		assert_eq!(
			Backing::backing_value(TASK),
			100 * UNIT,
			"unstaked stops counting"
		)
	});
	let early = chain.submit(
		Bob,
		RuntimeCall::Backing(pallet_backing::Call::withdraw {
			task: TASK,
			asset: token(),
		}),
	);
	assert!(
		matches!(early, Ok(Err(_))),
		"the cool-down applies: {early:?}"
	);

	let cooldown =
		chain.execute(decentralml_runtime::configs::dynamic_params::backing::UnstakeCooldown::get);
	let now = chain.block_number();
	chain.jump_to(now + cooldown + 1);
	chain.submit_ok(
		Bob,
		RuntimeCall::Backing(pallet_backing::Call::withdraw {
			task: TASK,
			asset: token(),
		}),
	);
	chain.execute(|| {
		assert_eq!(
			<decentralml_runtime::AssetsHolder as AssetsInspectHold<AccountId>>::balance_on_hold(
				TOKEN, &reason, &bob
			),
			0,
			"the token stake is released"
		);
		assert_eq!(
			pallet_assets::Pallet::<Runtime>::balance(TOKEN, &bob),
			1_000 * UNIT,
			"all of Bob's tokens are free again"
		);
	});
}

#[test]
fn licence_fee_is_split_exactly_between_contributors_backers_and_owner() {
	let mut chain = TestChain::new();
	let cast = Cast::new();
	propose_and_join(&mut chain, &cast);
	// The owner sets the terms while the task is still proposed.
	let terms = pallet_licensing::LicenceTerms {
		terms: BoundedVec::truncate_from(common::training::cid(b"licence").into_inner()),
		asset: NativeOrWithId::Native,
		fee_per_period: 7 * UNIT + 3,
		period: 100,
		contributors_share: Perbill::from_percent(60),
		backers_share: Perbill::from_percent(25),
		jurisdictions: None,
	};
	chain.submit_ok(
		Alice,
		RuntimeCall::Licensing(pallet_licensing::Call::set_terms {
			task: TASK,
			terms: Box::new(terms),
		}),
	);
	chain.submit_ok(Bob, stake(NativeOrWithId::Native, 300 * UNIT));
	approve_by_council(&mut chain);
	run_to_completion(&mut chain, &cast);

	let fee = 2 * (7 * UNIT + 3);
	chain.submit_ok(
		Ferdie,
		RuntimeCall::Licensing(pallet_licensing::Call::buy_licence {
			task: TASK,
			periods: 2,
			jurisdiction: *b"FR",
		}),
	);
	let now = chain.block_number();
	chain.execute(|| {
		assert!(pallet_licensing::Pallet::<Runtime>::licence_valid(
			TASK,
			&Ferdie.to_account_id(),
			now
		));
		let claimable = |who: &AccountId| {
			pallet_licensing::Claimable::<Runtime>::get((TASK, NativeOrWithId::<u32>::Native, who))
				.unwrap_or(0)
		};
		let contributors: Vec<AccountId> = cast.all().map(id).collect();
		let to_contributors: u128 = contributors.iter().map(claimable).sum();
		let to_backer = claimable(&Bob.to_account_id());
		let to_owner = claimable(&Alice.to_account_id());
		assert_eq!(
			to_contributors + to_backer + to_owner,
			fee,
			"no rounding leak"
		);
		assert_eq!(
			to_backer,
			Perbill::from_percent(25) * fee,
			"the only backer takes the backers' part"
		);
		assert!(
			contributors.iter().all(|c| claimable(c) > 0),
			"every contributor earned a share"
		);
		// Shares follow the rewards earned in training.
		let earned: Vec<(AccountId, u128)> =
			pallet_training::Pallet::<Runtime>::contributions(TASK);
		let (top, low) = (
			earned.iter().max_by_key(|e| e.1).unwrap(),
			earned.iter().min_by_key(|e| e.1).unwrap(),
		);
		assert!(claimable(&top.0) >= claimable(&low.0));
	});

	let trainer = &cast.trainers[0];
	let before = chain.execute(|| Balances::free_balance(id(trainer)));
	let owed = chain.execute(|| {
		pallet_licensing::Claimable::<Runtime>::get((
			TASK,
			NativeOrWithId::<u32>::Native,
			id(trainer),
		))
		.unwrap_or(0)
	});
	chain.submit_as_ok(
		trainer,
		RuntimeCall::Licensing(pallet_licensing::Call::claim {
			task: TASK,
			asset: NativeOrWithId::Native,
		}),
	);
	// The block holds earlier extrinsics too: count the trainer's own fee.
	let fee_paid: u128 = chain
		.events()
		.iter()
		.filter_map(|event| match event {
			decentralml_runtime::RuntimeEvent::TransactionPayment(
				pallet_transaction_payment::Event::TransactionFeePaid {
					who, actual_fee, ..
				},
			) if *who == id(trainer) => Some(*actual_fee),
			_ => None,
		})
		.sum();
	chain.execute(|| {
		assert_eq!(
			Balances::free_balance(id(trainer)),
			before + owed - fee_paid,
			"before {before}, owed {owed}, fee {fee_paid}"
		)
	});
}
