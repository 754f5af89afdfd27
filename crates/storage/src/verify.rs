//! Verification of every byte stream read back from a backend against the CID it was asked for.

use crate::{content_id::CidHasher, BlobStream, Error};
use cid::Cid;
use futures::StreamExt;

/// Wraps `raw` so that its bytes are hashed as they pass; once `raw` ends, the stream yields
/// [`Error::Tampered`] as its last item if the bytes do not hash to `expected`.
///
/// Bytes are handed on before the end is reached, so a consumer must not act on (or persist
/// under the CID) anything from a stream that ended in an error.
pub fn verify_stream(expected: Cid, raw: BlobStream) -> BlobStream {
	struct State {
		raw: BlobStream,
		hasher: Option<CidHasher>,
		expected: Cid,
	}
	let state = State {
		raw,
		hasher: Some(CidHasher::new()),
		expected,
	};
	Box::pin(futures::stream::unfold(state, |mut state| async move {
		let hasher = state.hasher.as_mut()?;
		match state.raw.next().await {
			Some(Ok(bytes)) => {
				hasher.update(&bytes);
				Some((Ok(bytes), state))
			}
			Some(Err(e)) => {
				// An error ends the stream: nothing after it could be verified.
				state.hasher = None;
				Some((Err(e), state))
			}
			None => {
				let actual = state.hasher.take()?.finish();
				if actual == state.expected {
					None
				} else {
					Some((
						Err(Error::Tampered {
							expected: state.expected,
							actual,
						}),
						state,
					))
				}
			}
		}
	}))
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::content_id::cid_of;
	use bytes::Bytes;
	use futures::TryStreamExt;

	fn stream_of(parts: &[&'static [u8]]) -> BlobStream {
		let items: Vec<crate::Result<Bytes>> =
			parts.iter().map(|p| Ok(Bytes::from_static(p))).collect();
		Box::pin(futures::stream::iter(items))
	}

	#[tokio::test]
	async fn passes_matching_bytes() {
		let cid = cid_of(b"hello world");
		let out: Vec<Bytes> = verify_stream(cid, stream_of(&[b"hello ", b"world"]))
			.try_collect()
			.await
			.unwrap();
		assert_eq!(out.concat(), b"hello world");
	}

	#[tokio::test]
	async fn rejects_other_bytes_at_the_end() {
		let cid = cid_of(b"hello world");
		let result: crate::Result<Vec<Bytes>> =
			verify_stream(cid, stream_of(&[b"hello ", b"w0rld"]))
				.try_collect()
				.await;
		match result {
			Err(Error::Tampered { expected, actual }) => {
				assert_eq!(expected, cid);
				assert_eq!(actual, cid_of(b"hello w0rld"));
			}
			other => panic!("expected Tampered, got {other:?}"),
		}
	}

	#[tokio::test]
	async fn truncated_stream_is_rejected() {
		let cid = cid_of(b"hello world");
		let result: crate::Result<Vec<Bytes>> = verify_stream(cid, stream_of(&[b"hello "]))
			.try_collect()
			.await;
		assert!(matches!(result, Err(Error::Tampered { .. })));
	}
}
