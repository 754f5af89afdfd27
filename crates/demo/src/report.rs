//! The demo's results: per round and per participant, the economy's balance checks, tables, an
//! SVG plot and a JSON summary.

use crate::ledger::SlashRecord;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use decentralml_client::{Balance, RoundIndex, TaskId, UNIT};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// One closed round.
#[derive(Clone, Debug, Serialize)]
pub struct RoundRow {
	/// The round.
	pub round: RoundIndex,
	/// `succeeded`, or `failed (reason)`.
	pub outcome: String,
	/// Test accuracy of the model after the round.
	pub accuracy: f64,
	/// Accepted, rejected and harmful updates, when consensus was reached.
	pub consensus: Option<(u32, u32, u32)>,
	/// Paid to participants.
	pub paid: Balance,
	/// Slashed into the pool.
	pub slashed: Balance,
}

/// One participant at the end.
#[derive(Clone, Debug, Serialize)]
pub struct ParticipantRow {
	/// Display name.
	pub name: String,
	/// Role.
	pub role: String,
	/// Account (SS58).
	pub account: String,
	/// Whether it attacked.
	pub byzantine: bool,
	/// The bond it joined with.
	pub bond_joined: Balance,
	/// Its bond now, net of slashes.
	pub bond_now: Balance,
	/// What the chain holds from it under the training bond.
	pub bond_held: Balance,
	/// Rewards earned.
	pub rewards: Balance,
}

impl ParticipantRow {
	/// What it lost to slashes.
	pub fn slashed(&self) -> Balance {
		self.bond_joined.saturating_sub(self.bond_now)
	}
}

/// Whether the money adds up.
#[derive(Clone, Debug, Serialize)]
pub struct Conservation {
	/// The pool's deposit.
	pub deposit: Balance,
	/// Paid over all rounds (history).
	pub paid: Balance,
	/// Slashed over all rounds (history).
	pub slashed: Balance,
	/// Refunded to the proposer at the end (event).
	pub refunded: Option<Balance>,
	/// Rewards earned by the participants add up to the rounds' payments.
	pub rewards_match_payments: bool,
	/// The participants' bonds shrank by exactly the rounds' slashes, and every bond still
	/// held matches its record.
	pub bonds_match_slashes: bool,
	/// deposit − paid + slashed = refunded: the pool neither created nor lost money.
	pub pool_balances: bool,
}

impl Conservation {
	/// Computes the checks.
	pub fn check(
		deposit: Balance,
		rounds: &[RoundRow],
		participants: &[ParticipantRow],
		refunded: Option<Balance>,
	) -> Self {
		let paid: Balance = rounds.iter().map(|r| r.paid).sum();
		let slashed: Balance = rounds.iter().map(|r| r.slashed).sum();
		let rewards: Balance = participants.iter().map(|p| p.rewards).sum();
		let lost: Balance = participants.iter().map(ParticipantRow::slashed).sum();
		let held_ok = participants.iter().all(|p| p.bond_held == p.bond_now);
		Self {
			deposit,
			paid,
			slashed,
			refunded,
			rewards_match_payments: rewards == paid,
			bonds_match_slashes: lost == slashed && held_ok,
			pool_balances: refunded.is_some_and(|r| deposit + slashed == paid + r),
		}
	}

	/// Whether every check holds.
	pub fn holds(&self) -> bool {
		self.rewards_match_payments && self.bonds_match_slashes && self.pool_balances
	}
}

/// Everything the demo found.
#[derive(Clone, Debug, Serialize)]
pub struct DemoReport {
	/// The task.
	pub task: TaskId,
	/// Test accuracy of the initial model.
	pub initial_accuracy: f64,
	/// Closed rounds.
	pub rounds: Vec<RoundRow>,
	/// Participants.
	pub participants: Vec<ParticipantRow>,
	/// Every slash.
	pub slashes: Vec<SlashRecord>,
	/// The money checks.
	pub conservation: Conservation,
	/// The accuracy plot.
	pub plot: PathBuf,
	/// This report as JSON.
	pub summary: PathBuf,
	/// Wall-clock seconds from start to the task's end.
	pub seconds: f64,
}

impl DemoReport {
	/// Accuracy after the last round, or of the initial model without rounds.
	pub fn final_accuracy(&self) -> f64 {
		self.rounds
			.last()
			.map_or(self.initial_accuracy, |r| r.accuracy)
	}

	/// The tables as text.
	pub fn tables(&self) -> String {
		format!(
			"{}\n{}\n{}",
			self.rounds_table(),
			self.participants_table(),
			self.conservation_lines()
		)
	}

