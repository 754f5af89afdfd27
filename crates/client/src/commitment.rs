//! Validators' score commitments, computed off chain exactly as the training pallet does.

use crate::{
	error::ClientError,
	types::{AccountId, Perbill, RoundIndex, TaskId},
};
use codec::Encode;

/// The secret a validator mixes into its score commitment.
pub type Salt = [u8; 32];

/// The commitment a validator publishes with `commit_scores`:
/// `blake2_256(SCALE((task, round, validator, scores, salt)))`, byte for byte the pallet's
/// `Pallet::score_commitment`.
///
/// `scores` holds one score per submitted update, in the canonical order of
/// [`crate::RoundView::updates`].
pub fn score_commitment(
	task: TaskId,
	round: RoundIndex,
	validator: &AccountId,
	scores: &[Perbill],
	salt: &Salt,
) -> [u8; 32] {
	// A `Perbill` encodes as its `u32` parts, so a slice of parts encodes like `&[Perbill]`.
	let parts: Vec<u32> = scores.iter().map(|score| score.0).collect();
	let encoded = (task, round, validator.0, parts, salt).encode();
	sp_crypto_hashing::blake2_256(&encoded)
}

/// A fresh random salt from the operating system's random source.
pub fn random_salt() -> Result<Salt, ClientError> {
	use rand_core::{OsRng, RngCore};
	let mut salt = [0u8; 32];
	OsRng.try_fill_bytes(&mut salt).map_err(|e| {
		ClientError::invalid("salt", format!("the system random source failed: {e}"))
	})?;
	Ok(salt)
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	/// The pallet's formula with Substrate's own types.
	fn with_substrate_types(
		task: u32,
		round: u32,
		validator: [u8; 32],
		scores: &[u32],
		salt: [u8; 32],
	) -> [u8; 32] {
		let account = sp_core::crypto::AccountId32::new(validator);
		let scores: Vec<sp_runtime::Perbill> = scores
			.iter()
			.map(|parts| sp_runtime::Perbill::from_parts(*parts))
			.collect();
		let encoded = (task, round, &account, scores.as_slice(), &salt).encode();
		sp_crypto_hashing::blake2_256(&encoded)
	}

	proptest! {
		#[test]
		fn matches_the_pallet_formula(
			task: u32,
			round: u32,
			validator: [u8; 32],
			scores in proptest::collection::vec(0u32..=1_000_000_000, 0..40),
			salt: [u8; 32],
		) {
			let ours = score_commitment(
				task,
				round,
				&AccountId::from(validator),
				&scores.iter().map(|p| Perbill(*p)).collect::<Vec<_>>(),
				&salt,
			);
			prop_assert_eq!(ours, with_substrate_types(task, round, validator, &scores, salt));
		}
	}

	#[test]
	fn every_input_changes_the_commitment() {
		let alice = AccountId::from([1u8; 32]);
		let bob = AccountId::from([2u8; 32]);
		let scores = [Perbill::from_percent(80), Perbill::from_percent(20)];
		let base = score_commitment(1, 2, &alice, &scores, &[9; 32]);
		assert_ne!(base, score_commitment(0, 2, &alice, &scores, &[9; 32]));
		assert_ne!(base, score_commitment(1, 3, &alice, &scores, &[9; 32]));
		assert_ne!(base, score_commitment(1, 2, &bob, &scores, &[9; 32]));
		assert_ne!(base, score_commitment(1, 2, &alice, &scores[..1], &[9; 32]));
		assert_ne!(base, score_commitment(1, 2, &alice, &scores, &[8; 32]));
	}

	#[test]
	fn salts_differ() {
		assert_ne!(random_salt().unwrap(), random_salt().unwrap());
	}
}
