//! Tasks: what a proposer fixes ([`TaskSpec`]) and what the chain records ([`TaskSummary`]).

use super::primitives::*;
use crate::error::ClientError;
use decentralml_primitives::AggregationConfig;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How long each phase of a round lasts, in blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseLengths {
	/// Trainers submit updates.
	pub training: BlockNumber,
	/// Validators commit to their scores.
	pub commit: BlockNumber,
	/// Validators reveal their scores.
	pub reveal: BlockNumber,
	/// The aggregator submits and validators attest the aggregate.
	pub aggregation: BlockNumber,
}

/// How a round's budget is divided between the roles (at most 100% in all).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewardSplit {
	/// Shared by accepted trainers.
	pub trainers: Perbill,
	/// Shared by agreeing validators.
	pub validators: Perbill,
	/// The aggregator's fee when its aggregate is adopted.
	pub aggregator: Perbill,
}

/// Slash rates, each a fraction of the offender's bond.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlashRates {
	/// A selected trainer that submitted nothing.
	pub absent_trainer: Perbill,
	/// A trainer whose update scored at or below the harmful threshold.
	pub harmful_update: Perbill,
	/// A selected validator that did not commit or reveal.
	pub absent_validator: Perbill,
	/// A validator far from consensus, or attesting a rejected aggregate.
	pub dissenting_validator: Perbill,
	/// An aggregator whose aggregate lost to another.
	pub wrong_aggregator: Perbill,
	/// An aggregator that submitted nothing.
	pub absent_aggregator: Perbill,
}

/// The smallest bond accepted per role, in the task's asset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinBonds {
	/// For trainers.
	pub trainer: Balance,
	/// For validators.
	pub validator: Balance,
	/// For aggregators.
	pub aggregator: Balance,
}

impl MinBonds {
	/// The minimum bond of `role`.
	pub fn of(&self, role: Role) -> Balance {
		match role {
			Role::Trainer => self.trainer,
			Role::Validator => self.validator,
			Role::Aggregator => self.aggregator,
		}
	}
}

/// Who may join a task.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Eligibility {
	/// If set, only these accounts may join.
	#[serde(default)]
	pub allow_list: Option<Vec<AccountId>>,
	/// If set, only participants declaring one of these jurisdictions may join.
	#[serde(default)]
	pub jurisdictions: Option<Vec<Jurisdiction>>,
}

/// Everything a proposer fixes about a task: the SDK's form of the pallet's `TaskParams`.
///
/// [`TaskSpec::new`] fills in defaults that suit a development chain; change the fields that
/// matter and call [`crate::Client::propose_task`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskSpec {
	/// The model card (architecture, data schema, licence text).
	pub model_card: ContentId,
	/// The model training starts from.
	pub initial_model: ContentId,
	/// The aggregation strategy, in fixed point.
	pub aggregation: AggregationConfig,
	/// Rounds before the task completes.
	pub rounds: u32,
	/// Phase lengths in blocks.
	pub phases: PhaseLengths,
	/// Trainers selected per round.
	pub trainers_per_round: u32,
	/// The fewest submitted (and accepted) updates with which a round goes on.
	pub min_updates: u32,
	/// Validators selected per round.
	pub validators_per_round: u32,
	/// The asset of the pool and of every bond.
	pub asset: Asset,
	/// The most a round pays out.
	pub budget_per_round: Balance,
	/// Moved from the proposer into the task's pool; at least one round's budget.
	pub pool_deposit: Balance,
	/// Consensus score an update needs to be accepted.
	pub min_score: Perbill,
	/// Consensus score at or below which an update is slashed.
	pub harmful_score: Perbill,
	/// How each round's budget is divided.
	pub reward_split: RewardSplit,
	/// The most examples an update's reward weight counts.
	pub example_cap: u64,
	/// Slash rates.
	pub slash_rates: SlashRates,
	/// Mean absolute deviation from consensus above which a validator dissents.
	pub score_tolerance: Perbill,
	/// Minimum bonds per role.
	pub min_bonds: MinBonds,
	/// Who may join.
	#[serde(default)]
	pub eligibility: Eligibility,
}

