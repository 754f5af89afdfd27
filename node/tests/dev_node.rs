//! Starts `decentralml node --dev` and moves money on it through the public RPC, as a wallet
//! would: a transfer signed by a dev account must land in a finalized block.

use decentralml_localnet::{FinalityWatch, NodeConfig, NodeProcess};
use std::{path::Path, time::Duration};
use subxt::{OnlineClient, PolkadotConfig};
use subxt_signer::sr25519::{dev, Keypair};

#[subxt::subxt(runtime_metadata_path = "../metadata/decentralml.scale")]
mod runtime {}

const UNIT: u128 = 1_000_000_000_000;

#[tokio::test]
async fn dev_node_finalizes_a_balance_transfer() -> anyhow::Result<()> {
	let logs = tempfile::tempdir()?;
	let mut config = NodeConfig::dev(logs.path());
	config.block_time_ms = Some(500);
	let node = NodeProcess::start(Path::new(env!("CARGO_BIN_EXE_decentralml")), config).await?;

	let api = OnlineClient::<PolkadotConfig>::from_insecure_url(node.rpc_url()).await?;
	let recipient = Keypair::from_secret_key([7u8; 32])?
		.public_key()
		.to_account_id();
	let amount = 5 * UNIT;
	let transfer = runtime::transactions()
		.balances()
		.transfer_allow_death(recipient.clone().into(), amount);

	let in_block = api
		.at_current_block()
		.await?
		.transactions()
		.sign_and_submit_then_watch_default(&transfer, &dev::alice())
		.await?
		.wait_for_finalized()
		.await?;
	let events = in_block.wait_for_success().await?;
	let event = events
		.find_first::<runtime::balances::events::Transfer>()
		.transpose()?
		.expect("a successful transfer emits Transfer");
	assert_eq!(event.to, recipient);
	assert_eq!(event.amount, amount);

	// The block is final and the recipient holds the money there.
	let at = api.at_block(in_block.block_hash()).await?;
	let account = at
		.storage()
		.entry(runtime::storage().system().account())?
		.fetch((recipient,))
		.await?
		.decode()?;
	assert_eq!(account.data.free, amount);

	let head = FinalityWatch::connect(node.rpc_url()).await?.head().await?;
	assert!(
		head.finalized >= at.block_number(),
		"finalized head {head:?} is behind the block"
	);

	// Fast blocks: at 500 ms a few more blocks arrive within seconds.
	FinalityWatch::connect(node.rpc_url())
		.await?
		.wait_for_finalized(head.finalized + 3, Duration::from_secs(30))
		.await?;
	Ok(())
}
