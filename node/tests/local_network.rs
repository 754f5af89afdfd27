//! Real validator networks on loopback: blocks are produced and finalized, and the network
//! copes with a validator that dies.
//!
//! GRANDPA finalizes a block once more than two thirds of the voters sign it. With three equal
//! voters that means all three: losing one keeps blocks coming (Aura) but pauses finality until
//! the validator returns. With four voters, any three suffice, so finality survives one failure.

use decentralml_localnet::{FinalityWatch, LocalNetwork, Validator};
use std::{path::Path, time::Duration};
use tokio::sync::Mutex;

const BLOCK_TIME_MS: u64 = 500;
const PATIENCE: Duration = Duration::from_secs(90);

/// Two networks at once would starve each other of the machine's cores.
static ONE_NETWORK_AT_A_TIME: Mutex<()> = Mutex::const_new(());

fn binary() -> &'static Path {
	Path::new(env!("CARGO_BIN_EXE_decentralml"))
}

async fn watches(network: &LocalNetwork) -> anyhow::Result<Vec<FinalityWatch>> {
	let mut watches = Vec::new();
	for node in &network.nodes {
		watches.push(FinalityWatch::connect(node.rpc_url()).await?);
	}
	Ok(watches)
}

#[tokio::test]
async fn three_validators_finalize_and_recover_a_lost_validator() -> anyhow::Result<()> {
	let _turn = ONE_NETWORK_AT_A_TIME.lock().await;
	let validators = [Validator::Alice, Validator::Bob, Validator::Charlie];
	let mut network = LocalNetwork::start(binary(), "local", &validators, BLOCK_TIME_MS).await?;
	let watch = watches(&network).await?;

	// Every validator sees blocks finalized.
	for w in &watch {
		w.wait_for_finalized(3, PATIENCE).await?;
	}

	// Charlie dies: Alice and Bob keep authoring their slots.
	network.nodes[2].kill().await?;
	let at_kill = watch[0].head().await?;
	let later = watch[0].wait_for_best(at_kill.best + 4, PATIENCE).await?;
	assert!(
		later.best >= at_kill.best + 4,
		"block production continues: {later:?}"
	);

	// Charlie comes back with its database: finality catches up beyond the blocks made without it.
	network.nodes[2].restart().await?;
	let target = watch[0].head().await?.best;
	for w in &watch[..2] {
		w.wait_for_finalized(target, PATIENCE).await?;
	}
	FinalityWatch::connect(network.nodes[2].rpc_url())
		.await?
		.wait_for_finalized(target, PATIENCE)
		.await?;
	Ok(())
}

#[tokio::test]
async fn four_validators_keep_finalizing_without_one() -> anyhow::Result<()> {
	let _turn = ONE_NETWORK_AT_A_TIME.lock().await;
	let mut network =
		LocalNetwork::start(binary(), "local4", &Validator::ALL, BLOCK_TIME_MS).await?;
	let watch = watches(&network).await?;
	for w in &watch {
		w.wait_for_finalized(3, PATIENCE).await?;
	}

	network.nodes[3].kill().await?;
	let at_kill = watch[0].head().await?;
	for w in &watch[..3] {
		w.wait_for_finalized(at_kill.best + 5, PATIENCE).await?;
	}
	assert!(!network.nodes[3].is_running());
	Ok(())
}
