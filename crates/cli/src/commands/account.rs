//! `decentralml account new|show|balance|transfer`.

use crate::{
	args::{parse_amount, CommonArgs},
	error::{CliError, Result},
	output::{record, table, Output},
};
use clap::{Args, Subcommand};
use decentralml_client::{format_units, AccountId, Asset, Balance, Signer};
use std::path::PathBuf;

/// Create keys, show addresses and balances, transfer DML.
#[derive(Debug, Args)]
pub struct AccountArgs {
	#[command(subcommand)]
	command: AccountCommand,
}

#[derive(Debug, Subcommand)]
enum AccountCommand {
	/// Create a new account and save its secret in a keystore file readable only by you.
	New {
		/// The keystore file to create (refuses to overwrite).
		#[arg(long = "out")]
		out: PathBuf,
		/// Save this secret URI instead of a fresh random mnemonic (e.g. a derivation of yours).
		#[arg(long = "from-suri")]
		from_suri: Option<String>,
	},
	/// Show the address of the account given by --suri or --keystore.
	Show,
	/// Show an account's balance and holds (bonds, stakes, deposits).
	Balance {
		/// The account; the signer's if absent.
		account: Option<AccountId>,
		/// `native` (DML) or an asset id such as `asset:7`.
		#[arg(long, default_value = "native")]
		asset: Asset,
	},
	/// Transfer DML to another account, keeping the sender's account alive (signed).
	Transfer {
		/// The recipient.
		#[arg(long)]
		to: AccountId,
		/// The amount: `12.5`, `12.5 DML` or `1000 planck`.
		#[arg(long, value_parser = parse_amount)]
		amount: Balance,
	},
}

/// Runs an `account` command.
pub async fn run(args: AccountArgs, common: &CommonArgs, out: &mut Output<'_>) -> Result<()> {
	match args.command {
		AccountCommand::New {
			out: path,
			from_suri,
		} => {
			let suri = match from_suri {
				Some(suri) => suri,
				None => Signer::generate_mnemonic()?.to_string(),
			};
			let signer = Signer::write_keystore_file(&path, &suri)?;
			let account = signer.account_id();
			out.emit(
				&serde_json::json!({ "account": account, "keystore": path.display().to_string() }),
				|| {
					format!(
						"created account {account}; its secret is in {} (mode 600): back it up",
						path.display()
					)
				},
			)
		}
		AccountCommand::Show => {
			let account = common.require_signer("account show")?.account_id();
			out.emit(&serde_json::json!({ "account": account }), || {
				account.to_string()
			})
		}
		AccountCommand::Balance { account, asset } => {
			let who = match account {
				Some(who) => who,
				None => common
					.signer()?
					.map(|signer| signer.account_id())
					.ok_or_else(|| {
						CliError::Usage("give an account, or --suri/--keystore for your own".into())
					})?,
			};
			let client = common.connect().await?;
			let balance = client.asset_balance(asset, &who).await?;
			out.emit(
				&serde_json::json!({ "account": who, "asset": asset, "balance": balance }),
				|| {
					let mut text = record(&[
						("account", who.to_string()),
						("asset", asset.to_string()),
						("free", format_units(balance.free)),
						("held", format_units(balance.reserved)),
						("frozen", format_units(balance.frozen)),
					]);
					if !balance.holds.is_empty() {
						let mut t = table(&["hold", "amount"]);
						for hold in &balance.holds {
							t.add_row([hold.reason.clone(), format_units(hold.amount)]);
						}
						text.push_str(&format!("\n{t}"));
					}
					text
				},
			)
		}
		AccountCommand::Transfer { to, amount } => {
			let client = common.connect_signed("account transfer").await?;
			let receipt = client.transfer(&to, amount).await?;
			out.emit(
				&serde_json::json!({ "to": to, "amount": amount, "block": receipt.block_number }),
				|| {
					format!(
						"transferred {} DML to {to} in block #{}",
						format_units(amount),
						receipt.block_number
					)
				},
			)
		}
	}
}
