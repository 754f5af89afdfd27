//! Flags every command shares, and the argument types they parse into.

use crate::error::{CliError, Result};
use clap::Args;
use decentralml_client::{
	parse_units, AccountId, Balance, Client, ClientError, Signer, DEFAULT_RPC_URL,
};
use std::path::PathBuf;

/// How to reach the node, who signs, and how to print.
#[derive(Clone, Debug, Args)]
pub struct CommonArgs {
	/// WebSocket RPC endpoint of a DecentralML node.
	#[arg(long, global = true, default_value = DEFAULT_RPC_URL, env = "DECENTRALML_RPC")]
	pub rpc: String,

	/// Secret URI of the signing account: a dev seed (`//Alice`), a mnemonic with an optional
	/// derivation path, or a hex seed. Prefer --keystore outside development.
	#[arg(
		long,
		global = true,
		conflicts_with = "keystore",
		env = "DECENTRALML_SURI"
	)]
	pub suri: Option<String>,

	/// JSON keystore file holding the signing account's secret URI (mode 600).
	#[arg(long, global = true, env = "DECENTRALML_KEYSTORE")]
	pub keystore: Option<PathBuf>,

	/// Print machine-readable JSON instead of tables.
	#[arg(long, global = true)]
	pub json: bool,
}

impl CommonArgs {
	/// The signer given by --suri or --keystore, if any.
	pub fn signer(&self) -> Result<Option<Signer>> {
		match (&self.suri, &self.keystore) {
			(Some(suri), _) => Ok(Some(Signer::from_suri(suri)?)),
			(None, Some(path)) => Ok(Some(Signer::from_keystore_file(path)?)),
			(None, None) => Ok(None),
		}
	}

	/// `account` if given, else the signer's account if there is a signer.
	pub fn account_or_signer(&self, account: Option<AccountId>) -> Result<Option<AccountId>> {
		match account {
			Some(account) => Ok(Some(account)),
			None => Ok(self.signer()?.map(|signer| signer.account_id())),
		}
	}

	/// The signer, which the command needs.
	pub fn require_signer(&self, action: &str) -> Result<Signer> {
		self.signer()?.ok_or_else(|| {
			CliError::Usage(format!(
				"{action} needs a signing account: pass --suri or --keystore"
			))
		})
	}

	/// A connection to the node, without a signer.
	pub async fn connect(&self) -> Result<Client> {
		Ok(Client::connect(&self.rpc).await?)
	}

	/// A connection to the node that signs as --suri or --keystore says.
	pub async fn connect_signed(&self, action: &str) -> Result<Client> {
		let signer = self.require_signer(action)?;
		Ok(self.connect().await?.with_signer(signer))
	}
}

/// Parses an amount of a 12-decimal token: `12.5` or `12.5 DML` in whole tokens, or
/// `1000 planck` in the smallest unit.
pub fn parse_amount(text: &str) -> std::result::Result<Balance, ClientError> {
	let text = text.trim();
	if let Some(planck) = text.strip_suffix("planck") {
		return planck
			.trim()
			.parse::<Balance>()
			.map_err(|_| ClientError::InvalidInput {
				what: "amount".into(),
				reason: format!("`{text}` is not a whole number of planck"),
			});
	}
	let tokens = text
		.strip_suffix("DML")
		.or_else(|| text.strip_suffix("dml"))
		.unwrap_or(text);
	parse_units(tokens.trim())
}

#[cfg(test)]
mod tests {
	use super::*;
	use decentralml_client::UNIT;

	#[test]
	fn amounts_read_tokens_and_planck() {
		assert_eq!(parse_amount("12.5").unwrap(), 12 * UNIT + UNIT / 2);
		assert_eq!(parse_amount("3 DML").unwrap(), 3 * UNIT);
		assert_eq!(parse_amount("1000 planck").unwrap(), 1000);
		assert!(parse_amount("1.5 planck").is_err());
		assert!(parse_amount("lots").is_err());
	}
}
