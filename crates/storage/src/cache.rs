//! A bounded on-disk cache in front of any store.
//!
//! [`CachedStore`] keeps verified blobs in a local directory, `<dir>/<cid>`, evicting the least
//! recently used once their total size passes a byte limit. A cached `get` or `has` never calls
//! the inner store, so it costs no network. Reads from the cache are verified like any other
//! read, and a cache file found corrupt is dropped.
//!
//! A miss streams the blob from the inner store to the caller while copying it to a temporary
//! file, which becomes the cache entry only once the whole blob has been verified. Blobs larger
//! than the limit pass through uncached. Puts go to the inner store only: the cache fills on
//! reads. One process should own a cache directory; the LRU order after a restart is the order
//! in which entries were cached.

use crate::{
	content_id::{ensure_verifiable, parse_cid},
	file_stream::read_ahead,
	lru::LruIndex,
	store::{BlobStream, Store},
	tempname::{is_temp_name, temp_name},
	verify::verify_stream,
	Error, Result,
};
use async_trait::async_trait;
use cid::Cid;
use futures::StreamExt;
use std::{
	path::{Path, PathBuf},
	sync::{
		atomic::{AtomicU64, Ordering},
		Arc, Mutex, PoisonError,
	},
};
use tokio::io::{AsyncRead, AsyncWriteExt};

/// Hit and miss counts of a [`CachedStore`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
	/// Reads served from the cache.
	pub hits: u64,
	/// Reads that went to the inner store.
	pub misses: u64,
	/// Blobs currently cached.
	pub entries: usize,
	/// Bytes currently cached.
	pub bytes: u64,
}

/// A store with a byte-bounded LRU cache on local disk in front of it.
pub struct CachedStore<S> {
	inner: S,
	shared: Arc<Shared>,
}

/// State shared with the streams a miss hands out, which outlive the call that made them.
struct Shared {
	dir: PathBuf,
	index: Mutex<LruIndex>,
	hits: AtomicU64,
	misses: AtomicU64,
}

impl Shared {
	fn index(&self) -> std::sync::MutexGuard<'_, LruIndex> {
		// The index holds no invariant a panicking holder could break midway.
		self.index.lock().unwrap_or_else(PoisonError::into_inner)
	}

	fn path_of(&self, cid: &Cid) -> PathBuf {
		self.dir.join(cid.to_string())
	}

	/// Records a finished cache file and removes the files of the entries it evicts.
	async fn admit(&self, cid: Cid, size: u64) {
		let evicted = self.index().insert(cid, size);
		for old in evicted {
			let _ = tokio::fs::remove_file(self.path_of(&old)).await;
		}
	}

	async fn forget(&self, cid: &Cid) {
		self.index().remove(cid);
		let _ = tokio::fs::remove_file(self.path_of(cid)).await;
	}
}

impl<S: Store> CachedStore<S> {
	/// Puts a cache of at most `max_bytes` in directory `dir` in front of `inner`. Entries already
	/// in `dir` are kept (oldest first in LRU order); unfinished temporary files are removed.
	pub async fn open(inner: S, dir: impl Into<PathBuf>, max_bytes: u64) -> Result<Self> {
		let dir = dir.into();
		tokio::fs::create_dir_all(&dir)
			.await
			.map_err(|e| Error::io("creating", &dir, e))?;
		let mut index = LruIndex::new(max_bytes);
		let mut evicted = Vec::new();
		for (cid, size) in scan_cache_dir(&dir).await? {
			evicted.extend(index.insert(cid, size));
		}
		let shared = Shared {
			dir,
			index: Mutex::new(index),
			hits: AtomicU64::new(0),
			misses: AtomicU64::new(0),
		};
		for cid in evicted {
			let _ = tokio::fs::remove_file(shared.path_of(&cid)).await;
		}
		Ok(Self {
			inner,
			shared: Arc::new(shared),
		})
	}

	/// The store behind the cache.
	pub fn inner(&self) -> &S {
		&self.inner
	}

	/// Current hit and miss counts and size.
	pub fn stats(&self) -> CacheStats {
		let index = self.shared.index();
		CacheStats {
			hits: self.shared.hits.load(Ordering::Relaxed),
			misses: self.shared.misses.load(Ordering::Relaxed),
			entries: index.len(),
			bytes: index.total_bytes(),
		}
	}

	/// Whether `cid` is in the cache (without touching the inner store).
	pub fn is_cached(&self, cid: &Cid) -> bool {
		self.shared.index().touch(cid)
	}

