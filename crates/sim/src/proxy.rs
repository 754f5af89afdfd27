//! ProxyFL rounds: no server. Every client runs ProxyFL's local step (private model and proxy
//! by mutual distillation, DP-SGD on the proxy), then sends its proxy to one peer on the
//! directed exponential graph; each client averages the proxies it received with its own,
//! using the FL library's FedAvg with equal weights. Accuracy is the mean test accuracy of the
//! private models.

use crate::args::{model_card, SimulateArgs};
use crate::federated::to_fl;
use crate::parallel::ClientPool;
use crate::recorder::Recorder;
use crate::report::RoundRecord;
use crate::sampling::client_seed;
use crate::setup::Setup;
use anyhow::Context;
use decentralml_fl::aggregate::{Aggregator, RoundInput};
use decentralml_fl::update::Update;
use decentralml_primitives::{AggregationConfig, StrategyConfig};
use decentralml_train::proxyfl::{self, DpSgd, ProxyConfig, ProxyState};
use decentralml_train::{LocalTrainer, ModelParameters};
use std::time::Instant;

/// Runs every round, handing each record to `recorder`.
pub(crate) fn run(
	args: &SimulateArgs,
	setup: &Setup,
	recorder: &mut Recorder,
) -> anyhow::Result<()> {
	let proxy_trainer = proxy_trainer(args, setup)?;
	let config = ProxyConfig {
		local: setup.local.clone(),
		distillation_weight: args.distillation_weight,
		privacy: args.dp_clip.map(|clip_norm| DpSgd {
			clip_norm,
			noise_multiplier: args.dp_noise,
		}),
	};
	config.validate()?;
	let mut states = initial_states(setup, &proxy_trainer, args.seed)?;
	let mixer = Aggregator::new(AggregationConfig::plain(StrategyConfig::FedAvg))?;
	let pool = ClientPool::for_run(args, states.len())?;
	for round in 1..=args.rounds {
		let started = Instant::now();
		let clients: Vec<usize> = (0..states.len()).collect();
		let outcomes = pool.map(&clients, |&client| {
			proxyfl::local_step(
				&setup.trainer,
				&proxy_trainer,
				&states[client],
				&setup.split.train,
				&setup.clients[client],
				&config,
				client_seed(args.seed, round, client),
			)
			.with_context(|| format!("round {round}, client {client}"))
		})?;
		let (mut examples, mut train_loss) = (0, 0.0);
		for ((state, outcome), indices) in states.iter_mut().zip(outcomes).zip(&setup.clients) {
			examples += indices.len();
			train_loss += outcome.private_metrics.loss * indices.len() as f64;
			*state = outcome.state;
		}
		exchange_proxies(&mut states, round - 1, &mixer)?;
		let (accuracy, loss) = mean_private_metrics(setup, &states, &pool)?;
		let record = RoundRecord {
			round,
			accuracy,
			loss,
			examples,
			seconds: started.elapsed().as_secs_f64(),
			train_loss: train_loss / examples.max(1) as f64,
			clients: states.len(),
		};
		if recorder.record(record)? {
			break;
		}
	}
	Ok(())
}

fn proxy_trainer(args: &SimulateArgs, setup: &Setup) -> anyhow::Result<LocalTrainer> {
	let card = match &args.proxy_model {
		Some(spec) => model_card(spec, args.dataset, setup.split.train.classes)?,
		None => setup.trainer.card().clone(),
	};
	decentralml_train::local::check_compatible(&card, &setup.split.train)?;
	Ok(LocalTrainer::new(card, setup.trainer.device().clone())?)
}

/// Private models start from independent initialisations, proxies from a shared one.
fn initial_states(
	setup: &Setup,
	proxy: &LocalTrainer,
	seed: u64,
) -> anyhow::Result<Vec<ProxyState>> {
	let shared_proxy = proxy.initial_parameters(seed)?;
	(0..setup.clients.len())
		.map(|client| {
			Ok(ProxyState {
				private: setup
					.trainer
					.initial_parameters(client_seed(seed, 0, client))?,
				proxy: shared_proxy.clone(),
			})
		})
		.collect()
}

/// Each client `i` sends its proxy to `exponential_peer(i, round)`; every client replaces its
/// proxy with the equal-weight average of its own and the ones it received.
fn exchange_proxies(
	states: &mut [ProxyState],
	round: usize,
	mixer: &Aggregator,
) -> anyhow::Result<()> {
	let n = states.len();
	let mut inbox: Vec<Vec<usize>> = vec![Vec::new(); n];
	for sender in 0..n {
		let peer = proxyfl::exponential_peer(sender, round, n);
		if peer != sender {
			inbox[peer].push(sender);
		}
	}
	let mixed: Vec<ModelParameters> = (0..n)
		.map(|client| {
			if inbox[client].is_empty() {
				return Ok(states[client].proxy.clone());
			}
			let own = to_fl(&states[client].proxy, "own proxy")?;
			let mut updates = vec![Update::new(
				client as u64,
				1,
				to_fl(&states[client].proxy, "own")?,
			)];
			for sender in &inbox[client] {
				let received = to_fl(&states[*sender].proxy, &format!("proxy of {sender}"))?;
				updates.push(Update::new(*sender as u64, 1, received));
			}
			let input = RoundInput {
				global: &own,
				updates: &updates,
				state: None,
				noise_seed: None,
			};
			let output = mixer.aggregate(input)?;
			Ok(ModelParameters::from_safetensors(&output.model_bytes()?)?)
		})
		.collect::<anyhow::Result<_>>()?;
	for (state, proxy) in states.iter_mut().zip(mixed) {
		state.proxy = proxy;
	}
	Ok(())
}

/// Mean test accuracy and loss of the private models.
fn mean_private_metrics(
	setup: &Setup,
	states: &[ProxyState],
	pool: &ClientPool,
) -> anyhow::Result<(f64, f64)> {
	let metrics = pool.map(states, |state| {
		Ok(setup
			.trainer
			.evaluate(&state.private, &setup.split.test, Some(&setup.test))?)
	})?;
	let n = metrics.len().max(1) as f64;
	let accuracy = metrics.iter().map(|m| m.accuracy).sum::<f64>() / n;
	let loss = metrics.iter().map(|m| m.loss).sum::<f64>() / n;
	Ok((accuracy, loss))
}