impl TaskSpec {
	/// A task on `initial_model` with `aggregation`, and defaults for a development chain: 5
	/// rounds of 10-block phases, 10 trainers (at least 3 updates) and 3 validators per round,
	/// in DML with a budget of 100 DML per round and a pool of 500, acceptance at 50% and harm
	/// at 10%, a 70/20/10 split, bonds of 10 DML, 10% slashes (50% for harmful updates).
	pub fn new(
		model_card: ContentId,
		initial_model: ContentId,
		aggregation: AggregationConfig,
	) -> Self {
		let tenth = Perbill::from_percent(10);
		Self {
			model_card,
			initial_model,
			aggregation,
			rounds: 5,
			phases: PhaseLengths {
				training: 10,
				commit: 10,
				reveal: 10,
				aggregation: 10,
			},
			trainers_per_round: 10,
			min_updates: 3,
			validators_per_round: 3,
			asset: Asset::Native,
			budget_per_round: 100 * UNIT,
			pool_deposit: 500 * UNIT,
			min_score: Perbill::from_percent(50),
			harmful_score: tenth,
			reward_split: RewardSplit {
				trainers: Perbill::from_percent(70),
				validators: Perbill::from_percent(20),
				aggregator: tenth,
			},
			example_cap: 100_000,
			slash_rates: SlashRates {
				absent_trainer: tenth,
				harmful_update: Perbill::from_percent(50),
				absent_validator: tenth,
				dissenting_validator: tenth,
				wrong_aggregator: tenth,
				absent_aggregator: tenth,
			},
			score_tolerance: Perbill::from_percent(20),
			min_bonds: MinBonds {
				trainer: 10 * UNIT,
				validator: 10 * UNIT,
				aggregator: 10 * UNIT,
			},
			eligibility: Eligibility::default(),
		}
	}

	/// Checks what can be checked without the chain, with the same rules as the pallet, so
	/// that mistakes are reported before a transaction is paid for. The chain checks again
	/// (and also checks its configured bounds).
	pub fn validate(&self) -> Result<(), ClientError> {
		let bad = |what: &str, reason: String| Err(ClientError::invalid(what, reason));
		self.model_card.to_cid()?;
		self.initial_model.to_cid()?;
		if let Err(e) = self.aggregation.validate() {
			return bad("aggregation", format!("{e:?}"));
		}
		if self.rounds == 0 {
			return bad("rounds", "must be at least 1".into());
		}
		let phases = [
			("training", self.phases.training),
			("commit", self.phases.commit),
			("reveal", self.phases.reveal),
			("aggregation", self.phases.aggregation),
		];
		if let Some((name, _)) = phases.iter().find(|(_, length)| *length == 0) {
			return bad("phases", format!("the {name} phase is zero blocks long"));
		}
		if self.trainers_per_round == 0 || self.validators_per_round == 0 {
			return bad(
				"seats",
				"trainers and validators per round must be at least 1".into(),
			);
		}
		if self.min_updates == 0 || self.min_updates > self.trainers_per_round {
			return bad(
				"min_updates",
				format!(
					"{} is not between 1 and trainers_per_round ({})",
					self.min_updates, self.trainers_per_round
				),
			);
		}
		self.validate_economics()
	}

	fn validate_economics(&self) -> Result<(), ClientError> {
		let bad = |what: &str, reason: String| Err(ClientError::invalid(what, reason));
		if self.budget_per_round == 0 {
			return bad("budget_per_round", "is zero".into());
		}
		if self.pool_deposit < self.budget_per_round {
			return bad(
				"pool_deposit",
				format!(
					"{} is below one round's budget ({})",
					self.pool_deposit, self.budget_per_round
				),
			);
		}
		if self.harmful_score >= self.min_score {
			return bad(
				"harmful_score",
				format!(
					"{} must be below min_score ({})",
					self.harmful_score, self.min_score
				),
			);
		}
		let split = self.reward_split;
		let total = u64::from(split.trainers.0)
			+ u64::from(split.validators.0)
			+ u64::from(split.aggregator.0);
		if total > u64::from(Perbill::ONE_PARTS) {
			return bad(
				"reward_split",
				"the three parts add up to more than 100%".into(),
			);
		}
		if self.example_cap == 0 {
			return bad("example_cap", "is zero".into());
		}
		if let Some(role) = Role::ALL.into_iter().find(|r| self.min_bonds.of(*r) == 0) {
			return bad("min_bonds", format!("the {role} bond is zero"));
		}
		Ok(())
	}
}

/// Where a task is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskStatus {
	/// Waiting for governance approval; participants may already join.
	Proposed,
	/// Approved and waiting for a slot in the active set.
	Queued,
	/// Running rounds.
	Active,
	/// Paused by governance or the protocol's safety switch.
	Paused,
	/// Every round closed or the pool ran dry.
	Completed,
	/// Cancelled by governance; the pool was refunded.
	Cancelled,
}

