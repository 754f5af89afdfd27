//! The streaming aggregation engine.
//!
//! [`Aggregator::aggregate`] reads the global model, the updates and the previous strategy
//! state tensor by tensor and, within a tensor, in chunks of [`CHUNK_ELEMENTS`] elements, so it
//! needs memory for the output (and new state) plus per-thread buffers of a few chunks; inputs
//! may be memory-mapped files larger than RAM. Chunks are processed in parallel with rayon.
//! Global weights are read (and checked to be finite) only where a rule uses them: server
//! optimisers, norm bounding and clipping; plain FedAvg streams the updates alone.
//!
//! # Determinism
//!
//! The output is a pure function of the inputs, bit for bit, on any machine, any thread count
//! and any input order:
//!
//! * updates are sorted by participant id first, and every sum over clients runs in that order;
//! * arithmetic is `f64` with `+ - * / sqrt` only (no fused multiply-add, no fast-math; Rust
//!   never contracts floating-point expressions), and `ln`/`exp` come from the pure-Rust `libm`;
//! * each element's value depends only on that element's inputs, so how chunks are spread
//!   over threads cannot change it;
//! * whole-model sums (delta norms, Krum distances) are per-chunk partial sums in element order,
//!   added in chunk order; the chunk size is a protocol constant, not a tuning knob;
//! * robust rules rank under IEEE total order with ties broken by participant id;
//! * noise streams are keyed by (tensor index, chunk index), not by thread.

use crate::{
	dp::{effective_noise_multiplier, AdaptiveClipping, Gaussian},
	error::{FlError, Result},
	state::{slot_tensor_name, PreviousState, CLIPPING_NORM},
	strategy::{
		self, fixed_to_f64, norm_bound::clip_factor, ChunkInputs, ClientTensor, Distances, Scratch,
		Strategy,
	},
	tensor::{to_safetensors, ElemType, OwnedTensor, Parameters, TensorRef},
	update::{validate_update, ParticipantId, Update},
};
use decentralml_primitives::{AggregationConfig, Clipping};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::ops::Range;

/// Elements per chunk. Part of the protocol: it fixes the order of whole-model sums and the
/// noise streams, so changing it changes aggregates.
pub const CHUNK_ELEMENTS: usize = 1 << 14;

/// Chunks reduced per parallel batch in whole-model sums; bounds the partial sums held at once.
/// Does not affect results.
const CHUNKS_PER_BATCH: usize = 512;

/// Elements per block when a pass needs every client's values side by side.
const BLOCK: usize = 256;

/// Domain of the central-DP noise on the model.
const MODEL_NOISE_DOMAIN: &str = "decentralml/fl/central-dp/model-noise";
/// Domain of the adaptive-clipping count noise.
const COUNT_NOISE_DOMAIN: &str = "decentralml/fl/central-dp/count-noise";

/// One round's inputs.
#[derive(Clone, Copy, Debug)]
pub struct RoundInput<'a> {
	/// The current global model.
	pub global: &'a Parameters,
	/// The round's updates, in any order.
	pub updates: &'a [Update],
	/// The previous round's strategy state file, `None` on the first round.
	pub state: Option<&'a Parameters>,
	/// Seed of the central-DP noise; required when central DP is configured (see
	/// [`crate::dp`] for who may know it).
	pub noise_seed: Option<[u8; 32]>,
}

/// What happened in a round besides the new model.
#[derive(Clone, Debug, PartialEq)]
pub struct RoundReport {
	/// All participants, in processing (ascending id) order.
	pub participants: Vec<ParticipantId>,
	/// Participants whose updates were combined (all, except for the Krum family).
	pub selected: Vec<ParticipantId>,
	/// L2 norms of each participant's delta, when norm bounding or DP needed them.
	pub delta_norms: Option<Vec<f64>>,
	/// The L2 bound applied to deltas, if any.
	pub clipping_bound: Option<f64>,
	/// Standard deviation of the central-DP noise added to each element, if any.
	pub noise_stddev: Option<f64>,
	/// The noise multiplier this round's privacy cost is accounted with (after the adaptive
	/// clipping adjustment), to pass to [`crate::dp::RdpAccountant::record_round`].
	pub noise_multiplier: Option<f64>,
	/// The adaptive clipping norm for the next round, if adaptive clipping is on.
	pub next_clipping_norm: Option<f64>,
}

