//! # The `decentralml` command line for chain users
//!
//! The subcommands of the `decentralml` binary that talk to a running chain through the
//! [`decentralml_client`] SDK:
//!
//! | Command | Does |
//! |---|---|
//! | `task create\|list\|show\|approve` | propose a task from a TOML/JSON file, list and inspect tasks, approve by council or sudo |
//! | `model publish` | put a model card and initial parameters into a store; print their CIDs |
//! | `model download` | fetch a task's global model of any round, verified against its CID |
//! | `model evaluate` | accuracy and loss of a model file on local data |
//! | `stake add\|remove\|withdraw\|show` | back tasks with stake |
//! | `vote motion\|referendum` | council and referendum votes |
//! | `licence buy\|show\|claim` | licences and licence revenue |
//! | `account new\|show\|balance\|transfer` | keys, balances, transfers |
//!
//! Every command takes `--rpc` (default `ws://127.0.0.1:9944`), `--suri` or `--keystore` for
//! the signing account, and `--json` for machine-readable output.
//!
//! The binary embeds [`ClientCommand`] with `#[command(flatten)]` and calls [`run`]:
//!
//! ```
//! use clap::Parser;
//! use decentralml_cli::ClientCommand;
//!
//! #[derive(Parser)]
//! struct Cli {
//!     #[command(subcommand)]
//!     command: ClientCommand,
//! }
//!
//! let cli = Cli::try_parse_from(["decentralml", "task", "list", "--status", "active", "--json"])
//!     .unwrap();
//! assert!(matches!(cli.command, ClientCommand::Task { .. }));
//! // decentralml_cli::run(cli.command) would now connect to the node and print the tasks.
//! ```
#![warn(missing_docs)]
#![allow(clippy::result_large_err)]

pub mod args;
mod commands;
pub mod error;
pub mod output;
pub mod task_file;

pub use args::CommonArgs;
pub use commands::{
	account::AccountArgs, licence::LicenceArgs, model::ModelArgs, stake::StakeArgs, task::TaskArgs,
	vote::VoteArgs,
};
pub use error::{CliError, Result};

use clap::Subcommand;
use output::Output;

/// The commands for chain users, to flatten into the binary's top-level subcommands.
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
	/// Propose, list, show and approve training tasks.
	Task {
		/// The task command.
		#[command(flatten)]
		args: TaskArgs,
		/// Connection, signer and output flags.
		#[command(flatten)]
		common: CommonArgs,
	},
	/// Download global models, verified against their CIDs.
	Model {
		/// The model command.
		#[command(flatten)]
		args: ModelArgs,
		/// Connection, signer and output flags.
		#[command(flatten)]
		common: CommonArgs,
	},
	/// Back tasks with stake.
	Stake {
		/// The stake command.
		#[command(flatten)]
		args: StakeArgs,
		/// Connection, signer and output flags.
		#[command(flatten)]
		common: CommonArgs,
	},
	/// Vote on council motions and referenda.
	Vote {
		/// The vote command.
		#[command(flatten)]
		args: VoteArgs,
		/// Connection, signer and output flags.
		#[command(flatten)]
		common: CommonArgs,
	},
	/// Buy licences to models and claim licence revenue.
	Licence {
		/// The licence command.
		#[command(flatten)]
		args: LicenceArgs,
		/// Connection, signer and output flags.
		#[command(flatten)]
		common: CommonArgs,
	},
	/// Create keys, show balances, transfer DML.
	Account {
		/// The account command.
		#[command(flatten)]
		args: AccountArgs,
		/// Connection, signer and output flags.
		#[command(flatten)]
		common: CommonArgs,
	},
}

/// Runs `command` on a fresh Tokio runtime, printing to standard output.
pub fn run(command: ClientCommand) -> Result<()> {
	let runtime = tokio::runtime::Builder::new_multi_thread()
		.enable_all()
		.build()
		.map_err(|source| CliError::Io {
			action: "starting the async runtime for",
			path: "the command".into(),
			source,
		})?;
	let mut stdout = std::io::stdout().lock();
	runtime.block_on(run_with_output(command, &mut stdout))
}

