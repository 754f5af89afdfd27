//! Key agreement, key derivation and share encryption for SecAgg+, all from audited RustCrypto
//! and dalek crates: X25519 (`x25519-dalek`), HKDF-SHA-256 (`hkdf`, `sha2`) and
//! ChaCha20-Poly1305 (`chacha20poly1305`).

use super::SecAggError;
use chacha20poly1305::{aead::Aead, ChaCha20Poly1305, KeyInit};
use hkdf::Hkdf;
use sha2::Sha256;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

/// HKDF info prefix of pairwise mask keys.
const MASK_INFO: &[u8] = b"decentralml/secagg+/pairwise-mask";
/// HKDF info prefix of share-encryption keys.
const SHARE_INFO: &[u8] = b"decentralml/secagg+/share-encryption";

/// The X25519 shared secret of `secret` and `public`, rejecting low-order public keys (which
/// would make the "shared" secret known to everyone).
fn agree(
	secret: &StaticSecret,
	public: &[u8; 32],
	peer: u32,
) -> Result<Zeroizing<[u8; 32]>, SecAggError> {
	let shared = secret.diffie_hellman(&PublicKey::from(*public));
	if !shared.was_contributory() {
		return Err(SecAggError::WeakPublicKey { client: peer });
	}
	Ok(Zeroizing::new(shared.to_bytes()))
}

fn derive(ikm: &[u8; 32], info: &[&[u8]]) -> Zeroizing<[u8; 32]> {
	let hk = Hkdf::<Sha256>::new(None, ikm);
	let mut out = Zeroizing::new([0u8; 32]);
	let info: Vec<u8> = info.concat();
	// 32 bytes is far below HKDF-SHA-256's 8160-byte limit, so expand cannot fail.
	let _ = hk.expand(&info, out.as_mut());
	out
}

/// The pairwise mask key of clients `a` and `b` (symmetric: both ends derive the same key).
pub fn pairwise_mask_key(
	session: &[u8; 32],
	own_secret: &StaticSecret,
	peer_public: &[u8; 32],
	peer: u32,
) -> Result<Zeroizing<[u8; 32]>, SecAggError> {
	let shared = agree(own_secret, peer_public, peer)?;
	Ok(derive(&shared, &[MASK_INFO, session]))
}

/// The key encrypting shares sent from `from` to `to` (direction-specific, so that the two
/// directions never share a key and a zero nonce is safe).
fn share_key(
	session: &[u8; 32],
	own_secret: &StaticSecret,
	peer_public: &[u8; 32],
	from: u32,
	to: u32,
	peer: u32,
) -> Result<Zeroizing<[u8; 32]>, SecAggError> {
	let shared = agree(own_secret, peer_public, peer)?;
	Ok(derive(
		&shared,
		&[SHARE_INFO, session, &from.to_le_bytes(), &to.to_le_bytes()],
	))
}

/// Encrypts `plaintext` from `from` to `to` under their agreed key.
pub fn seal(
	session: &[u8; 32],
	own_secret: &StaticSecret,
	peer_public: &[u8; 32],
	(from, to): (u32, u32),
	plaintext: &[u8],
) -> Result<Vec<u8>, SecAggError> {
	let key = share_key(session, own_secret, peer_public, from, to, to)?;
	let cipher = ChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&key[..]));
	cipher
		.encrypt(&[0u8; 12].into(), plaintext)
		.map_err(|_| SecAggError::Decryption { from, to })
}

/// Decrypts a ciphertext sent from `from` to `to`; fails if it was tampered with.
pub fn open(
	session: &[u8; 32],
	own_secret: &StaticSecret,
	peer_public: &[u8; 32],
	(from, to): (u32, u32),
	ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, SecAggError> {
	let key = share_key(session, own_secret, peer_public, from, to, from)?;
	let cipher = ChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&key[..]));
	cipher
		.decrypt(&[0u8; 12].into(), ciphertext)
		.map(Zeroizing::new)
		.map_err(|_| SecAggError::Decryption { from, to })
}

#[cfg(test)]
mod tests {
	use super::*;
	use rand_chacha::ChaCha20Rng;
	use rand_core::SeedableRng;

	fn keypair(seed: u64) -> (StaticSecret, [u8; 32]) {
		let secret = StaticSecret::random_from_rng(ChaCha20Rng::seed_from_u64(seed));
		let public = PublicKey::from(&secret).to_bytes();
		(secret, public)
	}

	#[test]
	fn both_ends_derive_the_same_mask_key() {
		let (a, a_pub) = keypair(1);
		let (b, b_pub) = keypair(2);
		let session = [9; 32];
		assert_eq!(
			*pairwise_mask_key(&session, &a, &b_pub, 2).unwrap(),
			*pairwise_mask_key(&session, &b, &a_pub, 1).unwrap()
		);
		assert_ne!(
			*pairwise_mask_key(&session, &a, &b_pub, 2).unwrap(),
			*pairwise_mask_key(&[8; 32], &a, &b_pub, 2).unwrap()
		);
	}

	#[test]
	fn sealed_shares_open_only_for_the_recipient_and_direction() {
		let (a, a_pub) = keypair(1);
		let (b, b_pub) = keypair(2);
		let session = [0; 32];
		let sealed = seal(&session, &a, &b_pub, (1, 2), b"share").unwrap();
		assert_eq!(
			&open(&session, &b, &a_pub, (1, 2), &sealed).unwrap()[..],
			b"share"
		);
		assert!(open(&session, &b, &a_pub, (2, 1), &sealed).is_err());
		let mut tampered = sealed.clone();
		tampered[0] ^= 1;
		assert!(matches!(
			open(&session, &b, &a_pub, (1, 2), &tampered),
			Err(SecAggError::Decryption { from: 1, to: 2 })
		));
	}

	#[test]
	fn low_order_keys_are_rejected() {
		let (a, _) = keypair(1);
		assert!(matches!(
			pairwise_mask_key(&[0; 32], &a, &[0; 32], 7),
			Err(SecAggError::WeakPublicKey { client: 7 })
		));
	}
}
