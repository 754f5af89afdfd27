//! End to end on the real `decentralml` binary: a short demo run (a Byzantine trainer among
//! honest ones) that must learn, pay, balance its books and slash the attacker; and worker
//! processes killed in the middle of a round that catch up after a restart.
//!
//! Both need MNIST (`scripts/fetch-data.sh`); without it they are skipped, unless `CI=true`.

use decentralml_client::{
	Client, ContentId, Jurisdiction, Phase, Role, RoundOutcome, Signer, TaskId,
};
use decentralml_demo::cast::Member;
use decentralml_demo::setup::{self, DevChain};
use decentralml_demo::DemoConfig;
use decentralml_localnet::{NodeConfig, NodeProcess};
use decentralml_storage::Store;
use decentralml_worker::attack::AttackKind;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod support;
use support::mnist_available;

const BINARY: &str = env!("CARGO_BIN_EXE_decentralml");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_demo_learns_pays_and_slashes_a_byzantine_trainer() -> anyhow::Result<()> {
	if !mnist_available() {
		return Ok(());
	}
	let out = tempfile::tempdir()?;
	let config = DemoConfig {
		node_binary: PathBuf::from(BINARY),
		trainers: 5,
		validators: 3,
		rounds: 3,
		byzantine: 1,
		attack: AttackKind::SignFlip,
		train_limit: Some(12000),
		test_limit: Some(3000),
		out: out.path().to_path_buf(),
		..DemoConfig::default()
	};
	let report = decentralml_demo::run_demo(&config).await?;
	println!("{}", report.tables());

	assert_eq!(report.rounds.len(), 3, "{:?}", report.rounds);
	// The attacker's first update is found harmful; slashed below the minimum bond, it is not
	// seated again.
	let first = report.rounds[0].consensus.expect("consensus in round 0");
	assert_eq!(first.2, 1, "harmful updates in round 0: {first:?}");
	for round in &report.rounds {
		assert_eq!(round.outcome, "succeeded", "round {}", round.round);
		// The honest updates are accepted (the attacker is never paid, so never accepted: see
		// below).
		let (accepted, _, _) = round.consensus.expect("consensus was reached");
		assert!(accepted >= 3, "round {}: {accepted} accepted", round.round);
	}
	assert!(
		report.final_accuracy() > 0.75 && report.final_accuracy() > report.initial_accuracy + 0.5,
		"accuracy went from {} to {}",
		report.initial_accuracy,
		report.final_accuracy()
	);
	assert!(report.conservation.holds(), "{:?}", report.conservation);
	for participant in &report.participants {
		if participant.byzantine {
			assert_eq!(participant.rewards, 0, "{}", participant.name);
			assert!(
				participant.slashed() > 0,
				"{} was not slashed",
				participant.name
			);
		} else {
			assert!(participant.rewards > 0, "{} was not paid", participant.name);
			assert_eq!(participant.slashed(), 0, "{} was slashed", participant.name);
		}
	}
	let attacker = report.participants.iter().find(|p| p.byzantine).unwrap();
	assert!(report
		.slashes
		.iter()
		.any(|s| s.who == attacker.account && s.reason == "HarmfulUpdate"));
	assert!(std::fs::read_to_string(&report.plot)?.starts_with("<svg"));
	Ok(())
}

/// A `decentralml worker` process that can be killed and started again with the same
/// arguments (and so the same state file).
struct WorkerProcess {
	name: String,
	args: Vec<String>,
	log: PathBuf,
	child: Option<tokio::process::Child>,
}

impl WorkerProcess {
	fn start(name: &str, args: Vec<String>, logs: &Path) -> anyhow::Result<Self> {
		let mut process = Self {
			name: name.into(),
			args,
			log: logs.join(format!("{name}.log")),
			child: None,
		};
		process.spawn()?;
		Ok(process)
	}

	fn spawn(&mut self) -> anyhow::Result<()> {
		let log = std::fs::OpenOptions::new()
			.create(true)
			.append(true)
			.open(&self.log)?;
		let child = tokio::process::Command::new(BINARY)
			.arg("worker")
			.args(&self.args)
			.env("RUST_LOG", "info")
			.stdin(Stdio::null())
			.stdout(log.try_clone()?)
			.stderr(log)
			.kill_on_drop(true)
			.spawn()?;
		self.child = Some(child);
		Ok(())
	}