/// Runs `command`, printing to `writer`.
pub async fn run_with_output(
	command: ClientCommand,
	writer: &mut dyn std::io::Write,
) -> Result<()> {
	match command {
		ClientCommand::Task { args, common } => {
			commands::task::run(args, &common, &mut Output::new(writer, common.json)).await
		}
		ClientCommand::Model { args, common } => {
			commands::model::run(args, &common, &mut Output::new(writer, common.json)).await
		}
		ClientCommand::Stake { args, common } => {
			commands::stake::run(args, &common, &mut Output::new(writer, common.json)).await
		}
		ClientCommand::Vote { args, common } => {
			commands::vote::run(args, &common, &mut Output::new(writer, common.json)).await
		}
		ClientCommand::Licence { args, common } => {
			commands::licence::run(args, &common, &mut Output::new(writer, common.json)).await
		}
		ClientCommand::Account { args, common } => {
			commands::account::run(args, &common, &mut Output::new(writer, common.json)).await
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use clap::Parser;

	#[derive(Debug, Parser)]
	struct Cli {
		#[command(subcommand)]
		command: ClientCommand,
	}

	fn parse(args: &[&str]) -> std::result::Result<ClientCommand, clap::Error> {
		let mut all = vec!["decentralml"];
		all.extend_from_slice(args);
		Cli::try_parse_from(all).map(|cli| cli.command)
	}

	#[test]
	fn common_flags_default_and_apply_anywhere() {
		let ClientCommand::Task { common, .. } = parse(&["task", "list"]).unwrap() else {
			panic!("not a task command");
		};
		assert_eq!(common.rpc, "ws://127.0.0.1:9944");
		assert!(!common.json);
		let ClientCommand::Task { common, .. } =
			parse(&["task", "--json", "show", "3", "--rpc", "ws://node:9944"]).unwrap()
		else {
			panic!("not a task command");
		};
		assert!(common.json);
		assert_eq!(common.rpc, "ws://node:9944");
	}

	#[test]
	fn suri_and_keystore_exclude_each_other() {
		assert!(parse(&[
			"account",
			"show",
			"--suri",
			"//Alice",
			"--keystore",
			"k.json"
		])
		.is_err());
		assert!(parse(&["account", "show", "--suri", "//Alice"]).is_ok());
	}

	#[test]
	fn task_commands_parse() {
		assert!(parse(&["task", "create", "--file", "task.toml"]).is_ok());
		assert!(parse(&["task", "create"]).is_err(), "--file is required");
		assert!(parse(&["task", "list", "--status", "active"]).is_ok());
		assert!(parse(&["task", "list", "--status", "sleeping"]).is_err());
		assert!(parse(&["task", "show", "7"]).is_ok());
		assert!(parse(&["task", "show", "seven"]).is_err());
		assert!(parse(&["task", "approve", "7", "--council", "//Alice,//Bob"]).is_ok());
		assert!(parse(&["task", "approve", "7", "--sudo", "--suri", "//Alice"]).is_ok());
		assert!(
			parse(&["task", "approve", "7"]).is_err(),
			"needs --council or --sudo"
		);
	}

	#[test]
	fn money_arguments_parse_amounts_and_assets() {
		assert!(parse(&["stake", "add", "--task", "1", "--amount", "12.5"]).is_ok());
		assert!(
			parse(&["stake", "add", "--task", "1", "--amount", "12.5", "--asset", "asset:3"])
				.is_ok()
		);
		assert!(parse(&["stake", "add", "--task", "1", "--amount", "a lot"]).is_err());
		assert!(
			parse(&["stake", "add", "--task", "1", "--amount", "1", "--asset", "gold"]).is_err()
		);
		let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
		assert!(parse(&["account", "transfer", "--to", alice, "--amount", "1 DML"]).is_ok());
		assert!(parse(&["account", "transfer", "--to", "nobody", "--amount", "1"]).is_err());
		assert!(parse(&["account", "balance", alice, "--asset", "native"]).is_ok());
	}

	#[test]
	fn votes_need_one_direction() {
		let hash = format!("0x{}", "11".repeat(32));
		assert!(parse(&["vote", "motion", "--index", "0", "--hash", &hash, "--aye"]).is_ok());
		assert!(parse(&["vote", "motion", "--index", "0", "--hash", &hash]).is_err());
		assert!(
			parse(&["vote", "motion", "--index", "0", "--hash", &hash, "--aye", "--nay"]).is_err()
		);
		assert!(parse(&[
			"vote",
			"referendum",
			"--index",
			"2",
			"--nay",
			"--conviction",
			"6",
			"--balance",
			"5"
		])
		.is_ok());
		assert!(parse(&[
			"vote",
			"referendum",
			"--index",
			"2",
			"--aye",
			"--conviction",
			"7",
			"--balance",
			"5"
		])
		.is_err());
	}

	#[test]
	fn licence_and_model_commands_parse() {
		assert!(parse(&["licence", "buy", "--task", "1", "--jurisdiction", "DE"]).is_ok());
		assert!(parse(&["licence", "buy", "--task", "1", "--jurisdiction", "Germany"]).is_err());
		assert!(parse(&["licence", "claim", "--task", "1"]).is_ok());
		assert!(parse(&[
			"model",
			"download",
			"--task",
			"1",
			"--round",
			"2",
			"--store",
			"file:///tmp/blobs",
			"--out",
			"model.safetensors"
		])
		.is_ok());
		assert!(
			parse(&["model", "download", "--task", "1", "--out", "m"]).is_err(),
			"--store is required"
		);
	}
}
