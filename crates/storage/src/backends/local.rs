//! The local filesystem backend, the embedded default: one file per blob, `<root>/<cid>`.
//!
//! Writes are atomic: a blob is written to a temporary file in the same directory, fsynced, and
//! renamed to its CID, and the directory is fsynced. After a crash a blob is either complete
//! under its CID or absent; stale temporary files are removed when the store is next opened.

use crate::{
	backends::is_not_found,
	content_id::CidHasher,
	file_stream::read_ahead,
	store::{read_full, BlobStream, Store, IO_BUFFER_SIZE},
	tempname::{is_temp_name, temp_name},
	Error, Result,
};
use async_trait::async_trait;
use cid::Cid;
use std::{
	path::{Path, PathBuf},
	time::{Duration, SystemTime},
};
use tokio::io::{AsyncRead, AsyncWriteExt};

const BACKEND: &str = "local";

/// Temporary files older than this are leftovers of a crash, not writes in progress.
const STALE_TEMP_AGE: Duration = Duration::from_secs(3600);

/// Blobs as files in one directory.
#[derive(Clone, Debug)]
pub struct LocalStore {
	root: PathBuf,
}

impl LocalStore {
	/// Opens (creating if needed) a store rooted at `root`, removing crash leftovers.
	pub async fn open(root: impl Into<PathBuf>) -> Result<Self> {
		let root = root.into();
		tokio::fs::create_dir_all(&root)
			.await
			.map_err(|e| Error::io("creating", &root, e))?;
		remove_stale_temp_files(&root).await?;
		Ok(Self { root })
	}

	/// The directory holding the blobs.
	pub fn root(&self) -> &Path {
		&self.root
	}

	/// The file a blob lives in.
	pub fn blob_path(&self, cid: &Cid) -> PathBuf {
		self.root.join(cid.to_string())
	}

	async fn write_temp(
		&self,
		temp: &Path,
		data: &mut (dyn AsyncRead + Send + Unpin),
	) -> Result<Cid> {
		let mut file = tokio::fs::File::create(temp)
			.await
			.map_err(|e| Error::io("creating", temp, e))?;
		let mut hasher = CidHasher::new();
		let mut buf = vec![0u8; IO_BUFFER_SIZE];
		loop {
			let n = read_full(data, &mut buf).await?;
			if n == 0 {
				break;
			}
			hasher.update(&buf[..n]);
			file.write_all(&buf[..n])
				.await
				.map_err(|e| Error::io("writing", temp, e))?;
		}
		file.sync_all()
			.await
			.map_err(|e| Error::io("syncing", temp, e))?;
		Ok(hasher.finish())
	}

	async fn commit(&self, temp: &Path, cid: &Cid) -> Result<()> {
		let target = self.blob_path(cid);
		tokio::fs::rename(temp, &target)
			.await
			.map_err(|e| Error::io("renaming into", &target, e))?;
		sync_dir(&self.root).await
	}
}

#[async_trait]
impl Store for LocalStore {
	fn backend_name(&self) -> &'static str {
		BACKEND
	}

	async fn put(&self, data: &mut (dyn AsyncRead + Send + Unpin)) -> Result<Cid> {
		let temp = self.root.join(temp_name());
		let result = match self.write_temp(&temp, data).await {
			Ok(cid) => self.commit(&temp, &cid).await.map(|()| cid),
			Err(e) => Err(e),
		};
		if result.is_err() {
			let _ = tokio::fs::remove_file(&temp).await;
		}
		result
	}

	async fn read_raw(&self, cid: &Cid) -> Result<BlobStream> {
		let path = self.blob_path(cid);
		match std::fs::File::open(&path) {
			Ok(file) => Ok(read_ahead(file, path)),
			Err(e) if is_not_found(&e) => Err(Error::NotFound {
				backend: BACKEND,
				cid: *cid,
			}),
			Err(e) => Err(Error::io("opening", &path, e)),
		}
	}

	async fn has(&self, cid: &Cid) -> Result<bool> {
		let path = self.blob_path(cid);
		tokio::fs::try_exists(&path)
			.await
			.map_err(|e| Error::io("checking", &path, e))
	}

	async fn pin(&self, cid: &Cid) -> Result<()> {
		// Local blobs are never dropped; pinning only requires the blob to be there.
		if self.has(cid).await? {
			Ok(())
		} else {
			Err(Error::NotFound {
				backend: BACKEND,
				cid: *cid,
			})
		}
	}

	async fn unpin(&self, _cid: &Cid) -> Result<()> {
		Ok(())
	}

	async fn delete(&self, cid: &Cid) -> Result<()> {
		let path = self.blob_path(cid);
		match tokio::fs::remove_file(&path).await {
			Ok(()) => sync_dir(&self.root).await,
			Err(e) if is_not_found(&e) => Err(Error::NotFound {
				backend: BACKEND,
				cid: *cid,
			}),
			Err(e) => Err(Error::io("deleting", &path, e)),
		}
	}
}

/// Makes a rename or removal in `dir` durable.
pub(crate) async fn sync_dir(dir: &Path) -> Result<()> {
	let dir = dir.to_path_buf();
	tokio::task::spawn_blocking(move || {
		std::fs::File::open(&dir)
			.and_then(|d| d.sync_all())
			.map_err(|e| Error::io("syncing directory", &dir, e))
	})
	.await
	.map_err(|e| Error::backend(BACKEND, "syncing a directory", e))?
}

