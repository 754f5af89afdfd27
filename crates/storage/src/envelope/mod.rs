//! Envelope encryption of blobs, so that a storage operator cannot read private updates.
//!
//! Each blob gets a fresh random 256-bit key. The blob is encrypted with XChaCha20-Poly1305 in
//! 64 KiB chunks (the STREAM construction), and the key is wrapped once per recipient (the
//! task's validators and aggregator) with X25519 + HKDF-SHA256 + XChaCha20-Poly1305. Recipients
//! are identified by their X25519 public key; any one of them decrypts with its secret key. The
//! stored blob, and so its CID, is the ciphertext. Keys never leave the participants: only the
//! CID goes on chain.
//!
//! ```
//! use decentralml_storage::{envelope, MemoryStore, StoreExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), decentralml_storage::Error> {
//! let store = MemoryStore::new();
//! let validator = envelope::generate_secret();
//! let recipients = [envelope::public_key(&validator)];
//! let cid = envelope::put_encrypted(&store, &mut &b"private update"[..], &recipients).await?;
//! // The store only ever sees ciphertext.
//! assert_ne!(&store.get_bytes(&cid).await?[..], b"private update");
//! let plain = envelope::get_decrypted_bytes(&store, &cid, &validator).await?;
//! assert_eq!(plain, b"private update");
//! # Ok(())
//! # }
//! ```

mod header;
mod stream;

pub use header::MAX_RECIPIENTS;
pub use stream::CHUNK_PLAINTEXT;
pub use x25519_dalek::{PublicKey, StaticSecret};

use crate::{BlobStream, Result, Store};
use cid::Cid;
use futures::StreamExt;
use tokio::io::AsyncRead;

/// A new random X25519 secret key for a recipient.
pub fn generate_secret() -> StaticSecret {
	StaticSecret::random_from_rng(rand_core::OsRng)
}

/// The public key that identifies the holder of `secret` as a recipient.
pub fn public_key(secret: &StaticSecret) -> PublicKey {
	PublicKey::from(secret)
}

/// Encrypts `plaintext` for `recipients` and returns the ciphertext as an [`AsyncRead`], ready to
/// be handed to [`Store::put`] or written anywhere.
pub fn encrypting_reader<'a>(
	plaintext: &'a mut (dyn AsyncRead + Send + Unpin),
	recipients: &[PublicKey],
) -> Result<impl AsyncRead + Send + Unpin + 'a> {
	let stream = stream::encrypt_stream(plaintext, recipients)?;
	Ok(tokio_util::io::StreamReader::new(Box::pin(stream)))
}

/// Decrypts an envelope stream (e.g. from [`Store::get`]) with a recipient's secret key. Never
/// act on data from a stream that ended in an error.
pub fn decrypting_stream(ciphertext: BlobStream, secret: &StaticSecret) -> BlobStream {
	stream::decrypt_stream(ciphertext, secret.clone())
}

/// Encrypts `plaintext` for `recipients` and stores the ciphertext; returns its CID.
pub async fn put_encrypted<S: Store + ?Sized>(
	store: &S,
	plaintext: &mut (dyn AsyncRead + Send + Unpin),
	recipients: &[PublicKey],
) -> Result<Cid> {
	let mut reader = encrypting_reader(plaintext, recipients)?;
	store.put(&mut reader).await
}

/// Fetches a blob (verified against its CID) and decrypts it as it streams.
pub async fn get_decrypted<S: Store + ?Sized>(
	store: &S,
	cid: &Cid,
	secret: &StaticSecret,
) -> Result<BlobStream> {
	Ok(decrypting_stream(store.get(cid).await?, secret))
}

