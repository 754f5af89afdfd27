//! Helpers shared by the integration tests: test-server discovery, a blob generator and a TCP
//! proxy that can be cut to play a server dying mid-transfer.
#![allow(dead_code)] // Each test binary uses a different subset.

pub mod proxy;

use decentralml_storage::{Cid, CidHasher, StoreConfig};
use std::{
	pin::Pin,
	task::{Context, Poll},
};
use tokio::io::{AsyncRead, ReadBuf};

/// The value of a test-server variable set by `scripts/with-test-servers.sh`. When it is absent
/// the test is skipped (returns `None`), except under CI, where a missing server is a failure.
pub fn server_env(name: &str) -> Option<String> {
	match std::env::var(name) {
		Ok(value) if !value.is_empty() => Some(value),
		_ if std::env::var_os("CI").is_some() => {
			panic!(
				"{name} is not set: under CI, run the tests through scripts/with-test-servers.sh"
			)
		}
		_ => {
			eprintln!("skipping: {name} is not set (run through scripts/with-test-servers.sh)");
			None
		}
	}
}

/// The IPFS RPC API to test against, if any.
pub fn ipfs_api() -> Option<String> {
	server_env("DECENTRALML_TEST_IPFS_API")
}

/// An S3 configuration for the test server, with a fresh prefix so tests do not see each other.
pub fn s3_config(test: &str) -> Option<StoreConfig> {
	let endpoint = server_env("DECENTRALML_TEST_S3_ENDPOINT")?;
	let bucket = server_env("DECENTRALML_TEST_S3_BUCKET")?;
	let region = std::env::var("DECENTRALML_TEST_S3_REGION").ok();
	let uri = format!(
		"s3://{bucket}/{test}-{}?endpoint={endpoint}&region={}",
		unique_suffix(),
		region.unwrap_or_else(|| "us-east-1".into())
	);
	Some(StoreConfig::from_uri(&uri).expect("valid S3 URI"))
}

/// An S3 configuration whose endpoint is replaced (to go through a proxy).
pub fn with_endpoint(config: &StoreConfig, new_endpoint: &str) -> StoreConfig {
	match config {
		StoreConfig::S3 {
			bucket,
			prefix,
			region,
			..
		} => StoreConfig::S3 {
			bucket: bucket.clone(),
			prefix: prefix.clone(),
			endpoint: Some(new_endpoint.to_string()),
			region: region.clone(),
		},
		other => panic!("not an S3 config: {other:?}"),
	}
}

/// A suffix unlikely to repeat between runs against the same server.
pub fn unique_suffix() -> String {
	let nanos = std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.unwrap()
		.as_nanos();
	format!("{nanos:x}")
}

/// Fills `buf` with bytes `offset..` of a blob whose byte `i` is `(i + seed) mod 251`.
pub fn fill_pattern(seed: u64, offset: u64, buf: &mut [u8]) {
	let mut value = ((offset + seed) % 251) as u8;
	for b in buf.iter_mut() {
		*b = value;
		value = if value == 250 { 0 } else { value + 1 };
	}
}

/// Generates a blob of `size` bytes on the fly (never held in memory), and can run a callback
/// once a given number of bytes has been read.
pub struct PatternReader {
	seed: u64,
	size: u64,
	offset: u64,
	trigger: Option<(u64, Box<dyn FnOnce() + Send>)>,
}

impl PatternReader {
	/// The `(i + seed) mod 251` blob of `size` bytes; seed 0 gives the IPFS golden vectors' blobs.
	pub fn new(seed: u64, size: u64) -> Self {
		Self {
			seed,
			size,
			offset: 0,
			trigger: None,
		}
	}

	/// Calls `action` once `after` bytes have been handed out.
	pub fn on_offset(mut self, after: u64, action: impl FnOnce() + Send + 'static) -> Self {
		self.trigger = Some((after, Box::new(action)));
		self
	}

	/// The blob's CID, computed by streaming it through a hasher.
	pub fn cid(seed: u64, size: u64) -> Cid {
		let mut hasher = CidHasher::new();
		let mut buf = vec![0u8; 1 << 20];
		let mut offset = 0;
		while offset < size {
			let n = (size - offset).min(buf.len() as u64) as usize;
			fill_pattern(seed, offset, &mut buf[..n]);
			hasher.update(&buf[..n]);
			offset += n as u64;
		}
		hasher.finish()
	}
}

impl AsyncRead for PatternReader {
	fn poll_read(
		mut self: Pin<&mut Self>,
		_: &mut Context<'_>,
		buf: &mut ReadBuf<'_>,
	) -> Poll<std::io::Result<()>> {
		let n = (self.size - self.offset).min(buf.remaining() as u64) as usize;
		let (seed, offset) = (self.seed, self.offset);
		fill_pattern(seed, offset, buf.initialize_unfilled_to(n));
		buf.advance(n);
		self.offset += n as u64;
		if self
			.trigger
			.as_ref()
			.is_some_and(|(after, _)| self.offset >= *after)
		{
			if let Some((_, action)) = self.trigger.take() {
				action();
			}
		}
		Poll::Ready(Ok(()))
	}
}

/// Size of the "large blob" tests: 1 GiB unless `DECENTRALML_TEST_LARGE_BLOB_BYTES` says else.
pub fn large_blob_size() -> u64 {
	std::env::var("DECENTRALML_TEST_LARGE_BLOB_BYTES")
		.ok()
		.and_then(|v| v.parse().ok())
		.unwrap_or(1 << 30)
}