/// A round's results: the new global model, the new strategy state and a report.
#[derive(Clone, Debug)]
pub struct RoundOutput {
	/// The new global model, with the old model's names, shapes and element types.
	pub model: Vec<OwnedTensor>,
	/// The new strategy state (empty for stateless strategies without adaptive clipping).
	pub state: Vec<OwnedTensor>,
	/// Round details.
	pub report: RoundReport,
}

impl RoundOutput {
	/// The new model as safetensors bytes.
	pub fn model_bytes(&self) -> Result<Vec<u8>> {
		to_safetensors(&self.model)
	}

	/// SHA-256 of [`RoundOutput::model_bytes`]: what validators attest on chain.
	pub fn model_sha256(&self) -> Result<[u8; 32]> {
		Ok(Sha256::digest(self.model_bytes()?).into())
	}

	/// The new strategy state as safetensors bytes.
	pub fn state_bytes(&self) -> Result<Vec<u8>> {
		to_safetensors(&self.state)
	}
}

/// Aggregates rounds under one [`AggregationConfig`].
pub struct Aggregator {
	config: AggregationConfig,
	strategy: Box<dyn Strategy>,
}

impl std::fmt::Debug for Aggregator {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.debug_struct("Aggregator")
			.field("config", &self.config)
			.finish()
	}
}

/// Central-DP parameters for one round.
#[derive(Clone, Copy, Debug)]
struct PrivacyRound {
	noise_multiplier: f64,
	clipping_norm: f64,
	adaptive: Option<AdaptiveClipping>,
}

/// Per-round facts every chunk of every tensor needs.
struct Plan<'a> {
	clients: Vec<&'a Update>,
	scales: Vec<Option<f64>>,
	needs_global: bool,
	noise: Option<(f64, [u8; 32])>,
}

/// Per-thread buffers.
#[derive(Default)]
struct Buffers {
	global: Vec<f64>,
	values: Vec<f64>,
	rows: Vec<f64>,
	scratch: Scratch,
}

thread_local! {
	/// Each worker thread keeps its buffers across chunks and rounds: allocating them per rayon
	/// job would map and zero fresh pages for every chunk.
	static BUFFERS: std::cell::RefCell<Buffers> = std::cell::RefCell::default();
}

/// Runs `f` with this thread's buffers (fresh ones if they are already in use, which only a
/// nested call could cause).
fn with_buffers<T>(f: impl FnOnce(&mut Buffers) -> T) -> T {
	BUFFERS.with(|cell| match cell.try_borrow_mut() {
		Ok(mut buffers) => f(&mut buffers),
		Err(_) => f(&mut Buffers::default()),
	})
}

impl Aggregator {
	/// Validates the configuration and builds its strategy.
	pub fn new(config: AggregationConfig) -> Result<Self> {
		config.validate()?;
		let strategy = strategy::build(&config.strategy)?;
		Ok(Aggregator { config, strategy })
	}

	/// The configuration.
	pub fn config(&self) -> &AggregationConfig {
		&self.config
	}

	/// The strategy.
	pub fn strategy(&self) -> &dyn Strategy {
		self.strategy.as_ref()
	}

