//! `decentralml model download`.

use crate::{args::CommonArgs, error::Result, output::Output};
use clap::{Args, Subcommand};
use decentralml_client::{ClientError, ContentId, RoundIndex, TaskId};
use decentralml_storage::StoreExt;
use std::path::PathBuf;

/// Fetch global models.
#[derive(Debug, Args)]
pub struct ModelArgs {
	#[command(subcommand)]
	command: ModelCommand,
}

#[derive(Debug, Subcommand)]
enum ModelCommand {
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
}

/// Runs a `model` command.
pub async fn run(args: ModelArgs, common: &CommonArgs, out: &mut Output<'_>) -> Result<()> {
	match args.command {
		ModelCommand::Download {
			task,
			round,
			store,
			out: path,
		} => download(task, round, &store, path, common, out).await,
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
