//! Conversions between the SDK's plain types and the generated metadata types. This is the
//! only module (with the calls and queries) that knows the generated shapes; when the
//! metadata changes, the compiler points here.

use crate::{
	runtime::runtime_types as rt,
	types::{self, AccountId, Asset, ContentId, Jurisdiction, TaskId},
};
use rt::pallet_training::types as training;
use subxt::utils::Static;

/// The runtime's asset kind (`NativeOrWithId<AssetId>`).
pub(crate) type ChainAsset =
	rt::frame_support::traits::tokens::fungible::union_of::NativeOrWithId<u32>;

pub(crate) fn asset_to_chain(asset: Asset) -> ChainAsset {
	match asset {
		Asset::Native => ChainAsset::Native,
		Asset::Id(id) => ChainAsset::WithId(id),
	}
}

pub(crate) fn asset_from_chain(asset: &ChainAsset) -> Asset {
	match asset {
		ChainAsset::Native => Asset::Native,
		ChainAsset::WithId(id) => Asset::Id(*id),
	}
}

pub(crate) fn role_to_chain(role: types::Role) -> training::Role {
	match role {
		types::Role::Trainer => training::Role::Trainer,
		types::Role::Validator => training::Role::Validator,
		types::Role::Aggregator => training::Role::Aggregator,
	}
}

pub(crate) fn role_from_chain(role: &training::Role) -> types::Role {
	match role {
		training::Role::Trainer => types::Role::Trainer,
		training::Role::Validator => types::Role::Validator,
		training::Role::Aggregator => types::Role::Aggregator,
	}
}

pub(crate) fn status_from_chain(status: &training::TaskStatus) -> types::TaskStatus {
	match status {
		training::TaskStatus::Proposed => types::TaskStatus::Proposed,
		training::TaskStatus::Queued => types::TaskStatus::Queued,
		training::TaskStatus::Active => types::TaskStatus::Active,
		training::TaskStatus::Paused => types::TaskStatus::Paused,
		training::TaskStatus::Completed => types::TaskStatus::Completed,
		training::TaskStatus::Cancelled => types::TaskStatus::Cancelled,
	}
}

pub(crate) fn jurisdictions_to_chain(list: &Option<Vec<Jurisdiction>>) -> Option<Vec<[u8; 2]>> {
	list.as_ref()
		.map(|codes| codes.iter().map(|code| code.0).collect())
}

pub(crate) fn jurisdictions_from_chain(list: &Option<Vec<[u8; 2]>>) -> Option<Vec<Jurisdiction>> {
	list.as_ref()
		.map(|codes| codes.iter().map(|code| Jurisdiction(*code)).collect())
}

pub(crate) fn eligibility_to_chain(eligibility: &types::Eligibility) -> training::Eligibility {
	training::Eligibility {
		allow_list: eligibility.allow_list.clone(),
		jurisdictions: jurisdictions_to_chain(&eligibility.jurisdictions),
	}
}

pub(crate) fn licence_terms_to_chain(
	terms: &types::LicenceTermsSpec,
) -> rt::pallet_licensing::types::LicenceTerms {
	rt::pallet_licensing::types::LicenceTerms {
		terms: terms.terms.0.clone(),
		asset: asset_to_chain(terms.asset),
		fee_per_period: terms.fee_per_period,
		period: terms.period,
		contributors_share: terms.contributors_share,
		backers_share: terms.backers_share,
		jurisdictions: jurisdictions_to_chain(&terms.jurisdictions),
	}
}

pub(crate) fn licence_terms_from_chain(
	version: u32,
	terms: &rt::pallet_licensing::types::LicenceTerms,
) -> types::LicenceTermsView {
	types::LicenceTermsView {
		version,
		terms: ContentId(terms.terms.clone()),
		asset: asset_from_chain(&terms.asset),
		fee_per_period: terms.fee_per_period,
		period: terms.period,
		contributors_share: terms.contributors_share,
		backers_share: terms.backers_share,
		jurisdictions: jurisdictions_from_chain(&terms.jurisdictions),
	}
}