	/// Runs one round. See the [module documentation](self) for the guarantees.
	pub fn aggregate(&self, input: RoundInput<'_>) -> Result<RoundOutput> {
		let global = input.global;
		let clients = sorted_updates(input.updates)?;
		let needed = self.strategy.min_updates();
		if clients.len() < needed {
			return Err(FlError::TooFewUpdates {
				strategy: self.strategy.name(),
				needed,
				got: clients.len(),
			});
		}
		for update in &clients {
			validate_update(global, update, false)?;
		}
		let privacy = self.privacy_round();
		let previous = PreviousState::load(
			input.state,
			global,
			self.strategy.state_slots(),
			privacy.as_ref().is_some_and(|p| p.adaptive.is_some()),
		)?;
		let privacy = privacy.map(|p| PrivacyRound {
			clipping_norm: previous.clipping_norm().unwrap_or(p.clipping_norm),
			..p
		});
		let bound = bound_of(
			self.config.norm_bound.map(fixed_to_f64),
			privacy.map(|p| p.clipping_norm),
		);
		let norms = match bound {
			Some(_) => Some(delta_norms(global, &clients)?),
			None => None,
		};
		let scales: Vec<Option<f64>> = match (&norms, bound) {
			(Some(norms), Some(bound)) => norms.iter().map(|n| clip_factor(*n, bound)).collect(),
			_ => vec![None; clients.len()],
		};
		let selected = self.select(global, &clients, &scales)?;
		let selected_clients: Vec<&Update> = selected.iter().map(|&i| clients[i]).collect();
		let selected_scales: Vec<Option<f64>> = selected.iter().map(|&i| scales[i]).collect();
		let noise = match privacy {
			Some(p) => {
				let seed = input.noise_seed.ok_or(FlError::MissingNoiseSeed)?;
				Some((noise_stddev(&p, &selected_clients), seed))
			}
			None => None,
		};
		let plan = Plan {
			needs_global: self.strategy.uses_global()
				|| selected_scales.iter().any(Option::is_some),
			clients: selected_clients,
			scales: selected_scales,
			noise,
		};
		let (model, mut state) = self.combine_all(global, &previous, &plan)?;
		let next_clipping_norm = match (privacy, &norms, input.noise_seed) {
			(
				Some(PrivacyRound {
					adaptive: Some(adaptive),
					clipping_norm,
					..
				}),
				Some(norms),
				Some(seed),
			) => {
				let unclipped = norms.iter().filter(|n| **n <= clipping_norm).count();
				let mut count_noise = Gaussian::from_seed(&seed, COUNT_NOISE_DOMAIN, 0);
				let next =
					adaptive.next_norm(clipping_norm, unclipped, norms.len(), &mut count_noise);
				state.push(OwnedTensor::from_f64(
					CLIPPING_NORM,
					ElemType::F32,
					vec![1],
					&[next],
				)?);
				Some(next)
			}
			_ => None,
		};
		let report = RoundReport {
			participants: clients.iter().map(|u| u.participant).collect(),
			selected: plan.clients.iter().map(|u| u.participant).collect(),
			delta_norms: norms,
			clipping_bound: bound,
			noise_stddev: plan.noise.map(|(s, _)| s),
			noise_multiplier: privacy.map(|p| p.noise_multiplier),
			next_clipping_norm,
		};
		Ok(RoundOutput {
			model,
			state,
			report,
		})
	}

	/// This round's central-DP parameters, with the configured initial clipping norm (the
	/// caller replaces it with the stored adaptive norm from the second round on).
	fn privacy_round(&self) -> Option<PrivacyRound> {
		let privacy = self.config.central_privacy?;
		let z = fixed_to_f64(privacy.noise_multiplier);
		let round = match privacy.clipping {
			Clipping::Fixed { norm } => PrivacyRound {
				noise_multiplier: z,
				clipping_norm: fixed_to_f64(norm),
				adaptive: None,
			},
			Clipping::Adaptive {
				initial_norm,
				target_quantile,
				learning_rate,
				count_noise_stddev,
			} => {
				let adaptive = AdaptiveClipping {
					target_quantile: fixed_to_f64(target_quantile),
					learning_rate: fixed_to_f64(learning_rate),
					count_noise_stddev: fixed_to_f64(count_noise_stddev),
				};
				PrivacyRound {
					noise_multiplier: effective_noise_multiplier(z, adaptive.count_noise_stddev),
					clipping_norm: fixed_to_f64(initial_norm),
					adaptive: Some(adaptive),
				}
			}
		};
		Some(round)
	}

