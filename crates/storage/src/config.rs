//! Choosing a backend at run time from a URI.
//!
//! | URI | backend |
//! |---|---|
//! | `file:///var/lib/dml/blobs` or a plain path | [`LocalStore`] (the default) |
//! | `memory://` | [`MemoryStore`] |
//! | `ipfs+http://127.0.0.1:5001` (or `ipfs+https://`) | [`IpfsStore`] |
//! | `s3://bucket/prefix?endpoint=http://127.0.0.1:8333&region=us-east-1` | S3 (feature `s3`) |
//! | `azblob://container/prefix?account=NAME&endpoint=URL` | Azure Blob (feature `azblob`) |
//! | `gcs://bucket/prefix` | Google Cloud Storage (feature `gcs`) |
//! | `hdfs://namenode:8020/prefix` | HDFS (feature `hdfs`) |
//!
//! Credentials never appear in URIs (which may be logged or written on chain): S3 reads
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`; Azure reads
//! `AZURE_STORAGE_ACCOUNT_KEY`; GCS reads `GOOGLE_APPLICATION_CREDENTIALS`.

use crate::{
	backends::{ipfs::IpfsStore, local::LocalStore, memory::MemoryStore},
	Error, Result, Store,
};
use std::path::PathBuf;
use url::Url;

/// Where and how to store blobs; build it from a URI with [`StoreConfig::from_uri`] or by hand.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreConfig {
	/// Files in a local directory.
	Local {
		/// Directory holding the blobs.
		root: PathBuf,
	},
	/// Process memory (tests).
	Memory,
	/// An IPFS node's Kubo-compatible RPC API.
	Ipfs {
		/// Base URL of the API, e.g. `http://127.0.0.1:5001`.
		api: String,
	},
	/// An S3-compatible object store.
	S3 {
		/// Bucket name.
		bucket: String,
		/// Key prefix inside the bucket (may be empty).
		prefix: String,
		/// Custom endpoint (SeaweedFS, MinIO...); AWS when absent.
		endpoint: Option<String>,
		/// Region; `us-east-1` when absent.
		region: Option<String>,
	},
	/// An Azure Blob Storage container.
	Azblob {
		/// Container name.
		container: String,
		/// Blob name prefix (may be empty).
		prefix: String,
		/// Storage account name.
		account: Option<String>,
		/// Custom endpoint; `https://<account>.blob.core.windows.net` when absent.
		endpoint: Option<String>,
	},
	/// A Google Cloud Storage bucket.
	Gcs {
		/// Bucket name.
		bucket: String,
		/// Object name prefix (may be empty).
		prefix: String,
	},
	/// An HDFS cluster.
	Hdfs {
		/// Name node address, e.g. `hdfs://namenode:8020`.
		name_node: String,
		/// Directory holding the blobs.
		prefix: String,
	},
}

impl StoreConfig {
	/// Parses a storage URI (see the [module docs](self) for the forms).
	pub fn from_uri(uri: &str) -> Result<Self> {
		let invalid = |reason: &str| Error::InvalidUri {
			uri: uri.to_string(),
			reason: reason.into(),
		};
		if !uri.contains("://") {
			if uri.is_empty() {
				return Err(invalid("empty URI"));
			}
			return Ok(Self::Local {
				root: PathBuf::from(uri),
			});
		}
		let url = Url::parse(uri).map_err(|e| invalid(&e.to_string()))?;
		if !url.username().is_empty() || url.password().is_some() {
			return Err(invalid(
				"credentials must come from the environment, never from the URI",
			));
		}
		let query = |name: &str| {
			url.query_pairs()
				.find(|(k, _)| k == name)
				.map(|(_, v)| v.into_owned())
		};
		let host = || url.host_str().filter(|h| !h.is_empty()).map(str::to_string);
		let prefix = url.path().trim_matches('/').to_string();
		Ok(match url.scheme() {
			"file" => {
				let root = url
					.to_file_path()
					.map_err(|()| invalid("not a local absolute path"))?;
				Self::Local { root }
			}
			"memory" => Self::Memory,
			"ipfs+http" | "ipfs+https" => {
				let scheme = &url.scheme()["ipfs+".len()..];
				let authority = &uri[url.scheme().len() + 3..];
				let authority = authority.split(['/', '?']).next().unwrap_or_default();
				if authority.is_empty() {
					return Err(invalid("missing host:port of the IPFS RPC API"));
				}
				Self::Ipfs {
					api: format!("{scheme}://{authority}"),
				}
			}
			"s3" => Self::S3 {
				bucket: host().ok_or_else(|| invalid("missing bucket"))?,
				prefix,
				endpoint: query("endpoint"),
				region: query("region"),
			},
			"azblob" => Self::Azblob {
				container: host().ok_or_else(|| invalid("missing container"))?,
				prefix,
				account: query("account"),
				endpoint: query("endpoint"),
			},
			"gcs" | "gs" => Self::Gcs {
				bucket: host().ok_or_else(|| invalid("missing bucket"))?,
				prefix,
			},
			"hdfs" => {
				let node = host().ok_or_else(|| invalid("missing name node"))?;
				let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
				Self::Hdfs {
					name_node: format!("hdfs://{node}{port}"),
					prefix,
				}
			}
			other => return Err(invalid(&format!("unknown scheme {other:?}"))),
		})
	}

