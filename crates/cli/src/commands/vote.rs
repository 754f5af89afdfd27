//! `decentralml vote motion|referendum`: council and referendum votes.

use crate::{
	args::{parse_amount, CommonArgs},
	error::{CliError, Result},
	output::Output,
};
use clap::{Args, Subcommand};
use decentralml_client::{Balance, Motion, ReferendumVote};

/// Vote on council motions (members) and referenda (any DML holder).
#[derive(Debug, Args)]
pub struct VoteArgs {
	#[command(subcommand)]
	command: VoteCommand,
}

#[derive(Debug, Subcommand)]
enum VoteCommand {
	/// Vote on an open council motion (council members, signed).
	Motion {
		/// The motion's index.
		#[arg(long)]
		index: u32,
		/// The proposal's hash (0x followed by 64 hex digits).
		#[arg(long, value_parser = parse_hash)]
		hash: [u8; 32],
		/// Vote for the motion.
		#[arg(long, conflicts_with = "nay", required_unless_present = "nay")]
		aye: bool,
		/// Vote against the motion.
		#[arg(long)]
		nay: bool,
	},
	/// Vote in a referendum (signed); the balance is locked for the conviction's period.
	Referendum {
		/// The referendum's index.
		#[arg(long)]
		index: u32,
		/// Vote for.
		#[arg(long, conflicts_with = "nay", required_unless_present = "nay")]
		aye: bool,
		/// Vote against.
		#[arg(long)]
		nay: bool,
		/// Conviction 0 (0.1×, no lock) to 6 (6×, longest lock).
		#[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(0..=6))]
		conviction: u8,
		/// The balance to vote with: `12.5`, `12.5 DML` or `1000 planck`.
		#[arg(long, value_parser = parse_amount)]
		balance: Balance,
	},
}

/// Parses `0x` and 64 hex digits.
fn parse_hash(text: &str) -> std::result::Result<[u8; 32], String> {
	let digits = text.trim().strip_prefix("0x").unwrap_or(text.trim());
	let bytes = hex_decode(digits).ok_or_else(|| format!("`{text}` is not 32 bytes of hex"))?;
	bytes
		.try_into()
		.map_err(|_| format!("`{text}` is not 32 bytes of hex"))
}

fn hex_decode(digits: &str) -> Option<Vec<u8>> {
	if !digits.len().is_multiple_of(2) || !digits.is_ascii() {
		return None;
	}
	(0..digits.len())
		.step_by(2)
		.map(|i| u8::from_str_radix(&digits[i..i + 2], 16).ok())
		.collect()
}

/// Runs a `vote` command.
pub async fn run(args: VoteArgs, common: &CommonArgs, out: &mut Output<'_>) -> Result<()> {
	match args.command {
		VoteCommand::Motion {
			index,
			hash,
			aye,
			nay,
		} => {
			let approve = decide(aye, nay)?;
			let client = common.connect_signed("vote motion").await?;
			let motion = Motion {
				index,
				hash,
				threshold: 0,
			};
			client.council_vote(&motion, approve).await?;
			out.emit(
				&serde_json::json!({ "motion": index, "aye": approve }),
				|| format!("voted {} on council motion {index}", aye_nay(approve)),
			)
		}
		VoteCommand::Referendum {
			index,
			aye,
			nay,
			conviction,
			balance,
		} => {
			let aye = decide(aye, nay)?;
			let client = common.connect_signed("vote referendum").await?;
			let vote = ReferendumVote {
				aye,
				conviction,
				balance,
			};
			client.vote_referendum(index, vote).await?;
			out.emit(
				&serde_json::json!({ "referendum": index, "aye": aye, "conviction": conviction, "balance": balance }),
				|| {
					format!(
						"voted {} on referendum {index} with {} DML at conviction {conviction}",
						aye_nay(aye),
						decentralml_client::format_units(balance)
					)
				},
			)
		}
	}
}

fn decide(aye: bool, nay: bool) -> Result<bool> {
	match (aye, nay) {
		(true, false) => Ok(true),
		(false, true) => Ok(false),
		_ => Err(CliError::Usage(
			"vote with exactly one of --aye or --nay".into(),
		)),
	}
}

fn aye_nay(aye: bool) -> &'static str {
	if aye {
		"aye"
	} else {
		"nay"
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn hashes_need_32_bytes() {
		let hash = format!("0x{}", "ab".repeat(32));
		assert_eq!(parse_hash(&hash).unwrap(), [0xab; 32]);
		assert!(parse_hash("0xabcd").is_err());
		assert!(parse_hash(&"zz".repeat(32)).is_err());
	}
}
