//! # `decentralml demo`: federated learning end to end on a local dev chain
//!
//! One command starts a development node (`decentralml node --dev` on free loopback ports), a
//! content-addressed store in a temporary directory, publishes a model (MNIST 2NN, or the CNN
//! with `--cnn`), proposes a task that the council (Alice and Bob of Alice, Bob and Charlie)
//! approves, and runs every participant as a worker of this process, each with its own dev
//! account and connection: ten trainers on Dirichlet(0.5) shares of MNIST, three validators on
//! held-out thirds of the test set and one aggregator. Progress bars follow each round's
//! phases; at the end a table shows the test accuracy per round and the rewards and slashes
//! per participant (from chain state, checked against the pool), and an SVG plot and a JSON
//! summary are written.
//!
//! `--byzantine K --attack sign-flip|noise|label-flip` makes the last `K` trainers malicious:
//! the validators score their updates down, the consensus leaves them out of the aggregate and
//! the chain slashes their bonds.
//!
//! The node is killed when the demo ends, fails or is interrupted (and by the kernel if this
//! process dies).
#![warn(missing_docs)]

pub mod cast;
pub mod ledger;
pub mod monitor;
pub mod report;
pub mod setup;
pub mod workers;

use anyhow::{bail, Context};
use cast::Member;
use clap::Args;
use decentralml_client::{Client, RoundOutcome, TaskId, TaskSummary};
use decentralml_storage::Store;
use decentralml_worker::attack::AttackKind;
use decentralml_worker::data::DataSpec;
use monitor::{Evaluator, Monitor};
use report::{Conservation, DemoReport, ParticipantRow, RoundRow};
use setup::{DevChain, PublishedModel};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use workers::WorkerSet;

/// Run federated training end to end on a local dev chain with in-process workers.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
	/// Trainers (each a Dirichlet share of MNIST's training set).
	#[arg(long, default_value_t = 10)]
	pub trainers: usize,
	/// Validators (each a slice of MNIST's test set).
	#[arg(long, default_value_t = 3)]
	pub validators: usize,
	/// Rounds to train.
	#[arg(long, default_value_t = 5)]
	pub rounds: u32,
	/// Train FedAvg's CNN instead of the 2NN (much slower on CPUs).
	#[arg(long)]
	pub cnn: bool,
	/// How many of the trainers are malicious.
	#[arg(long, default_value_t = 0)]
	pub byzantine: usize,
	/// What the malicious trainers do.
	#[arg(long, value_enum, default_value = "sign-flip")]
	pub attack: AttackKind,
	/// Dirichlet concentration of the trainers' label mix (small: more skewed).
	#[arg(long, default_value_t = 0.5)]
	pub alpha: f64,
	/// Use only the first N training examples (faster rounds).
	#[arg(long)]
	pub train_limit: Option<usize>,
	/// Use only the first N test examples (validators and the accuracy table).
	#[arg(long)]
	pub test_limit: Option<usize>,
	/// The chain's block time in milliseconds.
	#[arg(long, default_value_t = 500)]
	pub block_time_ms: u64,
	/// Where the plot, the summary and the logs go.
	#[arg(long, default_value = "demo-output")]
	pub out: PathBuf,
	/// The data folder (default `$DECENTRALML_DATA` or `~/.cache/decentralml/data`).
	#[arg(long)]
	pub data_dir: Option<PathBuf>,
	/// Seed of the partition and the initial model.
	#[arg(long, default_value_t = 0)]
	pub seed: u64,
	/// The `decentralml` binary that runs the node (default: this program).
	#[arg(long)]
	pub node_binary: Option<PathBuf>,
}

