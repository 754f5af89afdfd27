//! The user commands of the real `decentralml` binary against a real development node: a task
//! is proposed from a task file, approved by a council motion, backed with stake, and shown,
//! all through `--json` output as a script would read it; bad input fails with a clear error.

use decentralml_localnet::{NodeConfig, NodeProcess};
use serde_json::Value;
use std::{path::Path, process::Command};

const BINARY: &str = env!("CARGO_BIN_EXE_decentralml");
const CID: &str = "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am";

/// Runs `decentralml <args> --rpc <url> --json` and parses its output; fails with stderr.
fn cli_json(rpc: &str, args: &[&str]) -> anyhow::Result<Value> {
	let output = Command::new(BINARY)
		.args(args)
		.args(["--rpc", rpc, "--json"])
		.output()?;
	anyhow::ensure!(
		output.status.success(),
		"decentralml {} failed: {}",
		args.join(" "),
		String::from_utf8_lossy(&output.stderr)
	);
	Ok(serde_json::from_slice(&output.stdout)?)
}

fn task_file(dir: &Path) -> anyhow::Result<String> {
	let path = dir.join("task.toml");
	std::fs::write(
		&path,
		format!(
			"model_card = \"{CID}\"\ninitial_model = \"{CID}\"\nrounds = 2\n\
			 budget_per_round = \"10 DML\"\npool_deposit = 25\n\n\
			 [aggregation]\nstrategy = {{ kind = \"fed_avg\" }}\n"
		),
	)?;
	Ok(path.to_string_lossy().into_owned())
}

fn status_of(task: &Value) -> String {
	task["status"].as_str().unwrap_or_default().to_lowercase()
}

#[tokio::test]
async fn propose_approve_stake_and_show_a_task_from_the_command_line() -> anyhow::Result<()> {
	let dir = tempfile::tempdir()?;
	let mut config = NodeConfig::dev(dir.path());
	config.block_time_ms = Some(500);
	let node = NodeProcess::start(Path::new(BINARY), config).await?;
	let rpc = node.rpc_url().to_string();
	let file = task_file(dir.path())?;

	let created = cli_json(
		&rpc,
		&["task", "create", "--file", &file, "--suri", "//Alice"],
	)?;
	let task = created["task"]
		.as_u64()
		.expect("the new task's id")
		.to_string();

	let listed = cli_json(&rpc, &["task", "list", "--status", "proposed"])?;
	let listed = listed.as_array().expect("a list of tasks");
	assert_eq!(listed.len(), 1, "{listed:?}");

	let approved = cli_json(
		&rpc,
		&["task", "approve", &task, "--council", "//Alice,//Bob"],
	)?;
	assert_ne!(status_of(&approved), "proposed", "{approved}");

	let staked = cli_json(
		&rpc,
		&[
			"stake", "add", "--task", &task, "--amount", "100", "--suri", "//Bob",
		],
	)?;
	assert_eq!(
		staked["staked"].as_u64(),
		Some(100_000_000_000_000),
		"{staked}"
	);

	let shown = cli_json(&rpc, &["task", "show", &task])?;
	assert_eq!(shown["task"]["params"]["rounds"], 2, "{shown}");
	assert_eq!(
		shown["task"]["pool"].as_u64(),
		Some(25_000_000_000_000),
		"{shown}"
	);

	// A bad task file fails with a message naming the problem, and nothing is proposed.
	let bad = dir.path().join("bad.toml");
	std::fs::write(&bad, "rounds = 2\n")?;
	let output = Command::new(BINARY)
		.args(["task", "create", "--file"])
		.arg(&bad)
		.args(["--suri", "//Alice", "--rpc", &rpc])
		.output()?;
	assert!(!output.status.success());
	let stderr = String::from_utf8_lossy(&output.stderr);
	assert!(
		stderr.contains("model_card"),
		"the error names the missing field: {stderr}"
	);
	let all = cli_json(&rpc, &["task", "list"])?;
	assert_eq!(all.as_array().map(Vec::len), Some(1));
	Ok(())
}
