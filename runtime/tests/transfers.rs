//! The test chain applies signed transactions in real blocks: fees are charged, nonces advance,
//! and a bad signature or a wrong nonce is refused.

mod common;

use codec::Encode;
use common::{signed, TestChain};
use decentralml_runtime::{
	Balances, Executive, RuntimeCall, SignedPayload, System, UncheckedExtrinsic, UNIT,
};
use sp_keyring::Sr25519Keyring::{Alice, Bob, Ferdie};

fn transfer(to: sp_keyring::Sr25519Keyring, amount: u128) -> RuntimeCall {
	RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
		dest: to.to_account_id().into(),
		value: amount,
	})
}

#[test]
fn signed_transfer_moves_money_and_charges_a_fee() {
	let mut chain = TestChain::new();
	let (alice_before, bob_before, issuance_before) = chain.execute(|| {
		(
			Balances::free_balance(Alice.to_account_id()),
			Balances::free_balance(Bob.to_account_id()),
			Balances::total_issuance(),
		)
	});
	chain.submit_ok(Alice, transfer(Bob, 10 * UNIT));
	chain.next_block();
	chain.execute(|| {
		let alice = Balances::free_balance(Alice.to_account_id());
		assert_eq!(
			Balances::free_balance(Bob.to_account_id()),
			bob_before + 10 * UNIT
		);
		let fee = alice_before - 10 * UNIT - alice;
		assert!(fee > 0, "a fee is charged");
		// Fees are burned: issuance falls by exactly the fee.
		assert_eq!(Balances::total_issuance(), issuance_before - fee);
		assert_eq!(System::account_nonce(Alice.to_account_id()), 1);
	});
}

#[test]
fn wrong_nonce_and_wrong_signer_are_refused() {
	let mut chain = TestChain::new();
	chain.execute(|| {
		let stale = Executive::apply_extrinsic(signed(transfer(Bob, UNIT), Alice, 5));
		assert!(
			stale.is_err(),
			"a future nonce is not applicable now: {stale:?}"
		);
	});
	chain.execute(|| {
		// Ferdie signs, but the transaction claims to come from Alice.
		let call = transfer(Bob, UNIT);
		let extension = common::tx_extension(0);
		let payload = SignedPayload::new(call.clone(), extension.clone()).unwrap();
		let signature = payload.using_encoded(|bytes| Ferdie.sign(bytes));
		let forged = UncheckedExtrinsic::new_signed(
			call,
			Alice.to_account_id().into(),
			signature.into(),
			extension,
		);
		assert!(
			Executive::apply_extrinsic(forged).is_err(),
			"a forged signature is refused"
		);
	});
}