pub(crate) fn task_params_to_chain(spec: &types::TaskSpec) -> training::TaskParams {
	training::TaskParams {
		model_card: spec.model_card.0.clone(),
		initial_model: spec.initial_model.0.clone(),
		aggregation: Static(spec.aggregation),
		rounds: spec.rounds,
		phases: training::PhaseLengths {
			training: spec.phases.training,
			commit: spec.phases.commit,
			reveal: spec.phases.reveal,
			aggregation: spec.phases.aggregation,
		},
		trainers_per_round: spec.trainers_per_round,
		min_updates: spec.min_updates,
		validators_per_round: spec.validators_per_round,
		asset: asset_to_chain(spec.asset),
		budget_per_round: spec.budget_per_round,
		pool_deposit: spec.pool_deposit,
		min_score: spec.min_score,
		harmful_score: spec.harmful_score,
		reward_split: training::RewardSplit {
			trainers: spec.reward_split.trainers,
			validators: spec.reward_split.validators,
			aggregator: spec.reward_split.aggregator,
		},
		example_cap: spec.example_cap,
		slash_rates: training::SlashRates {
			absent_trainer: spec.slash_rates.absent_trainer,
			harmful_update: spec.slash_rates.harmful_update,
			absent_validator: spec.slash_rates.absent_validator,
			dissenting_validator: spec.slash_rates.dissenting_validator,
			wrong_aggregator: spec.slash_rates.wrong_aggregator,
			absent_aggregator: spec.slash_rates.absent_aggregator,
		},
		score_tolerance: spec.score_tolerance,
		min_bonds: training::MinBonds {
			trainer: spec.min_bonds.trainer,
			validator: spec.min_bonds.validator,
			aggregator: spec.min_bonds.aggregator,
		},
		eligibility: eligibility_to_chain(&spec.eligibility),
	}
}

pub(crate) fn task_spec_from_chain(params: &training::TaskParams) -> types::TaskSpec {
	types::TaskSpec {
		model_card: ContentId(params.model_card.clone()),
		initial_model: ContentId(params.initial_model.clone()),
		aggregation: params.aggregation.0,
		rounds: params.rounds,
		phases: types::PhaseLengths {
			training: params.phases.training,
			commit: params.phases.commit,
			reveal: params.phases.reveal,
			aggregation: params.phases.aggregation,
		},
		trainers_per_round: params.trainers_per_round,
		min_updates: params.min_updates,
		validators_per_round: params.validators_per_round,
		asset: asset_from_chain(&params.asset),
		budget_per_round: params.budget_per_round,
		pool_deposit: params.pool_deposit,
		min_score: params.min_score,
		harmful_score: params.harmful_score,
		reward_split: types::RewardSplit {
			trainers: params.reward_split.trainers,
			validators: params.reward_split.validators,
			aggregator: params.reward_split.aggregator,
		},
		example_cap: params.example_cap,
		slash_rates: types::SlashRates {
			absent_trainer: params.slash_rates.absent_trainer,
			harmful_update: params.slash_rates.harmful_update,
			absent_validator: params.slash_rates.absent_validator,
			dissenting_validator: params.slash_rates.dissenting_validator,
			wrong_aggregator: params.slash_rates.wrong_aggregator,
			absent_aggregator: params.slash_rates.absent_aggregator,
		},
		score_tolerance: params.score_tolerance,
		min_bonds: types::MinBonds {
			trainer: params.min_bonds.trainer,
			validator: params.min_bonds.validator,
			aggregator: params.min_bonds.aggregator,
		},
		eligibility: types::Eligibility {
			allow_list: params.eligibility.allow_list.clone(),
			jurisdictions: jurisdictions_from_chain(&params.eligibility.jurisdictions),
		},
	}
}

pub(crate) fn task_summary_from_chain(id: TaskId, info: &training::TaskInfo) -> types::TaskSummary {
	types::TaskSummary {
		id,
		owner: info.owner,
		status: status_from_chain(&info.status),
		params: task_spec_from_chain(&info.params),
		pool: info.pool,
		model: ContentId(info.model.clone()),
		model_state: info.model_state.clone().map(ContentId),
		next_round: info.next_round,
		closed_rounds: info.closed_rounds,
		next_due: info.next_due,
		roster: types::RosterCounts {
			trainers: info.roster.trainers,
			validators: info.roster.validators,
			aggregators: info.roster.aggregators,
		},
	}
}

