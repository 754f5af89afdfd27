//! Printing results: human-readable tables by default, JSON with `--json`.

use crate::error::Result;
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use serde::Serialize;
use std::io::Write;

/// Where a command prints, and in which form.
pub struct Output<'w> {
	writer: &'w mut dyn Write,
	json: bool,
}

impl<'w> Output<'w> {
	/// Prints to `writer`, as JSON when `json` is set.
	pub fn new(writer: &'w mut dyn Write, json: bool) -> Self {
		Self { writer, json }
	}

	/// Whether output is JSON.
	pub fn is_json(&self) -> bool {
		self.json
	}

	/// Prints `value` as pretty JSON, or the text `human` gives.
	pub fn emit<T: Serialize>(&mut self, value: &T, human: impl FnOnce() -> String) -> Result<()> {
		if self.json {
			serde_json::to_writer_pretty(&mut *self.writer, value)?;
			writeln!(self.writer)?;
		} else {
			let text = human();
			write!(self.writer, "{text}")?;
			if !text.ends_with('\n') {
				writeln!(self.writer)?;
			}
		}
		Ok(())
	}
}

/// A table with a header row, in the style every command uses.
pub fn table(header: &[&str]) -> Table {
	let mut table = Table::new();
	table
		.load_preset(UTF8_FULL_CONDENSED)
		.set_content_arrangement(ContentArrangement::Dynamic)
		.set_header(header.iter().copied());
	table
}

/// Two-column `field | value` table for one record.
pub fn record(rows: &[(&str, String)]) -> String {
	let mut table = Table::new();
	table.load_preset(UTF8_FULL_CONDENSED);
	for (field, value) in rows {
		table.add_row([field.to_string(), value.clone()]);
	}
	table.to_string()
}

/// `count` followed by `noun`, in the plural unless the count is one: "1 validator",
/// "3 validators".
pub fn counted(count: impl Into<u64>, noun: &str) -> String {
	match count.into() {
		1 => format!("1 {noun}"),
		n => format!("{n} {noun}s"),
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn counts_agree_with_their_nouns() {
		assert_eq!(counted(1u32, "validator"), "1 validator");
		assert_eq!(counted(0u32, "trainer"), "0 trainers");
		assert_eq!(counted(16u32, "validator"), "16 validators");
	}

	#[test]
	fn json_and_human_forms() {
		let mut buffer = Vec::new();
		Output::new(&mut buffer, true)
			.emit(&serde_json::json!({"task": 3}), || "unused".into())
			.unwrap();
		let parsed: serde_json::Value = serde_json::from_slice(&buffer).unwrap();
		assert_eq!(parsed["task"], 3);

		let mut buffer = Vec::new();
		Output::new(&mut buffer, false)
			.emit(&3, || "task 3 created".into())
			.unwrap();
		assert_eq!(String::from_utf8(buffer).unwrap(), "task 3 created\n");
	}

	#[test]
	fn records_list_fields() {
		let text = record(&[("task", "3".into()), ("status", "active".into())]);
		assert!(text.contains("status") && text.contains("active"), "{text}");
	}
}
