//! Everything before the first round: the dev node, the model in the store, funded accounts,
//! and the task, proposed and approved by the council.

use crate::cast::Member;
use crate::DemoConfig;
use anyhow::{bail, Context};
use decentralml_client::{Balance, Client, Signer, TaskId, TaskSpec, WaitFor, UNIT};
use decentralml_localnet::{NodeConfig, NodeProcess};
use decentralml_primitives::{AggregationConfig, StrategyConfig};
use decentralml_storage::Store;
use decentralml_train::ModelCard;
pub use decentralml_worker::PublishedModel;
use std::path::Path;
use std::time::{Duration, Instant};

/// What each participant is sent to pay its bond and fees.
pub const FUNDING: Balance = 100 * UNIT;

/// Each round's budget.
pub const BUDGET_PER_ROUND: Balance = 100 * UNIT;

/// A running dev node and a client signing as Alice.
pub struct DevChain {
	/// The node process (killed when dropped).
	pub node: NodeProcess,
	/// Alice's client.
	pub alice: Client,
}

impl DevChain {
	/// Starts `decentralml node --dev` on free loopback ports with `block_time_ms` blocks,
	/// logging to `log_dir/dev.log`, and connects as Alice.
	pub async fn start(binary: &Path, block_time_ms: u64, log_dir: &Path) -> anyhow::Result<Self> {
		let mut config = NodeConfig::dev(log_dir);
		config.block_time_ms = Some(block_time_ms);
		let node = NodeProcess::start(binary, config)
			.await
			.context("starting the dev node")?;
		let alice = Client::connect(node.rpc_url())
			.await
			.context("connecting to the dev node")?
			.with_signer(Signer::from_suri("//Alice")?);
		Ok(Self { node, alice })
	}

	/// The node's RPC URL.
	pub fn url(&self) -> &str {
		self.node.rpc_url()
	}
}

/// Puts the model card (2NN, or the CNN with `cnn`) and freshly initialised parameters into
/// the store.
pub async fn publish_model(
	store: &dyn Store,
	cnn: bool,
	seed: u64,
) -> anyhow::Result<PublishedModel> {
	let card = if cnn {
		ModelCard::fedavg_cnn()
	} else {
		ModelCard::fedavg_2nn()
	};
	Ok(decentralml_worker::publish_model(store, card, seed).await?)
}

/// Sends [`FUNDING`] from Alice to every member, one transfer at a time, each waited for in a
/// best block only (a dozen transfers take a few blocks; the output stays in order).
pub async fn fund(alice: &Client, members: &[Member]) -> anyhow::Result<()> {
	let alice = alice.clone().with_wait(WaitFor::BestBlock);
	for member in members {
		alice
			.transfer(&member.account, FUNDING)
			.await
			.with_context(|| format!("funding {member}"))?;
	}
	Ok(())
}

/// The demo's task: FedAvg on the published model, every trainer and validator seated each
/// round, phases long enough for the slowest step (they end early once everyone has acted).
pub fn task_spec(config: &DemoConfig, model: &PublishedModel) -> TaskSpec {
	let mut spec = TaskSpec::new(
		model.card_cid.clone(),
		model.initial_cid.clone(),
		AggregationConfig::plain(StrategyConfig::FedAvg),
	);
	spec.rounds = config.rounds;
	spec.trainers_per_round = config.trainers as u32;
	spec.validators_per_round = config.validators as u32;
	// Rounds go on as long as half the trainers are accepted.
	spec.min_updates = (config.trainers as u32 / 2).max(1);
	// Phases in blocks: a CNN round trains for minutes on two cores.
	let slow = if config.cnn { 10 } else { 1 };
	let blocks = |seconds: u64| (seconds * 1000 / config.block_time_ms.max(1)) as u32;
	spec.phases.training = blocks(180 * slow);
	spec.phases.commit = blocks(90 * slow);
	spec.phases.reveal = blocks(45);
	spec.phases.aggregation = blocks(90 * slow);
	spec.budget_per_round = BUDGET_PER_ROUND;
	spec.pool_deposit = BUDGET_PER_ROUND * Balance::from(config.rounds) + UNIT;
	spec
}

/// Proposes the task as Alice; returns its id.
pub async fn propose(alice: &Client, spec: &TaskSpec) -> anyhow::Result<TaskId> {
	alice.propose_task(spec).await.context("proposing the task")
}

/// Waits until every member has joined the task (the workers join by themselves).
pub async fn wait_for_roster(
	client: &Client,
	task: TaskId,
	members: usize,
	timeout: Duration,
) -> anyhow::Result<()> {
	let started = Instant::now();
	loop {
		let roster = client.expect_task(task).await?.roster;
		let joined = (roster.trainers + roster.validators + roster.aggregators) as usize;
		if joined >= members {
			return Ok(());
		}
		if started.elapsed() > timeout {
			bail!("only {joined} of {members} participants joined task {task} within {timeout:?}");
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

/// Approves the task with a council motion of Alice and Bob (two of the three members).
pub async fn approve(alice: &Client, task: TaskId) -> anyhow::Result<()> {
	let council = [Signer::from_suri("//Alice")?, Signer::from_suri("//Bob")?];
	alice
		.approve_task_by_council(task, &council)
		.await
		.context("approving the task by council motion")
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn phases_are_in_blocks_of_the_block_time() {
		let config = DemoConfig {
			block_time_ms: 500,
			..DemoConfig::default()
		};
		let model = PublishedModel {
			card: ModelCard::fedavg_2nn(),
			card_cid: "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am"
				.parse()
				.unwrap(),
			initial: decentralml_train::ModelParameters::default(),
			initial_cid: "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am"
				.parse()
				.unwrap(),
			initial_bytes: 0,
		};
		let spec = task_spec(&config, &model);
		assert_eq!(spec.phases.training, 360);
		assert_eq!(spec.trainers_per_round, 10);
		assert!(spec.pool_deposit >= spec.budget_per_round * Balance::from(spec.rounds));
		spec.validate().unwrap();
	}
}
