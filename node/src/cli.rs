//! Top-level command line: one subcommand per role.

use clap::{Parser, Subcommand};

/// DecentralML: decentralised federated machine learning on a Substrate chain.
#[derive(Debug, Parser)]
#[command(name = "decentralml", version = crate::chain::cli::impl_version_static(), about, long_about = None)]
pub struct Cli {
	#[command(subcommand)]
	pub command: Command,
}

/// What to run.
#[derive(Debug, Subcommand)]
pub enum Command {
	/// Run a DecentralML chain node, or one of the node's maintenance commands.
	Node(crate::chain::cli::NodeCli),

	/// Simulate federated training in one process, without a chain: the same strategies the
	/// network aggregates with, on MNIST, Fashion-MNIST, FEMNIST or Shakespeare.
	Simulate(decentralml_sim::SimulateArgs),

	/// Play a role in a task's rounds: train, validate or aggregate.
	Worker(decentralml_worker::WorkerArgs),

	/// Run federated training end to end on a local dev chain with in-process workers.
	Demo(decentralml_demo::DemoArgs),

	/// Commands for chain users: tasks, models, stakes, votes, licences and accounts.
	#[command(flatten)]
	Client(decentralml_cli::ClientCommand),
}

/// Parses the command line and runs the chosen subcommand.
pub fn run() -> anyhow::Result<()> {
	let cli = Cli::parse();
	match cli.command {
		Command::Node(node) => crate::chain::command::run(node).map_err(Into::into),
		Command::Simulate(args) => decentralml_sim::run(args).map(|_report| ()),
		Command::Worker(args) => decentralml_worker::run(args),
		Command::Demo(args) => decentralml_demo::run(args),
		Command::Client(command) => decentralml_cli::run(command).map_err(Into::into),
	}
}
