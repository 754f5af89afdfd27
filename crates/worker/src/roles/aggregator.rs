//! Aggregators: combine the accepted updates with the task's strategy, upload the new model
//! (and strategy state) and submit their CIDs. Validators reuse [`Worker::compute_aggregate`].

use crate::aggregation::{self, AcceptedUpdate, Aggregate, AggregationInputs};
use crate::blobs::{fetch, fetch_update_bytes, put_plain, UpdateFault};
use crate::chain::Chain;
use crate::error::{Result, WorkerError};
use crate::state::RoundAggregate;
use crate::worker::{Progress, Worker};
use decentralml_client::{ContentId, Phase, RoundView, TaskSummary};

impl<C: Chain> Worker<C> {
	/// The CIDs of the round's accepted updates, and the aggregate saved before a restart if it
	/// was computed from exactly those (aggregators and validators compute it once a round).
	pub(crate) fn saved_aggregate(
		&self,
		round: &RoundView,
	) -> (Vec<String>, Option<RoundAggregate>) {
		let inputs: Vec<String> = round.accepted.iter().map(|a| a.cid.to_string()).collect();
		let saved = self
			.state
			.get()
			.aggregate
			.clone()
			.filter(|a| a.round == round.index && a.inputs == inputs);
		(inputs, saved)
	}

	/// Submits the round's aggregate if this worker holds the aggregator's seat and has not
	/// submitted yet.
	pub(crate) async fn aggregator_step(
		&mut self,
		task: &TaskSummary,
		round: &RoundView,
	) -> Result<Progress> {
		let owed = matches!(round.phase, Phase::Aggregation { .. })
			&& round.aggregator == self.chain.account()
			&& round.aggregate.is_none();
		if !owed || !self.begin(round.index, "aggregate") {
			return Ok(Progress::Idle);
		}
		let (inputs, stored) = self.saved_aggregate(round);
		let record = match stored {
			Some(record) => record,
			None => {
				let aggregate = self.compute_aggregate(task, round).await?;
				let record = self.upload_aggregate(round, inputs, &aggregate).await?;
				self.state
					.update(|state| state.aggregate = Some(record.clone()))?;
				record
			}
		};
		let model: ContentId = parse(&record.model)?;
		let state = record.state.as_deref().map(parse).transpose()?;
		self.chain
			.submit_aggregate(task.id, round.index, &model, state.as_ref())
			.await?;
		tracing::info!(
			round = round.index,
			%model,
			updates = round.accepted.len(),
			"aggregate submitted"
		);
		Ok(Progress::Acted("aggregate"))
	}

	/// Stores the aggregate's model and state in plain form, for everyone to fetch.
	async fn upload_aggregate(
		&self,
		round: &RoundView,
		inputs: Vec<String>,
		aggregate: &Aggregate,
	) -> Result<RoundAggregate> {
		let model = put_plain(self.store.as_ref(), &aggregate.model, "the aggregate").await?;
		let state = match &aggregate.state {
			Some(bytes) => Some(
				put_plain(self.store.as_ref(), bytes, "the strategy state")
					.await?
					.to_string(),
			),
			None => None,
		};
		Ok(RoundAggregate {
			round: round.index,
			inputs,
			model: model.to_string(),
			state,
		})
	}

	/// Fetches the round's inputs (global model, strategy state, accepted updates) and
	/// aggregates them with the task's strategy.
	pub(crate) async fn compute_aggregate(
		&self,
		task: &TaskSummary,
		round: &RoundView,
	) -> Result<Aggregate> {
		let store = self.store.as_ref();
		let global = fetch(store, &task.model, "the global model").await?;
		let state = match &task.model_state {
			Some(cid) => Some(fetch(store, cid, "the strategy state").await?),
			None => None,
		};
		let mut updates = Vec::with_capacity(round.accepted.len());
		for accepted in &round.accepted {
			let bytes = match fetch_update_bytes(store, &accepted.cid, &self.secret).await {
				Ok(bytes) => bytes,
				Err(UpdateFault::Unavailable(error)) => return Err(error),
				Err(UpdateFault::Invalid(reason)) => {
					return Err(WorkerError::Data(format!(
						"the accepted update of {} ({}) cannot be read: {reason}",
						accepted.trainer, accepted.cid
					)))
				}
			};
			updates.push(AcceptedUpdate {
				trainer: accepted.trainer,
				examples: accepted.examples,
				bytes,
			});
		}
		let inputs = AggregationInputs {
			task: task.id,
			config: task.params.aggregation,
			example_cap: task.params.example_cap,
			global,
			state,
			updates,
		};
		self.compute("aggregation", move || aggregation::aggregate(&inputs))
			.await
	}
}

fn parse(text: &str) -> Result<ContentId> {
	text.parse()
		.map_err(|e| WorkerError::Data(format!("the stored aggregate CID `{text}`: {e}")))
}