/// Everything a demo run is given.
#[derive(Clone, Debug)]
pub struct DemoConfig {
	/// The `decentralml` binary.
	pub node_binary: PathBuf,
	/// Trainers.
	pub trainers: usize,
	/// Validators.
	pub validators: usize,
	/// Rounds.
	pub rounds: u32,
	/// CNN instead of 2NN.
	pub cnn: bool,
	/// Malicious trainers (the last ones).
	pub byzantine: usize,
	/// Their attack.
	pub attack: AttackKind,
	/// Dirichlet concentration.
	pub alpha: f64,
	/// Training examples used.
	pub train_limit: Option<usize>,
	/// Test examples used.
	pub test_limit: Option<usize>,
	/// Block time.
	pub block_time_ms: u64,
	/// Output folder.
	pub out: PathBuf,
	/// Data folder.
	pub data_dir: Option<PathBuf>,
	/// Seed.
	pub seed: u64,
	/// Draw progress bars (otherwise progress goes to the log).
	pub progress: bool,
}

impl Default for DemoConfig {
	fn default() -> Self {
		Self {
			node_binary: PathBuf::from("decentralml"),
			trainers: 10,
			validators: 3,
			rounds: 5,
			cnn: false,
			byzantine: 0,
			attack: AttackKind::SignFlip,
			alpha: 0.5,
			train_limit: None,
			test_limit: None,
			block_time_ms: 500,
			out: PathBuf::from("demo-output"),
			data_dir: None,
			seed: 0,
			progress: false,
		}
	}
}

impl DemoConfig {
	/// The configuration `args` describe, with progress bars.
	pub fn from_args(args: DemoArgs) -> anyhow::Result<Self> {
		let node_binary = match args.node_binary {
			Some(path) => path,
			None => std::env::current_exe().context("locating this program to start the node")?,
		};
		Ok(Self {
			node_binary,
			trainers: args.trainers,
			validators: args.validators,
			rounds: args.rounds,
			cnn: args.cnn,
			byzantine: args.byzantine,
			attack: args.attack,
			alpha: args.alpha,
			train_limit: args.train_limit,
			test_limit: args.test_limit,
			block_time_ms: args.block_time_ms,
			out: args.out,
			data_dir: args.data_dir,
			seed: args.seed,
			progress: true,
		})
	}

	/// Checks the numbers before anything starts.
	pub fn validate(&self) -> anyhow::Result<()> {
		if self.trainers == 0 || self.validators == 0 || self.rounds == 0 {
			bail!("--trainers, --validators and --rounds must be at least 1");
		}
		if self.validators > 16 || self.trainers > 1024 {
			bail!("the runtime seats at most 16 validators and 1024 trainers per round");
		}
		if 2 * self.byzantine >= self.trainers {
			bail!(
				"--byzantine {} of {} trainers: the validators' scores assume an honest majority",
				self.byzantine,
				self.trainers
			);
		}
		if !(self.alpha > 0.0 && self.alpha.is_finite()) {
			bail!("--alpha {} must be positive", self.alpha);
		}
		if self.block_time_ms < 100 {
			bail!(
				"--block-time-ms {} is too short for two cores",
				self.block_time_ms
			);
		}
		Ok(())
	}
}

/// `decentralml demo`: runs the demo on a fresh Tokio runtime, prints the tables; Ctrl-C stops
/// it (and the node).
pub fn run(args: DemoArgs) -> anyhow::Result<()> {
	let config = DemoConfig::from_args(args)?;
	let runtime = tokio::runtime::Builder::new_multi_thread()
		.enable_all()
		.build()
		.context("starting the async runtime")?;
	runtime.block_on(async {
		tokio::select! {
			report = run_demo(&config) => {
				let report = report?;
				println!("{}", report.tables());
				if !report.conservation.holds() {
					bail!("the task's books do not balance: {:?}", report.conservation);
				}
				Ok(())
			}
			_ = tokio::signal::ctrl_c() => bail!("interrupted; the node was stopped"),
		}
	})
}

