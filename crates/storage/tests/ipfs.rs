//! The IPFS backend against a real node speaking the Kubo RPC API: the one
//! `scripts/with-test-servers.sh` starts, or any other named by `DECENTRALML_TEST_IPFS_API`.

mod common;

use common::{ipfs_api, proxy::CutProxy, PatternReader};
use decentralml_storage::{
	cid_of, open, CachedStore, Error, IpfsStore, Store, StoreExt, IO_BUFFER_SIZE,
};
use futures::StreamExt;

// CIDs an IPFS node gave for the `i mod 251` blobs (cid-version=1, raw leaves, 256 KiB chunks).
const GOLDENS: &[(u64, &str)] = &[
	(
		0,
		"bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
	),
	(
		1,
		"bafkreidogqfzz75tpkmjzjke425xqcrmpcib2p5tg44hnbirumdbpl5adu",
	),
	(
		262145,
		"bafybeiexg2oqkfnj56l7fcmawswqbijt5shq4b5rg6a546uwpkqqzwjioi",
	),
	(
		1048577,
		"bafybeig7rd7v2ygpkiiyu3kzsojmrj3ujtinivk7fxid5p33t6kdewzvsm",
	),
	(
		45613057,
		"bafybeib4y7ghw2rq7bracc4xwtxrbzo7cfvagdpte2tmrkgwl6dyard3cm",
	),
];

#[tokio::test]
async fn the_node_computes_the_same_cids_as_the_goldens() {
	let Some(api) = ipfs_api() else { return };
	let store = IpfsStore::new(api).unwrap();
	for &(size, golden) in GOLDENS {
		// `put` itself fails with CidMismatch if the node's CID differs from ours.
		let cid = store.put(&mut PatternReader::new(0, size)).await.unwrap();
		assert_eq!(cid.to_string(), golden, "blob of {size} bytes");
	}
}

#[tokio::test]
async fn round_trip_pin_unpin_and_delete() {
	let Some(api) = ipfs_api() else { return };
	let store = open(&format!("ipfs+{api}")).await.unwrap();
	assert_eq!(store.backend_name(), "ipfs");
	let data = format!("update of client {}", common::unique_suffix()).repeat(50_000);
	let cid = store.put_bytes(data.as_bytes()).await.unwrap();
	assert_eq!(cid, cid_of(data.as_bytes()));
	assert!(store.has(&cid).await.unwrap());
	assert_eq!(store.get_bytes(&cid).await.unwrap(), data.as_bytes());
	store.unpin(&cid).await.unwrap();
	assert!(!store.has(&cid).await.unwrap());
	store.unpin(&cid).await.unwrap(); // unpinning twice is fine
	store.pin(&cid).await.unwrap();
	assert!(store.has(&cid).await.unwrap());
	let err = store.delete(&cid).await.unwrap_err();
	assert!(
		matches!(
			err,
			Error::Unsupported {
				backend: "ipfs",
				..
			}
		),
		"{err}"
	);
}

#[tokio::test]
async fn a_blob_the_node_does_not_hold_is_not_found() {
	let Some(api) = ipfs_api() else { return };
	let fetch_timeout = std::time::Duration::from_secs(2);
	let store = IpfsStore::new(api)
		.unwrap()
		.with_fetch_timeout(fetch_timeout);
	let absent = cid_of(common::unique_suffix().as_bytes());
	assert!(!store.has(&absent).await.unwrap());
	assert!(matches!(
		store.get(&absent).await,
		Err(Error::NotFound { .. })
	));
}

#[tokio::test]
async fn an_unpinned_blob_the_node_still_holds_can_be_read() {
	let Some(api) = ipfs_api() else { return };
	let store = IpfsStore::new(api).unwrap();
	let data = format!("shared by a peer {}", common::unique_suffix());
	let cid = store.put_bytes(data.as_bytes()).await.unwrap();
	store.unpin(&cid).await.unwrap();
	assert!(!store.has(&cid).await.unwrap());
	assert_eq!(store.get_bytes(&cid).await.unwrap(), data.as_bytes());
}

