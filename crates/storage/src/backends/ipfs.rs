//! IPFS through a Kubo-compatible RPC API (`/api/v0/add`, `cat`, `pin/*`).
//!
//! Every add passes the pinned CID profile explicitly (`cid-version=1`, `raw-leaves=true`,
//! `chunker=size-262144`, `hash=sha2-256`) because node defaults differ between versions, and the
//! CID the node reports is checked against the one computed locally while uploading.
//!
//! `has` means "pinned by this node" (`pin/ls`): unpinned blocks may be garbage-collected at any
//! time, and asking for a block that is not local would make a networked node search the DHT.
//! `get` also serves blobs this node has not pinned: it first asks the node to find the root
//! block (locally or from its peers) within the fetch timeout, and reports
//! [`Error::NotFound`] if it cannot.
//! IPFS cannot delete content; `delete` fails with [`Error::Unsupported`], use `unpin`.

use crate::{
	content_id::CidHasher,
	store::{read_full, BlobStream, Store, IO_BUFFER_SIZE},
	Error, Result,
};
use async_trait::async_trait;
use bytes::Bytes;
use cid::Cid;
use futures::TryStreamExt;
use reqwest::{multipart, Client, Response};
use serde::Deserialize;
use std::time::Duration;
use tokio::{io::AsyncRead, sync::mpsc};

const BACKEND: &str = "ipfs";

/// Query string that pins the CID profile for `/api/v0/add`.
const ADD_PROFILE: &str = "cid-version=1&raw-leaves=true&chunker=size-262144&hash=sha2-256\
	&cid-base=base32&pin=true&progress=false&quieter=true&wrap-with-directory=false";

/// How long a control call (pin, pin/ls) may take; transfers have no overall limit.
const CONTROL_TIMEOUT: Duration = Duration::from_secs(60);
/// Default time the node gets to find a blob it has not pinned (see [`IpfsStore::with_fetch_timeout`]).
pub const DEFAULT_FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// Client of one IPFS node's RPC API.
#[derive(Clone, Debug)]
pub struct IpfsStore {
	api: String,
	client: Client,
	fetch_timeout: Duration,
}

/// One line of `/api/v0/add`'s answer.
#[derive(Deserialize)]
struct AddedEntry {
	#[serde(rename = "Hash")]
	hash: String,
}

/// One entry of `/api/v0/pin/ls`'s answer.
#[derive(Deserialize)]
struct PinList {
	#[serde(rename = "Keys", default)]
	keys: serde_json::Map<String, serde_json::Value>,
}

/// Kubo's error body.
#[derive(Deserialize)]
struct ApiError {
	#[serde(rename = "Message")]
	message: String,
}

impl IpfsStore {
	/// A client of the node whose RPC API listens at `api` (e.g. `http://127.0.0.1:5001`).
	pub fn new(api: impl Into<String>) -> Result<Self> {
		let api = api.into().trim_end_matches('/').to_string();
		let client = Client::builder()
			.connect_timeout(Duration::from_secs(10))
			// A stalled transfer (server gone without closing) fails instead of hanging forever.
			.read_timeout(Duration::from_secs(120))
			.build()
			.map_err(|e| Error::backend(BACKEND, "creating the HTTP client", e))?;
		Ok(Self {
			api,
			client,
			fetch_timeout: DEFAULT_FETCH_TIMEOUT,
		})
	}

	/// Sets how long the node may search for a blob it has not pinned before `get` reports
	/// [`Error::NotFound`] (default [`DEFAULT_FETCH_TIMEOUT`]; capped below the control-call
	/// timeout). Only the search is bounded; the transfer itself is not.
	pub fn with_fetch_timeout(mut self, timeout: Duration) -> Self {
		self.fetch_timeout = timeout.min(CONTROL_TIMEOUT - Duration::from_secs(5));
		self
	}

	/// Fails with [`Error::NotFound`] unless the node holds the blob or finds its root block.
	async fn locate(&self, cid: &Cid) -> Result<()> {
		if self.has(cid).await? {
			return Ok(());
		}
		let millis = self.fetch_timeout.as_millis();
		match self
			.call(
				"block/stat",
				&format!("arg={cid}&timeout={millis}ms"),
				"locating",
			)
			.await
		{
			Ok(_) => Ok(()),
			Err(Error::Backend { message, .. })
				if message.contains("timed out") || message.contains("not found") =>
			{
				Err(Error::NotFound {
					backend: BACKEND,
					cid: *cid,
				})
			}
			Err(e) => Err(e),
		}
	}

