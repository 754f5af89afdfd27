//! The envelope header: format version, STREAM nonce prefix and one wrapped blob key per
//! recipient.
//!
//! ```text
//! magic "DMLENV" | version u8 (1) | nonce prefix [19] | recipient count u16 (big endian)
//! per recipient: X25519 public key [32] | ephemeral public key [32] | nonce [24] | wrapped key [48]
//! ```
//!
//! Each blob key is wrapped for a recipient with XChaCha20-Poly1305 under a key derived by
//! HKDF-SHA256 from an X25519 exchange between a fresh ephemeral key and the recipient's key.

use crate::{Error, Result};
use chacha20poly1305::{
	aead::{Aead, KeyInit},
	XChaCha20Poly1305, XNonce,
};
use hkdf::Hkdf;
use rand_core::{OsRng, RngCore};
use sha2::Sha256;
use x25519_dalek::{EphemeralSecret, PublicKey, StaticSecret};
use zeroize::Zeroizing;

/// Bytes that open every envelope.
const MAGIC: &[u8; 6] = b"DMLENV";
/// The only format version this crate writes and reads.
pub(crate) const VERSION: u8 = 1;
/// Length of the STREAM nonce prefix for XChaCha20-Poly1305 (24-byte nonce minus 5).
pub(crate) const NONCE_PREFIX_LEN: usize = 19;
/// Length of the fixed part before the recipient entries.
pub(crate) const FIXED_LEN: usize = MAGIC.len() + 1 + NONCE_PREFIX_LEN + 2;
/// Length of one recipient entry.
pub(crate) const ENTRY_LEN: usize = 32 + 32 + 24 + WRAPPED_KEY_LEN;
const WRAPPED_KEY_LEN: usize = 32 + 16;
/// Upper bound on recipients, so a corrupt count cannot make a reader allocate without limit.
pub const MAX_RECIPIENTS: usize = 1024;
const WRAP_INFO: &[u8] = b"decentralml envelope v1 key wrap";

/// A 256-bit blob key, wiped from memory when dropped.
pub(crate) type BlobKey = Zeroizing<[u8; 32]>;

/// A parsed header.
pub(crate) struct Header {
	pub nonce_prefix: [u8; NONCE_PREFIX_LEN],
	pub entries: Vec<Entry>,
}

/// One recipient's wrapped copy of the blob key.
pub(crate) struct Entry {
	recipient: [u8; 32],
	ephemeral: [u8; 32],
	nonce: [u8; 24],
	wrapped: [u8; WRAPPED_KEY_LEN],
}

/// Hex of a public key, to name recipients in errors.
pub(crate) fn key_hex(key: &[u8; 32]) -> String {
	key.iter().map(|b| format!("{b:02x}")).collect()
}

fn wrapping_key(shared: &[u8; 32], ephemeral: &[u8; 32], recipient: &[u8; 32]) -> BlobKey {
	let mut salt = [0u8; 64];
	salt[..32].copy_from_slice(ephemeral);
	salt[32..].copy_from_slice(recipient);
	let mut key = Zeroizing::new([0u8; 32]);
	// Invariant: 32 bytes is far below HKDF-SHA256's 8160-byte output limit.
	Hkdf::<Sha256>::new(Some(&salt), shared)
		.expand(WRAP_INFO, key.as_mut())
		.expect("valid length");
	key
}

impl Entry {
	fn wrap(blob_key: &BlobKey, recipient: &PublicKey) -> Result<Self> {
		let ephemeral_secret = EphemeralSecret::random_from_rng(OsRng);
		let ephemeral = PublicKey::from(&ephemeral_secret).to_bytes();
		let shared = ephemeral_secret.diffie_hellman(recipient);
		if !shared.was_contributory() {
			return Err(Error::InvalidRecipient {
				recipient: key_hex(recipient.as_bytes()),
			});
		}
		let key = wrapping_key(shared.as_bytes(), &ephemeral, recipient.as_bytes());
		let mut nonce = [0u8; 24];
		OsRng.fill_bytes(&mut nonce);
		let sealed = XChaCha20Poly1305::new(key.as_ref().into())
			.encrypt(XNonce::from_slice(&nonce), blob_key.as_ref())
			.map_err(|_| Error::Decryption {
				location: "key wrap".into(),
			})?;
		let wrapped = sealed.try_into().map_err(|_| Error::Decryption {
			location: "key wrap".into(),
		})?;
		Ok(Self {
			recipient: recipient.to_bytes(),
			ephemeral,
			nonce,
			wrapped,
		})
	}