	fn select(
		&self,
		global: &Parameters,
		clients: &[&Update],
		scales: &[Option<f64>],
	) -> Result<Vec<usize>> {
		if !self.strategy.needs_distances() {
			return self.strategy.select(clients.len(), None);
		}
		let distances = pairwise_distances(global, clients, scales)?;
		self.strategy.select(clients.len(), Some(&distances))
	}

	/// The combine and server-step pass over every tensor.
	fn combine_all(
		&self,
		global: &Parameters,
		previous: &PreviousState<'_>,
		plan: &Plan<'_>,
	) -> Result<(Vec<OwnedTensor>, Vec<OwnedTensor>)> {
		let slots = self.strategy.state_slots();
		let mut model = Vec::with_capacity(global.specs().len());
		let mut state: Vec<Vec<OwnedTensor>> = slots.iter().map(|_| Vec::new()).collect();
		for (index, g) in global.tensors().enumerate() {
			let (bytes, new_state) = self.combine_tensor(index, g, previous, plan)?;
			let spec = g.spec;
			model.push(OwnedTensor {
				name: spec.name.clone(),
				elem: spec.elem,
				shape: spec.shape.clone(),
				data: bytes,
			});
			for ((slot, values), out) in slots.iter().zip(new_state).zip(state.iter_mut()) {
				out.push(OwnedTensor {
					name: slot_tensor_name(slot, &spec.name),
					elem: ElemType::F32,
					shape: spec.shape.clone(),
					data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
				});
			}
		}
		Ok((model, state.into_iter().flatten().collect()))
	}

	fn combine_tensor(
		&self,
		index: usize,
		global: TensorRef<'_>,
		previous: &PreviousState<'_>,
		plan: &Plan<'_>,
	) -> Result<(Vec<u8>, Vec<Vec<f32>>)> {
		let spec = global.spec;
		let len = global.len();
		let clients = client_tensors(&spec.name, &plan.clients, &plan.scales)?;
		let slots = self.strategy.state_slots();
		let previous_slots: Vec<Option<TensorRef<'_>>> = slots
			.iter()
			.map(|slot| previous.slot(slot, &spec.name))
			.collect();
		let mut out = vec![0u8; len * spec.elem.size()];
		let mut new_state: Vec<Vec<f32>> = slots.iter().map(|_| vec![0.0; len]).collect();
		let chunks = len.div_ceil(CHUNK_ELEMENTS);
		let mut state_chunks: Vec<Vec<&mut [f32]>> = (0..chunks).map(|_| Vec::new()).collect();
		for slot in new_state.iter_mut() {
			for (c, piece) in slot.chunks_mut(CHUNK_ELEMENTS).enumerate() {
				state_chunks[c].push(piece);
			}
		}
		let work: Vec<ChunkWork<'_>> = out
			.chunks_mut(CHUNK_ELEMENTS * spec.elem.size())
			.zip(state_chunks)
			.enumerate()
			.map(|(c, (o, s))| (c, o, s))
			.collect();
		let results: Vec<Result<()>> = work
			.into_par_iter()
			.map(|(c, out, mut slots)| {
				let range = c * CHUNK_ELEMENTS..(c * CHUNK_ELEMENTS + CHUNK_ELEMENTS).min(len);
				let chunk = ChunkJob {
					tensor_index: index,
					chunk_index: c,
					range,
					global,
					clients: &clients,
				};
				with_buffers(|buffers| {
					self.combine_chunk(&chunk, plan, &previous_slots, out, &mut slots, buffers)
				})
			})
			.collect();
		// The first error in chunk order, so that the reported error is deterministic too.
		results.into_iter().collect::<Result<()>>()?;
		Ok((out, new_state))
	}