async fn remove_stale_temp_files(root: &Path) -> Result<()> {
	let mut entries = tokio::fs::read_dir(root)
		.await
		.map_err(|e| Error::io("listing", root, e))?;
	while let Some(entry) = entries
		.next_entry()
		.await
		.map_err(|e| Error::io("listing", root, e))?
	{
		if !entry.file_name().to_str().is_some_and(is_temp_name) {
			continue;
		}
		let modified = entry.metadata().await.and_then(|m| m.modified());
		let age = modified
			.ok()
			.and_then(|m| SystemTime::now().duration_since(m).ok());
		if age.is_some_and(|age| age > STALE_TEMP_AGE) {
			let _ = tokio::fs::remove_file(entry.path()).await;
		}
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{content_id::cid_of, StoreExt};

	#[tokio::test]
	async fn round_trip_and_layout() {
		let dir = tempfile::tempdir().unwrap();
		let store = LocalStore::open(dir.path()).await.unwrap();
		let data = vec![42u8; 600_000];
		let cid = store.put_bytes(&data).await.unwrap();
		assert_eq!(cid, cid_of(&data));
		assert!(dir.path().join(cid.to_string()).is_file());
		assert_eq!(store.get_bytes(&cid).await.unwrap(), data);
		assert!(store.has(&cid).await.unwrap());
		store.pin(&cid).await.unwrap();
		store.delete(&cid).await.unwrap();
		assert!(!store.has(&cid).await.unwrap());
		assert!(matches!(store.get(&cid).await, Err(Error::NotFound { .. })));
		assert!(matches!(
			store.delete(&cid).await,
			Err(Error::NotFound { .. })
		));
		assert!(matches!(store.pin(&cid).await, Err(Error::NotFound { .. })));
	}

	#[tokio::test]
	async fn a_modified_file_is_detected() {
		let dir = tempfile::tempdir().unwrap();
		let store = LocalStore::open(dir.path()).await.unwrap();
		let cid = store.put_bytes(b"model weights").await.unwrap();
		std::fs::write(store.blob_path(&cid), b"model weightz").unwrap();
		assert!(matches!(
			store.get_bytes(&cid).await,
			Err(Error::Tampered { .. })
		));
		// get_to_file must not leave the unverified bytes at the destination.
		let dest = dir.path().join("out.bin");
		assert!(store.get_to_file(&cid, &dest).await.is_err());
		assert!(!dest.exists());
		let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
		assert_eq!(leftovers, 1, "only the blob itself remains");
	}

	/// A reader that fails after some bytes, like a source whose disk or network breaks.
	struct FailingReader {
		remaining: usize,
	}

	impl AsyncRead for FailingReader {
		fn poll_read(
			mut self: std::pin::Pin<&mut Self>,
			_: &mut std::task::Context<'_>,
			buf: &mut tokio::io::ReadBuf<'_>,
		) -> std::task::Poll<std::io::Result<()>> {
			if self.remaining == 0 {
				return std::task::Poll::Ready(Err(std::io::Error::other("source broke")));
			}
			let n = self.remaining.min(buf.remaining()).min(4096);
			buf.put_slice(&vec![1u8; n]);
			self.remaining -= n;
			std::task::Poll::Ready(Ok(()))
		}
	}

	#[tokio::test]
	async fn a_failed_put_leaves_no_file() {
		let dir = tempfile::tempdir().unwrap();
		let store = LocalStore::open(dir.path()).await.unwrap();
		let result = store.put(&mut FailingReader { remaining: 300_000 }).await;
		assert!(matches!(result, Err(Error::Source(_))), "{result:?}");
		assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
	}

	#[tokio::test]
	async fn stale_temp_files_are_removed_on_open() {
		let dir = tempfile::tempdir().unwrap();
		let stale = dir.path().join(temp_name());
		let fresh = dir.path().join(temp_name());
		std::fs::write(&stale, b"partial").unwrap();
		std::fs::write(&fresh, b"in progress").unwrap();
		let old = SystemTime::now() - STALE_TEMP_AGE * 2;
		std::fs::File::options()
			.write(true)
			.open(&stale)
			.unwrap()
			.set_modified(old)
			.unwrap();
		LocalStore::open(dir.path()).await.unwrap();
		assert!(!stale.exists());
		assert!(
			fresh.exists(),
			"a recent temp file may belong to a put in progress"
		);
	}

	#[tokio::test]
	async fn concurrent_puts_of_the_same_blob_agree() {
		let dir = tempfile::tempdir().unwrap();
		let store = std::sync::Arc::new(LocalStore::open(dir.path()).await.unwrap());
		let data = std::sync::Arc::new(vec![9u8; 700_000]);
		let tasks: Vec<_> = (0..8)
			.map(|_| {
				let (store, data) = (store.clone(), data.clone());
				tokio::spawn(async move { store.put_bytes(&data).await })
			})
			.collect();
		for task in tasks {
			assert_eq!(task.await.unwrap().unwrap(), cid_of(&data));
		}
		assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
	}
}
