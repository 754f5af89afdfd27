//! Object stores and distributed filesystems through Apache OpenDAL: S3-compatible stores
//! (feature `s3`, on by default), Azure Blob (`azblob`), Google Cloud Storage (`gcs`) and HDFS
//! (`hdfs`). The blob lives at `<prefix>/<cid>`.
//!
//! A put streams to a temporary object `<prefix>/.tmp-<random>` (as a multipart upload where the
//! service has them), then renames or server-side copies it to `<prefix>/<cid>` once the CID is
//! known, so a put that fails midway never leaves an object under a CID.

use crate::{
	content_id::CidHasher,
	store::{read_full, BlobStream, Store, IO_BUFFER_SIZE},
	tempname::temp_name,
	Error, Result, StoreConfig,
};
use async_trait::async_trait;
use bytes::Bytes;
use cid::Cid;
use futures::TryStreamExt;
use opendal::{ErrorKind, Operator};
use tokio::io::AsyncRead;

/// Size of the parts a put uploads (S3 requires at least 5 MiB for all but the last).
const UPLOAD_PART_SIZE: usize = 8 << 20;
/// Parts uploaded at the same time.
const UPLOAD_CONCURRENCY: usize = 4;
/// Size of the ranges a get requests.
const DOWNLOAD_CHUNK_SIZE: usize = 8 << 20;

/// A blob store on top of any OpenDAL operator.
#[derive(Clone, Debug)]
pub struct ObjectStore {
	op: Operator,
	backend: &'static str,
}

impl ObjectStore {
	/// Wraps an operator whose root is the blob prefix; `backend` names it in errors (`"s3"`).
	pub fn new(op: Operator, backend: &'static str) -> Self {
		Self { op, backend }
	}

	/// The underlying OpenDAL operator.
	pub fn operator(&self) -> &Operator {
		&self.op
	}

	fn fail(&self, operation: &'static str, error: opendal::Error) -> Error {
		Error::backend(self.backend, operation, error)
	}

	async fn upload_temp(
		&self,
		temp: &str,
		data: &mut (dyn AsyncRead + Send + Unpin),
	) -> Result<Cid> {
		let mut writer = self
			.op
			.writer_with(temp)
			.chunk(UPLOAD_PART_SIZE)
			.concurrent(UPLOAD_CONCURRENCY)
			.await
			.map_err(|e| self.fail("starting an upload", e))?;
		let mut hasher = CidHasher::new();
		let mut buf = vec![0u8; IO_BUFFER_SIZE];
		let written: Result<()> = async {
			loop {
				let n = read_full(data, &mut buf).await?;
				if n == 0 {
					return Ok(());
				}
				hasher.update(&buf[..n]);
				let piece = Bytes::copy_from_slice(&buf[..n]);
				writer
					.write(piece)
					.await
					.map_err(|e| self.fail("uploading", e))?;
			}
		}
		.await;
		match written {
			Ok(()) => {
				writer
					.close()
					.await
					.map_err(|e| self.fail("completing an upload", e))?;
				Ok(hasher.finish())
			}
			Err(e) => {
				// Drop the parts uploaded so far; the temporary object never becomes visible.
				let _ = writer.abort().await;
				Err(e)
			}
		}
	}

	/// Moves the finished temporary object to its CID key.
	async fn commit(&self, temp: &str, key: &str) -> Result<()> {
		if self
			.op
			.exists(key)
			.await
			.map_err(|e| self.fail("checking", e))?
		{
			// Same bytes already stored: content addressing makes the copy redundant.
			return self
				.op
				.delete(temp)
				.await
				.map_err(|e| self.fail("removing a temporary", e));
		}
		let capability = self.op.info().capability();
		if capability.rename {
			self.op
				.rename(temp, key)
				.await
				.map_err(|e| self.fail("renaming", e))
		} else if capability.copy {
			self.op
				.copy(temp, key)
				.await
				.map_err(|e| self.fail("copying", e))?;
			self.op
				.delete(temp)
				.await
				.map_err(|e| self.fail("removing a temporary", e))
		} else {
			Err(Error::Unsupported {
				backend: self.backend,
				operation: "rename or copy",
			})
		}
	}

	async fn stat_or_not_found(&self, cid: &Cid) -> Result<()> {
		match self.op.stat(&cid.to_string()).await {
			Ok(_) => Ok(()),
			Err(e) if e.kind() == ErrorKind::NotFound => Err(Error::NotFound {
				backend: self.backend,
				cid: *cid,
			}),
			Err(e) => Err(self.fail("looking up", e)),
		}
	}
}