	fn unwrap_key(&self, secret: &StaticSecret) -> Result<BlobKey> {
		let failed = || Error::Decryption {
			location: "key unwrap".into(),
		};
		let shared = secret.diffie_hellman(&PublicKey::from(self.ephemeral));
		if !shared.was_contributory() {
			return Err(failed());
		}
		let key = wrapping_key(shared.as_bytes(), &self.ephemeral, &self.recipient);
		let opened = XChaCha20Poly1305::new(key.as_ref().into())
			.decrypt(XNonce::from_slice(&self.nonce), self.wrapped.as_ref())
			.map_err(|_| failed())?;
		let opened = Zeroizing::new(opened);
		let mut blob_key = Zeroizing::new([0u8; 32]);
		if opened.len() != 32 {
			return Err(failed());
		}
		blob_key.copy_from_slice(&opened);
		Ok(blob_key)
	}
}

impl Header {
	/// A header for a fresh random blob key wrapped for each recipient; returns it with the key.
	pub(crate) fn seal_for(recipients: &[PublicKey]) -> Result<(Self, BlobKey)> {
		if recipients.is_empty() || recipients.len() > MAX_RECIPIENTS {
			return Err(Error::MalformedEnvelope(format!(
				"{} recipients given; between 1 and {MAX_RECIPIENTS} are needed",
				recipients.len()
			)));
		}
		let mut blob_key = Zeroizing::new([0u8; 32]);
		OsRng.fill_bytes(blob_key.as_mut());
		let mut nonce_prefix = [0u8; NONCE_PREFIX_LEN];
		OsRng.fill_bytes(&mut nonce_prefix);
		let entries = recipients
			.iter()
			.map(|r| Entry::wrap(&blob_key, r))
			.collect::<Result<Vec<_>>>()?;
		Ok((
			Self {
				nonce_prefix,
				entries,
			},
			blob_key,
		))
	}

	/// The header's bytes.
	pub(crate) fn encode(&self) -> Vec<u8> {
		let mut out = Vec::with_capacity(FIXED_LEN + self.entries.len() * ENTRY_LEN);
		out.extend_from_slice(MAGIC);
		out.push(VERSION);
		out.extend_from_slice(&self.nonce_prefix);
		// Invariant: `seal_for` and `decode_fixed` cap entries at MAX_RECIPIENTS (< u16::MAX).
		out.extend_from_slice(&(self.entries.len() as u16).to_be_bytes());
		for entry in &self.entries {
			out.extend_from_slice(&entry.recipient);
			out.extend_from_slice(&entry.ephemeral);
			out.extend_from_slice(&entry.nonce);
			out.extend_from_slice(&entry.wrapped);
		}
		out
	}

	/// Parses the fixed part; returns the nonce prefix and the number of recipient entries.
	pub(crate) fn decode_fixed(fixed: &[u8]) -> Result<([u8; NONCE_PREFIX_LEN], usize)> {
		if fixed.len() < FIXED_LEN || &fixed[..MAGIC.len()] != MAGIC {
			return Err(Error::MalformedEnvelope(
				"not an envelope (bad magic bytes)".into(),
			));
		}
		let version = fixed[MAGIC.len()];
		if version != VERSION {
			return Err(Error::MalformedEnvelope(format!(
				"format version {version} is not supported (this build reads {VERSION})"
			)));
		}
		let mut nonce_prefix = [0u8; NONCE_PREFIX_LEN];
		nonce_prefix.copy_from_slice(&fixed[MAGIC.len() + 1..MAGIC.len() + 1 + NONCE_PREFIX_LEN]);
		let count = u16::from_be_bytes([fixed[FIXED_LEN - 2], fixed[FIXED_LEN - 1]]) as usize;
		if count == 0 || count > MAX_RECIPIENTS {
			return Err(Error::MalformedEnvelope(format!(
				"recipient count {count} out of range"
			)));
		}
		Ok((nonce_prefix, count))
	}

