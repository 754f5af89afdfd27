//! One `decentralml node` process.

use crate::ports::free_port;
use anyhow::{anyhow, bail, Context, Result};
use std::{
	collections::VecDeque,
	path::{Path, PathBuf},
	process::Stdio,
	sync::{Arc, Mutex},
	time::Duration,
};
use tokio::{
	io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
	process::{Child, Command},
	sync::watch,
};

/// How long a node may take from spawn to serving RPC.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(120);
/// How many of a node's last log lines an error message quotes.
const LOG_TAIL_LINES: usize = 30;

/// The well-known development validators, in genesis order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validator {
	Alice,
	Bob,
	Charlie,
	Dave,
}

impl Validator {
	/// All of them, in genesis order.
	pub const ALL: [Validator; 4] = [Self::Alice, Self::Bob, Self::Charlie, Self::Dave];

	/// The node flag that loads this validator's dev keys (`--alice`…).
	pub fn flag(self) -> &'static str {
		match self {
			Self::Alice => "--alice",
			Self::Bob => "--bob",
			Self::Charlie => "--charlie",
			Self::Dave => "--dave",
		}
	}

	/// Lower-case name, used for node names and directories.
	pub fn name(self) -> &'static str {
		match self {
			Self::Alice => "alice",
			Self::Bob => "bob",
			Self::Charlie => "charlie",
			Self::Dave => "dave",
		}
	}

	/// A fixed libp2p node key, so restarts keep the same peer id. Public test value.
	fn node_key(self) -> String {
		let index = Self::ALL.iter().position(|v| *v == self).unwrap_or(0) + 1;
		format!("{index:064x}")
	}
}

/// How to start a node.
#[derive(Clone, Debug)]
pub struct NodeConfig {
	/// Node name (also names its log file).
	pub name: String,
	/// Chain: `dev`, `local`, `local4` or a chain-spec path.
	pub chain: String,
	/// Block time for built-in chains.
	pub block_time_ms: Option<u64>,
	/// Database directory; `None` runs with temporary state (`--tmp`).
	pub base_path: Option<PathBuf>,
	/// Where the node's log goes.
	pub log_path: PathBuf,
	/// P2P port (0: any free one).
	pub p2p_port: u16,
	/// RPC port (0: any free one, read back from the log).
	pub rpc_port: u16,
	/// Multiaddresses of nodes to connect to first.
	pub bootnodes: Vec<String>,
	/// Further arguments, appended last.
	pub extra_args: Vec<String>,
}

impl NodeConfig {
	/// A single-node development chain (`--dev`) with temporary state, logging into `log_dir`.
	pub fn dev(log_dir: &Path) -> Self {
		Self {
			name: "dev".into(),
			chain: "dev".into(),
			block_time_ms: None,
			base_path: None,
			log_path: log_dir.join("dev.log"),
			p2p_port: 0,
			rpc_port: 0,
			bootnodes: Vec::new(),
			extra_args: vec!["--dev".into()],
		}
	}

	/// A validator of a local network with its database under `dir/<name>`.
	pub fn validator(validator: Validator, chain: &str, dir: &Path) -> Self {
		Self {
			name: validator.name().into(),
			chain: chain.into(),
			block_time_ms: None,
			base_path: Some(dir.join(validator.name())),
			log_path: dir.join(format!("{}.log", validator.name())),
			p2p_port: 0,
			rpc_port: 0,
			bootnodes: Vec::new(),
			extra_args: vec![
				validator.flag().into(),
				"--validator".into(),
				"--node-key".into(),
				validator.node_key(),
			],
		}
	}

	fn args(&self) -> Vec<String> {
		let mut args = vec![
			"node".to_string(),
			"--chain".into(),
			self.chain.clone(),
			"--name".into(),
			self.name.clone(),
			"--port".into(),
			self.p2p_port.to_string(),
			"--rpc-port".into(),
			self.rpc_port.to_string(),
			"--no-prometheus".into(),
			"--no-telemetry".into(),
			// Tests on one machine must not find other tests' nodes.
			"--no-mdns".into(),
		];
		if let Some(ms) = self.block_time_ms {
			args.extend(["--block-time-ms".into(), ms.to_string()]);
		}
		match &self.base_path {
			Some(path) => args.extend(["--base-path".into(), path.display().to_string()]),
			None => args.push("--tmp".into()),
		}
		for boot in &self.bootnodes {
			args.extend(["--bootnodes".into(), boot.clone()]);
		}
		args.extend(self.extra_args.iter().cloned());
		args
	}
}

/// What the log has told us about a running node.
#[derive(Clone, Debug, Default)]
struct Announced {
	rpc_addr: Option<String>,
	peer_id: Option<String>,
	exited: bool,
}

