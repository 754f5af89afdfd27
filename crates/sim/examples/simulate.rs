//! Runs `decentralml simulate` on its own (the same arguments as the subcommand):
//!
//!     cargo run --release -p decentralml-sim --example simulate -- --help

use clap::Parser;
use decentralml_sim::SimulateArgs;

/// Federated-learning simulator.
#[derive(Parser)]
#[command(name = "simulate")]
struct Cli {
	#[command(flatten)]
	simulate: SimulateArgs,
}

fn main() -> anyhow::Result<()> {
	decentralml_sim::run(Cli::parse().simulate)?;
	Ok(())
}
