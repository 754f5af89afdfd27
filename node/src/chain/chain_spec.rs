//! Built-in chain specifications.
//!
//! | `--chain` | validators | for |
//! |---|---|---|
//! | `dev` | Alice | one-node development chain (`--dev`) |
//! | `local` | Alice, Bob, Charlie | a network of three nodes on one machine |
//! | `local4` | Alice, Bob, Charlie, Dave | the smallest set where finality survives a lost validator |
//!
//! Every built-in chain uses well-known development keys: never for real value.

use decentralml_runtime::{genesis_config_presets as presets, WASM_BINARY};
use sc_service::ChainType;

/// The chain specification type of DecentralML chains (no extensions).
pub type ChainSpec = sc_service::GenericChainSpec;

/// Token properties shown by wallets and explorers.
fn properties() -> sc_service::Properties {
	let mut properties = sc_service::Properties::new();
	properties.insert("tokenSymbol".into(), "DML".into());
	properties.insert("tokenDecimals".into(), 12.into());
	properties.insert("ss58Format".into(), 42.into());
	properties
}

fn wasm() -> Result<&'static [u8], String> {
	WASM_BINARY.ok_or_else(|| {
		"the runtime's wasm was not built: rebuild without SKIP_WASM_BUILD (run scripts/setup.sh \
		 first so the wasm32v1-none target and rust-src are installed)"
			.to_string()
	})
}

/// A development or local-network spec with `validators` authorities and the given block time.
fn local_spec(
	name: &str,
	id: &str,
	chain_type: ChainType,
	validators: usize,
	block_time_ms: u64,
) -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name(name)
		.with_id(id)
		.with_chain_type(chain_type)
		.with_genesis_config_patch(presets::local_genesis(validators, block_time_ms))
		.with_properties(properties())
		.build())
}

/// `--chain dev`: one validator (Alice).
pub fn development(block_time_ms: u64) -> Result<ChainSpec, String> {
	local_spec(
		"DecentralML Development",
		"decentralml_dev",
		ChainType::Development,
		1,
		block_time_ms,
	)
}

/// `--chain local`: three validators (Alice, Bob, Charlie).
pub fn local_testnet(block_time_ms: u64) -> Result<ChainSpec, String> {
	local_spec(
		"DecentralML Local Testnet",
		"decentralml_local",
		ChainType::Local,
		3,
		block_time_ms,
	)
}

/// `--chain local4`: four validators (Alice, Bob, Charlie, Dave).
pub fn local_testnet_4(block_time_ms: u64) -> Result<ChainSpec, String> {
	local_spec(
		"DecentralML Local Testnet (4)",
		"decentralml_local4",
		ChainType::Local,
		4,
		block_time_ms,
	)
}