	fn combine_chunk(
		&self,
		chunk: &ChunkJob<'_, '_>,
		plan: &Plan<'_>,
		previous_slots: &[Option<TensorRef<'_>>],
		out: &mut [u8],
		slots: &mut [&mut [f32]],
		buffers: &mut Buffers,
	) -> Result<()> {
		let len = chunk.range.len();
		let global = decode_global(chunk, plan.needs_global, &mut buffers.global)?;
		buffers.values.resize(len, 0.0);
		let values = &mut buffers.values[..len];
		let inputs = ChunkInputs {
			tensor_name: &chunk.global.spec.name,
			start: chunk.range.start,
			global,
			len,
			clients: chunk.clients,
		};
		self.strategy
			.combine(&inputs, &mut buffers.scratch, values)?;
		// A branch-free scan first (it vectorises); locate the culprit only on failure.
		if !values.iter().fold(true, |ok, v| ok & v.is_finite()) {
			let i = values.iter().position(|v| !v.is_finite()).unwrap_or(0);
			return Err(locate_non_finite(&inputs, i, values[i]));
		}
		if let Some((stddev, seed)) = plan.noise {
			let stream = noise_stream(chunk.tensor_index, chunk.chunk_index)?;
			Gaussian::from_seed(&seed, MODEL_NOISE_DOMAIN, stream).add_noise(values, stddev);
		}
		for (slot, previous) in slots.iter_mut().zip(previous_slots) {
			if let Some(previous) = previous {
				let bytes = previous.element_bytes(chunk.range.clone());
				for (s, b) in slot.iter_mut().zip(bytes.chunks_exact(4)) {
					*s = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
				}
			}
		}
		self.strategy.server_step(global, values, slots);
		chunk.global.spec.elem.encode(values, out);
		Ok(())
	}
}

/// A chunk's index, output bytes and state slices, handed to one rayon task.
type ChunkWork<'a> = (usize, &'a mut [u8], Vec<&'a mut [f32]>);

/// One chunk of one tensor in the combine pass.
struct ChunkJob<'a, 'b> {
	tensor_index: usize,
	chunk_index: usize,
	range: Range<usize>,
	global: TensorRef<'a>,
	clients: &'b [ClientTensor<'a>],
}

/// Sorts updates by participant id and rejects duplicates and zero weights.
fn sorted_updates(updates: &[Update]) -> Result<Vec<&Update>> {
	let mut sorted: Vec<&Update> = updates.iter().collect();
	sorted.sort_by_key(|u| u.participant);
	for pair in sorted.windows(2) {
		if pair[0].participant == pair[1].participant {
			return Err(FlError::DuplicateParticipant {
				participant: pair[0].participant,
			});
		}
	}
	if let Some(u) = sorted.iter().find(|u| u.num_examples == 0) {
		return Err(FlError::ZeroExamples {
			participant: u.participant,
		});
	}
	Ok(sorted)
}

/// The tighter of the norm bound and the DP clipping norm.
fn bound_of(norm_bound: Option<f64>, clipping_norm: Option<f64>) -> Option<f64> {
	match (norm_bound, clipping_norm) {
		(Some(a), Some(b)) => Some(a.min(b)),
		(a, b) => a.or(b),
	}
}

/// `z * C * max_k w_k / sum_k w_k`: the noise calibrated to one client's influence on the
/// weighted mean.
fn noise_stddev(privacy: &PrivacyRound, clients: &[&Update]) -> f64 {
	let mut total = 0.0;
	let mut largest = 0.0f64;
	for u in clients {
		let w = u.num_examples as f64;
		total += w;
		largest = largest.max(w);
	}
	privacy.noise_multiplier * privacy.clipping_norm * largest / total
}