/// Runs the demo and returns its report (the tables are not printed).
pub async fn run_demo(config: &DemoConfig) -> anyhow::Result<DemoReport> {
	config.validate()?;
	std::fs::create_dir_all(&config.out)
		.with_context(|| format!("creating the output folder {}", config.out.display()))?;
	init_logging(&config.out.join("demo.log"));
	let started = Instant::now();
	// Check the data first: nothing else is worth starting without it.
	let test = test_data(config)?;
	let scratch = tempfile::Builder::new()
		.prefix("decentralml-demo-")
		.tempdir()
		.context("creating the demo's temporary folder")?;
	let store: Arc<dyn Store> = Arc::from(
		decentralml_storage::open(&scratch.path().join("store").display().to_string()).await?,
	);
	let chain = DevChain::start(&config.node_binary, config.block_time_ms, &config.out).await?;
	say(
		config,
		format!(
			"dev node at {} (log: {})",
			chain.url(),
			chain.node.log_path().display()
		),
	);
	let model = setup::publish_model(store.as_ref(), config.cnn, config.seed).await?;
	let members = cast::cast(config)?;
	setup::fund(&chain.alice, &members).await?;
	let spec = setup::task_spec(config, &model);
	let task = setup::propose(&chain.alice, &spec).await?;
	say(
		config,
		format!(
			"task {task} proposed: {} rounds of {}",
			config.rounds, model.card.name
		),
	);
	let (ledger, follower) = ledger::follow(chain.alice.clone(), task);
	let mut workers = WorkerSet::start(
		chain.url(),
		store.clone(),
		task,
		&members,
		&scratch.path().join("state"),
		Duration::from_millis(config.block_time_ms),
	)
	.await?;
	setup::wait_for_roster(&chain.alice, task, members.len(), Duration::from_secs(120)).await?;
	setup::approve(&chain.alice, task).await?;
	say(
		config,
		format!(
			"task {task} approved by the council; {} participants joined",
			members.len()
		),
	);
	let evaluator = Evaluator::new(model.card.clone(), test)?;
	let outcome = follow_task(
		config,
		&chain.alice,
		store.as_ref(),
		task,
		&evaluator,
		&mut workers,
		&model,
	)
	.await;
	follower.abort();
	let stopped = workers.stop().await;
	let (initial_accuracy, rounds) = outcome?;
	stopped?;
	let participants = participant_rows(&chain.alice, task, &members, &spec).await?;
	let ledger = ledger.lock().map(|l| l.clone()).unwrap_or_default();
	let rounds = with_consensus(rounds, &ledger);
	let conservation =
		Conservation::check(spec.pool_deposit, &rounds, &participants, ledger.refunded);
	let report = DemoReport {
		task,
		initial_accuracy,
		rounds,
		participants,
		slashes: ledger.slashes,
		conservation,
		plot: config.out.join("accuracy.svg"),
		summary: config.out.join("summary.json"),
		seconds: started.elapsed().as_secs_f64(),
	};
	let title = format!(
		"DecentralML demo: {} on MNIST, {} trainers ({} byzantine)",
		model.card.name, config.trainers, config.byzantine
	);
	report.write_files(&title)?;
	drop(chain);
	Ok(report)
}

/// The test examples the accuracy table uses.
fn test_data(config: &DemoConfig) -> anyhow::Result<decentralml_worker::data::LocalData> {
	let mut spec = String::from("mnist:test");
	if let Some(limit) = config.test_limit {
		spec.push_str(&format!(",limit={limit}"));
	}
	if let Some(dir) = &config.data_dir {
		spec.push_str(&format!(",dir={}", dir.display()));
	}
	spec.parse::<DataSpec>()?
		.load()
		.context("loading MNIST (run scripts/fetch-data.sh to download it)")
}