	/// Kills the process at once (SIGKILL), as a crash would.
	async fn kill(&mut self) -> anyhow::Result<()> {
		if let Some(mut child) = self.child.take() {
			child.kill().await?;
		}
		Ok(())
	}

	async fn restart(&mut self) -> anyhow::Result<()> {
		self.kill().await?;
		self.spawn()
	}

	fn log_tail(&self) -> String {
		let text = std::fs::read_to_string(&self.log).unwrap_or_default();
		let lines: Vec<&str> = text.lines().collect();
		format!(
			"--- {} ---\n{}",
			self.name,
			lines[lines.len().saturating_sub(15)..].join("\n")
		)
	}
}

fn member(name: &str, role: Role, suri: &str) -> anyhow::Result<Member> {
	Ok(Member {
		name: name.into(),
		role,
		suri: suri.into(),
		account: Signer::from_suri(suri)?.account_id(),
		data: None,
		attack: None,
	})
}

/// The arguments of `decentralml worker` for member `m` of `task`, with its state file in
/// `state_dir` and, for trainers and validators, its `data`.
fn worker_args(
	rpc: &str,
	task: TaskId,
	m: &Member,
	store_dir: &Path,
	state_dir: &Path,
	data: Option<&str>,
) -> Vec<String> {
	let mut args = vec![
		"--role".to_string(),
		m.role.to_string(),
		"--rpc".into(),
		rpc.to_string(),
		"--task".into(),
		task.to_string(),
		"--suri".into(),
		m.suri.clone(),
		"--store".into(),
		store_dir.display().to_string(),
		"--state".into(),
		state_dir
			.join(format!("{}.json", m.name))
			.display()
			.to_string(),
		"--poll-ms".into(),
		"250".into(),
	];
	if let Some(data) = data {
		args.extend(["--data".into(), data.into()]);
	}
	args
}

