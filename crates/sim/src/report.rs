//! Per-round results: the records, the CSV file written as rounds finish, and rounds-to-target.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// One round's results.
#[derive(Clone, Debug, PartialEq)]
pub struct RoundRecord {
	/// Round number, from 1.
	pub round: usize,
	/// Test accuracy after the round (mean over clients' private models in ProxyFL).
	pub accuracy: f64,
	/// Test loss after the round.
	pub loss: f64,
	/// Training examples processed by the round's clients (one pass counted once).
	pub examples: usize,
	/// Wall-clock seconds of the round (training, aggregation and evaluation).
	pub seconds: f64,
	/// Mean training loss reported by the clients (weighted by examples).
	pub train_loss: f64,
	/// Clients that trained this round.
	pub clients: usize,
}

/// CSV header; the first five columns are the ones every run documents.
pub const CSV_HEADER: &str = "round,accuracy,loss,examples,seconds,train_loss,clients";

impl RoundRecord {
	/// The record as a CSV line (no newline).
	pub fn csv_line(&self) -> String {
		format!(
			"{},{:.6},{:.6},{},{:.3},{:.6},{}",
			self.round,
			self.accuracy,
			self.loss,
			self.examples,
			self.seconds,
			self.train_loss,
			self.clients
		)
	}
}

/// The first round whose accuracy reached `target`.
pub fn rounds_to_target(records: &[RoundRecord], target: f64) -> Option<usize> {
	records
		.iter()
		.find(|r| r.accuracy >= target)
		.map(|r| r.round)
}

/// Writes records as they come, flushing each line so an interrupted run leaves a usable file.
pub struct CsvSink {
	path: PathBuf,
	file: BufWriter<File>,
}

impl CsvSink {
	/// Creates (or truncates) `path` and writes the header.
	pub fn create(path: &Path) -> anyhow::Result<Self> {
		let file = File::create(path)
			.map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
		let mut sink = CsvSink {
			path: path.to_path_buf(),
			file: BufWriter::new(file),
		};
		sink.line(CSV_HEADER)?;
		Ok(sink)
	}

	/// Appends one record.
	pub fn write(&mut self, record: &RoundRecord) -> anyhow::Result<()> {
		self.line(&record.csv_line())
	}

	fn line(&mut self, line: &str) -> anyhow::Result<()> {
		writeln!(self.file, "{line}")
			.and_then(|_| self.file.flush())
			.map_err(|e| anyhow::anyhow!("cannot write {}: {e}", self.path.display()))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn record(round: usize, accuracy: f64) -> RoundRecord {
		RoundRecord {
			round,
			accuracy,
			loss: 0.5,
			examples: 6000,
			seconds: 1.25,
			train_loss: 0.7,
			clients: 10,
		}
	}

	#[test]
	fn target_is_the_first_round_at_or_above_it() {
		let records = [
			record(1, 0.5),
			record(2, 0.97),
			record(3, 0.96),
			record(4, 0.98),
		];
		assert_eq!(rounds_to_target(&records, 0.97), Some(2));
		assert_eq!(rounds_to_target(&records, 0.99), None);
	}

	#[test]
	fn csv_has_header_and_one_line_per_round() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("r.csv");
		let mut sink = CsvSink::create(&path).unwrap();
		sink.write(&record(1, 0.5)).unwrap();
		let text = std::fs::read_to_string(&path).unwrap();
		assert_eq!(
			text,
			format!("{CSV_HEADER}\n1,0.500000,0.500000,6000,1.250,0.700000,10\n")
		);
	}
}