	/// Opens the cache file of a cached blob, or `None` when it is not (or no longer) cached.
	async fn open_cached(&self, cid: &Cid) -> Result<Option<std::fs::File>> {
		if !self.is_cached(cid) {
			return Ok(None);
		}
		let path = self.shared.path_of(cid);
		match std::fs::File::open(&path) {
			Ok(file) => Ok(Some(file)),
			Err(e) if crate::backends::is_not_found(&e) => {
				// Removed behind our back: treat as a miss.
				self.shared.forget(cid).await;
				Ok(None)
			}
			Err(e) => Err(Error::io("opening cache file", &path, e)),
		}
	}
}

#[async_trait]
impl<S: Store> Store for CachedStore<S> {
	fn backend_name(&self) -> &'static str {
		self.inner.backend_name()
	}

	async fn put(&self, data: &mut (dyn AsyncRead + Send + Unpin)) -> Result<Cid> {
		self.inner.put(data).await
	}

	async fn read_raw(&self, cid: &Cid) -> Result<BlobStream> {
		match self.open_cached(cid).await? {
			Some(file) => Ok(read_ahead(file, self.shared.path_of(cid))),
			None => self.inner.read_raw(cid).await,
		}
	}

	async fn get(&self, cid: &Cid) -> Result<BlobStream> {
		ensure_verifiable(cid)?;
		if let Some(file) = self.open_cached(cid).await? {
			self.shared.hits.fetch_add(1, Ordering::Relaxed);
			let verified = verify_stream(*cid, read_ahead(file, self.shared.path_of(cid)));
			let shared = self.shared.clone();
			let cid = *cid;
			// A cache file that fails verification is dropped so the next read refetches.
			return Ok(Box::pin(verified.then(move |item| {
				let shared = shared.clone();
				async move {
					if let Err(Error::Tampered { .. }) = &item {
						shared.forget(&cid).await;
					}
					item
				}
			})));
		}
		self.shared.misses.fetch_add(1, Ordering::Relaxed);
		let verified = self.inner.get(cid).await?;
		Ok(tee_into_cache(*cid, verified, self.shared.clone()))
	}

	async fn has(&self, cid: &Cid) -> Result<bool> {
		if self.is_cached(cid) {
			return Ok(true);
		}
		self.inner.has(cid).await
	}

	async fn pin(&self, cid: &Cid) -> Result<()> {
		self.inner.pin(cid).await
	}

	async fn unpin(&self, cid: &Cid) -> Result<()> {
		self.inner.unpin(cid).await
	}

	async fn delete(&self, cid: &Cid) -> Result<()> {
		self.shared.forget(cid).await;
		self.inner.delete(cid).await
	}
}

/// A temporary cache file that is removed unless committed, even if the stream is dropped.
struct PendingEntry {
	path: PathBuf,
	file: Option<tokio::fs::File>,
	written: u64,
}

impl Drop for PendingEntry {
	fn drop(&mut self) {
		if self.file.is_some() {
			let _ = std::fs::remove_file(&self.path);
		}
	}
}

impl PendingEntry {
	async fn create(dir: &Path) -> Option<Self> {
		let path = dir.join(temp_name());
		let file = tokio::fs::File::create(&path).await.ok()?;
		Some(Self {
			path,
			file: Some(file),
			written: 0,
		})
	}

	/// Appends a piece; gives up caching (the caller still gets the data) on failure or overflow.
	async fn append(&mut self, piece: &[u8], shared: &Shared) {
		let Some(file) = self.file.as_mut() else {
			return;
		};
		self.written += piece.len() as u64;
		let too_big = !shared.index().fits(self.written);
		if too_big || file.write_all(piece).await.is_err() {
			self.abandon();
		}
	}

	fn abandon(&mut self) {
		if self.file.take().is_some() {
			let _ = std::fs::remove_file(&self.path);
		}
	}

	/// Turns the finished, verified temporary file into the entry for `cid`.
	async fn commit(mut self, cid: Cid, shared: &Shared) {
		let Some(mut file) = self.file.take() else {
			return;
		};
		let target = shared.path_of(&cid);
		let done =
			file.flush().await.is_ok() && tokio::fs::rename(&self.path, &target).await.is_ok();
		if done {
			shared.admit(cid, self.written).await;
		} else {
			let _ = tokio::fs::remove_file(&self.path).await;
		}
	}
}