/// The node goes down in the middle of a round and comes back with the same database on the
/// same RPC port: the workers, left running, reconnect and the task runs to completion.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_reconnect_when_the_node_restarts_mid_round() -> anyhow::Result<()> {
	if !mnist_available() {
		return Ok(());
	}
	let dir = tempfile::tempdir()?;
	let mut config = NodeConfig::dev(dir.path());
	config.block_time_ms = Some(500);
	config.base_path = Some(dir.path().join("chain"));
	// A fixed port, so that the restarted node is where the workers look for it.
	config.rpc_port = decentralml_localnet::free_port()?;
	let mut node = NodeProcess::start(Path::new(BINARY), config).await?;
	let url = node.rpc_url().to_string();
	let alice = alice_at(&url).await?;

	let store_dir = dir.path().join("store");
	let store = decentralml_storage::open(&store_dir.display().to_string()).await?;
	let model = setup::publish_model(store.as_ref(), false, 0).await?;
	let members = [
		member("trainer-0", Role::Trainer, "//drop//trainer//0")?,
		member("trainer-1", Role::Trainer, "//drop//trainer//1")?,
		member("validator", Role::Validator, "//drop//validator")?,
		member("aggregator", Role::Aggregator, "//drop//aggregator")?,
	];
	setup::fund(&alice, &members).await?;
	let demo = DemoConfig {
		trainers: 2,
		validators: 1,
		rounds: 2,
		..DemoConfig::default()
	};
	let spec = setup::task_spec(&demo, &model);
	let task = setup::propose(&alice, &spec).await?;
	let data = [
		Some("mnist,limit=2000,partition=iid,client=0/2"),
		Some("mnist,limit=2000,partition=iid,client=1/2"),
		Some("mnist:test,limit=1000"),
		None,
	];
	let mut workers = Vec::new();
	for (m, data) in members.iter().zip(data) {
		let args = worker_args(&url, task, m, &store_dir, dir.path(), data);
		workers.push(WorkerProcess::start(&m.name, args, dir.path())?);
	}
	setup::wait_for_roster(&alice, task, members.len(), Duration::from_secs(120)).await?;
	setup::approve(&alice, task).await?;
	let all: Vec<&WorkerProcess> = workers.iter().collect();
	wait_for(
		&alice,
		task,
		"the training phase of round 0",
		Duration::from_secs(60),
		&all,
		|r| matches!(r.phase, Phase::Training { .. }),
	)
	.await?;

	// The node crashes while the trainers train, and is back a few seconds later.
	drop(alice);
	node.kill().await?;
	assert!(Client::connect(&url).await.is_err(), "the node is down");
	tokio::time::sleep(Duration::from_secs(5)).await;
	node.restart().await?;
	assert_eq!(node.rpc_url(), url, "the node came back on its port");
	let alice = alice_at(&url).await?;

	let started = Instant::now();
	while alice.round_record(task, 1).await?.is_none() {
		if started.elapsed() > Duration::from_secs(300) {
			let logs: Vec<String> = all.iter().map(|w| w.log_tail()).collect();
			anyhow::bail!(
				"the task did not finish after the restart\n{}\n--- node ---\n{}",
				logs.join("\n"),
				node.log_tail()
			);
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
	for round in 0..2 {
		let record = alice
			.round_record(task, round)
			.await?
			.expect("a closed round");
		assert!(
			matches!(record.outcome, RoundOutcome::Succeeded { .. }),
			"round {round}: {:?}",
			record.outcome
		);
	}
	for mut worker in workers {
		worker.kill().await?;
	}
	Ok(())
}

/// A client of the node at `url` signing as Alice.
async fn alice_at(url: &str) -> anyhow::Result<Client> {
	Ok(Client::connect(url)
		.await?
		.with_signer(Signer::from_suri("//Alice")?))
}

/// Polls until `ready` holds for the task's round, failing after `timeout` with the logs.
async fn wait_for(
	client: &Client,
	task: TaskId,
	what: &str,
	timeout: Duration,
	workers: &[&WorkerProcess],
	ready: impl Fn(&decentralml_client::RoundView) -> bool,
) -> anyhow::Result<decentralml_client::RoundView> {
	let started = Instant::now();
	loop {
		if let Some(round) = client.round(task).await? {
			if ready(&round) {
				return Ok(round);
			}
		}
		if started.elapsed() > timeout {
			let logs: Vec<String> = workers.iter().map(|w| w.log_tail()).collect();
			anyhow::bail!("timed out waiting for {what}\n{}", logs.join("\n"));
		}
		tokio::time::sleep(Duration::from_millis(200)).await;
	}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_processes_killed_mid_round_catch_up_after_a_restart() -> anyhow::Result<()> {
	if !mnist_available() {
		return Ok(());
	}
	let dir = tempfile::tempdir()?;
	let chain = DevChain::start(Path::new(BINARY), 500, dir.path()).await?;
	let store_dir = dir.path().join("store");
	let store: Arc<dyn Store> =
		Arc::from(decentralml_storage::open(&store_dir.display().to_string()).await?);
	let model = setup::publish_model(store.as_ref(), false, 0).await?;
	let members = [
		member("trainer-0", Role::Trainer, "//restart//trainer//0")?,
		member("trainer-1", Role::Trainer, "//restart//trainer//1")?,
		member("validator", Role::Validator, "//restart//validator")?,
		member("offline-validator", Role::Validator, "//restart//offline")?,
		member("aggregator", Role::Aggregator, "//restart//aggregator")?,
	];
	setup::fund(&chain.alice, &members).await?;

	// One round; two validators, one of which never acts, so that the commit phase stays open
	// until its deadline: the test can kill the other validator between commit and reveal.
	let demo = DemoConfig {
		trainers: 2,
		validators: 2,
		rounds: 1,
		..DemoConfig::default()
	};
	let mut spec = setup::task_spec(&demo, &model);
	spec.phases.training = 120;
	spec.phases.commit = 40;
	spec.phases.reveal = 60;
	spec.phases.aggregation = 60;
	let task = setup::propose(&chain.alice, &spec).await?;
	let offline = chain
		.alice
		.clone()
		.with_signer(Signer::from_suri(&members[3].suri)?);
	offline
		.join(
			task,
			Role::Validator,
			spec.min_bonds.validator,
			"ZZ".parse::<Jurisdiction>()?,
			[7; 32],
		)
		.await?;

	let common = |m: &Member, data: Option<&str>| {
		worker_args(chain.url(), task, m, &store_dir, dir.path(), data)
	};
	let mut trainer = WorkerProcess::start(
		"trainer-0",
		common(
			&members[0],
			Some("mnist,limit=2000,partition=iid,client=0/2"),
		),
		dir.path(),
	)?;
	let other = WorkerProcess::start(
		"trainer-1",
		common(
			&members[1],
			Some("mnist,limit=2000,partition=iid,client=1/2"),
		),
		dir.path(),
	)?;
	let mut validator = WorkerProcess::start(
		"validator",
		common(&members[2], Some("mnist:test,limit=1000")),
		dir.path(),
	)?;
	let aggregator = WorkerProcess::start("aggregator", common(&members[4], None), dir.path())?;
	setup::wait_for_roster(&chain.alice, task, members.len(), Duration::from_secs(120)).await?;
	setup::approve(&chain.alice, task).await?;
	let all = [&trainer, &other, &validator, &aggregator];

	// Kill a trainer as soon as the round has started, and start it again.
	wait_for(
		&chain.alice,
		task,
		"the training phase",
		Duration::from_secs(60),
		&all,
		|r| matches!(r.phase, Phase::Training { .. }),
	)
	.await?;
	trainer.restart().await?;
	let all = [&trainer, &other, &validator, &aggregator];

	// Kill the validator once its commitment is on chain, before it can reveal (the commit
	// phase waits for the offline validator), and start it again.
	let validator_account = members[2].account;
	let committed = wait_for(
		&chain.alice,
		task,
		"the validator's commitment",
		Duration::from_secs(120),
		&all,
		|r| {
			r.validator_seat(&validator_account)
				.is_some_and(|seat| seat.commitment.is_some())
		},
	)
	.await?;
	validator.kill().await?;
	assert!(matches!(committed.phase, Phase::Commit { .. }));
	assert_eq!(committed.updates.len(), 2, "both trainers submitted");
	let seat = committed.validator_seat(&validator_account).unwrap();
	assert!(!seat.revealed);
	tokio::time::sleep(Duration::from_secs(2)).await;
	validator.restart().await?;
	let all = [&trainer, &other, &validator, &aggregator];

	// The restarted validator reveals with the saved salt and attests; the round succeeds.
	let started = Instant::now();
	let record = loop {
		if let Some(record) = chain.alice.round_record(task, 0).await? {
			break record;
		}
		if started.elapsed() > Duration::from_secs(180) {
			let logs: Vec<String> = all.iter().map(|w| w.log_tail()).collect();
			anyhow::bail!("round 0 did not close\n{}", logs.join("\n"));
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	};
	assert!(
		matches!(record.outcome, RoundOutcome::Succeeded { .. }),
		"{:?}\n{}",
		record.outcome,
		all.iter()
			.map(|w| w.log_tail())
			.collect::<Vec<_>>()
			.join("\n")
	);
	for m in [&members[0], &members[1], &members[2], &members[4]] {
		let earned = chain.alice.earned(task, &m.account).await?;
		assert!(earned > 0, "{} earned nothing", m.name);
		let bond = chain
			.alice
			.participant(task, &m.account)
			.await?
			.unwrap()
			.bond;
		assert_eq!(bond, spec.min_bonds.of(m.role), "{} was slashed", m.name);
	}
	// The offline validator was slashed for its absence.
	let absent = chain
		.alice
		.participant(task, &members[3].account)
		.await?
		.unwrap();
	assert!(absent.bond < spec.min_bonds.validator);
	// The new model is in the store, verified against its CID.
	let model_cid: ContentId = record.model.clone();
	assert_ne!(model_cid, model.initial_cid);
	assert!(store.has(&model_cid.to_cid()?).await?);
	for mut process in [trainer, other, validator, aggregator] {
		process.kill().await?;
	}
	Ok(())
}
