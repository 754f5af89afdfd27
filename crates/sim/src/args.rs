//! Command-line arguments of `decentralml simulate`.

use clap::{Args, ValueEnum};
use decentralml_train::card::{ModelCard, OptimizerConfig};
use decentralml_train::data::DatasetName;
use decentralml_train::{LocalConfig, Partitioner};
use std::path::PathBuf;

/// Federated or decentralised training.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Mode {
	/// A server aggregates the sampled clients' models every round with `--strategy`.
	Fl,
	/// ProxyFL: no server; every client trains a private model and a proxy, and proxies travel
	/// on a directed exponential graph.
	Proxyfl,
}

/// The local optimiser.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OptimizerKind {
	/// SGD (with `--momentum`).
	Sgd,
	/// Adam.
	Adam,
}

/// Where local training runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DeviceKind {
	/// burn's Flex CPU backend (all cores, SIMD).
	Cpu,
	/// A GPU through wgpu (needs the `wgpu` cargo feature).
	Wgpu,
}

/// Runs federated rounds in one process, with the network's aggregation strategies.
#[derive(Clone, Debug, Args)]
pub struct SimulateArgs {
	/// Data set: mnist, fashion-mnist, femnist or shakespeare.
	#[arg(long, default_value = "mnist", value_parser = parse_dataset)]
	pub dataset: DatasetName,
	/// Data folder (default: $DECENTRALML_DATA or ~/.cache/decentralml/data; fill it with
	/// scripts/fetch-data.sh).
	#[arg(long)]
	pub data_dir: Option<PathBuf>,
	/// Model: 2nn, cnn, logreg, lstm, a model card JSON file, or auto (2nn for MNIST-like
	/// sets, cnn for FEMNIST, lstm for Shakespeare).
	#[arg(long, default_value = "auto")]
	pub model: String,
	/// Number of clients K (with --partition natural: at most this many groups are kept).
	#[arg(long, default_value_t = 100)]
	pub clients: usize,
	/// Fraction C of clients sampled each round (at least one client).
	#[arg(long, default_value_t = 0.1)]
	pub fraction: f64,
	/// Number of rounds.
	#[arg(long, default_value_t = 100)]
	pub rounds: usize,
	/// Aggregation strategy: fedavg, fedavgm[:lr=,momentum=], fedadam[:lr=,beta1=,beta2=,tau=],
	/// fedyogi[...], fedadagrad[:lr=,tau=], fedprox[:mu=], fedmedian, trimmed-mean[:beta=],
	/// krum[:f=], multikrum[:f=,m=], bulyan[:f=], or StrategyConfig JSON.
	#[arg(long, default_value = "fedavg")]
	pub strategy: String,
	/// Server-side L2 bound on each update's delta (off by default).
	#[arg(long)]
	pub norm_bound: Option<f64>,
	/// Partitioner: iid, shards[:K] (FedAvg's pathological non-IID), dirichlet:ALPHA, natural.
	#[arg(long, default_value = "iid", value_parser = parse_partitioner)]
	pub partition: Partitioner,
	/// Local epochs E (default: the model card's).
	#[arg(long)]
	pub epochs: Option<usize>,
	/// Local batch size B (default: the model card's).
	#[arg(long)]
	pub batch_size: Option<usize>,
	/// Local optimiser (default: the model card's).
	#[arg(long, value_enum)]
	pub optimizer: Option<OptimizerKind>,
	/// Local learning rate (default: the model card's).
	#[arg(long)]
	pub lr: Option<f64>,
	/// SGD momentum (default: the model card's, usually 0).
	#[arg(long)]
	pub momentum: Option<f64>,
	/// FedProx mu for local training (default: the strategy's mu for fedprox, else 0).
	#[arg(long)]
	pub proximal_mu: Option<f64>,
	/// Test accuracy to reach; the rounds it took are printed at the end.
	#[arg(long)]
	pub target_accuracy: Option<f64>,
	/// Stop as soon as the target accuracy is reached.
	#[arg(long)]
	pub stop_at_target: bool,
	/// Seed of initialisation, partitioning, sampling and batch order.
	#[arg(long, default_value_t = 0)]
	pub seed: u64,
	/// Evaluate on the first N test examples only (default: the whole test set).
	#[arg(long)]
	pub eval_examples: Option<usize>,
	/// Folder for the per-round CSV and the SVG plot.
	#[arg(long, default_value = "sim-out")]
	pub out: PathBuf,
	/// Base name of the output files (default: built from data set, model, partition and
	/// strategy).
	#[arg(long)]
	pub name: Option<String>,
	/// fl (server aggregation) or proxyfl (decentralised, every client every round).
	#[arg(long, value_enum, default_value_t = Mode::Fl)]
	pub mode: Mode,
	/// ProxyFL: the proxy's model (default: the same as --model).
	#[arg(long)]
	pub proxy_model: Option<String>,
	/// ProxyFL: weight of the mutual-distillation term.
	#[arg(long, default_value_t = 0.5)]
	pub distillation_weight: f64,
	/// ProxyFL: DP-SGD per-example clipping norm for the proxy (no DP when absent).
	#[arg(long)]
	pub dp_clip: Option<f64>,
	/// ProxyFL: DP-SGD noise multiplier.
	#[arg(long, default_value_t = 1.0)]
	pub dp_noise: f64,
	/// Where local training runs.
	#[arg(long, value_enum, default_value_t = DeviceKind::Cpu)]
	pub device: DeviceKind,
	/// Clients trained at the same time, the cores shared among them (default: one per core
	/// on the CPU, at most a round's clients; one on a GPU). 1 trains one client at a time on
	/// every core. Results do not depend on it.
	#[arg(long)]
	pub parallel_clients: Option<usize>,
	/// Print a line every N rounds (0: never).
	#[arg(long, default_value_t = 10)]
	pub log_every: usize,
	/// No progress bar.
	#[arg(long)]
	pub quiet: bool,
	/// Continue the run from `<out>/<name>.checkpoint` (written after every round of a
	/// federated run): after an interruption, or to extend a finished run to more --rounds.
	/// The settings must match the checkpoint's; without a checkpoint the run starts afresh.
	#[arg(long)]
	pub resume: bool,
}

