//! Everything a run needs before its first round: data, model card, partition, local settings.

use crate::args::{model_card, DeviceKind, SimulateArgs};
use crate::strategy_spec::{from_fixed, parse_strategy, strategy_label};
use anyhow::{bail, Context};
use decentralml_primitives::StrategyConfig;
use decentralml_train::data::{self, DataSplit};
use decentralml_train::partition::ClientIndices;
use decentralml_train::{Device, LocalConfig, LocalTrainer, ModelCard, Partitioner};

/// A prepared run.
pub(crate) struct Setup {
	/// Trainer of the (global or private) model.
	pub trainer: LocalTrainer,
	/// Train and test data.
	pub split: DataSplit,
	/// Example indices of each client (clients without examples are dropped).
	pub clients: ClientIndices,
	/// Local training settings.
	pub local: LocalConfig,
	/// Test examples evaluated each round.
	pub test: Vec<usize>,
	/// The aggregation strategy (fl mode).
	pub strategy: StrategyConfig,
	/// Base name of the output files.
	pub name: String,
	/// Plot title.
	pub title: String,
}

impl Setup {
	/// Loads the data and builds everything from the arguments.
	pub(crate) fn new(args: &SimulateArgs) -> anyhow::Result<Self> {
		check_ranges(args)?;
		let dir = args.data_dir.clone().unwrap_or_else(data::data_dir);
		let split = data::load(args.dataset, &dir)
			.with_context(|| format!("loading {} from {}", args.dataset, dir.display()))?;
		let card = model_card(&args.model, args.dataset, split.train.classes)?;
		let strategy = parse_strategy(&args.strategy).map_err(anyhow::Error::msg)?;
		let strategy_mu = match strategy {
			StrategyConfig::FedProx { proximal_mu } => Some(from_fixed(proximal_mu)),
			_ => None,
		};
		let local = args.local_config(&card, strategy_mu);
		local.validate()?;
		let trainer = LocalTrainer::new(card.clone(), device(args.device)?)?;
		decentralml_train::local::check_compatible(&card, &split.train)?;
		let mut clients = args
			.partition
			.partition(&split.train, args.clients, args.seed)?;
		clients.retain(|c| !c.is_empty());
		if clients.is_empty() {
			bail!("the partition left every client without examples");
		}
		let test_count = args
			.eval_examples
			.unwrap_or(split.test.len())
			.min(split.test.len());
		let name = args
			.name
			.clone()
			.unwrap_or_else(|| default_name(args, &card, &strategy));
		let title = title(args, &card, &strategy, &local, clients.len());
		Ok(Setup {
			trainer,
			split,
			clients,
			local,
			test: (0..test_count).collect(),
			strategy,
			name,
			title,
		})
	}

	/// Clients sampled per round: `max(1, round(C * K))`.
	pub(crate) fn clients_per_round(&self, fraction: f64) -> usize {
		((fraction * self.clients.len() as f64).round() as usize).clamp(1, self.clients.len())
	}
}

fn check_ranges(args: &SimulateArgs) -> anyhow::Result<()> {
	if args.clients == 0 || args.rounds == 0 {
		bail!("--clients and --rounds must be at least 1");
	}
	if args.parallel_clients == Some(0) {
		bail!("--parallel-clients must be at least 1");
	}
	if !(args.fraction > 0.0 && args.fraction <= 1.0) {
		bail!("--fraction {} must lie in (0, 1]", args.fraction);
	}
	if let Some(t) = args.target_accuracy {
		if !(t > 0.0 && t <= 1.0) {
			bail!("--target-accuracy {t} must lie in (0, 1]");
		}
	}
	Ok(())
}

fn device(kind: DeviceKind) -> anyhow::Result<Device> {
	match kind {
		DeviceKind::Cpu => Ok(decentralml_train::cpu_device()),
		#[cfg(feature = "wgpu")]
		DeviceKind::Wgpu => Ok(Device::wgpu(Default::default())),
		#[cfg(not(feature = "wgpu"))]
		DeviceKind::Wgpu => bail!("--device wgpu needs a build with the `wgpu` cargo feature"),
	}
}

fn partition_label(p: &Partitioner) -> String {
	match p {
		Partitioner::Iid => "iid".into(),
		Partitioner::Dirichlet { alpha } => format!("dirichlet{alpha}"),
		Partitioner::Shards { shards_per_client } => format!("shards{shards_per_client}"),
		Partitioner::Natural => "natural".into(),
	}
}

fn default_name(args: &SimulateArgs, card: &ModelCard, strategy: &StrategyConfig) -> String {
	let how = match args.mode {
		crate::args::Mode::Fl => strategy_label(strategy).to_string(),
		crate::args::Mode::Proxyfl => "proxyfl".into(),
	};
	format!("{}-{}-{how}", card.name, partition_label(&args.partition))
}

fn title(
	args: &SimulateArgs,
	card: &ModelCard,
	strategy: &StrategyConfig,
	local: &LocalConfig,
	clients: usize,
) -> String {
	let how = match args.mode {
		crate::args::Mode::Fl => strategy_label(strategy),
		crate::args::Mode::Proxyfl => "ProxyFL",
	};
	format!(
		"{} {} {}, K={clients}, C={}, E={}, B={}",
		card.name,
		partition_label(&args.partition),
		how,
		args.fraction,
		local.epochs,
		local.batch_size
	)
}
