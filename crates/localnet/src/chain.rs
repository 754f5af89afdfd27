//! Reading a node's chain head and finality over RPC.

use anyhow::{anyhow, Context, Result};
use std::time::{Duration, Instant};
use subxt::{
	config::RpcConfigFor,
	rpcs::{methods::LegacyRpcMethods, RpcClient},
	PolkadotConfig,
};

type Rpc = LegacyRpcMethods<RpcConfigFor<PolkadotConfig>>;

/// Best and finalized block numbers of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainHead {
	/// Highest block the node has imported.
	pub best: u64,
	/// Highest block the node knows to be final.
	pub finalized: u64,
}

/// Polls one node's head over RPC.
pub struct FinalityWatch {
	rpc: Rpc,
	url: String,
}

impl FinalityWatch {
	/// Connects to the node's RPC endpoint.
	pub async fn connect(url: &str) -> Result<Self> {
		let client = RpcClient::from_insecure_url(url)
			.await
			.with_context(|| format!("connecting to the node's RPC at {url}"))?;
		Ok(Self {
			rpc: LegacyRpcMethods::new(client),
			url: url.to_string(),
		})
	}

	/// The node's best and finalized block numbers now.
	pub async fn head(&self) -> Result<ChainHead> {
		let best = self
			.rpc
			.chain_get_header(None)
			.await
			.with_context(|| format!("reading the best header from {}", self.url))?
			.ok_or_else(|| anyhow!("{} has no best header", self.url))?
			.number;
		let finalized_hash = self
			.rpc
			.chain_get_finalized_head()
			.await
			.with_context(|| format!("reading the finalized head from {}", self.url))?;
		let finalized = self
			.rpc
			.chain_get_header(Some(finalized_hash))
			.await?
			.ok_or_else(|| anyhow!("{} does not know its own finalized header", self.url))?
			.number;
		Ok(ChainHead { best, finalized })
	}

	/// Waits until the finalized block number reaches `target`, or fails after `timeout` with
	/// the last head seen.
	pub async fn wait_for_finalized(&self, target: u64, timeout: Duration) -> Result<ChainHead> {
		self.wait_until(
			timeout,
			|h| h.finalized >= target,
			&format!("finalized block #{target}"),
		)
		.await
	}

	/// Waits until the best block number reaches `target`.
	pub async fn wait_for_best(&self, target: u64, timeout: Duration) -> Result<ChainHead> {
		self.wait_until(
			timeout,
			|h| h.best >= target,
			&format!("best block #{target}"),
		)
		.await
	}

	async fn wait_until(
		&self,
		timeout: Duration,
		done: impl Fn(&ChainHead) -> bool,
		what: &str,
	) -> Result<ChainHead> {
		let start = Instant::now();
		let mut last = None;
		while start.elapsed() < timeout {
			match self.head().await {
				Ok(head) if done(&head) => return Ok(head),
				Ok(head) => last = Some(head),
				Err(e) => tracing::debug!("polling {}: {e:#}", self.url),
			}
			tokio::time::sleep(Duration::from_millis(200)).await;
		}
		Err(anyhow!(
			"{} did not reach {what} within {timeout:?}; last head seen: {last:?}",
			self.url
		))
	}
}