	fn rounds_table(&self) -> Table {
		let mut table = Table::new();
		table.load_preset(UTF8_FULL_CONDENSED);
		table.set_header([
			"round", "outcome", "accuracy", "accepted", "rejected", "harmful", "paid", "slashed",
		]);
		table.add_row(vec![
			"initial".into(),
			String::new(),
			percent(self.initial_accuracy),
		]);
		for row in &self.rounds {
			let (accepted, rejected, harmful) = match row.consensus {
				Some((a, r, h)) => (a.to_string(), r.to_string(), h.to_string()),
				None => ("-".into(), "-".into(), "-".into()),
			};
			table.add_row(vec![
				row.round.to_string(),
				row.outcome.clone(),
				percent(row.accuracy),
				accepted,
				rejected,
				harmful,
				dml(row.paid),
				dml(row.slashed),
			]);
		}
		table
	}

	fn participants_table(&self) -> Table {
		let mut table = Table::new();
		table.load_preset(UTF8_FULL_CONDENSED);
		table.set_header([
			"participant",
			"role",
			"rewards",
			"slashed",
			"bond left",
			"net",
		]);
		for p in &self.participants {
			let net = p.rewards as i128 - p.slashed() as i128;
			table.add_row(vec![
				p.name.clone(),
				p.role.clone(),
				dml(p.rewards),
				dml(p.slashed()),
				dml(p.bond_now),
				signed_dml(net),
			]);
		}
		table
	}

	fn conservation_lines(&self) -> String {
		let c = &self.conservation;
		let mark = |ok: bool| if ok { "ok" } else { "MISMATCH" };
		format!(
			"pool: deposit {} − paid {} + slashed {} = refunded {} ({})\n\
			 rewards earned = payments ({}); bonds lost = slashes ({})\n\
			 plot: {}\nsummary: {}",
			dml(c.deposit),
			dml(c.paid),
			dml(c.slashed),
			c.refunded.map_or_else(|| "?".into(), dml),
			mark(c.pool_balances),
			mark(c.rewards_match_payments),
			mark(c.bonds_match_slashes),
			self.plot.display(),
			self.summary.display(),
		)
	}

	/// Writes the accuracy plot to [`DemoReport::plot`] and the JSON to
	/// [`DemoReport::summary`].
	pub fn write_files(&self, title: &str) -> anyhow::Result<()> {
		let mut records = vec![record(0, self.initial_accuracy)];
		records.extend(
			self.rounds
				.iter()
				.map(|r| record(r.round as usize + 1, r.accuracy)),
		);
		decentralml_sim::plot::write_accuracy_svg(&self.plot, title, &records, None)?;
		write_json(&self.summary, self)
	}
}

fn record(round: usize, accuracy: f64) -> decentralml_sim::RoundRecord {
	decentralml_sim::RoundRecord {
		round,
		accuracy,
		loss: 0.0,
		examples: 0,
		seconds: 0.0,
		train_loss: 0.0,
		clients: 0,
	}
}

fn write_json(path: &Path, report: &DemoReport) -> anyhow::Result<()> {
	let text = serde_json::to_string_pretty(report)?;
	std::fs::write(path, text).map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))
}

fn percent(value: f64) -> String {
	format!("{:.2}%", value * 100.0)
}

/// An amount in DML with three decimals.
pub fn dml(amount: Balance) -> String {
	format!("{}.{:03}", amount / UNIT, (amount % UNIT) / (UNIT / 1000))
}

fn signed_dml(amount: i128) -> String {
	let sign = if amount < 0 { "−" } else { "+" };
	format!("{sign}{}", dml(amount.unsigned_abs()))
}

#[cfg(test)]
mod tests {
	use super::*;

	fn participant(rewards: Balance, joined: Balance, now: Balance) -> ParticipantRow {
		ParticipantRow {
			name: "p".into(),
			role: "trainer".into(),
			account: String::new(),
			byzantine: false,
			bond_joined: joined,
			bond_now: now,
			bond_held: now,
			rewards,
		}
	}

	fn round(paid: Balance, slashed: Balance) -> RoundRow {
		RoundRow {
			round: 0,
			outcome: "succeeded".into(),
			accuracy: 0.9,
			consensus: Some((1, 0, 0)),
			paid,
			slashed,
		}
	}

	#[test]
	fn the_books_balance_only_when_every_amount_is_accounted_for() {
		let rounds = [round(70, 5), round(30, 0)];
		let people = [participant(60, 10, 10), participant(40, 10, 5)];
		let ok = Conservation::check(1000, &rounds, &people, Some(905));
		assert!(ok.holds(), "{ok:?}");
		let short = Conservation::check(1000, &rounds, &people, Some(900));
		assert!(!short.pool_balances);
		let unpaid = Conservation::check(1000, &rounds, &people[..1], Some(905));
		assert!(!unpaid.rewards_match_payments && !unpaid.bonds_match_slashes);
	}

	#[test]
	fn amounts_show_in_dml() {
		assert_eq!(dml(12 * UNIT + UNIT / 2), "12.500");
		assert_eq!(signed_dml(-(UNIT as i128)), "−1.000");
	}
}
