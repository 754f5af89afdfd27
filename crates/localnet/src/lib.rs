//! # Local DecentralML networks
//!
//! Starts `decentralml node` processes on this machine and keeps them under control: a
//! single development node, or a network of validators that talk over loopback. Used by the
//! integration tests, by `scripts/local-testnet.sh`'s smoke test and by the demo.
//!
//! Every process started here is killed when its [`NodeProcess`] is dropped, and also when the
//! process that started it dies (Linux `PR_SET_PDEATHSIG`), so a failing or interrupted test
//! leaves no node behind.

mod chain;
mod node;
mod ports;

pub use chain::{ChainHead, FinalityWatch};
pub use node::{NodeConfig, NodeProcess, Validator};
pub use ports::free_port;

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// A network of validators started together.
pub struct LocalNetwork {
	/// The nodes, in the order of the validators given to [`LocalNetwork::start`].
	pub nodes: Vec<NodeProcess>,
	_dir: tempfile::TempDir,
}

impl LocalNetwork {
	/// Starts one validator per entry of `validators` on chain `chain` (`local` or `local4`),
	/// the first one acting as the boot node of the others.
	pub async fn start(
		binary: &Path,
		chain: &str,
		validators: &[Validator],
		block_time_ms: u64,
	) -> Result<Self> {
		let dir = tempfile::Builder::new()
			.prefix("decentralml-localnet-")
			.tempdir()
			.context("creating a temporary directory for the network's databases")?;
		let mut nodes: Vec<NodeProcess> = Vec::with_capacity(validators.len());
		for validator in validators {
			let mut config = NodeConfig::validator(*validator, chain, dir.path());
			config.block_time_ms = Some(block_time_ms);
			if let Some(boot) = nodes.first() {
				config.bootnodes.push(boot.multiaddr());
			}
			nodes.push(NodeProcess::start(binary, config).await?);
		}
		Ok(Self { nodes, _dir: dir })
	}

	/// The directory holding each node's database and log.
	pub fn base_dir(&self) -> PathBuf {
		self._dir.path().to_path_buf()
	}
}
