//! Federated-learning simulator for DecentralML: `decentralml simulate`.
//!
//! Clients train side by side in this process (`--parallel-clients`, one per core by default;
//! the results do not depend on it), and the server side aggregates with `decentralml-fl`'s [`Aggregator`] under the
//! chain's [`StrategyConfig`], the same code the network's aggregators run. ProxyFL mode has no
//! server: clients exchange proxies on an exponential graph.
//!
//! A federated run checkpoints itself after every round (`<out>/<name>.checkpoint`: global
//! model, server state, records); `--resume` continues it after an interruption, or extends a
//! finished run to a larger `--rounds`, with the results an uninterrupted run gives.
//!
//! Each round appends a line to `<out>/<name>.csv` (`round, accuracy, loss, examples, seconds,
//! train_loss, clients`), and `<out>/<name>.svg` plots test accuracy against rounds. The rounds
//! needed to reach `--target-accuracy` are printed at the end and returned in [`SimReport`].
//!
//! [`Aggregator`]: decentralml_fl::aggregate::Aggregator
//! [`StrategyConfig`]: decentralml_primitives::StrategyConfig
//!
//! ```no_run
//! use clap::Parser;
//! use decentralml_sim::SimulateArgs;
//!
//! #[derive(Parser)]
//! struct Cli {
//!     #[command(flatten)]
//!     simulate: SimulateArgs,
//! }
//!
//! // FedAvg on MNIST's pathological non-IID split, as in McMahan et al. 2017.
//! let cli = Cli::parse_from([
//!     "simulate", "--dataset", "mnist", "--model", "2nn", "--partition", "shards",
//!     "--clients", "100", "--fraction", "0.1", "--epochs", "1", "--batch-size", "10",
//!     "--rounds", "1000", "--target-accuracy", "0.97", "--stop-at-target",
//! ]);
//! let report = decentralml_sim::run(cli.simulate)?;
//! println!("rounds to 97%: {:?}", report.rounds_to_target);
//! # Ok::<(), anyhow::Error>(())
//! ```
#![warn(missing_docs)]

pub mod args;
mod checkpoint;
mod federated;
mod parallel;
pub mod plot;
mod proxy;
mod recorder;
pub mod report;
mod sampling;
mod setup;
pub mod strategy_spec;

pub use args::{Mode, SimulateArgs};
pub use report::RoundRecord;

use recorder::{Recorder, RecorderSettings};
use setup::Setup;
use std::path::PathBuf;

/// The outcome of a simulation.
#[derive(Clone, Debug)]
pub struct SimReport {
	/// One record per round run.
	pub records: Vec<RoundRecord>,
	/// The target accuracy, if one was given.
	pub target_accuracy: Option<f64>,
	/// The first round that reached the target.
	pub rounds_to_target: Option<usize>,
	/// Best test accuracy over all rounds.
	pub best_accuracy: f64,
	/// Wall-clock seconds of all the rounds (a resumed run's earlier rounds included).
	pub seconds: f64,
	/// The per-round CSV.
	pub csv_path: PathBuf,
	/// The accuracy plot.
	pub svg_path: PathBuf,
}

impl SimReport {
	/// A few lines summarising the run.
	pub fn summary(&self) -> String {
		let last = self.records.last();
		let mut text = format!(
			"rounds run: {}\nfinal test accuracy: {:.4}\nbest test accuracy: {:.4}\nwall time of the rounds: {:.1} s\n",
			self.records.len(),
			last.map_or(0.0, |r| r.accuracy),
			self.best_accuracy,
			self.seconds
		);
		if let Some(target) = self.target_accuracy {
			match self.rounds_to_target {
				Some(rounds) => {
					text += &format!("rounds to {:.2}% accuracy: {rounds}\n", target * 100.0)
				}
				None => {
					text += &format!(
						"rounds to {:.2}% accuracy: not reached in {} rounds\n",
						target * 100.0,
						self.records.len()
					)
				}
			}
		}
		text + &format!(
			"csv: {}\nplot: {}",
			self.csv_path.display(),
			self.svg_path.display()
		)
	}
}

/// Runs a simulation: loads the data, runs the rounds, writes the CSV and plot, prints the
/// summary (with the rounds to the target accuracy) and returns it.
pub fn run(args: SimulateArgs) -> anyhow::Result<SimReport> {
	let setup = Setup::new(&args)?;
	std::fs::create_dir_all(&args.out)
		.map_err(|e| anyhow::anyhow!("cannot create {}: {e}", args.out.display()))?;
	let resumed = match (args.resume, args.mode) {
		(false, _) => None,
		(true, Mode::Fl) => checkpoint::resume(&args, &setup)?,
		(true, Mode::Proxyfl) => {
			anyhow::bail!("--resume continues federated runs (--mode fl); ProxyFL runs start over")
		}
	};
	let previous = resumed
		.as_ref()
		.map_or_else(Vec::new, |c| c.records.clone());
	let mut recorder = Recorder::new(
		RecorderSettings {
			csv_path: args.out.join(format!("{}.csv", setup.name)),
			svg_path: args.out.join(format!("{}.svg", setup.name)),
			title: setup.title.clone(),
			rounds: args.rounds,
			target: args.target_accuracy,
			stop_at_target: args.stop_at_target,
			quiet: args.quiet,
			log_every: args.log_every,
		},
		previous,
	)?;
	match args.mode {
		Mode::Fl => federated::run(&args, &setup, &mut recorder, resumed)?,
		Mode::Proxyfl => proxy::run(&args, &setup, &mut recorder)?,
	}
	let report = recorder.finish()?;
	println!("{}", report.summary());
	Ok(report)
}
