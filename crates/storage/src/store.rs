//! The [`Store`] trait every backend implements, and conveniences built on it.

use crate::{
	content_id::ensure_verifiable, tempname::temp_path_beside, verify::verify_stream, Error, Result,
};
use async_trait::async_trait;
use bytes::Bytes;
use cid::Cid;
use futures::{Stream, StreamExt};
use std::{path::Path, pin::Pin, sync::Arc};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

/// A blob's bytes as they arrive. Streams from [`Store::get`] are verified: if the bytes do not
/// hash to the CID asked for, the last item is [`Error::Tampered`]. Never act on the data of a
/// stream that ended in an error.
pub type BlobStream = Pin<Box<dyn Stream<Item = Result<Bytes>> + Send>>;

/// Size of the buffers backends read the caller's data with.
pub const IO_BUFFER_SIZE: usize = 1 << 20;

/// A content-addressed blob store. The CID of the pinned profile (see [`crate::content_id`]) is
/// the key in every backend.
///
/// Object safe: backends are used as `Box<dyn Store>` chosen at run time by
/// [`crate::StoreConfig`].
#[async_trait]
pub trait Store: Send + Sync {
	/// Short name of the backend, used in errors and logs (e.g. `"local"`, `"ipfs"`).
	fn backend_name(&self) -> &'static str;

	/// Stores everything `data` yields until its end and returns the blob's CID. A put that
	/// fails leaves nothing visible under the CID.
	async fn put(&self, data: &mut (dyn AsyncRead + Send + Unpin)) -> Result<Cid>;

	/// The blob's bytes exactly as the backend returns them, unverified. Backends implement
	/// this; callers use [`Store::get`].
	async fn read_raw(&self, cid: &Cid) -> Result<BlobStream>;

	/// The blob's bytes, verified against `cid` as they stream (see [`BlobStream`]).
	async fn get(&self, cid: &Cid) -> Result<BlobStream> {
		ensure_verifiable(cid)?;
		Ok(verify_stream(*cid, self.read_raw(cid).await?))
	}

	/// Whether the backend holds the blob.
	async fn has(&self, cid: &Cid) -> Result<bool>;

	/// Asks the backend to keep the blob (IPFS pins it). Backends that never drop data only check
	/// that the blob exists.
	async fn pin(&self, cid: &Cid) -> Result<()>;

	/// Lets the backend drop the blob when it needs space (IPFS unpins it). A no-op on backends
	/// that never drop data.
	async fn unpin(&self, cid: &Cid) -> Result<()>;

	/// Removes the blob, or fails with [`Error::Unsupported`] where the backend cannot.
	async fn delete(&self, cid: &Cid) -> Result<()>;
}

macro_rules! forward_store {
	($ty:ty) => {
		#[async_trait]
		impl<S: Store + ?Sized> Store for $ty {
			fn backend_name(&self) -> &'static str {
				(**self).backend_name()
			}
			async fn put(&self, data: &mut (dyn AsyncRead + Send + Unpin)) -> Result<Cid> {
				(**self).put(data).await
			}
			async fn read_raw(&self, cid: &Cid) -> Result<BlobStream> {
				(**self).read_raw(cid).await
			}
			async fn get(&self, cid: &Cid) -> Result<BlobStream> {
				(**self).get(cid).await
			}
			async fn has(&self, cid: &Cid) -> Result<bool> {
				(**self).has(cid).await
			}
			async fn pin(&self, cid: &Cid) -> Result<()> {
				(**self).pin(cid).await
			}
			async fn unpin(&self, cid: &Cid) -> Result<()> {
				(**self).unpin(cid).await
			}
			async fn delete(&self, cid: &Cid) -> Result<()> {
				(**self).delete(cid).await
			}
		}
	};
}
forward_store!(Box<S>);
forward_store!(Arc<S>);

/// Conveniences available on every [`Store`].
#[async_trait]
pub trait StoreExt: Store {
	/// Stores an in-memory blob.
	async fn put_bytes(&self, data: &[u8]) -> Result<Cid> {
		let mut reader = data;
		self.put(&mut reader).await
	}

	/// Stores the contents of a local file.
	async fn put_file(&self, path: &Path) -> Result<Cid> {
		let mut file = tokio::fs::File::open(path)
			.await
			.map_err(|e| Error::io("opening", path, e))?;
		self.put(&mut file).await
	}

	/// Reads a whole blob into memory; returns only verified bytes.
	async fn get_bytes(&self, cid: &Cid) -> Result<Bytes> {
		let mut stream = self.get(cid).await?;
		let mut out = Vec::new();
		while let Some(piece) = stream.next().await {
			out.extend_from_slice(&piece?);
		}
		Ok(out.into())
	}

	/// Writes a blob to `path`. The bytes go to a temporary file beside it that is renamed to
	/// `path` only once the whole blob is verified, so `path` never holds unverified data.
	/// Returns the number of bytes written.
	async fn get_to_file(&self, cid: &Cid, path: &Path) -> Result<u64> {
		let stream = self.get(cid).await?;
		write_file_atomically(path, stream).await
	}
}

impl<S: Store + ?Sized> StoreExt for S {}

/// Writes `stream` to a temporary file beside `path`, fsyncs it and renames it to `path` only if
/// the stream ends without error. The temporary file is removed on failure.
pub(crate) async fn write_file_atomically(path: &Path, stream: BlobStream) -> Result<u64> {
	let temp = temp_path_beside(path);
	let result = write_then_rename(&temp, path, stream).await;
	if result.is_err() {
		let _ = tokio::fs::remove_file(&temp).await;
	}
	result
}

async fn write_then_rename(temp: &Path, path: &Path, mut stream: BlobStream) -> Result<u64> {
	let mut file = tokio::fs::File::create(temp)
		.await
		.map_err(|e| Error::io("creating", temp, e))?;
	let mut written = 0u64;
	while let Some(piece) = stream.next().await {
		let piece = piece?;
		file.write_all(&piece)
			.await
			.map_err(|e| Error::io("writing", temp, e))?;
		written += piece.len() as u64;
	}
	file.sync_all()
		.await
		.map_err(|e| Error::io("syncing", temp, e))?;
	drop(file);
	tokio::fs::rename(temp, path)
		.await
		.map_err(|e| Error::io("renaming into", path, e))?;
	Ok(written)
}

/// Reads from `reader` until `buf` is full or the reader ends; returns the bytes read.
pub(crate) async fn read_full(
	reader: &mut (dyn AsyncRead + Send + Unpin),
	buf: &mut [u8],
) -> Result<usize> {
	let mut filled = 0;
	while filled < buf.len() {
		match reader
			.read(&mut buf[filled..])
			.await
			.map_err(Error::Source)?
		{
			0 => break,
			n => filled += n,
		}
	}
	Ok(filled)
}