/// The noise stream of one chunk: tensor index in the high 32 bits, chunk index in the low.
fn noise_stream(tensor_index: usize, chunk_index: usize) -> Result<u64> {
	let tensor = u32::try_from(tensor_index).map_err(|_| FlError::InvalidArgument {
		name: "global",
		reason: format!("tensor index {tensor_index} exceeds the noise stream space"),
	})?;
	let chunk = u32::try_from(chunk_index).map_err(|_| FlError::InvalidArgument {
		name: "global",
		reason: format!("chunk index {chunk_index} exceeds the noise stream space"),
	})?;
	Ok((u64::from(tensor) << 32) | u64::from(chunk))
}

/// Each client's view of tensor `name` (present: updates were validated).
fn client_tensors<'a>(
	name: &str,
	clients: &[&'a Update],
	scales: &[Option<f64>],
) -> Result<Vec<ClientTensor<'a>>> {
	clients
		.iter()
		.zip(scales)
		.map(|(u, scale)| {
			let tensor = u
				.weights
				.tensor(name)
				.ok_or_else(|| FlError::MissingTensor {
					participant: u.participant,
					tensor: name.to_string(),
				})?;
			Ok(ClientTensor {
				participant: u.participant,
				weight: u.num_examples as f64,
				scale: *scale,
				tensor,
			})
		})
		.collect()
}

/// Decodes the chunk's global values when needed, checking they are finite.
fn decode_global<'b>(
	chunk: &ChunkJob<'_, '_>,
	needed: bool,
	buffer: &'b mut Vec<f64>,
) -> Result<&'b [f64]> {
	if !needed {
		return Ok(&[]);
	}
	let len = chunk.range.len();
	buffer.resize(len, 0.0);
	let values = &mut buffer[..len];
	chunk.global.decode_into(chunk.range.start, values);
	if let Some(i) = values.iter().position(|v| !v.is_finite()) {
		return Err(FlError::NonFinite {
			origin: "global model".to_string(),
			tensor: chunk.global.spec.name.clone(),
			index: chunk.range.start + i,
			value: values[i] as f32,
		});
	}
	Ok(values)
}

/// Names the input behind a non-finite combined value at chunk offset `offset`.
fn locate_non_finite(inputs: &ChunkInputs<'_>, offset: usize, value: f64) -> FlError {
	let mut one = [0.0];
	for k in 0..inputs.clients.len() {
		inputs.client_values(k, offset, &mut one);
		if !one[0].is_finite() {
			return inputs.non_finite(k, offset, one[0]);
		}
	}
	// Every input is finite: the combination itself overflowed.
	FlError::NonFinite {
		origin: "aggregate".to_string(),
		tensor: inputs.tensor_name.to_string(),
		index: inputs.start + offset,
		value: value as f32,
	}
}

/// Runs `partial` over every chunk of a `len`-element tensor in parallel and adds the
/// `width`-wide partial sums into `acc` in chunk order.
fn ordered_chunk_sums<F>(len: usize, width: usize, acc: &mut [f64], partial: F) -> Result<()>
where
	F: Fn(Range<usize>, &mut [f64], &mut Buffers) -> Result<()> + Sync,
{
	let chunks = len.div_ceil(CHUNK_ELEMENTS);
	let mut first = 0;
	while first < chunks {
		let last = (first + CHUNKS_PER_BATCH).min(chunks);
		let sums: Vec<Result<Vec<f64>>> = (first..last)
			.into_par_iter()
			.map(|c| {
				let range = c * CHUNK_ELEMENTS..(c * CHUNK_ELEMENTS + CHUNK_ELEMENTS).min(len);
				let mut sums = vec![0.0; width];
				with_buffers(|buffers| partial(range, &mut sums, buffers))?;
				Ok(sums)
			})
			.collect();
		for sums in sums {
			for (a, s) in acc.iter_mut().zip(sums?) {
				*a += s;
			}
		}
		first = last;
	}
	Ok(())
}

