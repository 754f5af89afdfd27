//! `decentralml licence buy|show|claim`.

use crate::{
	args::CommonArgs,
	error::{CliError, Result},
	output::{record, table, Output},
};
use clap::{Args, Subcommand};
use decentralml_client::{format_units, AccountId, Asset, Jurisdiction, TaskId};

/// Buy licences to trained models and claim licence revenue.
#[derive(Debug, Args)]
pub struct LicenceArgs {
	#[command(subcommand)]
	command: LicenceCommand,
}

#[derive(Debug, Subcommand)]
enum LicenceCommand {
	/// Buy (or extend) a licence to a task's model (signed).
	Buy {
		/// The task id.
		#[arg(long)]
		task: TaskId,
		/// Periods to buy.
		#[arg(long, default_value_t = 1)]
		periods: u32,
		/// Where the model will be used (ISO 3166-1 alpha-2, e.g. DE).
		#[arg(long)]
		jurisdiction: Jurisdiction,
	},
	/// Show a task's licence terms, an account's licence and what it can claim.
	Show {
		/// The task id.
		#[arg(long)]
		task: TaskId,
		/// The account; the signer's if --suri/--keystore is given.
		#[arg(long)]
		account: Option<AccountId>,
	},
	/// Claim licence revenue owed to the signer by a task's pot (signed).
	Claim {
		/// The task id.
		#[arg(long)]
		task: TaskId,
		/// The fee asset.
		#[arg(long, default_value = "native")]
		asset: Asset,
	},
}

/// Runs a `licence` command.
pub async fn run(args: LicenceArgs, common: &CommonArgs, out: &mut Output<'_>) -> Result<()> {
	match args.command {
		LicenceCommand::Buy {
			task,
			periods,
			jurisdiction,
		} => {
			if periods == 0 {
				return Err(CliError::Usage("--periods must be at least 1".into()));
			}
			let client = common.connect_signed("licence buy").await?;
			let purchase = client.buy_licence(task, periods, jurisdiction).await?;
			out.emit(&purchase, || {
				format!(
					"licence to task {task} in {jurisdiction} valid until block #{} (model {}); paid {} {}",
					purchase.licence.expires_at,
					purchase.model,
					format_units(purchase.fee),
					purchase.asset
				)
			})
		}
		LicenceCommand::Show { task, account } => show(task, account, common, out).await,
		LicenceCommand::Claim { task, asset } => {
			let client = common.connect_signed("licence claim").await?;
			let amount = client.claim(task, asset).await?;
			out.emit(
				&serde_json::json!({ "task": task, "asset": asset, "claimed": amount }),
				|| {
					format!(
						"claimed {} of {asset} from task {task}",
						format_units(amount)
					)
				},
			)
		}
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
	let terms = client.licence_terms(task).await?;
	let (licence, claimable) = match &account {
		Some(who) => {
			let mut claims = client.claimables(who).await?;
			claims.retain(|claim| claim.task == task);
			(client.licence(task, who).await?, claims)
		}
		None => (None, Vec::new()),
	};
	let block = client.current_block().await?;
	out.emit(
		&serde_json::json!({
			"task": task, "terms": terms, "account": account,
			"licence": licence, "claimable": claimable, "block": block,
		}),
		|| {
			let mut text = match &terms {
				Some(terms) => record(&[
					("task", task.to_string()),
					("terms version", terms.version.to_string()),
					("licence text", terms.terms.to_string()),
					(
						"fee",
						format!(
							"{} {} per {} blocks",
							format_units(terms.fee_per_period),
							terms.asset,
							terms.period
						),
					),
					(
						"revenue shares",
						format!(
							"contributors {}, backers {}, owner the rest",
							terms.contributors_share, terms.backers_share
						),
					),
					(
						"jurisdictions",
						terms.jurisdictions.as_ref().map_or_else(
							|| "anywhere".to_string(),
							|list| {
								list.iter()
									.map(|j| j.to_string())
									.collect::<Vec<_>>()
									.join(", ")
							},
						),
					),
				]),
				None => format!("task {task} has no licence terms"),
			};
			text.push('\n');
			if let Some(who) = &account {
				match &licence {
					Some(l) if u64::from(l.expires_at) > block => text.push_str(&format!(
						"{who} holds a licence in {} until block #{}\n",
						l.jurisdiction, l.expires_at
					)),
					Some(l) => text.push_str(&format!(
						"{who}'s licence expired at block #{}\n",
						l.expires_at
					)),
					None => text.push_str(&format!("{who} holds no licence\n")),
				}
				if !claimable.is_empty() {
					let mut t = table(&["asset", "claimable"]);
					for claim in &claimable {
						t.add_row([claim.asset.to_string(), format_units(claim.amount)]);
					}
					text.push_str(&format!("{t}\n"));
				}
			}
			text
		},
	)
}
