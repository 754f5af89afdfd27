//! The HDFS backend against a real cluster. No HDFS server installs on the project's machines,
//! so this runs only with the `hdfs` feature and `DECENTRALML_TEST_HDFS_URI` set, e.g.
//! `DECENTRALML_TEST_HDFS_URI=hdfs://namenode:8020/dml-test cargo test -p decentralml-storage
//! --features hdfs --test hdfs`.
#![cfg(feature = "hdfs")]

mod common;

use common::PatternReader;
use decentralml_storage::{cid_of, Error, ObjectStore, Store, StoreConfig, StoreExt};

/// A fresh directory under the configured HDFS URI, or `None` (skip) when none is configured.
fn hdfs_config() -> Option<StoreConfig> {
	let Ok(base) = std::env::var("DECENTRALML_TEST_HDFS_URI") else {
		eprintln!("skipping: DECENTRALML_TEST_HDFS_URI is not set (needs an HDFS cluster)");
		return None;
	};
	let uri = format!("{}/{}", base.trim_end_matches('/'), common::unique_suffix());
	Some(StoreConfig::from_uri(&uri).expect("valid hdfs:// URI"))
}

#[tokio::test]
async fn round_trip_tamper_and_delete() {
	let Some(config) = hdfs_config() else { return };
	let store = ObjectStore::open(&config).unwrap();
	assert_eq!(store.backend_name(), "hdfs");
	let data = vec![21u8; 9 << 20];
	let cid = store.put_bytes(&data).await.unwrap();
	assert_eq!(cid, cid_of(&data));
	assert_eq!(store.get_bytes(&cid).await.unwrap(), data);
	store
		.operator()
		.write(&cid.to_string(), b"altered".to_vec())
		.await
		.unwrap();
	assert!(matches!(
		store.get_bytes(&cid).await,
		Err(Error::Tampered { .. })
	));
	store.delete(&cid).await.unwrap();
	assert!(!store.has(&cid).await.unwrap());
}

#[tokio::test]
async fn large_blob_streams() {
	let Some(config) = hdfs_config() else { return };
	let store = ObjectStore::open(&config).unwrap();
	let size = common::large_blob_size();
	let cid = store.put(&mut PatternReader::new(31, size)).await.unwrap();
	assert_eq!(cid, PatternReader::cid(31, size));
	assert!(store.has(&cid).await.unwrap());
	let mut received = 0u64;
	let mut stream = store.get(&cid).await.unwrap();
	while let Some(piece) = futures::StreamExt::next(&mut stream).await {
		received += piece.unwrap().len() as u64;
	}
	assert_eq!(received, size);
}