#[async_trait]
impl Store for ObjectStore {
	fn backend_name(&self) -> &'static str {
		self.backend
	}

	async fn put(&self, data: &mut (dyn AsyncRead + Send + Unpin)) -> Result<Cid> {
		let temp = temp_name();
		let cid = self.upload_temp(&temp, data).await?;
		if let Err(e) = self.commit(&temp, &cid.to_string()).await {
			let _ = self.op.delete(&temp).await;
			return Err(e);
		}
		Ok(cid)
	}

	async fn read_raw(&self, cid: &Cid) -> Result<BlobStream> {
		self.stat_or_not_found(cid).await?;
		let key = cid.to_string();
		let reader = self
			.op
			.reader_with(&key)
			.chunk(DOWNLOAD_CHUNK_SIZE)
			.await
			.map_err(|e| self.fail("opening a download", e))?;
		let stream = reader
			.into_bytes_stream(..)
			.await
			.map_err(|e| self.fail("opening a download", e))?;
		let backend = self.backend;
		let cid = *cid;
		Ok(Box::pin(stream.map_err(move |e| {
			Error::backend(backend, "downloading", format!("{cid}: {e}"))
		})))
	}

	async fn has(&self, cid: &Cid) -> Result<bool> {
		self.op
			.exists(&cid.to_string())
			.await
			.map_err(|e| self.fail("checking", e))
	}

	async fn pin(&self, cid: &Cid) -> Result<()> {
		// Objects are never dropped by the store itself; pinning only requires presence.
		self.stat_or_not_found(cid).await
	}

	async fn unpin(&self, _cid: &Cid) -> Result<()> {
		Ok(())
	}

	async fn delete(&self, cid: &Cid) -> Result<()> {
		self.stat_or_not_found(cid).await?;
		self.op
			.delete(&cid.to_string())
			.await
			.map_err(|e| self.fail("deleting", e))
	}
}

impl ObjectStore {
	/// Opens the OpenDAL-backed store a [`StoreConfig`] describes (S3, Azure Blob, GCS or HDFS),
	/// failing with [`Error::InvalidUri`] for other kinds or for a backend whose feature is off.
	pub fn open(config: &StoreConfig) -> Result<Self> {
		open_object_store(config)
	}
}

fn open_object_store(config: &StoreConfig) -> Result<ObjectStore> {
	let (op, backend) = match config {
		#[cfg(feature = "s3")]
		StoreConfig::S3 {
			bucket,
			prefix,
			endpoint,
			region,
		} => (
			s3_operator(bucket, prefix, endpoint.as_deref(), region.as_deref())?,
			"s3",
		),
		#[cfg(feature = "azblob")]
		StoreConfig::Azblob {
			container,
			prefix,
			account,
			endpoint,
		} => (
			azblob_operator(container, prefix, account.as_deref(), endpoint.as_deref())?,
			"azblob",
		),
		#[cfg(feature = "gcs")]
		StoreConfig::Gcs { bucket, prefix } => (gcs_operator(bucket, prefix)?, "gcs"),
		#[cfg(feature = "hdfs")]
		StoreConfig::Hdfs { name_node, prefix } => (hdfs_operator(name_node, prefix)?, "hdfs"),
		other => {
			return Err(Error::InvalidUri {
				uri: format!("{other:?}"),
				reason: "this backend is not enabled: rebuild with its cargo feature".into(),
			})
		}
	};
	Ok(ObjectStore::new(op, backend))
}

/// OpenDAL roots are absolute; the blob prefix becomes the root.
#[allow(dead_code)] // Unused when no OpenDAL service feature is enabled.
fn root_of(prefix: &str) -> String {
	format!("/{}", prefix.trim_matches('/'))
}

