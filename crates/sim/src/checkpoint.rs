//! Checkpoints of a federated run, so that a long run survives an interruption.
//!
//! After every round the simulator replaces `<out>/<name>.checkpoint` with the global model,
//! the strategy's server state and the records so far. `--resume` continues after the last
//! checkpointed round and gives the results an uninterrupted run gives: client sampling and
//! local training are seeded by round, not by what ran before in the process. A finished run
//! resumed with a larger `--rounds` is extended.
//!
//! File layout: one line of JSON (format version, round, settings, records, byte lengths),
//! then the global model's safetensors bytes, then the state's.

use crate::args::SimulateArgs;
use crate::report::RoundRecord;
use crate::setup::Setup;
use anyhow::{bail, Context};
use decentralml_fl::tensor::{Limits, Parameters};
use decentralml_train::ModelParameters;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Version of the file layout; older or newer files are refused rather than misread.
const FORMAT: u64 = 1;

/// A federated run as it stood after `records.last().round`.
pub(crate) struct Checkpoint {
	/// Every setting that changes the results (see [`settings`]).
	pub settings: String,
	/// The rounds run so far.
	pub records: Vec<RoundRecord>,
	/// The global model after the last round.
	pub global: ModelParameters,
	/// The strategy's server state (momentum, moments) as safetensors bytes; empty when the
	/// strategy keeps none.
	pub state: Vec<u8>,
}

/// Where the checkpoint of run `name` lives.
pub(crate) fn path(out: &Path, name: &str) -> PathBuf {
	out.join(format!("{name}.checkpoint"))
}

/// The settings a resumed run must share with the checkpoint: everything that changes the
/// rounds' results, and nothing that only changes how long or how loudly the run goes on.
pub(crate) fn settings(args: &SimulateArgs, setup: &Setup) -> String {
	format!(
		"dataset {}, model {}, {} clients, fraction {}, strategy {:?}, norm bound {:?}, \
		 partition {:?}, local {:?}, seed {}, {} test examples, device {:?}",
		args.dataset,
		args.model,
		setup.clients.len(),
		args.fraction,
		setup.strategy,
		args.norm_bound,
		args.partition,
		setup.local,
		args.seed,
		setup.test.len(),
		args.device,
	)
}

/// Replaces the checkpoint at `path` atomically: a crash leaves the previous one intact.
pub(crate) fn save(
	path: &Path,
	settings: &str,
	records: &[RoundRecord],
	global: &ModelParameters,
	state: &[u8],
) -> anyhow::Result<()> {
	let global = global.to_safetensors()?;
	let header = json!({
		"format": FORMAT,
		"round": records.last().map_or(0, |r| r.round),
		"settings": settings,
		"records": records.iter().map(record_json).collect::<Vec<_>>(),
		"global_bytes": global.len(),
		"state_bytes": state.len(),
	});
	let mut bytes = serde_json::to_vec(&header)?;
	bytes.push(b'\n');
	bytes.extend_from_slice(&global);
	bytes.extend_from_slice(state);
	let partial = path.with_extension("checkpoint.partial");
	std::fs::write(&partial, &bytes)
		.and_then(|_| std::fs::rename(&partial, path))
		.with_context(|| format!("cannot write the checkpoint {}", path.display()))
}

/// The checkpoint `--resume` continues from: `None` (with a notice) when there is none yet;
/// an error when it was made with other settings.
pub(crate) fn resume(args: &SimulateArgs, setup: &Setup) -> anyhow::Result<Option<Checkpoint>> {
	let path = path(&args.out, &setup.name);
	let Some(checkpoint) = Checkpoint::load(&path)? else {
		eprintln!("no checkpoint at {}: starting from round 1", path.display());
		return Ok(None);
	};
	let wanted = settings(args, setup);
	if checkpoint.settings != wanted {
		bail!(
			"{} comes from a run with other settings, so this run cannot continue it.\n  \
			 checkpoint: {}\n  this run:   {wanted}\nRun without --resume to start over (the \
			 checkpoint is then replaced), or give this run another --name.",
			path.display(),
			checkpoint.settings
		);
	}
	eprintln!("resuming {} after round {}", setup.name, checkpoint.round());
	Ok(Some(checkpoint))
}

impl Checkpoint {
	/// The last round the checkpoint holds (0 before the first).
	pub(crate) fn round(&self) -> usize {
		self.records.last().map_or(0, |r| r.round)
	}

	/// Reads the checkpoint at `path`; `None` when there is none.
	pub(crate) fn load(path: &Path) -> anyhow::Result<Option<Self>> {
		let bytes = match std::fs::read(path) {
			Ok(bytes) => bytes,
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
			Err(e) => bail!("cannot read the checkpoint {}: {e}", path.display()),
		};
		Self::decode(&bytes)
			.map(Some)
			.with_context(|| format!("{} is not a usable checkpoint", path.display()))
	}

