//! `decentralml stake add|remove|withdraw|show`: backing tasks with any token.

use crate::{
	args::{parse_amount, CommonArgs},
	error::Result,
	output::{record, table, Output},
};
use clap::{Args, Subcommand};
use decentralml_client::{format_units, AccountId, Asset, Balance, TaskId};

/// Back tasks with stake: it raises a task's priority and earns a share of its licence fees.
#[derive(Debug, Args)]
pub struct StakeArgs {
	#[command(subcommand)]
	command: StakeCommand,
}

#[derive(Debug, Subcommand)]
enum StakeCommand {
	/// Stake an amount of an asset on a task (signed).
	Add {
		/// The task id.
		#[arg(long)]
		task: TaskId,
		/// The amount: `12.5`, `12.5 DML` or `1000 planck`.
		#[arg(long, value_parser = parse_amount)]
		amount: Balance,
		/// `native` (DML) or an asset id such as `asset:7`.
		#[arg(long, default_value = "native")]
		asset: Asset,
	},
	/// Stop part of a stake counting; it can be withdrawn after the cool-down (signed).
	Remove {
		/// The task id.
		#[arg(long)]
		task: TaskId,
		/// The amount.
		#[arg(long, value_parser = parse_amount)]
		amount: Balance,
		/// The asset.
		#[arg(long, default_value = "native")]
		asset: Asset,
	},
	/// Withdraw unstaked stake whose cool-down is over (signed).
	Withdraw {
		/// The task id.
		#[arg(long)]
		task: TaskId,
		/// The asset.
		#[arg(long, default_value = "native")]
		asset: Asset,
	},
	/// Show a task's backing, and an account's positions on it.
	Show {
		/// The task id.
		#[arg(long)]
		task: TaskId,
		/// The backer; the signer's account if --suri/--keystore is given.
		#[arg(long)]
		account: Option<AccountId>,
	},
}

/// Runs a `stake` command.
pub async fn run(args: StakeArgs, common: &CommonArgs, out: &mut Output<'_>) -> Result<()> {
	match args.command {
		StakeCommand::Add {
			task,
			amount,
			asset,
		} => {
			let client = common.connect_signed("stake add").await?;
			client.stake(task, asset, amount).await?;
			out.emit(
				&serde_json::json!({ "task": task, "asset": asset, "staked": amount }),
				|| format!("staked {} of {asset} on task {task}", format_units(amount)),
			)
		}
		StakeCommand::Remove {
			task,
			amount,
			asset,
		} => {
			let client = common.connect_signed("stake remove").await?;
			let unlock_at = client.unstake(task, asset, amount).await?;
			out.emit(
				&serde_json::json!({ "task": task, "asset": asset, "unstaked": amount, "unlock_at": unlock_at }),
				|| {
					format!(
						"{} of {asset} on task {task} no longer counts; withdraw it from block #{unlock_at}",
						format_units(amount)
					)
				},
			)
		}
		StakeCommand::Withdraw { task, asset } => {
			let client = common.connect_signed("stake withdraw").await?;
			let amount = client.withdraw_stake(task, asset).await?;
			out.emit(
				&serde_json::json!({ "task": task, "asset": asset, "withdrawn": amount }),
				|| {
					format!(
						"withdrew {} of {asset} from task {task}",
						format_units(amount)
					)
				},
			)
		}
		StakeCommand::Show { task, account } => show(task, account, common, out).await,
	}
}

async fn show(
	task: TaskId,
	account: Option<AccountId>,
	common: &CommonArgs,
	out: &mut Output<'_>,
) -> Result<()> {
	let client = common.connect().await?;
	let account = common.account_or_signer(account)?;
	let backing = client.backing(task).await?;
	let positions = match &account {
		Some(who) => client.stakes(task, who).await?,
		None => Vec::new(),
	};
	out.emit(
		&serde_json::json!({ "task": task, "backing": backing, "account": account, "positions": positions }),
		|| {
			let totals = backing
				.totals
				.iter()
				.map(|(asset, amount)| format!("{} {asset}", format_units(*amount)))
				.collect::<Vec<_>>()
				.join(", ");
			let mut text = record(&[
				("task", task.to_string()),
				("backers", backing.backers.to_string()),
				("stake", if totals.is_empty() { "none".into() } else { totals }),
				("value", format_units(backing.value)),
			]);
			if let Some(who) = &account {
				text.push('\n');
				let mut t = table(&["asset", "active", "unbonding", "unlock at"]);
				for p in &positions {
					t.add_row([
						p.asset.to_string(),
						format_units(p.active),
						format_units(p.unbonding),
						format!("#{}", p.unlock_at),
					]);
				}
				text.push_str(&format!("positions of {who}\n{t}\n"));
			}
			text
		},
	)
}
