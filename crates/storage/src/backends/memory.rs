//! The in-memory backend, for tests and for short-lived processes.

use crate::{
	content_id::CidHasher,
	store::{read_full, BlobStream, Store, IO_BUFFER_SIZE},
	Error, Result,
};
use async_trait::async_trait;
use bytes::Bytes;
use cid::Cid;
use std::{
	collections::HashMap,
	sync::{PoisonError, RwLock},
};
use tokio::io::AsyncRead;

const BACKEND: &str = "memory";

/// Blobs held in a map in memory; dropped with the store.
#[derive(Debug, Default)]
pub struct MemoryStore {
	blobs: RwLock<HashMap<Cid, Bytes>>,
}

impl MemoryStore {
	/// An empty store.
	pub fn new() -> Self {
		Self::default()
	}

	/// Replaces the bytes stored under `cid`, bypassing hashing: lets tests play a backend that
	/// returns other bytes than it was given.
	#[cfg(test)]
	pub(crate) fn overwrite_unchecked(&self, cid: Cid, data: Bytes) {
		self.blobs
			.write()
			.unwrap_or_else(PoisonError::into_inner)
			.insert(cid, data);
	}

	fn lookup(&self, cid: &Cid) -> Option<Bytes> {
		self.blobs
			.read()
			.unwrap_or_else(PoisonError::into_inner)
			.get(cid)
			.cloned()
	}
}

#[async_trait]
impl Store for MemoryStore {
	fn backend_name(&self) -> &'static str {
		BACKEND
	}

	async fn put(&self, data: &mut (dyn AsyncRead + Send + Unpin)) -> Result<Cid> {
		let mut hasher = CidHasher::new();
		let mut blob = Vec::new();
		let mut buf = vec![0u8; IO_BUFFER_SIZE];
		loop {
			let n = read_full(data, &mut buf).await?;
			if n == 0 {
				break;
			}
			hasher.update(&buf[..n]);
			blob.extend_from_slice(&buf[..n]);
		}
		let cid = hasher.finish();
		self.blobs
			.write()
			.unwrap_or_else(PoisonError::into_inner)
			.insert(cid, blob.into());
		Ok(cid)
	}

	async fn read_raw(&self, cid: &Cid) -> Result<BlobStream> {
		let blob = self.lookup(cid).ok_or(Error::NotFound {
			backend: BACKEND,
			cid: *cid,
		})?;
		// Hand the blob out in pieces so consumers see the same shape as from other backends.
		let pieces: Vec<Result<Bytes>> = (0..blob.len())
			.step_by(IO_BUFFER_SIZE)
			.map(|start| Ok(blob.slice(start..(start + IO_BUFFER_SIZE).min(blob.len()))))
			.collect();
		Ok(Box::pin(futures::stream::iter(pieces)))
	}

	async fn has(&self, cid: &Cid) -> Result<bool> {
		Ok(self.lookup(cid).is_some())
	}

	async fn pin(&self, cid: &Cid) -> Result<()> {
		self.lookup(cid).map(|_| ()).ok_or(Error::NotFound {
			backend: BACKEND,
			cid: *cid,
		})
	}

	async fn unpin(&self, _cid: &Cid) -> Result<()> {
		Ok(())
	}

	async fn delete(&self, cid: &Cid) -> Result<()> {
		let removed = self
			.blobs
			.write()
			.unwrap_or_else(PoisonError::into_inner)
			.remove(cid);
		removed.map(|_| ()).ok_or(Error::NotFound {
			backend: BACKEND,
			cid: *cid,
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{content_id::cid_of, StoreExt};

	#[tokio::test]
	async fn round_trip_and_delete() {
		let store = MemoryStore::new();
		let empty = store.put_bytes(b"").await.unwrap();
		assert_eq!(store.get_bytes(&empty).await.unwrap().len(), 0);
		let data = vec![5u8; 3 * IO_BUFFER_SIZE + 1];
		let cid = store.put_bytes(&data).await.unwrap();
		assert_eq!(cid, cid_of(&data));
		assert_eq!(store.get_bytes(&cid).await.unwrap(), data);
		store.delete(&cid).await.unwrap();
		assert!(!store.has(&cid).await.unwrap());
		assert!(matches!(store.get(&cid).await, Err(Error::NotFound { .. })));
	}

	#[tokio::test]
	async fn returned_other_bytes_are_rejected() {
		let store = MemoryStore::new();
		let cid = store.put_bytes(b"gradient update").await.unwrap();
		store.overwrite_unchecked(cid, Bytes::from_static(b"poisoned update"));
		match store.get_bytes(&cid).await {
			Err(Error::Tampered { expected, actual }) => {
				assert_eq!(expected, cid);
				assert_eq!(actual, cid_of(b"poisoned update"));
			}
			other => panic!("expected Tampered, got {other:?}"),
		}
	}
}