#[allow(dead_code)]
fn env(name: &str) -> Option<String> {
	std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[allow(dead_code)]
fn finish(builder: impl opendal::Builder, backend: &'static str) -> Result<Operator> {
	// Installs OpenDAL's reqwest HTTP transport (idempotent); we do not rely on its pre-main ctor.
	opendal::install_default();
	let op = Operator::new(builder)
		.map_err(|e| Error::backend(backend, "configuring", e))?
		// Retries transient failures of single requests (a part, a range), not whole blobs.
		.layer(opendal::layers::RetryLayer::new().with_max_times(3));
	Ok(op)
}

#[cfg(feature = "s3")]
fn s3_operator(
	bucket: &str,
	prefix: &str,
	endpoint: Option<&str>,
	region: Option<&str>,
) -> Result<Operator> {
	let mut builder = opendal::services::S3::default()
		.bucket(bucket)
		.root(&root_of(prefix))
		.region(region.unwrap_or("us-east-1"));
	if let Some(endpoint) = endpoint {
		builder = builder.endpoint(endpoint);
	}
	// Credentials only from the standard environment variables, never from the URI.
	match (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
		(Some(id), Some(secret)) => {
			builder = builder.access_key_id(&id).secret_access_key(&secret);
			if let Some(token) = env("AWS_SESSION_TOKEN") {
				builder = builder.session_token(&token);
			}
		}
		_ => builder = builder.skip_signature(),
	}
	finish(builder, "s3")
}

#[cfg(feature = "azblob")]
fn azblob_operator(
	container: &str,
	prefix: &str,
	account: Option<&str>,
	endpoint: Option<&str>,
) -> Result<Operator> {
	let mut builder = opendal::services::Azblob::default()
		.container(container)
		.root(&root_of(prefix));
	if let Some(account) = account {
		builder = builder.account_name(account);
		let default_endpoint = format!("https://{account}.blob.core.windows.net");
		builder = builder.endpoint(endpoint.unwrap_or(&default_endpoint));
	} else if let Some(endpoint) = endpoint {
		builder = builder.endpoint(endpoint);
	}
	if let Some(key) = env("AZURE_STORAGE_ACCOUNT_KEY") {
		builder = builder.account_key(&key);
	}
	finish(builder, "azblob")
}

#[cfg(feature = "gcs")]
fn gcs_operator(bucket: &str, prefix: &str) -> Result<Operator> {
	let mut builder = opendal::services::Gcs::default()
		.bucket(bucket)
		.root(&root_of(prefix));
	if let Some(path) = env("GOOGLE_APPLICATION_CREDENTIALS") {
		builder = builder.credential_path(&path);
	}
	finish(builder, "gcs")
}

#[cfg(feature = "hdfs")]
fn hdfs_operator(name_node: &str, prefix: &str) -> Result<Operator> {
	let builder = opendal::services::HdfsNative::default()
		.name_node(name_node)
		.root(&root_of(prefix));
	finish(builder, "hdfs")
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{content_id::cid_of, StoreExt};

	/// OpenDAL's filesystem service exercises the same code path as S3, minus the network.
	fn fs_operator(dir: &tempfile::TempDir) -> Operator {
		let root = dir.path().to_str().unwrap();
		Operator::new(opendal::services::Fs::default().root(root)).unwrap()
	}

	#[tokio::test]
	async fn round_trip_through_opendal() {
		let dir = tempfile::tempdir().unwrap();
		let store = ObjectStore::new(fs_operator(&dir), "opendal-fs");
		let data = vec![3u8; 2 * IO_BUFFER_SIZE + 5];
		let cid = store.put_bytes(&data).await.unwrap();
		assert_eq!(cid, cid_of(&data));
		assert_eq!(store.get_bytes(&cid).await.unwrap(), data);
		// Putting the same bytes again is a no-op that leaves no temporary behind.
		assert_eq!(store.put_bytes(&data).await.unwrap(), cid);
		let keys: Vec<String> = store
			.operator()
			.list("/")
			.await
			.unwrap()
			.into_iter()
			.map(|e| e.path().to_string())
			.filter(|p| p != "/")
			.collect();
		assert_eq!(keys, vec![cid.to_string()]);
		store.delete(&cid).await.unwrap();
		assert!(!store.has(&cid).await.unwrap());
		assert!(matches!(store.get(&cid).await, Err(Error::NotFound { .. })));
	}

	#[tokio::test]
	async fn objects_changed_behind_the_store_are_rejected() {
		let dir = tempfile::tempdir().unwrap();
		let store = ObjectStore::new(fs_operator(&dir), "opendal-fs");
		let cid = store.put_bytes(b"aggregate").await.unwrap();
		store
			.operator()
			.write(&cid.to_string(), b"aggregat3".to_vec())
			.await
			.unwrap();
		assert!(matches!(
			store.get_bytes(&cid).await,
			Err(Error::Tampered { .. })
		));
	}
}