/// A running node. Dropping it kills the process.
pub struct NodeProcess {
	config: NodeConfig,
	binary: PathBuf,
	child: Option<Child>,
	announced: watch::Receiver<Announced>,
	tail: Arc<Mutex<VecDeque<String>>>,
	rpc_url: String,
	peer_id: String,
}

impl NodeProcess {
	/// Spawns the node and waits until it serves RPC.
	pub async fn start(binary: &Path, mut config: NodeConfig) -> Result<Self> {
		if config.p2p_port == 0 {
			config.p2p_port = free_port()?;
		}
		let (child, announced, tail) = spawn(binary, &config).await?;
		let mut node = Self {
			config,
			binary: binary.to_path_buf(),
			child: Some(child),
			announced,
			tail,
			rpc_url: String::new(),
			peer_id: String::new(),
		};
		node.wait_until_serving().await?;
		Ok(node)
	}

	async fn wait_until_serving(&mut self) -> Result<()> {
		let waited = tokio::time::timeout(
			STARTUP_TIMEOUT,
			self.announced
				.wait_for(|a| a.exited || (a.rpc_addr.is_some() && a.peer_id.is_some())),
		)
		.await
		.map(|seen| seen.map(|a| a.clone()));
		let announced = match waited {
			Ok(Ok(a)) => a,
			_ => bail!(
				"node `{}` did not start serving RPC within {:?}; last log lines:\n{}",
				self.config.name,
				STARTUP_TIMEOUT,
				self.log_tail()
			),
		};
		if announced.exited {
			bail!(
				"node `{}` exited during start-up; last log lines:\n{}",
				self.config.name,
				self.log_tail()
			);
		}
		let addr = announced.rpc_addr.unwrap_or_default();
		self.rpc_url = format!("ws://{addr}");
		self.peer_id = announced.peer_id.unwrap_or_default();
		Ok(())
	}

	/// The node's WebSocket RPC endpoint, e.g. `ws://127.0.0.1:40123`.
	pub fn rpc_url(&self) -> &str {
		&self.rpc_url
	}

	/// The address other nodes use to reach this one.
	pub fn multiaddr(&self) -> String {
		format!(
			"/ip4/127.0.0.1/tcp/{}/p2p/{}",
			self.config.p2p_port, self.peer_id
		)
	}

	/// The node's name.
	pub fn name(&self) -> &str {
		&self.config.name
	}

	/// The path of the node's log file.
	pub fn log_path(&self) -> &Path {
		&self.config.log_path
	}

	/// The node's last log lines, for error messages.
	pub fn log_tail(&self) -> String {
		let tail = self
			.tail
			.lock()
			.map(|t| t.iter().cloned().collect::<Vec<_>>());
		tail.unwrap_or_default().join("\n")
	}

	/// Whether the process is still running.
	pub fn is_running(&mut self) -> bool {
		match self.child.as_mut() {
			Some(child) => matches!(child.try_wait(), Ok(None)),
			None => false,
		}
	}

	/// Kills the process at once (SIGKILL), as a crash would, and waits for it to go.
	pub async fn kill(&mut self) -> Result<()> {
		if let Some(mut child) = self.child.take() {
			child
				.kill()
				.await
				.with_context(|| format!("killing node `{}`", self.config.name))?;
		}
		Ok(())
	}

	/// Starts the node again with the same configuration (and database, if it has a base path).
	pub async fn restart(&mut self) -> Result<()> {
		self.kill().await?;
		let (child, announced, tail) = spawn(&self.binary, &self.config).await?;
		self.child = Some(child);
		self.announced = announced;
		self.tail = tail;
		self.wait_until_serving().await
	}
}

impl Drop for NodeProcess {
	fn drop(&mut self) {
		if let Some(child) = self.child.as_mut() {
			let _ = child.start_kill();
		}
	}
}

