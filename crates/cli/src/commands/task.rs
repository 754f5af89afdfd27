//! `decentralml task create|list|show|approve`.

use crate::{
	args::CommonArgs,
	error::{CliError, Result},
	output::{counted, record, table, Output},
	task_file::read_task_file,
};
use clap::{Args, Subcommand};
use decentralml_client::{
	format_units, Balance, GovernanceCall, RoundView, Signer, TaskId, TaskStatus, TaskSummary,
};
use serde::Serialize;
use std::path::PathBuf;

/// Propose, list and inspect training tasks.
#[derive(Debug, Args)]
pub struct TaskArgs {
	#[command(subcommand)]
	command: TaskCommand,
}

#[derive(Debug, Subcommand)]
enum TaskCommand {
	/// Propose a task from a TOML or JSON task file and deposit its pool (signed).
	Create {
		/// The task file (see docs/src/cli.md for its format).
		#[arg(long)]
		file: PathBuf,
	},
	/// List tasks, optionally only those with one status.
	List {
		/// proposed, queued, active, paused, completed or cancelled.
		#[arg(long)]
		status: Option<TaskStatus>,
	},
	/// Show a task: parameters, pool, model, current round and history.
	Show {
		/// The task id.
		task: TaskId,
	},
	/// Approve a proposed task through governance: a council motion signed by the given
	/// members, or sudo on development chains.
	Approve {
		/// The task id.
		task: TaskId,
		/// Secret URIs of council members, comma-separated (e.g. //Alice,//Bob); two thirds
		/// of the council must be given.
		#[arg(
			long,
			value_delimiter = ',',
			conflicts_with = "sudo",
			required_unless_present = "sudo"
		)]
		council: Vec<String>,
		/// Use the sudo key given by --suri/--keystore instead (development chains).
		#[arg(long)]
		sudo: bool,
	},
}

/// What `task show --json` prints.
#[derive(Serialize)]
struct TaskReport {
	task: TaskSummary,
	round: Option<RoundView>,
	history: Vec<decentralml_client::RoundRecord>,
}

/// Runs a `task` command.
pub async fn run(args: TaskArgs, common: &CommonArgs, out: &mut Output<'_>) -> Result<()> {
	match args.command {
		TaskCommand::Create { file } => create(&file, common, out).await,
		TaskCommand::List { status } => list(status, common, out).await,
		TaskCommand::Show { task } => show(task, common, out).await,
		TaskCommand::Approve {
			task,
			council,
			sudo,
		} => approve(task, &council, sudo, common, out).await,
	}
}

async fn create(file: &std::path::Path, common: &CommonArgs, out: &mut Output<'_>) -> Result<()> {
	let spec = read_task_file(file)?;
	let client = common.connect_signed("task create").await?;
	let full_pool = client.full_pool_deposit(&spec).await?;
	let task = client.propose_task(&spec).await?;
	let short = full_pool.filter(|full| spec.pool_deposit < *full);
	out.emit(
		&serde_json::json!({ "task": task, "full_pool_deposit": full_pool }),
		|| {
			let mut text = format!(
				"task {task} proposed with a pool of {} ({}); it needs governance approval",
				format_units(spec.pool_deposit),
				spec.asset
			);
			if let Some(full) = short {
				let budgets = spec
					.budget_per_round
					.saturating_mul(Balance::from(spec.rounds));
				let kept = full.saturating_sub(budgets);
				let covered = spec.pool_deposit.saturating_sub(kept) / spec.budget_per_round;
				text.push_str(&format!(
					"\nwarning: the pool pays only {covered} of {} rounds: the pool account keeps \
					 the existential deposit, so paying every round takes a deposit of {}",
					spec.rounds,
					format_units(full)
				));
			}
			text
		},
	)
}

async fn list(status: Option<TaskStatus>, common: &CommonArgs, out: &mut Output<'_>) -> Result<()> {
	let client = common.connect().await?;
	let tasks = match status {
		Some(status) => client.tasks_with_status(status).await?,
		None => client.tasks().await?,
	};
	out.emit(&tasks, || {
		if tasks.is_empty() {
			return "no tasks".into();
		}
		let mut t = table(&[
			"task",
			"status",
			"rounds",
			"pool",
			"asset",
			"roster t/v/a",
			"model",
		]);
		for task in &tasks {
			t.add_row([
				task.id.to_string(),
				task.status.to_string(),
				format!("{}/{}", task.closed_rounds, task.params.rounds),
				format_units(task.pool),
				task.params.asset.to_string(),
				format!(
					"{}/{}/{}",
					task.roster.trainers, task.roster.validators, task.roster.aggregators
				),
				task.model.to_string(),
			]);
		}
		t.to_string()
	})
}

