//! Blobs of 1 GiB (or `DECENTRALML_TEST_LARGE_BLOB_BYTES`) streamed from a generator through
//! put and get on each backend, never held in memory. One blob per backend; the tests take a
//! shared lock so that only one large transfer runs at a time on small CI machines.

mod common;

use common::{ipfs_api, large_blob_size, s3_config, PatternReader};
use decentralml_storage::{IpfsStore, LocalStore, ObjectStore, Store};
use futures::StreamExt;
use std::time::Instant;

static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn stream_through(store: &dyn Store, seed: u64) {
	let _turn = ONE_AT_A_TIME.lock().await;
	let size = large_blob_size();
	let started = Instant::now();
	let cid = store
		.put(&mut PatternReader::new(seed, size))
		.await
		.unwrap();
	let put_secs = started.elapsed().as_secs_f64();
	let started = Instant::now();
	let mut stream = store.get(&cid).await.unwrap();
	let mut received = 0u64;
	while let Some(piece) = stream.next().await {
		// The stream is verified against the CID: reaching its end without error is the check.
		received += piece.unwrap().len() as u64;
	}
	assert_eq!(received, size);
	let get_secs = started.elapsed().as_secs_f64();
	eprintln!(
		"{}: {size} bytes put in {put_secs:.1} s, got back verified in {get_secs:.1} s ({cid})",
		store.backend_name()
	);
}

#[tokio::test]
async fn local() {
	let dir = tempfile::tempdir().unwrap();
	let store = LocalStore::open(dir.path()).await.unwrap();
	stream_through(&store, 11).await;
}

#[tokio::test]
async fn s3() {
	let Some(config) = s3_config("large") else {
		return;
	};
	stream_through(&ObjectStore::open(&config).unwrap(), 12).await;
}

#[tokio::test]
async fn ipfs() {
	let Some(api) = ipfs_api() else { return };
	stream_through(&IpfsStore::new(api).unwrap(), 13).await;
}