/// Each update's delta `local - global` L2 norm over the whole model.
fn delta_norms(global: &Parameters, clients: &[&Update]) -> Result<Vec<f64>> {
	let mut squares = vec![0.0; clients.len()];
	for g in global.tensors() {
		let tensors = client_tensors(&g.spec.name, clients, &vec![None; clients.len()])?;
		ordered_chunk_sums(
			g.len(),
			clients.len(),
			&mut squares,
			|range, sums, buffers| {
				let len = range.len();
				buffers.global.resize(len, 0.0);
				buffers.values.resize(len, 0.0);
				g.decode_into(range.start, &mut buffers.global[..len]);
				if let Some(i) = buffers.global[..len].iter().position(|v| !v.is_finite()) {
					return Err(FlError::NonFinite {
						origin: "global model".to_string(),
						tensor: g.spec.name.clone(),
						index: range.start + i,
						value: buffers.global[i] as f32,
					});
				}
				for (k, client) in tensors.iter().enumerate() {
					let values = &mut buffers.values[..len];
					client.tensor.decode_into(range.start, values);
					let mut sum = 0.0;
					for (x, g) in values.iter().zip(&buffers.global[..len]) {
						let d = x - g;
						sum += d * d;
					}
					if !sum.is_finite() {
						let i = values.iter().position(|v| !v.is_finite()).unwrap_or(0);
						return Err(FlError::NonFinite {
							origin: format!("participant {}", client.participant),
							tensor: g.spec.name.clone(),
							index: range.start + i,
							value: values[i] as f32,
						});
					}
					sums[k] = sum;
				}
				Ok(())
			},
		)?;
	}
	Ok(squares.into_iter().map(f64::sqrt).collect())
}

/// Squared L2 distances between all pairs of (norm-bounded) updates over the whole model.
fn pairwise_distances(
	global: &Parameters,
	clients: &[&Update],
	scales: &[Option<f64>],
) -> Result<Distances> {
	let k = clients.len();
	let pairs = k * k.saturating_sub(1) / 2;
	let needs_global = scales.iter().any(Option::is_some);
	let mut acc = vec![0.0; pairs];
	for g in global.tensors() {
		let tensors = client_tensors(&g.spec.name, clients, scales)?;
		ordered_chunk_sums(g.len(), pairs, &mut acc, |range, sums, buffers| {
			buffers.rows.resize(k * BLOCK, 0.0);
			let mut offset = 0;
			while offset < range.len() {
				let start = range.start + offset;
				let len = (range.len() - offset).min(BLOCK);
				let job = ChunkJob {
					tensor_index: 0,
					chunk_index: 0,
					range: start..start + len,
					global: g,
					clients: &tensors,
				};
				let global_values = decode_global(&job, needs_global, &mut buffers.global)?;
				let inputs = ChunkInputs {
					tensor_name: &g.spec.name,
					start,
					global: global_values,
					len,
					clients: &tensors,
				};
				for c in 0..k {
					let row = &mut buffers.rows[c * BLOCK..c * BLOCK + len];
					inputs.client_values(c, 0, row);
					if let Some(i) = row.iter().position(|v| !v.is_finite()) {
						return Err(inputs.non_finite(c, i, row[i]));
					}
				}
				let mut pair = 0;
				for i in 0..k {
					for j in i + 1..k {
						let (a, b) = (
							&buffers.rows[i * BLOCK..i * BLOCK + len],
							&buffers.rows[j * BLOCK..j * BLOCK + len],
						);
						let mut sum = sums[pair];
						for (x, y) in a.iter().zip(b) {
							let d = x - y;
							sum += d * d;
						}
						sums[pair] = sum;
						pair += 1;
					}
				}
				offset += len;
			}
			Ok(())
		})?;
	}
	Distances::from_upper_triangle(k, &acc)
}