impl SimulateArgs {
	/// The arguments with every default: 100 MNIST clients, FedAvg, IID, 100 rounds.
	pub fn defaults() -> Self {
		use clap::{FromArgMatches, Parser};
		#[derive(Parser)]
		struct Wrapper {
			#[command(flatten)]
			args: SimulateArgs,
		}
		let matches = <Wrapper as clap::CommandFactory>::command().get_matches_from(["simulate"]);
		// Invariant: every argument has a default, so parsing an empty command line succeeds.
		Wrapper::from_arg_matches(&matches)
			.expect("defaults parse")
			.args
	}

	/// Local training settings: the card's, with the command-line overrides applied.
	pub fn local_config(&self, card: &ModelCard, strategy_mu: Option<f64>) -> LocalConfig {
		let mut config = card.training.clone();
		if let Some(e) = self.epochs {
			config.epochs = e;
		}
		if let Some(b) = self.batch_size {
			config.batch_size = b;
		}
		let lr = self.lr.unwrap_or_else(|| config.optimizer.learning_rate());
		config.optimizer = match (self.optimizer, &config.optimizer) {
			(Some(OptimizerKind::Adam), _) | (None, OptimizerConfig::Adam { .. }) => {
				OptimizerConfig::adam(lr)
			}
			(Some(OptimizerKind::Sgd), _) | (None, OptimizerConfig::Sgd { .. }) => {
				let (momentum, weight_decay) = match config.optimizer {
					OptimizerConfig::Sgd {
						momentum,
						weight_decay,
						..
					} => (momentum, weight_decay),
					OptimizerConfig::Adam { .. } => (0.0, 0.0),
				};
				OptimizerConfig::Sgd {
					learning_rate: lr,
					momentum: self.momentum.unwrap_or(momentum),
					weight_decay,
				}
			}
		};
		config.proximal_mu = self
			.proximal_mu
			.or(strategy_mu)
			.unwrap_or(config.proximal_mu);
		config
	}
}

fn parse_dataset(s: &str) -> Result<DatasetName, String> {
	s.parse()
}

fn parse_partitioner(s: &str) -> Result<Partitioner, String> {
	s.parse()
}

/// Resolves `--model` for a data set with `classes` classes.
pub fn model_card(spec: &str, dataset: DatasetName, classes: usize) -> anyhow::Result<ModelCard> {
	let name = match spec {
		"auto" => match dataset {
			DatasetName::Mnist | DatasetName::FashionMnist => "2nn",
			DatasetName::Femnist => "cnn",
			DatasetName::Shakespeare => "lstm",
		},
		other => other,
	};
	let mut card =
		ModelCard::builtin_or_file(name, classes).map_err(|e| anyhow::anyhow!("--model: {e}"))?;
	// Built-in image models are named after the data set they train on here.
	if ModelCard::BUILTIN.contains(&name) && name != "lstm" {
		card.name = format!("{dataset}-{name}");
	}
	Ok(card)
}

#[cfg(test)]
mod tests {
	use super::*;
	use clap::Parser;

	#[derive(Parser)]
	struct Cli {
		#[command(flatten)]
		args: SimulateArgs,
	}

	#[test]
	fn parses_a_full_command_line() {
		let cli = Cli::try_parse_from([
			"simulate",
			"--dataset",
			"femnist",
			"--partition",
			"dirichlet:0.5",
			"--strategy",
			"fedyogi",
			"--fraction",
			"0.2",
			"--optimizer",
			"adam",
			"--lr",
			"0.001",
			"--target-accuracy",
			"0.8",
		])
		.unwrap();
		assert_eq!(cli.args.dataset, DatasetName::Femnist);
		assert_eq!(cli.args.partition, Partitioner::Dirichlet { alpha: 0.5 });
		let card = model_card(&cli.args.model, cli.args.dataset, 62).unwrap();
		assert_eq!(card.classes(), 62);
		assert_eq!(
			cli.args.local_config(&card, None).optimizer,
			OptimizerConfig::adam(0.001)
		);
	}

	#[test]
	fn bad_values_are_rejected_with_the_reason() {
		let err = Cli::try_parse_from(["simulate", "--partition", "zipf"])
			.err()
			.unwrap();
		assert!(err.to_string().contains("zipf"));
		let err = Cli::try_parse_from(["simulate", "--dataset", "cifar"])
			.err()
			.unwrap();
		assert!(err.to_string().contains("cifar"));
		assert!(model_card("nope.json", DatasetName::Mnist, 10)
			.unwrap_err()
			.to_string()
			.contains("nope.json"));
	}

	#[test]
	fn defaults_follow_fedavg_mnist() {
		let args = SimulateArgs::defaults();
		assert_eq!((args.clients, args.fraction, args.rounds), (100, 0.1, 100));
		let card = model_card("auto", DatasetName::Mnist, 10).unwrap();
		assert_eq!(card.name, "mnist-2nn");
		let local = args.local_config(&card, Some(0.01));
		assert_eq!(
			(local.epochs, local.batch_size, local.proximal_mu),
			(1, 10, 0.01)
		);
	}
}