/// Shows progress until the task ends; returns the initial accuracy and a row per closed round.
async fn follow_task(
	config: &DemoConfig,
	client: &Client,
	store: &dyn Store,
	task: TaskId,
	evaluator: &Evaluator,
	workers: &mut WorkerSet,
	model: &PublishedModel,
) -> anyhow::Result<(f64, Vec<RoundRow>)> {
	let monitor = Monitor::new(config.rounds, config.progress);
	let initial = evaluator.accuracy_of(model.initial.clone()).await?;
	monitor.println(format!(
		"initial model: test accuracy {:.2}%",
		initial * 100.0
	));
	let mut rows: Vec<RoundRow> = Vec::new();
	loop {
		if let Some(error) = workers.failure().await {
			monitor.finish();
			return Err(error);
		}
		let summary = client.expect_task(task).await?;
		monitor.show(&summary, client.round(task).await?.as_ref());
		if summary.closed_rounds as usize > rows.len() {
			for row in closed_rounds(client, store, task, evaluator, rows.len()).await? {
				monitor.println(format!(
					"round {}: {}, test accuracy {:.2}%",
					row.round,
					row.outcome,
					row.accuracy * 100.0
				));
				rows.push(row);
			}
		}
		if finished(&summary, rows.len()) {
			monitor.finish();
			return Ok((initial, rows));
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

fn finished(summary: &TaskSummary, rows: usize) -> bool {
	summary.status.is_finished() && rows >= summary.closed_rounds as usize
}

/// Rows for the rounds closed after the first `known`, with their models' accuracy.
async fn closed_rounds(
	client: &Client,
	store: &dyn Store,
	task: TaskId,
	evaluator: &Evaluator,
	known: usize,
) -> anyhow::Result<Vec<RoundRow>> {
	let mut rows = Vec::new();
	for record in client.history(task).await?.into_iter().skip(known) {
		let outcome = match &record.outcome {
			RoundOutcome::Succeeded { .. } => "succeeded".to_string(),
			RoundOutcome::Failed { reason } => format!("failed ({reason:?})"),
		};
		rows.push(RoundRow {
			round: record.round,
			outcome,
			accuracy: evaluator.accuracy_at(store, &record.model).await?,
			consensus: None,
			paid: record.paid,
			slashed: record.slashed,
		});
	}
	Ok(rows)
}

/// Adds the consensus counts the events reported.
fn with_consensus(mut rows: Vec<RoundRow>, ledger: &ledger::Ledger) -> Vec<RoundRow> {
	for row in &mut rows {
		row.consensus = ledger.consensus.get(&row.round).copied();
	}
	rows
}

/// Each member's bond, rewards and held bond, from chain state.
async fn participant_rows(
	client: &Client,
	task: TaskId,
	members: &[Member],
	spec: &decentralml_client::TaskSpec,
) -> anyhow::Result<Vec<ParticipantRow>> {
	let mut rows = Vec::with_capacity(members.len());
	for member in members {
		let participant = client
			.participant(task, &member.account)
			.await?
			.with_context(|| format!("{member} is not a participant of task {task}"))?;
		let held = client
			.balance(&member.account)
			.await?
			.holds
			.iter()
			.filter(|hold| hold.reason == "Training::Bond")
			.map(|hold| hold.amount)
			.sum();
		rows.push(ParticipantRow {
			name: member.name.clone(),
			role: member.role.to_string(),
			account: member.account.to_string(),
			byzantine: member.attack.is_some(),
			bond_joined: spec.min_bonds.of(member.role),
			bond_now: participant.bond,
			bond_held: held,
			rewards: client.earned(task, &member.account).await?,
		});
	}
	Ok(rows)
}

/// Prints a setup step (above the bars' future place) or logs it.
fn say(config: &DemoConfig, line: String) {
	if config.progress {
		eprintln!("{line}");
	}
	tracing::info!("{line}");
}

/// Sends the workers' logs to `path` (`RUST_LOG` filters; default `info`), so that they do not
/// mix with the progress bars.
fn init_logging(path: &std::path::Path) {
	let Ok(file) = std::fs::OpenOptions::new()
		.create(true)
		.append(true)
		.open(path)
	else {
		return;
	};
	let filter = tracing_subscriber::EnvFilter::try_from_default_env()
		.unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
	let _ = tracing_subscriber::fmt()
		.with_env_filter(filter)
		.with_ansi(false)
		.with_writer(std::sync::Mutex::new(file))
		.try_init();
}
