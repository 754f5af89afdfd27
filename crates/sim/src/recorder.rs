//! Collects round results: CSV line, progress bar, log line and (every few rounds) the plot.

use crate::plot::write_accuracy_svg;
use crate::report::{rounds_to_target, CsvSink, RoundRecord};
use crate::SimReport;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;

/// Rounds between plot refreshes during a run (the plot is always drawn at the end).
const PLOT_EVERY: usize = 10;

/// Receives each round's record as it finishes.
pub(crate) struct Recorder {
	records: Vec<RoundRecord>,
	csv: CsvSink,
	csv_path: PathBuf,
	svg_path: PathBuf,
	title: String,
	target: Option<f64>,
	stop_at_target: bool,
	bar: ProgressBar,
	log_every: usize,
}

/// Where the recorder writes and how it reports.
pub(crate) struct RecorderSettings {
	pub csv_path: PathBuf,
	pub svg_path: PathBuf,
	pub title: String,
	pub rounds: usize,
	pub target: Option<f64>,
	pub stop_at_target: bool,
	pub quiet: bool,
	pub log_every: usize,
}

impl Recorder {
	/// A recorder whose CSV starts with the `previous` rounds of a resumed run.
	pub(crate) fn new(
		settings: RecorderSettings,
		previous: Vec<RoundRecord>,
	) -> anyhow::Result<Self> {
		let bar = if settings.quiet {
			ProgressBar::hidden()
		} else {
			let bar = ProgressBar::new(settings.rounds as u64);
			// Invariant: the template is a constant that indicatif accepts.
			let style = ProgressStyle::with_template(
				"round {pos}/{len} [{bar:30}] {msg} ({elapsed}, eta {eta})",
			)
			.expect("valid progress template")
			.progress_chars("=> ");
			bar.set_style(style);
			bar.set_position(previous.len() as u64);
			bar
		};
		let mut csv = CsvSink::create(&settings.csv_path)?;
		for record in &previous {
			csv.write(record)?;
		}
		Ok(Recorder {
			records: previous,
			csv,
			csv_path: settings.csv_path,
			svg_path: settings.svg_path,
			title: settings.title,
			target: settings.target,
			stop_at_target: settings.stop_at_target,
			bar,
			log_every: settings.log_every,
		})
	}

	/// Records a round; returns whether the run should stop (target reached with
	/// `--stop-at-target`).
	pub(crate) fn record(&mut self, record: RoundRecord) -> anyhow::Result<bool> {
		self.csv.write(&record)?;
		let line = format!(
			"round {:>4}: accuracy {:.4}, loss {:.4}, train loss {:.4}, {:.1} s",
			record.round, record.accuracy, record.loss, record.train_loss, record.seconds
		);
		self.bar
			.set_message(format!("accuracy {:.4}", record.accuracy));
		self.bar.inc(1);
		if self.log_every > 0 && record.round.is_multiple_of(self.log_every) {
			self.bar.suspend(|| eprintln!("{line}"));
		}
		let reached = self.target.is_some_and(|t| record.accuracy >= t);
		self.records.push(record);
		if self.records.len().is_multiple_of(PLOT_EVERY) {
			self.plot()?;
		}
		Ok(reached && self.stop_at_target)
	}

	/// The rounds recorded so far.
	pub(crate) fn records(&self) -> &[RoundRecord] {
		&self.records
	}

	/// Whether the run must not go on: the target is reached and `--stop-at-target` is set.
	pub(crate) fn should_stop(&self) -> bool {
		self.stop_at_target
			&& self
				.target
				.is_some_and(|t| rounds_to_target(&self.records, t).is_some())
	}

	fn plot(&self) -> anyhow::Result<()> {
		write_accuracy_svg(&self.svg_path, &self.title, &self.records, self.target)
	}

	/// Draws the final plot and summarises the run.
	pub(crate) fn finish(self) -> anyhow::Result<SimReport> {
		self.bar.finish_and_clear();
		self.plot()?;
		let rounds_to_target = self.target.and_then(|t| rounds_to_target(&self.records, t));
		Ok(SimReport {
			rounds_to_target,
			target_accuracy: self.target,
			best_accuracy: self.records.iter().map(|r| r.accuracy).fold(0.0, f64::max),
			// The rounds' own times: a resumed run's report covers its earlier rounds too.
			seconds: self.records.iter().map(|r| r.seconds).sum(),
			records: self.records,
			csv_path: self.csv_path,
			svg_path: self.svg_path,
		})
	}
}