	/// Opens the configured backend.
	pub async fn open(&self) -> Result<Box<dyn Store>> {
		Ok(match self {
			Self::Local { root } => Box::new(LocalStore::open(root.clone()).await?),
			Self::Memory => Box::new(MemoryStore::new()),
			Self::Ipfs { api } => Box::new(IpfsStore::new(api.clone())?),
			other => Box::new(crate::ObjectStore::open(other)?),
		})
	}
}

/// Opens the backend a URI names; shorthand for [`StoreConfig::from_uri`] then
/// [`StoreConfig::open`].
pub async fn open(uri: &str) -> Result<Box<dyn Store>> {
	StoreConfig::from_uri(uri)?.open().await
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn parses_every_form() {
		assert_eq!(
			StoreConfig::from_uri("file:///var/blobs").unwrap(),
			StoreConfig::Local {
				root: "/var/blobs".into()
			}
		);
		assert_eq!(
			StoreConfig::from_uri("relative/dir").unwrap(),
			StoreConfig::Local {
				root: "relative/dir".into()
			}
		);
		assert_eq!(
			StoreConfig::from_uri("memory://").unwrap(),
			StoreConfig::Memory
		);
		assert_eq!(
			StoreConfig::from_uri("ipfs+http://127.0.0.1:5001").unwrap(),
			StoreConfig::Ipfs {
				api: "http://127.0.0.1:5001".into()
			}
		);
		assert_eq!(
			StoreConfig::from_uri(
				"s3://models/round-7?endpoint=http://127.0.0.1:8333&region=us-east-1"
			)
			.unwrap(),
			StoreConfig::S3 {
				bucket: "models".into(),
				prefix: "round-7".into(),
				endpoint: Some("http://127.0.0.1:8333".into()),
				region: Some("us-east-1".into()),
			}
		);
		assert_eq!(
			StoreConfig::from_uri("hdfs://nn.example:8020/dml/blobs").unwrap(),
			StoreConfig::Hdfs {
				name_node: "hdfs://nn.example:8020".into(),
				prefix: "dml/blobs".into()
			}
		);
		assert_eq!(
			StoreConfig::from_uri("gs://b/p").unwrap(),
			StoreConfig::Gcs {
				bucket: "b".into(),
				prefix: "p".into()
			}
		);
	}

	#[test]
	fn rejects_bad_uris() {
		for uri in [
			"",
			"ftp://host/x",
			"s3:///prefix",
			"ipfs+http://",
			"s3://key:secret@bucket/p",
		] {
			let err = StoreConfig::from_uri(uri).unwrap_err();
			assert!(matches!(err, Error::InvalidUri { .. }), "{uri}: {err}");
			assert!(
				err.to_string().contains(&format!("{uri:?}")),
				"error names the URI: {err}"
			);
		}
	}

	#[tokio::test]
	async fn opens_local_and_memory() {
		let dir = tempfile::tempdir().unwrap();
		let uri = format!("file://{}", dir.path().display());
		assert_eq!(open(&uri).await.unwrap().backend_name(), "local");
		assert_eq!(open("memory://").await.unwrap().backend_name(), "memory");
	}
}
