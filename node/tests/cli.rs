//! The user commands of the real `decentralml` binary against a real development node: a task
//! is proposed from a task file, approved by a council motion, backed with stake, and shown,
//! all through `--json` output as a script would read it; bad input fails with a clear error.

use decentralml_localnet::{NodeConfig, NodeProcess};
use decentralml_storage::StoreExt;
use serde_json::Value;
use std::{path::Path, process::Command};

mod support;

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

/// The tutorial's path: publish a model to a store, propose a task on its CIDs (a pool one
/// existential deposit short is flagged), and evaluate a model file on held-out data.
#[tokio::test]
async fn publish_a_model_propose_a_task_on_it_and_evaluate_it() -> anyhow::Result<()> {
	let dir = tempfile::tempdir()?;
	let mut config = NodeConfig::dev(dir.path());
	config.block_time_ms = Some(500);
	let node = NodeProcess::start(Path::new(BINARY), config).await?;
	let rpc = node.rpc_url().to_string();
	let store = format!("file://{}", dir.path().join("store").display());

	let published = cli_json(
		&rpc,
		&[
			"model", "publish", "--card", "2nn", "--store", &store, "--seed", "1",
		],
	)?;
	assert_eq!(published["parameters"], 199_210, "{published}");
	let card = published["model_card"].as_str().expect("a card CID");
	let model = published["initial_model"].as_str().expect("a model CID");
	let again = cli_json(
		&rpc,
		&[
			"model", "publish", "--card", "2nn", "--store", &store, "--seed", "1",
		],
	)?;
	assert_eq!(
		again["initial_model"], model,
		"the same seed gives the same model"
	);

	// Exactly rounds x budget: one round short, because the pool keeps the existential deposit.
	let file = dir.path().join("task.toml");
	std::fs::write(
		&file,
		format!(
			"model_card = \"{card}\"\ninitial_model = \"{model}\"\nrounds = 2\n\
			 budget_per_round = \"10 DML\"\npool_deposit = 20\n\n\
			 [aggregation]\nstrategy = {{ kind = \"fed_avg\" }}\n"
		),
	)?;
	let file = file.to_string_lossy().into_owned();
	let created = cli_json(
		&rpc,
		&["task", "create", "--file", &file, "--suri", "//Alice"],
	)?;
	let full = created["full_pool_deposit"]
		.as_u64()
		.expect("the full deposit");
	assert!(full > 20_000_000_000_000, "{created}");
	let output = Command::new(BINARY)
		.args([
			"task", "create", "--file", &file, "--suri", "//Alice", "--rpc", &rpc,
		])
		.output()?;
	let stdout = String::from_utf8_lossy(&output.stdout);
	assert!(stdout.contains("pays only 1 of 2 rounds"), "{stdout}");
	let task = created["task"].as_u64().expect("a task id").to_string();
	let shown = cli_json(&rpc, &["task", "show", &task])?;
	assert_eq!(shown["task"]["model"], model, "{shown}");

	// An unknown card is refused by name.
	let output = Command::new(BINARY)
		.args(["model", "publish", "--card", "resnet", "--store", &store])
		.output()?;
	assert!(!output.status.success());
	let stderr = String::from_utf8_lossy(&output.stderr);
	assert!(stderr.contains("not a built-in card"), "{stderr}");

	if !support::mnist_available() {
		return Ok(());
	}
	let model_file = dir.path().join("initial.safetensors");
	let model_file = model_file.to_string_lossy().into_owned();
	let bytes = published["bytes"].as_u64().expect("the model's size");
	// The store holds the blob under its CID; fetch it the way a user would, by CID.
	let fetched = decentralml_storage::open(&store)
		.await?
		.get_bytes(&model.parse()?)
		.await?;
	assert_eq!(fetched.len() as u64, bytes);
	std::fs::write(&model_file, &fetched)?;
	let evaluated = cli_json(
		&rpc,
		&[
			"model",
			"evaluate",
			"--model",
			&model_file,
			"--card",
			"2nn",
			"--data",
			"mnist:test,limit=500",
		],
	)?;
	assert_eq!(evaluated["examples"], 500, "{evaluated}");
	let accuracy = evaluated["accuracy"].as_f64().expect("an accuracy");
	// An untrained 10-class model is near chance.
	assert!((0.0..0.35).contains(&accuracy), "{evaluated}");
	Ok(())
}
