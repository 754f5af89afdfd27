//! Streaming encryption and decryption of the envelope body with the STREAM construction
//! (XChaCha20-Poly1305, 32-bit big-endian chunk counter and last-chunk flag).
//!
//! The plaintext is cut into 64 KiB chunks; every full chunk is sealed as "not last" and the
//! remainder (possibly empty) as "last", so truncating, reordering or extending the ciphertext
//! fails authentication. Every chunk also authenticates the SHA-256 of the header, so a header
//! cannot be swapped or stripped of recipients.

use super::header::{Header, ENTRY_LEN, FIXED_LEN};
use crate::{store::read_full, BlobStream, Error, Result};
use bytes::{Bytes, BytesMut};
use chacha20poly1305::{
	aead::{
		stream::{DecryptorBE32, EncryptorBE32},
		KeyInit, Payload,
	},
	XChaCha20Poly1305,
};
use futures::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::AsyncRead;
use x25519_dalek::{PublicKey, StaticSecret};

/// Plaintext bytes per sealed chunk.
pub const CHUNK_PLAINTEXT: usize = 64 * 1024;
/// Authentication tag added to every chunk.
const TAG_LEN: usize = 16;
const CHUNK_CIPHERTEXT: usize = CHUNK_PLAINTEXT + TAG_LEN;

/// Encrypts `plaintext` for `recipients`: yields the header, then the sealed chunks.
pub(crate) fn encrypt_stream<'a>(
	plaintext: &'a mut (dyn AsyncRead + Send + Unpin),
	recipients: &[PublicKey],
) -> Result<impl Stream<Item = std::io::Result<Bytes>> + Send + 'a> {
	let (header, key) = Header::seal_for(recipients)?;
	let header_bytes = header.encode();
	let aad: [u8; 32] = Sha256::digest(&header_bytes).into();
	let cipher = XChaCha20Poly1305::new(key.as_ref().into());
	let encryptor = EncryptorBE32::from_aead(cipher, header.nonce_prefix.as_ref().into());
	struct State<'a> {
		plaintext: &'a mut (dyn AsyncRead + Send + Unpin),
		encryptor: Option<EncryptorBE32<XChaCha20Poly1305>>,
		aad: [u8; 32],
		buf: Vec<u8>,
	}
	let state = State {
		plaintext,
		encryptor: Some(encryptor),
		aad,
		buf: vec![0u8; CHUNK_PLAINTEXT],
	};
	let body = futures::stream::unfold(state, |mut state| async move {
		let encryptor = state.encryptor.take()?;
		let n = match read_full(state.plaintext, &mut state.buf).await {
			Ok(n) => n,
			Err(e) => return Some((Err(std::io::Error::other(e)), state)),
		};
		let payload = Payload {
			msg: &state.buf[..n],
			aad: &state.aad,
		};
		let sealed = if n == CHUNK_PLAINTEXT {
			let mut encryptor = encryptor;
			let sealed = encryptor.encrypt_next(payload);
			state.encryptor = Some(encryptor);
			sealed
		} else {
			// A short read means the plaintext ended: this is the last chunk.
			encryptor.encrypt_last(payload)
		};
		let item = sealed.map(Bytes::from).map_err(|_| {
			// Only reachable once 2^32 chunks (256 TiB) have been sealed.
			std::io::Error::other("envelope chunk counter overflow")
		});
		Some((item, state))
	});
	Ok(futures::stream::once(async move { Ok(Bytes::from(header_bytes)) }).chain(body))
}

/// Pulls exact-size pieces out of a blob stream, keeping its errors as they are.
struct ExactReader {
	stream: BlobStream,
	pending: BytesMut,
	ended: bool,
}

impl ExactReader {
	/// Up to `n` bytes; fewer only when the stream ended.
	async fn take(&mut self, n: usize) -> Result<Bytes> {
		while self.pending.len() < n && !self.ended {
			match self.stream.next().await {
				Some(piece) => self.pending.extend_from_slice(&piece?),
				None => self.ended = true,
			}
		}
		let n = n.min(self.pending.len());
		Ok(self.pending.split_to(n).freeze())
	}
}

async fn read_header(reader: &mut ExactReader) -> Result<(Header, [u8; 32])> {
	let fixed = reader.take(FIXED_LEN).await?;
	let (nonce_prefix, count) = Header::decode_fixed(&fixed)?;
	let entries = reader.take(count * ENTRY_LEN).await?;
	let header = Header::decode_entries(nonce_prefix, &entries)?;
	let mut hasher = Sha256::new();
	hasher.update(&fixed);
	hasher.update(&entries);
	Ok((header, hasher.finalize().into()))
}

/// Decrypts an envelope with a recipient's secret key, yielding plaintext chunk by chunk. Every
/// yielded chunk is authentic; an error (wrong key, modified or truncated ciphertext, or an error
/// of the underlying stream) ends the stream.
pub(crate) fn decrypt_stream(ciphertext: BlobStream, secret: StaticSecret) -> BlobStream {
	struct State {
		reader: ExactReader,
		secret: Option<StaticSecret>,
		decryptor: Option<DecryptorBE32<XChaCha20Poly1305>>,
		aad: [u8; 32],
		chunk: u64,
	}
	let reader = ExactReader {
		stream: ciphertext,
		pending: BytesMut::new(),
		ended: false,
	};
	let state = State {
		reader,
		secret: Some(secret),
		decryptor: None,
		aad: [0; 32],
		chunk: 0,
	};
	Box::pin(futures::stream::unfold(state, |mut state| async move {
		if let Some(secret) = state.secret.take() {
			match open(&mut state.reader, &secret).await {
				Ok((decryptor, aad)) => {
					state.decryptor = Some(decryptor);
					state.aad = aad;
				}
				Err(e) => return Some((Err(e), state)),
			}
		}
		let decryptor = state.decryptor.take()?;
		let sealed = match state.reader.take(CHUNK_CIPHERTEXT).await {
			Ok(sealed) => sealed,
			Err(e) => return Some((Err(e), state)),
		};
		let payload = Payload {
			msg: &sealed,
			aad: &state.aad,
		};
		let location = format!("chunk {}", state.chunk);
		state.chunk += 1;
		let opened = if sealed.len() == CHUNK_CIPHERTEXT {
			let mut decryptor = decryptor;
			let opened = decryptor.decrypt_next(payload);
			state.decryptor = Some(decryptor);
			opened
		} else {
			decryptor.decrypt_last(payload)
		};
		match opened {
			Ok(plain) => {
				// The last chunk may be empty; skip it without ending early.
				Some((Ok(Bytes::from(plain)), state))
			}
			Err(_) => {
				state.decryptor = None;
				Some((Err(Error::Decryption { location }), state))
			}
		}
	}))
}

async fn open(
	reader: &mut ExactReader,
	secret: &StaticSecret,
) -> Result<(DecryptorBE32<XChaCha20Poly1305>, [u8; 32])> {
	let (header, aad) = read_header(reader).await?;
	let key = header.open(secret)?;
	let cipher = XChaCha20Poly1305::new(key.as_ref().into());
	Ok((
		DecryptorBE32::from_aead(cipher, header.nonce_prefix.as_ref().into()),
		aad,
	))
}