	/// Parses the recipient entries that follow the fixed part.
	pub(crate) fn decode_entries(
		nonce_prefix: [u8; NONCE_PREFIX_LEN],
		bytes: &[u8],
	) -> Result<Self> {
		if !bytes.len().is_multiple_of(ENTRY_LEN) {
			return Err(Error::MalformedEnvelope("truncated recipient list".into()));
		}
		let entries = bytes
			.chunks_exact(ENTRY_LEN)
			.map(|e| {
				let field = |range: std::ops::Range<usize>| &e[range];
				Entry {
					recipient: to_array(field(0..32)),
					ephemeral: to_array(field(32..64)),
					nonce: to_array(field(64..88)),
					wrapped: to_array(field(88..ENTRY_LEN)),
				}
			})
			.collect();
		Ok(Self {
			nonce_prefix,
			entries,
		})
	}

	/// The blob key, unwrapped with the secret of one of the recipients.
	pub(crate) fn open(&self, secret: &StaticSecret) -> Result<BlobKey> {
		let public = PublicKey::from(secret).to_bytes();
		let entry = self
			.entries
			.iter()
			.find(|e| e.recipient == public)
			.ok_or_else(|| Error::NotARecipient {
				recipient: key_hex(&public),
			})?;
		entry.unwrap_key(secret)
	}
}

/// Copies a slice already cut to the exact length `N` (by `chunks_exact` and fixed ranges).
fn to_array<const N: usize>(bytes: &[u8]) -> [u8; N] {
	let mut out = [0u8; N];
	out.copy_from_slice(bytes);
	out
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn header_round_trips_and_opens_for_each_recipient() {
		let secrets: Vec<StaticSecret> = (0..3)
			.map(|_| StaticSecret::random_from_rng(OsRng))
			.collect();
		let publics: Vec<PublicKey> = secrets.iter().map(PublicKey::from).collect();
		let (header, key) = Header::seal_for(&publics).unwrap();
		let bytes = header.encode();
		assert_eq!(bytes.len(), FIXED_LEN + 3 * ENTRY_LEN);
		let (prefix, count) = Header::decode_fixed(&bytes[..FIXED_LEN]).unwrap();
		assert_eq!((prefix, count), (header.nonce_prefix, 3));
		let parsed = Header::decode_entries(prefix, &bytes[FIXED_LEN..]).unwrap();
		for secret in &secrets {
			assert_eq!(*parsed.open(secret).unwrap(), *key);
		}
		let stranger = StaticSecret::random_from_rng(OsRng);
		assert!(matches!(
			parsed.open(&stranger),
			Err(Error::NotARecipient { .. })
		));
	}

	#[test]
	fn rejects_bad_headers() {
		let (header, _) = Header::seal_for(&[PublicKey::from([9u8; 32])]).unwrap();
		let mut bytes = header.encode();
		bytes[6] = 2;
		let err = Header::decode_fixed(&bytes[..FIXED_LEN]).unwrap_err();
		assert!(err.to_string().contains("version 2"), "{err}");
		assert!(Header::decode_fixed(b"PLAINTEXT blob with no header").is_err());
		assert!(Header::seal_for(&[]).is_err());
		// The all-zero point would make the shared secret public.
		assert!(matches!(
			Header::seal_for(&[PublicKey::from([0u8; 32])]),
			Err(Error::InvalidRecipient { .. })
		));
	}
}