/// Spawns the process and a task that copies its log to the log file while watching for the
/// lines that announce the RPC address and the peer id.
async fn spawn(
	binary: &Path,
	config: &NodeConfig,
) -> Result<(
	Child,
	watch::Receiver<Announced>,
	Arc<Mutex<VecDeque<String>>>,
)> {
	if !binary.exists() {
		bail!(
			"the node binary {} does not exist: build it first with `cargo build -p decentralml`",
			binary.display()
		);
	}
	if let Some(dir) = config.log_path.parent() {
		std::fs::create_dir_all(dir)
			.with_context(|| format!("creating the log directory {}", dir.display()))?;
	}
	let mut log = tokio::fs::OpenOptions::new()
		.create(true)
		.append(true)
		.open(&config.log_path)
		.await
		.with_context(|| format!("opening the log file {}", config.log_path.display()))?;

	let mut command = Command::new(binary);
	command
		.args(config.args())
		.stdin(Stdio::null())
		.stdout(Stdio::null())
		.stderr(Stdio::piped())
		.kill_on_drop(true);
	die_with_parent(&mut command);
	let mut child = command
		.spawn()
		.with_context(|| format!("starting node `{}` from {}", config.name, binary.display()))?;
	let stderr = child
		.stderr
		.take()
		.ok_or_else(|| anyhow!("the node's stderr is not piped"))?;

	let (tx, rx) = watch::channel(Announced::default());
	let tail = Arc::new(Mutex::new(VecDeque::with_capacity(LOG_TAIL_LINES)));
	let task_tail = tail.clone();
	tokio::spawn(async move {
		let mut lines = BufReader::new(stderr).lines();
		while let Ok(Some(line)) = lines.next_line().await {
			let _ = log.write_all(line.as_bytes()).await;
			let _ = log.write_all(b"\n").await;
			if let Some(addr) = parse_rpc_addr(&line) {
				tx.send_modify(|a| a.rpc_addr = Some(addr));
			}
			if let Some(peer) = parse_peer_id(&line) {
				tx.send_modify(|a| a.peer_id = Some(peer));
			}
			if let Ok(mut t) = task_tail.lock() {
				if t.len() == LOG_TAIL_LINES {
					t.pop_front();
				}
				t.push_back(line);
			}
		}
		let _ = log.flush().await;
		tx.send_modify(|a| a.exited = true);
	});
	Ok((child, rx, tail))
}

/// Asks Linux to kill the child when this process dies, however it dies.
fn die_with_parent(command: &mut Command) {
	#[cfg(target_os = "linux")]
	// SAFETY: `prctl` is async-signal-safe and touches no memory of the parent.
	unsafe {
		command.pre_exec(|| {
			if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
				return Err(std::io::Error::last_os_error());
			}
			Ok(())
		});
	}
}

/// `Running JSON-RPC server: addr=127.0.0.1:9944,[::1]:9944` → `127.0.0.1:9944`.
fn parse_rpc_addr(line: &str) -> Option<String> {
	let rest = line.split("Running JSON-RPC server: addr=").nth(1)?;
	let first = rest.split([',', ' ']).next()?.trim();
	(!first.is_empty()).then(|| first.to_string())
}

/// `Local node identity is: 12D3KooW…` → the peer id.
fn parse_peer_id(line: &str) -> Option<String> {
	let rest = line.split("Local node identity is: ").nth(1)?;
	let id = rest.split_whitespace().next()?;
	(!id.is_empty()).then(|| id.to_string())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn reads_rpc_address_from_log_line() {
		let line = "2026-11-24 19:00:00 Running JSON-RPC server: addr=127.0.0.1:41234,[::1]:41234";
		assert_eq!(parse_rpc_addr(line).as_deref(), Some("127.0.0.1:41234"));
		let single = "Running JSON-RPC server: addr=127.0.0.1:9944,";
		assert_eq!(parse_rpc_addr(single).as_deref(), Some("127.0.0.1:9944"));
		assert_eq!(parse_rpc_addr("Idle (0 peers)"), None);
	}

	#[test]
	fn reads_peer_id_from_log_line() {
		let line = "2026-11-24 19:00:00 🏷  Local node identity is: 12D3KooWExample";
		assert_eq!(parse_peer_id(line).as_deref(), Some("12D3KooWExample"));
		assert_eq!(parse_peer_id("Local node identity is: "), None);
	}

	#[test]
	fn validator_node_keys_are_distinct_and_valid_hex() {
		let keys: Vec<_> = Validator::ALL.iter().map(|v| v.node_key()).collect();
		for key in &keys {
			assert_eq!(key.len(), 64);
			assert!(key.chars().all(|c| c.is_ascii_hexdigit()));
		}
		let mut unique = keys.clone();
		unique.dedup();
		assert_eq!(unique.len(), keys.len());
	}

	#[test]
	fn dev_config_runs_with_temporary_state() {
		let config = NodeConfig::dev(Path::new("/tmp/logs"));
		let args = config.args();
		assert!(args.contains(&"--tmp".to_string()));
		assert!(args.contains(&"--dev".to_string()));
		assert!(args.contains(&"--no-mdns".to_string()));
	}

	#[tokio::test]
	async fn missing_binary_is_a_clear_error() {
		let dir = tempfile::tempdir().unwrap();
		let err = NodeProcess::start(
			Path::new("/nonexistent/decentralml"),
			NodeConfig::dev(dir.path()),
		)
		.await
		.err()
		.expect("must fail");
		assert!(
			err.to_string().contains("cargo build -p decentralml"),
			"{err}"
		);
	}
}