/// Fetches and decrypts a whole blob into memory; returns only authentic plaintext.
pub async fn get_decrypted_bytes<S: Store + ?Sized>(
	store: &S,
	cid: &Cid,
	secret: &StaticSecret,
) -> Result<Vec<u8>> {
	let mut stream = get_decrypted(store, cid, secret).await?;
	let mut out = Vec::new();
	while let Some(piece) = stream.next().await {
		out.extend_from_slice(&piece?);
	}
	Ok(out)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{content_id::cid_of, Error, MemoryStore, StoreExt};
	use bytes::Bytes;
	use proptest::prelude::*;

	async fn sealed_for(plaintext: &[u8], recipients: &[PublicKey]) -> (MemoryStore, Cid) {
		let store = MemoryStore::new();
		let cid = put_encrypted(&store, &mut &plaintext[..], recipients)
			.await
			.unwrap();
		(store, cid)
	}

	#[tokio::test]
	async fn every_recipient_decrypts_and_the_cid_is_of_the_ciphertext() {
		let secrets: Vec<StaticSecret> = (0..3).map(|_| generate_secret()).collect();
		let publics: Vec<PublicKey> = secrets.iter().map(public_key).collect();
		let plaintext = vec![0x5au8; 3 * CHUNK_PLAINTEXT + 123];
		let (store, cid) = sealed_for(&plaintext, &publics).await;
		let ciphertext = store.get_bytes(&cid).await.unwrap();
		assert_eq!(cid, cid_of(&ciphertext));
		assert_ne!(cid, cid_of(&plaintext));
		for secret in &secrets {
			assert_eq!(
				get_decrypted_bytes(&store, &cid, secret).await.unwrap(),
				plaintext
			);
		}
	}

	#[tokio::test]
	async fn the_storage_operator_cannot_decrypt() {
		let validator = generate_secret();
		let plaintext = b"gradient of a private hospital data set".repeat(100);
		let (store, cid) = sealed_for(&plaintext, &[public_key(&validator)]).await;
		let ciphertext = store.get_bytes(&cid).await.unwrap();
		// Holding every stored byte reveals none of the plaintext.
		assert!(!ciphertext
			.windows(16)
			.any(|w| plaintext.windows(16).any(|p| p == w)));
		let operator = generate_secret();
		let err = get_decrypted_bytes(&store, &cid, &operator)
			.await
			.unwrap_err();
		assert!(matches!(err, Error::NotARecipient { .. }), "{err}");
	}

	#[tokio::test]
	async fn tampered_ciphertext_fails_authentication() {
		let secret = generate_secret();
		let plaintext = vec![1u8; 2 * CHUNK_PLAINTEXT];
		let (store, cid) = sealed_for(&plaintext, &[public_key(&secret)]).await;
		let mut ciphertext = store.get_bytes(&cid).await.unwrap().to_vec();
		let last = ciphertext.len() - 1;
		ciphertext[last] ^= 1;
		// Decrypt the modified bytes directly (a store would already reject them by CID).
		let stream: BlobStream = Box::pin(futures::stream::iter([Ok(Bytes::from(ciphertext))]));
		let results: Vec<Result<Bytes>> = decrypting_stream(stream, &secret).collect().await;
		let err = results.into_iter().find_map(|r| r.err()).expect("an error");
		assert!(matches!(err, Error::Decryption { .. }), "{err}");
	}

	#[tokio::test]
	async fn truncation_at_a_chunk_boundary_is_detected() {
		let secret = generate_secret();
		let plaintext = vec![4u8; 3 * CHUNK_PLAINTEXT];
		let (store, cid) = sealed_for(&plaintext, &[public_key(&secret)]).await;
		let ciphertext = store.get_bytes(&cid).await.unwrap();
		let header_len = ciphertext.len() - 3 * (CHUNK_PLAINTEXT + 16) - 16;
		let cut = ciphertext.slice(..header_len + 2 * (CHUNK_PLAINTEXT + 16));
		let stream: BlobStream = Box::pin(futures::stream::iter([Ok(cut)]));
		let results: Vec<Result<Bytes>> = decrypting_stream(stream, &secret).collect().await;
		assert!(matches!(
			results.last(),
			Some(Err(Error::Decryption { .. }))
		));
	}

	#[tokio::test]
	async fn errors_of_the_store_pass_through() {
		let secret = generate_secret();
		let (store, cid) = sealed_for(b"update", &[public_key(&secret)]).await;
		store.overwrite_unchecked(cid, Bytes::from_static(b"DMLENV garbage"));
		let err = get_decrypted_bytes(&store, &cid, &secret)
			.await
			.unwrap_err();
		assert!(matches!(err, Error::Tampered { .. }), "{err}");
	}

	proptest! {
		#![proptest_config(ProptestConfig::with_cases(16))]
		#[test]
		fn round_trips_any_length(len in 0usize..(3 * CHUNK_PLAINTEXT + 3), seed in any::<u8>()) {
			let plaintext: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(seed)).collect();
			let secret = generate_secret();
			let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
			let decrypted = runtime.block_on(async {
				let (store, cid) = sealed_for(&plaintext, &[public_key(&secret)]).await;
				get_decrypted_bytes(&store, &cid, &secret).await
			});
			prop_assert_eq!(decrypted.unwrap(), plaintext);
		}
	}
}
