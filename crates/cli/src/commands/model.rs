//! `decentralml model publish`, `model download` and `model evaluate`.

use crate::{
	args::CommonArgs,
	error::{CliError, Result},
	output::Output,
};
use clap::{Args, Subcommand};
use decentralml_client::{ClientError, ContentId, RoundIndex, TaskId};
use decentralml_storage::StoreExt;
use decentralml_train::{LocalTrainer, ModelCard, ModelParameters, TrainError};
use decentralml_worker::data::DataSpec;
use std::path::{Path, PathBuf};

/// Publish a task's initial model; fetch and evaluate global models.
#[derive(Debug, Args)]
pub struct ModelArgs {
	#[command(subcommand)]
	command: ModelCommand,
}

#[derive(Debug, Subcommand)]
enum ModelCommand {
	/// Put a model card and freshly initialised parameters into a store and print their CIDs,
	/// the `model_card` and `initial_model` of a task file.
	Publish {
		/// A built-in card (2nn, cnn, logreg, lstm) or a JSON model card file.
		#[arg(long)]
		card: String,
		/// Classes a built-in image model predicts.
		#[arg(long, default_value_t = 10)]
		classes: usize,
		/// Seed of the initial parameters: the same seed gives the same model anywhere.
		#[arg(long, default_value_t = 0)]
		seed: u64,
		/// Where to put the blobs: file:///dir, ipfs+http://host:5001, s3://bucket…
		#[arg(long)]
		store: String,
	},
	/// Download a task's global model (the latest, or the one after a given round), verified
	/// against the CID the chain records before it is written.
	Download {
		/// The task id.
		#[arg(long)]
		task: TaskId,
		/// The round whose resulting model to fetch; the task's current model if absent.
		#[arg(long)]
		round: Option<RoundIndex>,
		/// Where the blobs are: file:///dir, ipfs+http://host:5001, s3://bucket…
		#[arg(long)]
		store: String,
		/// The file to write.
		#[arg(long)]
		out: PathBuf,
	},
	/// Loss and accuracy of a model file (e.g. one from `model download`) on local data.
	Evaluate {
		/// The model's safetensors file.
		#[arg(long)]
		model: PathBuf,
		/// Its card: a built-in card (2nn, cnn, logreg, lstm) or a JSON model card file.
		#[arg(long)]
		card: String,
		/// Classes a built-in image model predicts.
		#[arg(long, default_value_t = 10)]
		classes: usize,
		/// The examples, as workers name them: `mnist:test`, `mnist:test,limit=1000`, …
		#[arg(long, default_value = "mnist:test")]
		data: String,
	},
}

/// Runs a `model` command.
pub async fn run(args: ModelArgs, common: &CommonArgs, out: &mut Output<'_>) -> Result<()> {
	match args.command {
		ModelCommand::Publish {
			card,
			classes,
			seed,
			store,
		} => publish(&card, classes, seed, &store, out).await,
		ModelCommand::Download {
			task,
			round,
			store,
			out: path,
		} => download(task, round, &store, path, common, out).await,
		ModelCommand::Evaluate {
			model,
			card,
			classes,
			data,
		} => evaluate(&model, &card, classes, &data, out),
	}
}

async fn download(
	task: TaskId,
	round: Option<RoundIndex>,
	store_uri: &str,
	path: PathBuf,
	common: &CommonArgs,
	out: &mut Output<'_>,
) -> Result<()> {
	let client = common.connect().await?;
	let model: ContentId = match round {
		Some(round) => {
			client
				.round_record(task, round)
				.await?
				.ok_or_else(|| ClientError::NotFound {
					what: format!("a closed round {round} of task {task}"),
				})?
				.model
		}
		None => client.expect_task(task).await?.model,
	};
	let cid = model.to_cid()?;
	let store = decentralml_storage::open(store_uri).await?;
	// `get_to_file` streams into a temporary file, checks every byte against the CID and
	// renames it into place only when the whole blob matched.
	let bytes = store.get_to_file(&cid, &path).await?;
	out.emit(
		&serde_json::json!({
			"task": task,
			"round": round,
			"cid": model.to_string(),
			"bytes": bytes,
			"path": path.display().to_string(),
		}),
		|| {
			format!(
				"wrote {} ({bytes} bytes, CID {model} verified) for task {task}{}",
				path.display(),
				round.map_or_else(String::new, |r| format!(" round {r}"))
			)
		},
	)
}

/// Resolves `--card`: a built-in name, else a JSON card file.
fn read_card(spec: &str, classes: usize) -> Result<ModelCard> {
	ModelCard::builtin_or_file(spec, classes).map_err(|e| CliError::ModelCard {
		path: spec.to_string(),
		reason: match e {
			TrainError::InvalidCard { reason, .. } => reason,
			other => other.to_string(),
		},
	})
}

async fn publish(
	card: &str,
	classes: usize,
	seed: u64,
	store_uri: &str,
	out: &mut Output<'_>,
) -> Result<()> {
	let card = read_card(card, classes)?;
	let store = decentralml_storage::open(store_uri).await?;
	let published = decentralml_worker::publish_model(store.as_ref(), card, seed).await?;
	let name = published.card.name.clone();
	let parameters = published.initial.num_parameters();
	out.emit(
		&serde_json::json!({
			"name": name,
			"model_card": published.card_cid.to_string(),
			"initial_model": published.initial_cid.to_string(),
			"parameters": parameters,
			"bytes": published.initial_bytes,
			"seed": seed,
		}),
		|| {
			format!(
				"published {name} ({parameters} parameters, {} bytes) to {store_uri}\n\
				 # for the task file:\n\
				 model_card = \"{}\"\n\
				 initial_model = \"{}\"",
				published.initial_bytes, published.card_cid, published.initial_cid
			)
		},
	)
}

fn evaluate(
	model_path: &Path,
	card: &str,
	classes: usize,
	data: &str,
	out: &mut Output<'_>,
) -> Result<()> {
	let card = read_card(card, classes)?;
	let bytes = std::fs::read(model_path).map_err(|source| CliError::Io {
		action: "reading the model",
		path: model_path.display().to_string(),
		source,
	})?;
	let model_error = |e: TrainError| CliError::Model {
		path: model_path.display().to_string(),
		reason: format!("not a model of card {}: {e}", card.name),
	};
	let params = ModelParameters::from_safetensors(&bytes).map_err(model_error)?;
	let spec: DataSpec = data
		.parse()
		.map_err(|e| CliError::Usage(format!("--data {data}: {e}")))?;
	let local = spec.load()?;
	let trainer =
		LocalTrainer::new(card.clone(), decentralml_train::cpu_device()).map_err(model_error)?;
	let metrics = trainer
		.evaluate(&params, &local.dataset, Some(&local.indices))
		.map_err(model_error)?;
	let examples = local.indices.len();
	out.emit(
		&serde_json::json!({
			"model": model_path.display().to_string(),
			"card": card.name,
			"data": data,
			"examples": examples,
			"loss": metrics.loss,
			"accuracy": metrics.accuracy,
		}),
		|| {
			format!(
				"{}: accuracy {:.2}% and loss {:.4} on {examples} examples of {data}",
				model_path.display(),
				metrics.accuracy * 100.0,
				metrics.loss
			)
		},
	)
}