/// Hands on a verified stream from the inner store while copying it into the cache.
fn tee_into_cache(cid: Cid, verified: BlobStream, shared: Arc<Shared>) -> BlobStream {
	struct Tee {
		verified: BlobStream,
		pending: Option<PendingEntry>,
		shared: Arc<Shared>,
		cid: Cid,
		created: bool,
	}
	let tee = Tee {
		verified,
		pending: None,
		shared,
		cid,
		created: false,
	};
	Box::pin(futures::stream::unfold(tee, |mut tee| async move {
		if !tee.created {
			tee.created = true;
			tee.pending = PendingEntry::create(&tee.shared.dir).await;
		}
		match tee.verified.next().await {
			Some(Ok(piece)) => {
				if let Some(pending) = tee.pending.as_mut() {
					pending.append(&piece, &tee.shared).await;
				}
				Some((Ok(piece), tee))
			}
			Some(Err(e)) => {
				// Unverified or incomplete: the temporary file is dropped with `pending`.
				tee.pending = None;
				Some((Err(e), tee))
			}
			None => {
				if let Some(pending) = tee.pending.take() {
					pending.commit(tee.cid, &tee.shared).await;
				}
				None
			}
		}
	}))
}

/// Lists the cache entries in `dir`, oldest first, removing temporary leftovers.
async fn scan_cache_dir(dir: &Path) -> Result<Vec<(Cid, u64)>> {
	let mut entries = tokio::fs::read_dir(dir)
		.await
		.map_err(|e| Error::io("listing", dir, e))?;
	let mut found = Vec::new();
	while let Some(entry) = entries
		.next_entry()
		.await
		.map_err(|e| Error::io("listing", dir, e))?
	{
		let name = entry.file_name().to_string_lossy().into_owned();
		if is_temp_name(&name) {
			let _ = tokio::fs::remove_file(entry.path()).await;
			continue;
		}
		let (Ok(cid), Ok(meta)) = (parse_cid(&name), entry.metadata().await) else {
			continue;
		};
		let modified = meta.modified().ok();
		found.push((modified, cid, meta.len()));
	}
	found.sort_by_key(|(modified, _, _)| *modified);
	Ok(found
		.into_iter()
		.map(|(_, cid, size)| (cid, size))
		.collect())
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{backends::memory::MemoryStore, content_id::cid_of, StoreExt, IO_BUFFER_SIZE};
	use bytes::Bytes;
	use std::sync::atomic::AtomicUsize;

	/// Counts every call that reaches the inner store.
	#[derive(Default)]
	struct Counting {
		inner: MemoryStore,
		calls: AtomicUsize,
	}

	impl Counting {
		fn calls(&self) -> usize {
			self.calls.load(Ordering::SeqCst)
		}
		fn count(&self) {
			self.calls.fetch_add(1, Ordering::SeqCst);
		}
	}

	#[async_trait]
	impl Store for Counting {
		fn backend_name(&self) -> &'static str {
			"counting"
		}
		async fn put(&self, data: &mut (dyn AsyncRead + Send + Unpin)) -> Result<Cid> {
			self.count();
			self.inner.put(data).await
		}
		async fn read_raw(&self, cid: &Cid) -> Result<BlobStream> {
			self.count();
			self.inner.read_raw(cid).await
		}
		async fn has(&self, cid: &Cid) -> Result<bool> {
			self.count();
			self.inner.has(cid).await
		}
		async fn pin(&self, cid: &Cid) -> Result<()> {
			self.count();
			self.inner.pin(cid).await
		}
		async fn unpin(&self, cid: &Cid) -> Result<()> {
			self.count();
			self.inner.unpin(cid).await
		}
		async fn delete(&self, cid: &Cid) -> Result<()> {
			self.count();
			self.inner.delete(cid).await
		}
	}

	async fn cache_over_counting(max_bytes: u64) -> (tempfile::TempDir, CachedStore<Counting>) {
		let dir = tempfile::tempdir().unwrap();
		let store = CachedStore::open(Counting::default(), dir.path(), max_bytes)
			.await
			.unwrap();
		(dir, store)
	}

	#[tokio::test]
	async fn hits_never_reach_the_inner_store() {
		let (_dir, store) = cache_over_counting(10 << 20).await;
		let data = vec![1u8; 3 * IO_BUFFER_SIZE / 2];
		let cid = store.put_bytes(&data).await.unwrap();
		assert_eq!(store.get_bytes(&cid).await.unwrap(), data);
		let calls_after_miss = store.inner().calls();
		for _ in 0..3 {
			assert_eq!(store.get_bytes(&cid).await.unwrap(), data);
			assert!(store.has(&cid).await.unwrap());
		}
		assert_eq!(
			store.inner().calls(),
			calls_after_miss,
			"hits must not call the inner store"
		);
		let stats = store.stats();
		assert_eq!((stats.hits, stats.misses, stats.entries), (3, 1, 1));
		assert_eq!(stats.bytes, data.len() as u64);
	}

	#[tokio::test]
	async fn evicts_least_recently_used_within_the_limit() {
		let (dir, store) = cache_over_counting(250).await;
		let blobs: Vec<Vec<u8>> = (0..3u8).map(|i| vec![i; 100]).collect();
		let mut cids = Vec::new();
		for blob in &blobs {
			cids.push(store.put_bytes(blob).await.unwrap());
		}
		store.get_bytes(&cids[0]).await.unwrap();
		store.get_bytes(&cids[1]).await.unwrap();
		store.get_bytes(&cids[0]).await.unwrap(); // 0 is now more recent than 1
		store.get_bytes(&cids[2]).await.unwrap(); // evicts 1
		assert!(store.is_cached(&cids[0]) && store.is_cached(&cids[2]));
		assert!(!store.is_cached(&cids[1]));
		assert!(!dir.path().join(cids[1].to_string()).exists());
		assert!(store.stats().bytes <= 250);
	}

	#[tokio::test]
	async fn blobs_larger_than_the_cache_pass_through() {
		let (dir, store) = cache_over_counting(1000).await;
		let data = vec![7u8; 5000];
		let cid = store.put_bytes(&data).await.unwrap();
		assert_eq!(store.get_bytes(&cid).await.unwrap(), data);
		assert!(!store.is_cached(&cid));
		assert_eq!(
			std::fs::read_dir(dir.path()).unwrap().count(),
			0,
			"no temporary left"
		);
	}

	#[tokio::test]
	async fn tampered_inner_data_is_never_cached() {
		let (dir, store) = cache_over_counting(1 << 20).await;
		let cid = store.put_bytes(b"true weights").await.unwrap();
		store
			.inner()
			.inner
			.overwrite_unchecked(cid, Bytes::from_static(b"fake weights"));
		assert!(matches!(
			store.get_bytes(&cid).await,
			Err(Error::Tampered { .. })
		));
		assert!(!store.is_cached(&cid));
		assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
	}

	#[tokio::test]
	async fn a_corrupted_cache_file_is_detected_and_dropped() {
		let (dir, store) = cache_over_counting(1 << 20).await;
		let cid = store.put_bytes(b"cached model").await.unwrap();
		store.get_bytes(&cid).await.unwrap();
		std::fs::write(dir.path().join(cid.to_string()), b"cached modem").unwrap();
		assert!(matches!(
			store.get_bytes(&cid).await,
			Err(Error::Tampered { .. })
		));
		assert!(!store.is_cached(&cid));
		// The next read refetches the true bytes from the inner store.
		assert_eq!(store.get_bytes(&cid).await.unwrap(), &b"cached model"[..]);
	}

	#[tokio::test]
	async fn entries_survive_reopening() {
		let dir = tempfile::tempdir().unwrap();
		let inner = Arc::new(Counting::default());
		let cid = {
			let store = CachedStore::open(inner.clone(), dir.path(), 1 << 20)
				.await
				.unwrap();
			let cid = store.put_bytes(b"persisted").await.unwrap();
			store.get_bytes(&cid).await.unwrap();
			cid
		};
		std::fs::write(dir.path().join(temp_name()), b"crash leftover").unwrap();
		let store = CachedStore::open(inner.clone(), dir.path(), 1 << 20)
			.await
			.unwrap();
		let before = inner.calls();
		assert_eq!(store.get_bytes(&cid).await.unwrap(), &b"persisted"[..]);
		assert_eq!(inner.calls(), before);
		assert_eq!(
			std::fs::read_dir(dir.path()).unwrap().count(),
			1,
			"leftover removed"
		);
	}

	#[tokio::test]
	async fn a_dropped_download_leaves_no_temporary() {
		let (dir, store) = cache_over_counting(10 << 20).await;
		let data = vec![2u8; 3 * IO_BUFFER_SIZE];
		let cid = store.put_bytes(&data).await.unwrap();
		let mut stream = store.get(&cid).await.unwrap();
		stream.next().await.unwrap().unwrap();
		drop(stream);
		assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
		assert!(!store.is_cached(&cid));
		assert_eq!(cid, cid_of(&data));
	}
}