async fn show(id: TaskId, common: &CommonArgs, out: &mut Output<'_>) -> Result<()> {
	let client = common.connect().await?;
	let task = client.expect_task(id).await?;
	let round = client.round(id).await?;
	let history = client.history(id).await?;
	let report = TaskReport {
		task,
		round,
		history,
	};
	out.emit(&report, || describe(&report))
}

fn describe(report: &TaskReport) -> String {
	let task = &report.task;
	let p = &task.params;
	let mut text = record(&[
		("task", task.id.to_string()),
		("owner", task.owner.to_string()),
		("status", task.status.to_string()),
		(
			"rounds closed",
			format!("{} of {}", task.closed_rounds, p.rounds),
		),
		("pool", format!("{} ({})", format_units(task.pool), p.asset)),
		("budget per round", format_units(p.budget_per_round)),
		("model", task.model.to_string()),
		("model card", p.model_card.to_string()),
		("strategy", format!("{:?}", p.aggregation.strategy)),
		(
			"phases (blocks)",
			format!(
				"training {}, commit {}, reveal {}, aggregation {}",
				p.phases.training, p.phases.commit, p.phases.reveal, p.phases.aggregation
			),
		),
		(
			"seats per round",
			format!(
				"{} (at least {}), {}",
				counted(p.trainers_per_round, "trainer"),
				counted(p.min_updates, "update"),
				counted(p.validators_per_round, "validator")
			),
		),
		(
			"thresholds",
			format!("accept at {}, slash at {}", p.min_score, p.harmful_score),
		),
		(
			"roster",
			format!(
				"{}, {}, {}",
				counted(task.roster.trainers, "trainer"),
				counted(task.roster.validators, "validator"),
				counted(task.roster.aggregators, "aggregator")
			),
		),
	]);
	text.push('\n');
	match &report.round {
		Some(round) => text.push_str(&describe_round(round)),
		None => text.push_str("no round in progress\n"),
	}
	if !report.history.is_empty() {
		let mut t = table(&["round", "outcome", "model", "paid", "slashed", "closed at"]);
		for record in &report.history {
			let outcome = match &record.outcome {
				decentralml_client::RoundOutcome::Succeeded { .. } => "succeeded".to_string(),
				decentralml_client::RoundOutcome::Failed { reason } => {
					format!("failed: {reason:?}")
				}
			};
			t.add_row([
				record.round.to_string(),
				outcome,
				record.model.to_string(),
				format_units(record.paid),
				format_units(record.slashed),
				format!("#{}", record.closed_at),
			]);
		}
		text.push_str(&t.to_string());
		text.push('\n');
	}
	text
}

fn describe_round(round: &RoundView) -> String {
	let mut text = format!(
		"round {}: {}; {} of {} trainers submitted, {} accepted\n",
		round.index,
		round.phase,
		round.updates.len(),
		round.trainers.len(),
		round.accepted.len()
	);
	let mut t = table(&["validator", "stake", "committed", "revealed", "attested"]);
	for seat in &round.validators {
		t.add_row([
			seat.who.to_string(),
			format_units(seat.stake),
			yes_no(seat.commitment.is_some()),
			yes_no(seat.revealed),
			seat.attested
				.as_ref()
				.map_or_else(|| "-".to_string(), |cid| cid.to_string()),
		]);
	}
	text.push_str(&t.to_string());
	text.push('\n');
	text.push_str(&format!("aggregator {}\n", round.aggregator));
	text
}

fn yes_no(flag: bool) -> String {
	if flag { "yes" } else { "no" }.to_string()
}

async fn approve(
	task: TaskId,
	council: &[String],
	sudo: bool,
	common: &CommonArgs,
	out: &mut Output<'_>,
) -> Result<()> {
	let client = common.connect().await?;
	let call = GovernanceCall::ApproveTask(task);
	if sudo {
		let signer = common.require_signer("task approve --sudo")?;
		client.clone().with_signer(signer).sudo(&call).await?;
	} else {
		let members = council
			.iter()
			.map(|suri| Signer::from_suri(suri))
			.collect::<std::result::Result<Vec<_>, _>>()?;
		if members.is_empty() {
			return Err(CliError::Usage("give --council members or --sudo".into()));
		}
		client.approve_task_by_council(task, &members).await?;
	}
	let status = client.expect_task(task).await?.status;
	out.emit(
		&serde_json::json!({ "task": task, "status": status }),
		|| format!("task {task} approved; it is now {status}"),
	)
}
