//! Content-addressed storage for DecentralML's models and updates.
//!
//! Blobs live off chain; the chain holds only their content identifiers. This crate stores and
//! fetches blobs by CID through one [`Store`] trait with pluggable backends:
//!
//! - [`LocalStore`]: a local directory, the embedded default, with atomic writes;
//! - [`MemoryStore`]: process memory, for tests;
//! - [`IpfsStore`]: an IPFS node's Kubo-compatible RPC API;
//! - [`ObjectStore`]: S3-compatible stores, and Azure Blob, GCS and HDFS behind cargo features,
//!   through Apache OpenDAL.
//!
//! Backends are chosen at run time by URI ([`open`], [`StoreConfig`]). Every CID is an IPFS
//! CIDv1 computed locally with one pinned profile ([`content_id`]), equal to what an IPFS node
//! gives for the same bytes, and every read is verified against it: a backend that returns other
//! bytes yields [`Error::Tampered`]. [`CachedStore`] puts a bounded LRU cache on local disk in
//! front of any backend, and [`envelope`] encrypts blobs for a set of recipients so that storage
//! operators cannot read them.
//!
//! ```
//! use decentralml_storage::{open, StoreExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), decentralml_storage::Error> {
//! let store = open("memory://").await?;
//! let cid = store.put_bytes(b"hello\n").await?;
//! // The same CID `ipfs add --cid-version=1 --raw-leaves` gives.
//! assert_eq!(cid.to_string(), "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am");
//! assert_eq!(&store.get_bytes(&cid).await?[..], b"hello\n");
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]
// `Error::Tampered` carries both CIDs unboxed so callers can match and compare them directly;
// errors are off the hot path, so their size does not matter.
#![allow(clippy::result_large_err)]

pub mod backends;
pub mod cache;
pub mod config;
pub mod content_id;
pub mod envelope;
mod error;
mod file_stream;
mod lru;
mod store;
mod tempname;
mod unixfs;
mod verify;

pub use backends::{ipfs::IpfsStore, local::LocalStore, memory::MemoryStore, object::ObjectStore};
pub use cache::{CacheStats, CachedStore};
pub use cid::Cid;
pub use config::{open, StoreConfig};
pub use content_id::{cid_of, parse_cid, CidHasher};
pub use error::{Error, Result};
pub use store::{BlobStream, Store, StoreExt, IO_BUFFER_SIZE};
pub use verify::verify_stream;