	/// The RPC API's base URL.
	pub fn api(&self) -> &str {
		&self.api
	}

	fn url(&self, command: &str, query: &str) -> String {
		format!("{}/api/v0/{command}?{query}", self.api)
	}

	async fn call(&self, command: &str, query: &str, operation: &'static str) -> Result<Response> {
		let response = self
			.client
			.post(self.url(command, query))
			.timeout(CONTROL_TIMEOUT)
			.send()
			.await
			.map_err(|e| Error::backend(BACKEND, operation, describe(&e)))?;
		check_status(response, operation).await
	}

	/// Streams `data` to `/api/v0/add` while hashing it; returns the local CID and the node's.
	async fn upload(&self, data: &mut (dyn AsyncRead + Send + Unpin)) -> Result<(Cid, String)> {
		let (sender, mut receiver) = mpsc::channel::<std::io::Result<Bytes>>(4);
		let body =
			reqwest::Body::wrap_stream(futures::stream::poll_fn(move |cx| receiver.poll_recv(cx)));
		let part = multipart::Part::stream(body)
			.file_name("blob")
			.mime_str("application/octet-stream")
			.map_err(|e| Error::backend(BACKEND, "uploading", e))?;
		let request = self
			.client
			.post(self.url("add", ADD_PROFILE))
			.multipart(multipart::Form::new().part("file", part))
			.send();
		let (response, hashed) = tokio::join!(request, pump(data, sender));
		let response = response.map_err(|e| Error::backend(BACKEND, "uploading", describe(&e)));
		// A broken source explains a failed request better than the request's own error.
		let computed = hashed?;
		let body = check_status(response?, "uploading").await?.text().await;
		let body =
			body.map_err(|e| Error::backend(BACKEND, "reading the add answer", describe(&e)))?;
		let reported = last_added_hash(&body)?;
		Ok((computed, reported))
	}
}

/// Feeds the caller's data to the request body, hashing it on the way.
async fn pump(
	data: &mut (dyn AsyncRead + Send + Unpin),
	sender: mpsc::Sender<std::io::Result<Bytes>>,
) -> Result<Cid> {
	let mut hasher = CidHasher::new();
	let mut buf = vec![0u8; IO_BUFFER_SIZE];
	loop {
		let n = match read_full(data, &mut buf).await {
			Ok(n) => n,
			Err(e) => {
				// Abort the request: a truncated body must never be taken for the whole blob.
				let _ = sender
					.send(Err(std::io::Error::other("source failed")))
					.await;
				return Err(e);
			}
		};
		if n == 0 {
			return Ok(hasher.finish());
		}
		hasher.update(&buf[..n]);
		if sender
			.send(Ok(Bytes::copy_from_slice(&buf[..n])))
			.await
			.is_err()
		{
			// The request ended early; its own error says why.
			return Ok(hasher.finish());
		}
	}
}

fn last_added_hash(body: &str) -> Result<String> {
	let line = body.lines().rev().find(|l| !l.trim().is_empty());
	let entry = line.and_then(|l| serde_json::from_str::<AddedEntry>(l).ok());
	entry.map(|e| e.hash).ok_or_else(|| {
		Error::backend(
			BACKEND,
			"reading the add answer",
			format!("no CID in answer {body:?}"),
		)
	})
}

async fn check_status(response: Response, operation: &'static str) -> Result<Response> {
	if response.status().is_success() {
		return Ok(response);
	}
	let status = response.status();
	let text = response.text().await.unwrap_or_default();
	let message = serde_json::from_str::<ApiError>(&text)
		.map(|e| e.message)
		.unwrap_or(text);
	Err(Error::backend(
		BACKEND,
		operation,
		format!("HTTP {status}: {message}"),
	))
}