impl TaskStatus {
	/// Every status, for filters.
	pub const ALL: [TaskStatus; 6] = [
		TaskStatus::Proposed,
		TaskStatus::Queued,
		TaskStatus::Active,
		TaskStatus::Paused,
		TaskStatus::Completed,
		TaskStatus::Cancelled,
	];

	/// Lower-case name.
	pub fn name(self) -> &'static str {
		match self {
			TaskStatus::Proposed => "proposed",
			TaskStatus::Queued => "queued",
			TaskStatus::Active => "active",
			TaskStatus::Paused => "paused",
			TaskStatus::Completed => "completed",
			TaskStatus::Cancelled => "cancelled",
		}
	}

	/// Whether the task has ended.
	pub fn is_finished(self) -> bool {
		matches!(self, TaskStatus::Completed | TaskStatus::Cancelled)
	}
}

impl fmt::Display for TaskStatus {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str(self.name())
	}
}

impl std::str::FromStr for TaskStatus {
	type Err = ClientError;

	fn from_str(text: &str) -> Result<Self, Self::Err> {
		TaskStatus::ALL
			.into_iter()
			.find(|s| s.name().eq_ignore_ascii_case(text.trim()))
			.ok_or_else(|| {
				ClientError::invalid(
					"task status",
					format!(
						"`{text}` is not one of proposed, queued, active, paused, completed, \
						 cancelled"
					),
				)
			})
	}
}

/// Registered participants per role.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterCounts {
	/// Registered trainers.
	pub trainers: u32,
	/// Registered validators.
	pub validators: u32,
	/// Registered aggregators.
	pub aggregators: u32,
}

/// A task as the chain records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskSummary {
	/// The task's id.
	pub id: TaskId,
	/// The proposer, who receives the pool's refund.
	pub owner: AccountId,
	/// Lifecycle status.
	pub status: TaskStatus,
	/// The parameters fixed at proposal.
	pub params: TaskSpec,
	/// What the pool holds for this task.
	pub pool: Balance,
	/// The current global model (the final model once completed).
	pub model: ContentId,
	/// The aggregation strategy's state that goes with `model`, if any.
	pub model_state: Option<ContentId>,
	/// Rounds started so far (the next round's index).
	pub next_round: RoundIndex,
	/// Rounds closed, successfully or not.
	pub closed_rounds: u32,
	/// The block at which the chain next advances this task, if scheduled.
	pub next_due: Option<BlockNumber>,
	/// Registered participants per role.
	pub roster: RosterCounts,
}

#[cfg(test)]
mod tests {
	use super::*;
	use decentralml_primitives::StrategyConfig;

	fn spec() -> TaskSpec {
		let cid: ContentId = "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am"
			.parse()
			.unwrap();
		TaskSpec::new(
			cid.clone(),
			cid,
			AggregationConfig {
				strategy: StrategyConfig::FedAvg,
				norm_bound: None,
				central_privacy: None,
			},
		)
	}

	#[test]
	fn the_default_spec_is_valid() {
		spec().validate().unwrap();
	}

	#[test]
	fn invalid_specs_name_the_offending_field() {
		let mut bad = spec();
		bad.min_updates = 11;
		assert!(bad
			.validate()
			.unwrap_err()
			.to_string()
			.contains("min_updates"));

		let mut bad = spec();
		bad.harmful_score = bad.min_score;
		assert!(bad
			.validate()
			.unwrap_err()
			.to_string()
			.contains("harmful_score"));

		let mut bad = spec();
		bad.pool_deposit = bad.budget_per_round - 1;
		assert!(bad
			.validate()
			.unwrap_err()
			.to_string()
			.contains("pool_deposit"));

		let mut bad = spec();
		bad.reward_split.aggregator = Perbill::from_percent(11);
		assert!(bad
			.validate()
			.unwrap_err()
			.to_string()
			.contains("reward_split"));

		let mut bad = spec();
		bad.phases.reveal = 0;
		assert!(bad.validate().unwrap_err().to_string().contains("reveal"));

		let mut bad = spec();
		bad.min_bonds.validator = 0;
		assert!(bad
			.validate()
			.unwrap_err()
			.to_string()
			.contains("validator bond"));
	}

	#[test]
	fn specs_round_trip_through_json() {
		let original = spec();
		let json = serde_json::to_string(&original).unwrap();
		// Through a `Value`, as readers must (tagged enums and `arbitrary_precision`).
		let back: TaskSpec = serde_json::from_str::<serde_json::Value>(&json)
			.and_then(serde_json::from_value)
			.unwrap();
		assert_eq!(back, original);
	}
}