pub(crate) fn phase_from_chain(phase: &training::Phase<u32>) -> types::Phase {
	match *phase {
		training::Phase::Training { ends } => types::Phase::Training { ends },
		training::Phase::Commit { ends } => types::Phase::Commit { ends },
		training::Phase::Reveal { ends } => types::Phase::Reveal { ends },
		training::Phase::Aggregation { ends } => types::Phase::Aggregation { ends },
		training::Phase::SettlingTrainers { next } => types::Phase::SettlingTrainers { next },
		training::Phase::SettlingValidators => types::Phase::SettlingValidators,
	}
}

pub(crate) fn failure_from_chain(reason: &training::FailureReason) -> types::FailureReason {
	match reason {
		training::FailureReason::NotEnoughUpdates => types::FailureReason::NotEnoughUpdates,
		training::FailureReason::NoCommitments => types::FailureReason::NoCommitments,
		training::FailureReason::NoReveals => types::FailureReason::NoReveals,
		training::FailureReason::NotEnoughAccepted => types::FailureReason::NotEnoughAccepted,
		training::FailureReason::NoQuorum => types::FailureReason::NoQuorum,
	}
}

pub(crate) fn outcome_from_chain(outcome: &training::RoundOutcome) -> types::RoundOutcome {
	match outcome {
		training::RoundOutcome::Succeeded { model, state } => types::RoundOutcome::Succeeded {
			model: ContentId(model.clone()),
			state: state.clone().map(ContentId),
		},
		training::RoundOutcome::Failed(reason) => types::RoundOutcome::Failed {
			reason: failure_from_chain(reason),
		},
	}
}

pub(crate) fn record_from_chain(
	round: types::RoundIndex,
	record: &training::RoundRecord,
) -> types::RoundRecord {
	types::RoundRecord {
		round,
		outcome: outcome_from_chain(&record.outcome),
		model: ContentId(record.model.clone()),
		closed_at: record.closed_at,
		paid: record.paid,
		slashed: record.slashed,
	}
}

pub(crate) fn participant_from_chain(
	task: TaskId,
	who: AccountId,
	participant: &training::Participant,
) -> types::ParticipantView {
	types::ParticipantView {
		task,
		who,
		role: role_from_chain(&participant.role),
		bond: participant.bond,
		jurisdiction: Jurisdiction(participant.jurisdiction),
		encryption_key: participant.encryption_key,
		reputation: participant.reputation,
		status: match participant.status {
			training::ParticipantStatus::Active => types::ParticipantStatus::Active,
			training::ParticipantStatus::Leaving { unlock_at } => {
				types::ParticipantStatus::Leaving { unlock_at }
			}
		},
	}
}

/// The parts of a round that come from `Rounds(task)`, before the per-trainer storage items
/// are joined in (see `queries::round`).
pub(crate) fn validator_seats_from_chain(
	state: &training::RoundState,
) -> Vec<types::ValidatorSeatView> {
	state
		.validators
		.iter()
		.map(|seat| types::ValidatorSeatView {
			who: seat.who,
			stake: seat.stake,
			commitment: seat.commitment.map(|hash| hash.0),
			revealed: seat.revealed,
			deviation: seat.deviation,
			attested: seat
				.attested
				.and_then(|index| state.attestations.get(index as usize))
				.map(|tally| ContentId(tally.model.clone())),
		})
		.collect()
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::types::{Perbill, TaskSpec};
	use decentralml_primitives::{AggregationConfig, StrategyConfig};

	#[test]
	fn task_params_survive_the_round_trip_through_the_chain_types() {
		let cid: ContentId = "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am"
			.parse()
			.unwrap();
		let mut spec = TaskSpec::new(
			cid.clone(),
			cid,
			AggregationConfig::plain(StrategyConfig::Krum { f: 1 }),
		);
		spec.asset = Asset::Id(3);
		spec.score_tolerance = Perbill(123);
		spec.eligibility.jurisdictions = Some(vec![Jurisdiction(*b"DE")]);
		spec.eligibility.allow_list = Some(vec![AccountId::from([5; 32])]);
		let chain = task_params_to_chain(&spec);
		assert_eq!(task_spec_from_chain(&chain), spec);
	}

	#[test]
	fn assets_and_roles_map_both_ways() {
		for asset in [Asset::Native, Asset::Id(0), Asset::Id(u32::MAX)] {
			assert_eq!(asset_from_chain(&asset_to_chain(asset)), asset);
		}
		for role in types::Role::ALL {
			assert_eq!(role_from_chain(&role_to_chain(role)), role);
		}
	}
}
