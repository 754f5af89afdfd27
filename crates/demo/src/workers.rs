//! The participants' workers, as tasks of this process: each with its own account, its own
//! connection to the node and its own state file, sharing one compute slot so that training
//! jobs do not fight over the cores.

use crate::cast::Member;
use anyhow::Context;
use decentralml_client::{Client, Signer, TaskId};
use decentralml_storage::Store;
use decentralml_worker::attack::Attack;
use decentralml_worker::{ClientChain, Worker, WorkerConfig};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinHandle;

/// The running workers.
pub struct WorkerSet {
	handles: Vec<(String, JoinHandle<anyhow::Result<()>>)>,
	stop: watch::Sender<bool>,
}

impl WorkerSet {
	/// Starts a worker per member on `task`, keeping state files in `state_dir`.
	pub async fn start(
		url: &str,
		store: Arc<dyn Store>,
		task: TaskId,
		members: &[Member],
		state_dir: &Path,
		poll: Duration,
	) -> anyhow::Result<Self> {
		let (stop, stopped) = watch::channel(false);
		let compute = Arc::new(Semaphore::new(1));
		let mut handles = Vec::with_capacity(members.len());
		for member in members {
			let worker = build(
				url,
				store.clone(),
				task,
				member,
				state_dir,
				poll,
				compute.clone(),
			)
			.await
			.with_context(|| format!("starting the worker of {member}"))?;
			let mut stopped = stopped.clone();
			let shutdown = async move {
				let _ = stopped.wait_for(|stop| *stop).await;
			};
			let name = member.name.clone();
			let handle =
				tokio::spawn(
					async move { worker.run(shutdown).await.map_err(anyhow::Error::from) },
				);
			handles.push((name, handle));
		}
		Ok(Self { handles, stop })
	}

	/// The first worker that stopped with an error, if any (workers only stop by themselves
	/// when the task ends or on a fatal error).
	pub async fn failure(&mut self) -> Option<anyhow::Error> {
		let finished = self.handles.iter().position(|(_, h)| h.is_finished())?;
		let (name, handle) = self.handles.remove(finished);
		match handle.await {
			Ok(Ok(())) => None,
			Ok(Err(error)) => Some(error.context(format!("the worker of {name} failed"))),
			Err(error) => Some(anyhow::anyhow!("the worker of {name} panicked: {error}")),
		}
	}

	/// Asks every worker to stop and waits for them; returns the first error.
	pub async fn stop(self) -> anyhow::Result<()> {
		let _ = self.stop.send(true);
		let mut first = Ok(());
		for (name, handle) in self.handles {
			let result = match handle.await {
				Ok(result) => result.with_context(|| format!("the worker of {name} failed")),
				Err(error) => Err(anyhow::anyhow!("the worker of {name} panicked: {error}")),
			};
			if first.is_ok() {
				first = result;
			}
		}
		first
	}
}

/// One member's worker, connected and ready to run.
async fn build(
	url: &str,
	store: Arc<dyn Store>,
	task: TaskId,
	member: &Member,
	state_dir: &Path,
	poll: Duration,
	compute: Arc<Semaphore>,
) -> anyhow::Result<Worker<ClientChain>> {
	let data = match &member.data {
		// Loading is CPU-bound (decompressing MNIST) the first time.
		Some(spec) => {
			let spec = spec.clone();
			Some(
				tokio::task::spawn_blocking(move || spec.load().map_err(anyhow::Error::from))
					.await??,
			)
		}
		None => None,
	};
	let client = Client::connect(url)
		.await?
		.with_signer(Signer::from_suri(&member.suri)?);
	let mut config = WorkerConfig::new(task, member.role, "ZZ".parse()?, data);
	config.attack = member.attack.map(Attack::default_of);
	config.poll_interval = poll;
	config.compute = compute;
	let state = state_dir.join(format!(
		"{}.json",
		member.suri.replace("//", "-").trim_start_matches('-')
	));
	Ok(Worker::new(
		ClientChain::new(client)?,
		store,
		config,
		&state,
	)?)
}