#[tokio::test]
async fn concurrent_puts() {
	let Some(api) = ipfs_api() else { return };
	let store = std::sync::Arc::new(IpfsStore::new(api).unwrap());
	let seed = std::process::id() as u64;
	let tasks: Vec<_> = (0..6u64)
		.map(|i| {
			let store = store.clone();
			tokio::spawn(async move {
				let size = 3 * IO_BUFFER_SIZE as u64 + i;
				let cid = store
					.put(&mut PatternReader::new(seed + i, size))
					.await
					.unwrap();
				assert_eq!(cid, PatternReader::cid(seed + i, size));
				cid
			})
		})
		.collect();
	for task in tasks {
		let cid = task.await.unwrap();
		assert!(store.has(&cid).await.unwrap());
		assert!(!store.get_bytes(&cid).await.unwrap().is_empty());
	}
}

#[tokio::test]
async fn the_node_dying_mid_put_leaves_nothing_and_a_retry_works() {
	let Some(api) = ipfs_api() else { return };
	let direct = IpfsStore::new(api.clone()).unwrap();
	let proxy = CutProxy::start(&api).await;
	let through_proxy = IpfsStore::new(proxy.url()).unwrap();
	let (seed, size) = (std::process::id() as u64 + 1000, 64u64 << 20);
	let cid = PatternReader::cid(seed, size);

	let mut reader = PatternReader::new(seed, size).on_offset(16 << 20, proxy.cutter());
	let err = through_proxy.put(&mut reader).await.unwrap_err();
	assert!(
		matches!(
			err,
			Error::Backend {
				backend: "ipfs",
				operation: "uploading",
				..
			}
		),
		"{err}"
	);
	assert!(
		!direct.has(&cid).await.unwrap(),
		"no blob may appear under the CID"
	);

	let retried = direct
		.put(&mut PatternReader::new(seed, size))
		.await
		.unwrap();
	assert_eq!(retried, cid);
}

#[tokio::test]
async fn the_node_dying_mid_get_is_an_error_and_a_retry_works() {
	let Some(api) = ipfs_api() else { return };
	let direct = IpfsStore::new(api.clone()).unwrap();
	let (seed, size) = (std::process::id() as u64 + 2000, 64u64 << 20);
	let cid = direct
		.put(&mut PatternReader::new(seed, size))
		.await
		.unwrap();

	let proxy = CutProxy::start(&api).await;
	let through_proxy = IpfsStore::new(proxy.url()).unwrap();
	let mut stream = through_proxy.get(&cid).await.unwrap();
	let mut received = 0u64;
	let mut outcome = Ok(());
	while let Some(piece) = stream.next().await {
		match piece {
			Ok(bytes) => received += bytes.len() as u64,
			Err(e) => {
				outcome = Err(e);
				break;
			}
		}
		if received >= 8 << 20 {
			(proxy.cutter())();
		}
	}
	let err = outcome.expect_err("a cut transfer must end in an error");
	assert!(
		matches!(err, Error::Backend { .. } | Error::Tampered { .. }),
		"{err}"
	);
	assert!(received < size);

	let mut full = 0u64;
	let mut stream = direct.get(&cid).await.unwrap();
	while let Some(piece) = stream.next().await {
		full += piece.unwrap().len() as u64;
	}
	assert_eq!(full, size);
}

#[tokio::test]
async fn cached_reads_work_with_the_node_gone() {
	let Some(api) = ipfs_api() else { return };
	let proxy = CutProxy::start(&api).await;
	let dir = tempfile::tempdir().unwrap();
	let store = CachedStore::open(IpfsStore::new(proxy.url()).unwrap(), dir.path(), 64 << 20)
		.await
		.unwrap();
	let data = format!("global model {}", common::unique_suffix()).repeat(100_000);
	let cid = store.put_bytes(data.as_bytes()).await.unwrap();
	assert_eq!(store.get_bytes(&cid).await.unwrap(), data.as_bytes()); // miss: fills the cache
	(proxy.cutter())();
	assert_eq!(store.get_bytes(&cid).await.unwrap(), data.as_bytes()); // hit: no network
	assert!(store.has(&cid).await.unwrap());
	let uncached = cid_of(b"never fetched");
	assert!(matches!(
		store.get(&uncached).await,
		Err(Error::Backend { .. })
	));
	assert_eq!((store.stats().hits, store.stats().misses), (1, 2));
}
