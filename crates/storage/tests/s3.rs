//! The S3 backend (through OpenDAL) against a real S3-compatible server: the SeaweedFS that
//! `scripts/with-test-servers.sh` starts, or any other named by `DECENTRALML_TEST_S3_ENDPOINT`.

mod common;

use common::{proxy::CutProxy, s3_config, with_endpoint, PatternReader};
use decentralml_storage::{cid_of, CachedStore, Error, ObjectStore, Store, StoreConfig, StoreExt};
use futures::StreamExt;

fn prefix_of(config: &StoreConfig) -> String {
	match config {
		StoreConfig::S3 { prefix, .. } => prefix.clone(),
		other => panic!("not S3: {other:?}"),
	}
}

/// Keys under the store's prefix, as the server lists them.
async fn keys(store: &ObjectStore) -> Vec<String> {
	let entries = store
		.operator()
		.list_with("/")
		.recursive(true)
		.await
		.unwrap();
	let mut keys: Vec<String> = entries
		.into_iter()
		.map(|e| e.path().to_string())
		.filter(|p| !p.ends_with('/'))
		.collect();
	keys.sort();
	keys
}

#[tokio::test]
async fn round_trip_layout_and_delete() {
	let Some(config) = s3_config("round-trip") else {
		return;
	};
	let store = ObjectStore::open(&config).unwrap();
	let data = vec![17u8; 11 << 20]; // more than one upload part
	let cid = store.put_bytes(&data).await.unwrap();
	assert_eq!(cid, cid_of(&data));
	assert_eq!(
		keys(&store).await,
		vec![cid.to_string()],
		"key is <prefix>/<cid>, nothing else"
	);
	assert!(!prefix_of(&config).is_empty());
	assert!(store.has(&cid).await.unwrap());
	assert_eq!(store.get_bytes(&cid).await.unwrap(), data);
	// Storing the same bytes again changes nothing.
	assert_eq!(store.put_bytes(&data).await.unwrap(), cid);
	assert_eq!(keys(&store).await.len(), 1);
	store.pin(&cid).await.unwrap();
	store.delete(&cid).await.unwrap();
	assert!(!store.has(&cid).await.unwrap());
	assert!(matches!(
		store.get(&cid).await,
		Err(Error::NotFound { backend: "s3", .. })
	));
}

#[tokio::test]
async fn a_tampered_object_is_rejected() {
	let Some(config) = s3_config("tampered") else {
		return;
	};
	let store = ObjectStore::open(&config).unwrap();
	let cid = store.put_bytes(b"honest aggregate").await.unwrap();
	store
		.operator()
		.write(&cid.to_string(), b"forged aggregate".to_vec())
		.await
		.unwrap();
	match store.get_bytes(&cid).await {
		Err(Error::Tampered { expected, actual }) => {
			assert_eq!(expected, cid);
			assert_eq!(actual, cid_of(b"forged aggregate"));
		}
		other => panic!("expected Tampered, got {other:?}"),
	}
}

#[tokio::test]
async fn concurrent_puts() {
	let Some(config) = s3_config("concurrent") else {
		return;
	};
	let store = std::sync::Arc::new(ObjectStore::open(&config).unwrap());
	let tasks: Vec<_> = (0..8u64)
		.map(|i| {
			let store = store.clone();
			tokio::spawn(async move {
				let size = (2 << 20) + i;
				let cid = store.put(&mut PatternReader::new(i, size)).await.unwrap();
				assert_eq!(cid, PatternReader::cid(i, size));
				cid
			})
		})
		.collect();
	let mut cids = Vec::new();
	for task in tasks {
		cids.push(task.await.unwrap().to_string());
	}
	cids.sort();
	assert_eq!(
		keys(&store).await,
		cids,
		"exactly the blobs, no temporaries"
	);
}

#[tokio::test]
async fn the_server_dying_mid_put_leaves_nothing_and_a_retry_works() {
	let Some(config) = s3_config("dies-mid-put") else {
		return;
	};
	let StoreConfig::S3 {
		endpoint: Some(endpoint),
		..
	} = &config
	else {
		panic!("{config:?}")
	};
	let proxy = CutProxy::start(endpoint).await;
	let direct = ObjectStore::open(&config).unwrap();
	let through_proxy = ObjectStore::open(&with_endpoint(&config, &proxy.url())).unwrap();
	let size = 48u64 << 20;
	let cid = PatternReader::cid(5, size);

	let mut reader = PatternReader::new(5, size).on_offset(20 << 20, proxy.cutter());
	let err = through_proxy.put(&mut reader).await.unwrap_err();
	assert!(matches!(err, Error::Backend { backend: "s3", .. }), "{err}");
	assert!(
		!direct.has(&cid).await.unwrap(),
		"no object may appear under the CID"
	);
	assert!(
		keys(&direct).await.is_empty(),
		"no visible partial object: {:?}",
		keys(&direct).await
	);

	assert_eq!(
		direct.put(&mut PatternReader::new(5, size)).await.unwrap(),
		cid
	);
	assert_eq!(keys(&direct).await, vec![cid.to_string()]);
}

#[tokio::test]
async fn the_server_dying_mid_get_is_an_error_and_a_retry_works() {
	let Some(config) = s3_config("dies-mid-get") else {
		return;
	};
	let StoreConfig::S3 {
		endpoint: Some(endpoint),
		..
	} = &config
	else {
		panic!("{config:?}")
	};
	let direct = ObjectStore::open(&config).unwrap();
	let size = 64u64 << 20;
	let cid = direct.put(&mut PatternReader::new(6, size)).await.unwrap();

	let proxy = CutProxy::start(endpoint).await;
	let through_proxy = ObjectStore::open(&with_endpoint(&config, &proxy.url())).unwrap();
	let mut stream = through_proxy.get(&cid).await.unwrap();
	let mut received = 0u64;
	let mut failure = None;
	while let Some(piece) = stream.next().await {
		match piece {
			Ok(bytes) => received += bytes.len() as u64,
			Err(e) => {
				failure = Some(e);
				break;
			}
		}
		if received >= 8 << 20 {
			(proxy.cutter())();
		}
	}
	let err = failure.expect("a cut transfer must end in an error");
	assert!(matches!(err, Error::Backend { backend: "s3", .. }), "{err}");
	assert!(received < size);
	assert_eq!(direct.get_bytes(&cid).await.unwrap().len() as u64, size);
}

#[tokio::test]
async fn cached_reads_work_with_the_server_gone() {
	let Some(config) = s3_config("cached") else {
		return;
	};
	let StoreConfig::S3 {
		endpoint: Some(endpoint),
		..
	} = &config
	else {
		panic!("{config:?}")
	};
	let proxy = CutProxy::start(endpoint).await;
	let inner = ObjectStore::open(&with_endpoint(&config, &proxy.url())).unwrap();
	let dir = tempfile::tempdir().unwrap();
	let store = CachedStore::open(inner, dir.path(), 32 << 20)
		.await
		.unwrap();
	let data = vec![8u8; 5 << 20];
	let cid = store.put_bytes(&data).await.unwrap();
	assert_eq!(store.get_bytes(&cid).await.unwrap(), data);
	(proxy.cutter())();
	assert_eq!(store.get_bytes(&cid).await.unwrap(), data);
	assert!(store.has(&cid).await.unwrap());
	assert_eq!(store.stats().hits, 1);
}
