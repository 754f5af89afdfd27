//! Nonces of the transactions a client signs.
//!
//! The node's `system_accountNextIndex` counts the account's transactions in its pool, but one
//! handed over a moment earlier may not be counted yet: two quick transactions of one account
//! could then get the same nonce, and the second be refused as a replacement ("priority too
//! low"). The book remembers the nonce after each transaction this client submitted and never
//! hands out less. A transaction the node refuses or drops is forgotten, so that the next one
//! trusts the node again instead of leaving a gap that would stall the account.

use crate::types::AccountId;
use std::collections::BTreeMap;

/// The next nonce of each account, as far as this client's own submissions tell.
#[derive(Debug, Default)]
pub(crate) struct NonceBook {
	next: BTreeMap<AccountId, u64>,
}

impl NonceBook {
	/// The nonce to sign with, given the node's view `from_node`.
	pub(crate) fn next(&self, account: &AccountId, from_node: u64) -> u64 {
		self.next
			.get(account)
			.map_or(from_node, |known| (*known).max(from_node))
	}

	/// Records that a transaction of `account` with `nonce` entered the pool.
	pub(crate) fn used(&mut self, account: AccountId, nonce: u64) {
		self.next.insert(account, nonce.saturating_add(1));
	}

	/// Forgets `account`'s nonces after a refused or dropped transaction.
	pub(crate) fn forget(&mut self, account: &AccountId) {
		self.next.remove(account);
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	const ALICE: AccountId = AccountId([1; 32]);
	const BOB: AccountId = AccountId([2; 32]);

	#[test]
	fn a_lagging_node_does_not_hand_out_a_used_nonce_again() {
		let mut book = NonceBook::default();
		assert_eq!(book.next(&ALICE, 4), 4);
		book.used(ALICE, 4);
		// The node has not counted nonce 4 yet.
		assert_eq!(book.next(&ALICE, 4), 5);
		book.used(ALICE, 5);
		assert_eq!(book.next(&ALICE, 5), 6);
		// Other accounts are unaffected.
		assert_eq!(book.next(&BOB, 0), 0);
	}

	#[test]
	fn the_node_wins_when_it_is_ahead() {
		let mut book = NonceBook::default();
		book.used(ALICE, 4);
		// Transactions signed elsewhere with the same account.
		assert_eq!(book.next(&ALICE, 9), 9);
	}

	#[test]
	fn a_refused_transaction_leaves_no_gap() {
		let mut book = NonceBook::default();
		book.used(ALICE, 4);
		book.forget(&ALICE);
		assert_eq!(book.next(&ALICE, 4), 4);
	}
}