	fn decode(bytes: &[u8]) -> anyhow::Result<Self> {
		let newline = bytes
			.iter()
			.position(|b| *b == b'\n')
			.context("no header line")?;
		let header: Value = serde_json::from_slice(&bytes[..newline]).context("bad header")?;
		let number = |key: &str| {
			header[key]
				.as_u64()
				.with_context(|| format!("header field {key} missing"))
		};
		let format = number("format")?;
		if format != FORMAT {
			bail!("file format {format}, this simulator reads format {FORMAT}");
		}
		let body = &bytes[newline + 1..];
		let (global_len, state_len) = (
			number("global_bytes")? as usize,
			number("state_bytes")? as usize,
		);
		if global_len.checked_add(state_len) != Some(body.len()) {
			bail!(
				"truncated: {} bytes of model and state, the header announces {global_len} + \
				 {state_len}",
				body.len()
			);
		}
		let global = ModelParameters::from_safetensors(&body[..global_len])?;
		let state = body[global_len..].to_vec();
		server_state(&state)?;
		let records = header["records"]
			.as_array()
			.context("header field records missing")?
			.iter()
			.map(record_from_json)
			.collect::<anyhow::Result<Vec<_>>>()?;
		let checkpoint = Checkpoint {
			settings: header["settings"]
				.as_str()
				.context("header field settings missing")?
				.to_string(),
			records,
			global,
			state,
		};
		if checkpoint.round() as u64 != number("round")? {
			bail!("the records do not end at the checkpoint's round");
		}
		Ok(checkpoint)
	}
}

/// The strategy's server state from its safetensors bytes (`None` when empty).
pub(crate) fn server_state(bytes: &[u8]) -> anyhow::Result<Option<Parameters>> {
	if bytes.is_empty() {
		return Ok(None);
	}
	Ok(Some(Parameters::from_bytes(
		"state",
		bytes.to_vec(),
		&Limits::default(),
	)?))
}

fn record_json(r: &RoundRecord) -> Value {
	json!([
		r.round,
		r.accuracy,
		r.loss,
		r.examples,
		r.seconds,
		r.train_loss,
		r.clients
	])
}

fn record_from_json(value: &Value) -> anyhow::Result<RoundRecord> {
	let field = |i: usize| value.get(i).context("short record");
	let int = |i: usize| -> anyhow::Result<usize> {
		Ok(field(i)?.as_u64().context("record field is not a count")? as usize)
	};
	let float = |i: usize| field(i)?.as_f64().context("record field is not a number");
	Ok(RoundRecord {
		round: int(0)?,
		accuracy: float(1)?,
		loss: float(2)?,
		examples: int(3)?,
		seconds: float(4)?,
		train_loss: float(5)?,
		clients: int(6)?,
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use decentralml_train::NamedTensor;

	fn checkpoint(rounds: usize, with_state: bool) -> Checkpoint {
		let global = ModelParameters::new(vec![NamedTensor {
			name: "dense.weight".into(),
			shape: vec![2, 3],
			values: vec![0.5, -1.25, 3.0, 1e-7, 0.0, 42.0],
		}])
		.unwrap();
		let state = match with_state {
			true => global.to_safetensors().unwrap(),
			false => Vec::new(),
		};
		let records = (1..=rounds)
			.map(|round| RoundRecord {
				round,
				accuracy: 0.1 * round as f64 + 1e-12,
				loss: 1.0 / round as f64,
				examples: 600 * round,
				seconds: 70.123456789,
				train_loss: 0.3333333333333333,
				clients: 10,
			})
			.collect();
		Checkpoint {
			settings: "dataset mnist, seed 0".into(),
			records,
			global,
			state,
		}
	}

	fn save_checkpoint(file: &Path, c: &Checkpoint) {
		save(file, &c.settings, &c.records, &c.global, &c.state).unwrap();
	}

	#[test]
	fn a_checkpoint_reads_back_exactly() {
		let dir = tempfile::tempdir().unwrap();
		for (rounds, with_state) in [(0, false), (3, true), (2, false)] {
			let file = path(dir.path(), "run");
			let saved = checkpoint(rounds, with_state);
			save_checkpoint(&file, &saved);
			let loaded = Checkpoint::load(&file).unwrap().unwrap();
			assert_eq!(loaded.round(), rounds);
			assert_eq!(loaded.records, saved.records);
			assert_eq!(loaded.settings, saved.settings);
			assert_eq!(loaded.global, saved.global);
			assert_eq!(loaded.state, saved.state);
		}
	}

	#[test]
	fn no_file_is_no_checkpoint_and_a_damaged_file_says_so() {
		let dir = tempfile::tempdir().unwrap();
		let file = path(dir.path(), "run");
		assert!(Checkpoint::load(&file).unwrap().is_none());
		save_checkpoint(&file, &checkpoint(2, true));
		let bytes = std::fs::read(&file).unwrap();
		std::fs::write(&file, &bytes[..bytes.len() - 1]).unwrap();
		let err = format!("{:#}", Checkpoint::load(&file).err().unwrap());
		assert!(
			err.contains("truncated") && err.contains("run.checkpoint"),
			"{err}"
		);
		std::fs::write(&file, b"{\"format\": 99}\n").unwrap();
		let err = format!("{:#}", Checkpoint::load(&file).err().unwrap());
		assert!(err.contains("format 99"), "{err}");
	}
}
