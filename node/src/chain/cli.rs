//! `decentralml node …`: the Substrate node's command line.

use super::chain_spec;
use sc_cli::{RunCmd, SubstrateCli};

/// Block time of built-in development chains when `--block-time-ms` is not given.
pub const DEFAULT_DEV_BLOCK_TIME_MS: u64 =
	decentralml_runtime::genesis_config_presets::DEV_SLOT_DURATION_MS;

/// Run a DecentralML node (`decentralml node --dev`), or a maintenance subcommand.
#[derive(Debug, clap::Args)]
pub struct NodeCli {
	#[command(subcommand)]
	pub subcommand: Option<NodeSubcommand>,

	#[command(flatten)]
	pub run: RunCmd,

	/// Block time, in milliseconds, of the built-in chains (`dev`, `local`, `local4`).
	/// It is fixed in the genesis block, so every node of a network must use the same value.
	/// Ignored for chain-spec files, which carry their own.
	#[arg(long, value_name = "MS", global = true, value_parser = parse_block_time)]
	pub block_time_ms: Option<u64>,
}

fn parse_block_time(s: &str) -> Result<u64, String> {
	let ms: u64 = s
		.parse()
		.map_err(|e| format!("not a number of milliseconds: {e}"))?;
	let min = pallet_slot_duration::MIN_SLOT_DURATION_MS;
	if ms < min {
		return Err(format!(
			"{ms} ms is below the shortest block time the runtime accepts ({min} ms)"
		));
	}
	Ok(ms)
}

/// The node's maintenance subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum NodeSubcommand {
	/// Key management (generate, inspect, insert keys into the keystore).
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Write a chain specification to stdout.
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Check that a block imports cleanly.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks to a file.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state at a block into a chain specification.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks from a file.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Delete the whole chain database.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Print information about the database (best, finalized and genesis blocks).
	ChainInfo(sc_cli::ChainInfoCmd),

	/// Measure the runtime's pallets to produce their weight files (build with
	/// `--features runtime-benchmarks`).
	#[cfg(feature = "runtime-benchmarks")]
	#[command(subcommand)]
	Benchmark(BenchmarkCmd),
}

/// What to benchmark.
#[cfg(feature = "runtime-benchmarks")]
#[derive(Debug, clap::Subcommand)]
pub enum BenchmarkCmd {
	/// Benchmark the extrinsics and hooks of pallets and write weight files.
	Pallet(frame_benchmarking_cli::PalletCmd),
}

/// The version string `--version` prints: the crate version and the git commit.
pub const fn impl_version_static() -> &'static str {
	env!("SUBSTRATE_CLI_IMPL_VERSION")
}

impl SubstrateCli for NodeCli {
	fn impl_name() -> String {
		"DecentralML Node".into()
	}

	fn impl_version() -> String {
		impl_version_static().into()
	}

	fn description() -> String {
		env!("CARGO_PKG_DESCRIPTION").into()
	}

	fn author() -> String {
		env!("CARGO_PKG_AUTHORS").into()
	}

	fn support_url() -> String {
		"https://github.com/decentralml/decentralml/issues".into()
	}

	fn copyright_start_year() -> i32 {
		2026
	}

	fn executable_name() -> String {
		"decentralml".into()
	}

	fn load_spec(&self, id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
		let block_time = self.block_time_ms.unwrap_or(DEFAULT_DEV_BLOCK_TIME_MS);
		Ok(match id {
			"dev" => Box::new(chain_spec::development(block_time)?),
			"" | "local" => Box::new(chain_spec::local_testnet(block_time)?),
			"local4" => Box::new(chain_spec::local_testnet_4(block_time)?),
			path => {
				if self.block_time_ms.is_some() {
					return Err(format!(
						"--block-time-ms applies to the built-in chains only; `{path}` is a chain-spec \
						 file whose genesis already fixes the block time"
					));
				}
				Box::new(chain_spec::ChainSpec::from_json_file(
					std::path::PathBuf::from(path),
				)?)
			}
		})
	}
}
