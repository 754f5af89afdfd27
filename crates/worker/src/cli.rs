//! `decentralml worker`: one worker process for one task and role.

use crate::attack::{Attack, AttackKind};
use crate::chain::{chain_error, Chain, ClientChain};
use crate::data::DataSpec;
use crate::worker::{Worker, WorkerConfig};
use anyhow::Context;
use clap::Args;
use decentralml_client::{Balance, Client, Jurisdiction, Role, Signer, TaskId, DEFAULT_RPC_URL};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Play a role in a task's rounds: train, validate or aggregate.
#[derive(Debug, Args)]
pub struct WorkerArgs {
	/// The role: trainer, validator or aggregator.
	#[arg(long, value_parser = parse_role)]
	pub role: Role,
	/// The node's WebSocket RPC endpoint.
	#[arg(long, default_value = DEFAULT_RPC_URL)]
	pub rpc: String,
	/// The task id.
	#[arg(long)]
	pub task: TaskId,
	/// The signing account's secret URI (e.g. `//Dave` on a dev chain).
	#[arg(
		long,
		conflicts_with = "keystore",
		required_unless_present = "keystore"
	)]
	pub suri: Option<String>,
	/// A keystore file (`{"suri": "…"}`, mode 600) holding the signing account.
	#[arg(long)]
	pub keystore: Option<PathBuf>,
	/// Where models and updates are: a directory, file:///dir, ipfs+http://host:5001, s3://…
	#[arg(long)]
	pub store: String,
	/// The worker's data (trainers and validators), e.g.
	/// `mnist,partition=dirichlet:0.5,client=3/10` or `mnist:test,part=0/3`.
	#[arg(long)]
	pub data: Option<String>,
	/// The state file: keys, and what a restart must remember (created if missing).
	#[arg(long)]
	pub state: PathBuf,
	/// The bond to hold when joining, in the task asset's smallest unit (default: the task's
	/// minimum for the role).
	#[arg(long)]
	pub bond: Option<Balance>,
	/// The jurisdiction declared when joining (ISO 3166-1 alpha-2; ZZ: unspecified).
	#[arg(long, default_value = "ZZ", value_parser = parse_jurisdiction)]
	pub jurisdiction: Jurisdiction,
	/// Misbehave as a Byzantine trainer, to demonstrate the protocol's defences.
	#[arg(long, value_enum)]
	pub attack: Option<AttackKind>,
	/// Milliseconds between two reads of the chain.
	#[arg(long, default_value_t = 1000)]
	pub poll_ms: u64,
	/// Seed of local training's batch order.
	#[arg(long, default_value_t = 0)]
	pub seed: u64,
}

fn parse_role(text: &str) -> Result<Role, String> {
	text.parse()
		.map_err(|e: decentralml_client::ClientError| e.to_string())
}

fn parse_jurisdiction(text: &str) -> Result<Jurisdiction, String> {
	text.parse()
		.map_err(|e: decentralml_client::ClientError| e.to_string())
}

/// Runs a worker on a fresh Tokio runtime until the task ends or Ctrl-C.
pub fn run(args: WorkerArgs) -> anyhow::Result<()> {
	init_logging();
	let runtime = tokio::runtime::Builder::new_multi_thread()
		.enable_all()
		.build()
		.context("starting the async runtime")?;
	runtime.block_on(run_async(args))
}

/// Logs to standard error at `info` unless `RUST_LOG` says otherwise.
fn init_logging() {
	let filter = tracing_subscriber::EnvFilter::try_from_default_env()
		.unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
	let _ = tracing_subscriber::fmt()
		.with_env_filter(filter)
		.with_writer(std::io::stderr)
		// Colours only on a terminal: logs redirected to a file stay plain text.
		.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
		.try_init();
}

async fn run_async(args: WorkerArgs) -> anyhow::Result<()> {
	let signer = match (&args.suri, &args.keystore) {
		(Some(suri), _) => Signer::from_suri(suri)?,
		(None, Some(path)) => Signer::from_keystore_file(path)?,
		(None, None) => anyhow::bail!("give the signing account with --suri or --keystore"),
	};
	let data = match &args.data {
		Some(spec) => Some(spec.parse::<DataSpec>()?.load()?),
		None => None,
	};
	let store = decentralml_storage::open(&args.store)
		.await
		.with_context(|| format!("opening the store {}", args.store))?;
	let client = connect(&args.rpc).await?.with_signer(signer);
	let chain = ClientChain::new(client)?;
	let mut config = WorkerConfig::new(args.task, args.role, args.jurisdiction, data);
	config.bond = args.bond;
	config.attack = args.attack.map(Attack::default_of);
	config.poll_interval = Duration::from_millis(args.poll_ms.max(50));
	config.compute = Arc::new(Semaphore::new(1));
	config.seed = args.seed;
	let worker = Worker::new(chain, Arc::from(store), config, &args.state)?;
	tracing::info!(
		task = args.task,
		role = %args.role,
		account = %worker.chain().account(),
		rpc = %args.rpc,
		"worker started"
	);
	let ctrl_c = async {
		let _ = tokio::signal::ctrl_c().await;
	};
	worker.run(ctrl_c).await?;
	Ok(())
}

/// Connects to the node, retrying while it is not up yet (the client reconnects by itself
/// once connected).
pub async fn connect(url: &str) -> anyhow::Result<Client> {
	let mut pause = Duration::from_millis(500);
	loop {
		tracing::info!(%url, "connecting to the node");
		match Client::connect(url).await {
			Ok(client) => return Ok(client),
			Err(error) => {
				let error = chain_error(format!("connecting to {url}"), error);
				if !error.is_transient() {
					return Err(error.into());
				}
				tracing::warn!(%error, retry_in = ?pause, "the node is not reachable");
				tokio::time::sleep(pause).await;
				pause = (pause * 2).min(Duration::from_secs(10));
			}
		}
	}
}