/// reqwest's errors hide their cause in `source()`; spell the whole chain out.
fn describe(error: &dyn std::error::Error) -> String {
	let mut text = error.to_string();
	let mut source = error.source();
	while let Some(cause) = source {
		text.push_str(": ");
		text.push_str(&cause.to_string());
		source = cause.source();
	}
	text
}

#[async_trait]
impl Store for IpfsStore {
	fn backend_name(&self) -> &'static str {
		BACKEND
	}

	async fn put(&self, data: &mut (dyn AsyncRead + Send + Unpin)) -> Result<Cid> {
		let (computed, reported) = self.upload(data).await?;
		if computed.to_string() != reported {
			return Err(Error::CidMismatch {
				backend: BACKEND,
				computed,
				reported,
			});
		}
		Ok(computed)
	}

	async fn read_raw(&self, cid: &Cid) -> Result<BlobStream> {
		self.locate(cid).await?;
		let response = self
			.client
			.post(self.url("cat", &format!("arg={cid}")))
			.send()
			.await
			.map_err(|e| Error::backend(BACKEND, "downloading", describe(&e)))?;
		let response = check_status(response, "downloading").await?;
		let cid = *cid;
		let stream = response.bytes_stream().map_err(move |e| {
			Error::backend(BACKEND, "downloading", format!("{cid}: {}", describe(&e)))
		});
		Ok(Box::pin(stream))
	}

	async fn has(&self, cid: &Cid) -> Result<bool> {
		let query = format!("arg={cid}&type=recursive");
		let response = match self.call("pin/ls", &query, "listing pins").await {
			Ok(response) => response,
			// Nodes answer "not pinned" with an error status.
			Err(Error::Backend { message, .. }) if message.contains("not pinned") => {
				return Ok(false)
			}
			Err(e) => return Err(e),
		};
		let text = response.text().await;
		let text = text.map_err(|e| Error::backend(BACKEND, "listing pins", describe(&e)))?;
		let list = serde_json::from_str::<PinList>(&text)
			.map_err(|e| Error::backend(BACKEND, "listing pins", format!("{e}: {text:?}")))?;
		Ok(list
			.keys
			.keys()
			.any(|k| k == &cid.to_string() || parse_eq(k, cid)))
	}

	async fn pin(&self, cid: &Cid) -> Result<()> {
		self.call("pin/add", &format!("arg={cid}&recursive=true"), "pinning")
			.await
			.map(drop)
	}

	async fn unpin(&self, cid: &Cid) -> Result<()> {
		match self
			.call("pin/rm", &format!("arg={cid}&recursive=true"), "unpinning")
			.await
		{
			Ok(_) => Ok(()),
			Err(Error::Backend { message, .. }) if message.contains("not pinned") => Ok(()),
			Err(e) => Err(e),
		}
	}

	async fn delete(&self, _cid: &Cid) -> Result<()> {
		Err(Error::Unsupported {
			backend: BACKEND,
			operation: "delete (unpin instead)",
		})
	}
}

/// Whether a CID in a node's answer (possibly in another base) is `cid`.
fn parse_eq(text: &str, cid: &Cid) -> bool {
	Cid::try_from(text).is_ok_and(|c| &c == cid)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn add_answer_parsing_takes_the_last_entry() {
		let body = "{\"Name\":\"blob\",\"Hash\":\"bafkreia\",\"Size\":\"3\"}\n\
			{\"Name\":\"\",\"Hash\":\"bafkreib\",\"Size\":\"3\"}\n";
		assert_eq!(last_added_hash(body).unwrap(), "bafkreib");
		assert!(matches!(
			last_added_hash("oops"),
			Err(Error::Backend { .. })
		));
	}

	#[tokio::test]
	async fn an_unreachable_node_is_a_clear_error() {
		// Port 9 (discard) on loopback has no listener here; the error must name the backend.
		let store = IpfsStore::new("http://127.0.0.1:9").unwrap();
		let err = store
			.pin(&crate::content_id::cid_of(b"x"))
			.await
			.unwrap_err();
		assert!(
			err.to_string()
				.contains("ipfs backend failed while pinning"),
			"{err}"
		);
		let put = store.put(&mut &b"data"[..]).await.unwrap_err();
		assert!(put.to_string().contains("uploading"), "{put}");
	}
}
