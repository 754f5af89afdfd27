//! Watching the task: progress bars per round and phase, and the accuracy of each round's model
//! on test data.

use anyhow::Context;
use decentralml_client::{ContentId, Phase, RoundView, TaskSummary};
use decentralml_storage::{Store, StoreExt};
use decentralml_train::{LocalTrainer, ModelCard, ModelParameters};
use decentralml_worker::data::LocalData;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::Duration;

/// Two bars: rounds closed, and the current phase's progress.
pub struct Monitor {
	multi: MultiProgress,
	rounds: ProgressBar,
	phase: ProgressBar,
}

impl Monitor {
	/// Bars for a task of `rounds` rounds, drawn on standard error when `visible`.
	pub fn new(rounds: u32, visible: bool) -> Self {
		let target = if visible {
			ProgressDrawTarget::stderr()
		} else {
			ProgressDrawTarget::hidden()
		};
		let multi = MultiProgress::with_draw_target(target);
		let style = |template: &str| {
			ProgressStyle::with_template(template)
				.unwrap_or_else(|_| ProgressStyle::default_bar())
				.progress_chars("=> ")
		};
		let rounds_bar = multi.add(ProgressBar::new(u64::from(rounds)));
		rounds_bar.set_style(style("{prefix:>12} [{bar:30}] {pos}/{len} {msg}"));
		rounds_bar.set_prefix("rounds");
		let phase = multi.add(ProgressBar::new(1));
		phase.set_style(style("{prefix:>12} [{bar:30}] {pos}/{len} {msg}"));
		phase.set_prefix("waiting");
		phase.enable_steady_tick(Duration::from_millis(250));
		Self {
			multi,
			rounds: rounds_bar,
			phase,
		}
	}

	/// Shows the task's closed rounds and the round in progress.
	pub fn show(&self, task: &TaskSummary, round: Option<&RoundView>) {
		self.rounds.set_position(u64::from(task.closed_rounds));
		self.rounds
			.set_message(format!("task {} {}", task.id, task.status));
		let Some(round) = round else {
			self.phase.set_prefix("between");
			self.phase.set_length(1);
			self.phase.set_position(0);
			self.phase.set_message("waiting for the next round");
			return;
		};
		let (what, done, total) = phase_progress(round);
		self.phase.set_prefix(format!("round {}", round.index));
		self.phase.set_length(total.max(1));
		self.phase.set_position(done);
		self.phase.set_message(format!("{} · {what}", round.phase));
	}

	/// Prints a line above the bars.
	pub fn println(&self, line: impl AsRef<str>) {
		if self.multi.is_hidden() {
			tracing::info!("{}", line.as_ref());
		} else {
			let _ = self.multi.println(line);
		}
	}

	/// Removes the bars.
	pub fn finish(&self) {
		self.phase.finish_and_clear();
		self.rounds.finish_and_clear();
	}
}

/// What the phase waits for, how many of it are done and how many are expected.
pub fn phase_progress(round: &RoundView) -> (&'static str, u64, u64) {
	let count = |n: usize| n as u64;
	let seats = &round.validators;
	match round.phase {
		Phase::Training { .. } => (
			"updates",
			count(round.updates.len()),
			count(round.trainers.len()),
		),
		Phase::Commit { .. } => (
			"commitments",
			count(seats.iter().filter(|s| s.commitment.is_some()).count()),
			count(seats.len()),
		),
		Phase::Reveal { .. } => (
			"reveals",
			count(seats.iter().filter(|s| s.revealed).count()),
			count(seats.iter().filter(|s| s.commitment.is_some()).count()),
		),
		Phase::Aggregation { .. } if round.aggregate.is_none() => ("aggregate", 0, 1),
		Phase::Aggregation { .. } => (
			"attestations",
			count(seats.iter().filter(|s| s.attested.is_some()).count()),
			count(seats.iter().filter(|s| s.revealed).count()),
		),
		Phase::SettlingTrainers { next } => (
			"trainers settled",
			u64::from(next),
			count(round.trainers.len()),
		),
		Phase::SettlingValidators => ("validators settled", 0, 1),
	}
}

/// Evaluates models of the task on test data.
pub struct Evaluator {
	trainer: LocalTrainer,
	data: LocalData,
}

impl Evaluator {
	/// An evaluator of `card` models on `data`.
	pub fn new(card: ModelCard, data: LocalData) -> anyhow::Result<Self> {
		let trainer = LocalTrainer::new(card, decentralml_train::cpu_device())?;
		Ok(Self { trainer, data })
	}

	/// Test accuracy of `model`.
	pub async fn accuracy_of(&self, model: ModelParameters) -> anyhow::Result<f64> {
		let trainer = self.trainer.clone();
		let data = self.data.clone();
		let metrics = tokio::task::spawn_blocking(move || {
			trainer.evaluate(&model, &data.dataset, Some(&data.indices))
		})
		.await??;
		Ok(metrics.accuracy)
	}

	/// Test accuracy of the model stored under `cid` (verified against it).
	pub async fn accuracy_at(&self, store: &dyn Store, cid: &ContentId) -> anyhow::Result<f64> {
		let bytes = store
			.get_bytes(&cid.to_cid()?)
			.await
			.with_context(|| format!("fetching model {cid}"))?;
		let model = ModelParameters::from_safetensors(&bytes)?;
		self.accuracy_of(model).await
	}
}
