//! What the chain's events say about the demo's task: consensus per round, rewards, slashes and
//! the final refund.

use decentralml_client::runtime::training::Event;
use decentralml_client::{AccountId, Balance, Client, ProtocolEventKind, RoundIndex, TaskId};
use futures::StreamExt;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinHandle;

/// A slash, as the chain reported it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SlashRecord {
	/// The round.
	pub round: RoundIndex,
	/// The offender.
	pub who: String,
	/// Why, e.g. `HarmfulUpdate`.
	pub reason: String,
	/// How much moved from its bond into the pool.
	pub amount: Balance,
}

/// The task's events, gathered.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
	/// Per round: accepted, rejected and harmful updates.
	pub consensus: BTreeMap<RoundIndex, (u32, u32, u32)>,
	/// Every reward: round, payee, amount.
	pub rewards: Vec<(RoundIndex, AccountId, Balance)>,
	/// Every slash.
	pub slashes: Vec<SlashRecord>,
	/// Per failed round, why.
	pub failures: BTreeMap<RoundIndex, String>,
	/// What the pool refunded to the proposer when the task ended.
	pub refunded: Option<Balance>,
}

impl Ledger {
	/// Records one training event of `task`.
	fn record(&mut self, task: TaskId, event: Event) {
		match event {
			Event::ConsensusReached {
				task: t,
				round,
				accepted,
				rejected,
				harmful,
				..
			} if t == task => {
				self.consensus.insert(round, (accepted, rejected, harmful));
			}
			Event::Rewarded {
				task: t,
				round,
				who,
				amount,
				..
			} if t == task => self.rewards.push((round, who, amount)),
			Event::Slashed {
				task: t,
				round,
				who,
				reason,
				amount,
			} if t == task => self.slashes.push(SlashRecord {
				round,
				who: who.to_string(),
				reason: format!("{reason:?}"),
				amount,
			}),
			Event::RoundFailed {
				task: t,
				round,
				reason,
			} if t == task => {
				self.failures.insert(round, format!("{reason:?}"));
			}
			Event::TaskCompleted {
				task: t, refunded, ..
			} if t == task => self.refunded = Some(refunded),
			_ => {}
		}
	}
}

/// Follows the task's events in finalized blocks into a shared [`Ledger`], subscribing again
/// if the stream breaks.
pub fn follow(client: Client, task: TaskId) -> (Arc<Mutex<Ledger>>, JoinHandle<()>) {
	let ledger = Arc::new(Mutex::new(Ledger::default()));
	let shared = ledger.clone();
	let handle = tokio::spawn(async move {
		loop {
			match client.subscribe_protocol_events().await {
				Ok(events) => {
					let mut events = Box::pin(events);
					while let Some(event) = events.next().await {
						match event {
							Ok(event) => {
								if let ProtocolEventKind::Training(event) = event.event {
									if let Ok(mut ledger) = shared.lock() {
										ledger.record(task, event);
									}
								}
							}
							Err(error) => {
								tracing::warn!(%error, "the event stream broke; subscribing again");
								break;
							}
						}
					}
				}
				Err(error) => tracing::warn!(%error, "subscribing to events failed; retrying"),
			}
			tokio::time::sleep(Duration::from_secs(1)).await;
		}
	});
	(ledger, handle)
}
