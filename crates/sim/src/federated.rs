//! Federated rounds: sample clients, train each locally, aggregate with the FL library's
//! strategy (the code the network's aggregators run), evaluate the new global model.

use crate::args::SimulateArgs;
use crate::checkpoint::{self, server_state, Checkpoint};
use crate::parallel::ClientPool;
use crate::recorder::Recorder;
use crate::report::RoundRecord;
use crate::sampling::{client_seed, sample_clients};
use crate::setup::Setup;
use crate::strategy_spec::to_fixed;
use anyhow::Context;
use decentralml_fl::aggregate::{Aggregator, RoundInput};
use decentralml_fl::tensor::{Limits, Parameters};
use decentralml_fl::update::Update;
use decentralml_primitives::AggregationConfig;
use decentralml_train::ModelParameters;
use std::time::Instant;

/// Converts trained parameters to the FL library's type (through safetensors, the wire format).
pub(crate) fn to_fl(params: &ModelParameters, label: &str) -> anyhow::Result<Parameters> {
	Ok(Parameters::from_bytes(
		label,
		params.to_safetensors()?,
		&Limits::default(),
	)?)
}

/// Runs every round after `resumed`'s (all of them without it), handing each record to
/// `recorder` and checkpointing after each.
pub(crate) fn run(
	args: &SimulateArgs,
	setup: &Setup,
	recorder: &mut Recorder,
	resumed: Option<Checkpoint>,
) -> anyhow::Result<()> {
	let mut config = AggregationConfig::plain(setup.strategy);
	if let Some(bound) = args.norm_bound {
		config.norm_bound = Some(
			to_fixed(bound)
				.with_context(|| format!("--norm-bound {bound} is not a valid bound"))?,
		);
	}
	let aggregator = Aggregator::new(config)?;
	let per_round = setup.clients_per_round(args.fraction);
	let pool = ClientPool::for_run(args, per_round)?;
	let settings = checkpoint::settings(args, setup);
	let checkpoint_path = checkpoint::path(&args.out, &setup.name);
	let (done, mut global, mut state_bytes) = match resumed {
		Some(c) => (c.round(), c.global, c.state),
		None => (0, setup.trainer.initial_parameters(args.seed)?, Vec::new()),
	};
	let mut state = server_state(&state_bytes)?;
	if recorder.should_stop() {
		return Ok(());
	}
	for round in done + 1..=args.rounds {
		let started = Instant::now();
		let global_fl = to_fl(&global, "global")?;
		let chosen = sample_clients(setup.clients.len(), per_round, args.seed, round);
		let outcomes = pool.map(&chosen, |&client| {
			let seed = client_seed(args.seed, round, client);
			setup
				.trainer
				.train_with(
					&global,
					&setup.split.train,
					&setup.clients[client],
					&setup.local,
					seed,
				)
				.with_context(|| format!("round {round}, client {client}"))
		})?;
		let (mut examples, mut train_loss) = (0, 0.0);
		let mut updates = Vec::with_capacity(chosen.len());
		for (client, outcome) in chosen.iter().zip(outcomes) {
			examples += outcome.examples;
			train_loss += outcome.metrics.loss * outcome.examples as f64;
			let weights = to_fl(&outcome.parameters, &format!("client {client}"))?;
			updates.push(Update::new(
				*client as u64,
				outcome.examples as u64,
				weights,
			));
		}
		let input = RoundInput {
			global: &global_fl,
			updates: &updates,
			state: state.as_ref(),
			noise_seed: None,
		};
		let output = aggregator
			.aggregate(input)
			.with_context(|| format!("aggregating round {round}"))?;
		global = ModelParameters::from_safetensors(&output.model_bytes()?)?;
		state_bytes = match output.state.is_empty() {
			true => Vec::new(),
			false => output.state_bytes()?,
		};
		state = server_state(&state_bytes)?;
		let test = setup
			.trainer
			.evaluate(&global, &setup.split.test, Some(&setup.test))?;
		let record = RoundRecord {
			round,
			accuracy: test.accuracy,
			loss: test.loss,
			examples,
			seconds: started.elapsed().as_secs_f64(),
			train_loss: train_loss / examples.max(1) as f64,
			clients: chosen.len(),
		};
		let stop = recorder.record(record)?;
		checkpoint::save(
			&checkpoint_path,
			&settings,
			recorder.records(),
			&global,
			&state_bytes,
		)?;
		if stop {
			break;
		}
	}
	Ok(())
}
