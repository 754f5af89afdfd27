//! Reads of chain state, all at the latest finalized block (so that what is read cannot be
//! reverted), each query at one block for a consistent view.

mod accounts;
mod round;
mod tasks;

use crate::{
	client::{ChainConfig, Client},
	error::{ClientError, Result},
};
use subxt::{
	client::OnlineClientAtBlock,
	storage::{Address, PrefixOf},
};

/// The finalized head the chain has reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChainHead {
	/// The latest finalized block.
	pub finalized: u64,
	/// The best (latest imported) block.
	pub best: u64,
}

impl Client {
	/// The latest finalized and best block numbers.
	pub async fn chain_head(&self) -> Result<ChainHead> {
		let finalized = self.at_finalized().await?.block_number();
		let best = self
			.rpc()
			.chain_get_header(None)
			.await
			.map_err(|e| ClientError::subxt("reading the best header", e))?
			.map(|header| header.number)
			.unwrap_or(finalized);
		Ok(ChainHead { finalized, best })
	}

	/// The latest finalized block number.
	pub async fn current_block(&self) -> Result<u64> {
		Ok(self.at_finalized().await?.block_number())
	}
}

/// The value at `address` under `keys`, or `None` (or the entry's default, for entries that
/// have one).
pub(crate) async fn read<Addr: Address>(
	at: &OnlineClientAtBlock<ChainConfig>,
	address: Addr,
	keys: Addr::KeyParts,
	what: &str,
) -> Result<Option<Addr::Value>> {
	let name = format!("reading {what}");
	let value = at
		.storage()
		.try_fetch(address, keys)
		.await
		.map_err(|e| ClientError::subxt(name.clone(), e))?;
	value
		.map(|v| v.decode())
		.transpose()
		.map_err(|e| ClientError::subxt(format!("decoding {what}"), e))
}

/// Every key and value under `prefix` of `address`.
pub(crate) async fn read_all<Addr: Address, Prefix: PrefixOf<Addr::KeyParts>>(
	at: &OnlineClientAtBlock<ChainConfig>,
	address: Addr,
	prefix: Prefix,
	what: &str,
) -> Result<Vec<(Addr::KeyParts, Addr::Value)>> {
	let name = format!("listing {what}");
	let mut entries = at
		.storage()
		.iter(address, prefix)
		.await
		.map_err(|e| ClientError::subxt(name.clone(), e))?;
	let mut all = Vec::new();
	while let Some(entry) = entries.next().await {
		let entry = entry.map_err(|e| ClientError::subxt(name.clone(), e))?;
		let keys = entry
			.key()
			.and_then(|key| key.decode())
			.map_err(|e| ClientError::subxt(format!("decoding the keys of {what}"), e))?;
		let value = entry
			.value()
			.decode()
			.map_err(|e| ClientError::subxt(format!("decoding {what}"), e))?;
		all.push((keys, value));
	}
	Ok(all)
}
