//! A training task run by a cast of signed accounts, shared by the runtime-level tests.

use super::{account, TestChain};
use codec::Encode;
use decentralml_primitives::{AggregationConfig, StrategyConfig};
use decentralml_runtime::{AccountId, Runtime, RuntimeCall, RuntimeEvent, Training, UNIT};
use frame_support::{traits::fungible::NativeOrWithId, BoundedVec};
use pallet_training::{
	Eligibility, MinBonds, Phase, PhaseLengths, RewardSplit, Role, Rounds, SlashRates, TaskParams,
	TaskStatus, Tasks,
};
use sp_core::{sr25519, Pair};
use sp_keyring::Sr25519Keyring::{Alice, Bob};
use sp_runtime::{traits::Hash as _, Perbill};
use std::collections::BTreeMap;

/// The first task's id.
pub const TASK: u32 = 0;
/// Rounds the test task runs.
pub const ROUNDS: u32 = 3;
/// Budget per round.
pub const BUDGET: u128 = 100 * UNIT;

/// A binary CIDv1 (raw codec, sha2-256) naming `seed`'s content.
pub fn cid(seed: &[u8]) -> BoundedVec<u8, frame_support::traits::ConstU32<64>> {
	let mut bytes = vec![0x01, 0x55, 0x12, 0x20];
	bytes.extend_from_slice(&sp_io::hashing::blake2_256(seed));
	BoundedVec::truncate_from(bytes)
}

pub fn params() -> TaskParams<Runtime> {
	TaskParams {
		model_card: cid(b"model card"),
		initial_model: cid(b"initial model"),
		aggregation: AggregationConfig::plain(StrategyConfig::FedAvg),
		rounds: ROUNDS,
		phases: PhaseLengths {
			training: 4,
			commit: 3,
			reveal: 3,
			aggregation: 4,
		},
		trainers_per_round: 4,
		min_updates: 2,
		validators_per_round: 3,
		asset: NativeOrWithId::Native,
		budget_per_round: BUDGET,
		pool_deposit: ROUNDS as u128 * BUDGET + UNIT,
		min_score: Perbill::from_percent(50),
		harmful_score: Perbill::from_percent(10),
		reward_split: RewardSplit {
			trainers: Perbill::from_percent(70),
			validators: Perbill::from_percent(20),
			aggregator: Perbill::from_percent(10),
		},
		example_cap: 10_000,
		slash_rates: SlashRates {
			absent_trainer: Perbill::from_percent(10),
			harmful_update: Perbill::from_percent(20),
			absent_validator: Perbill::from_percent(10),
			dissenting_validator: Perbill::from_percent(10),
			wrong_aggregator: Perbill::from_percent(20),
			absent_aggregator: Perbill::from_percent(10),
		},
		score_tolerance: Perbill::from_percent(20),
		min_bonds: MinBonds {
			trainer: 10 * UNIT,
			validator: 10 * UNIT,
			aggregator: 10 * UNIT,
		},
		eligibility: Eligibility {
			allow_list: None,
			jurisdictions: None,
		},
	}
}

pub struct Cast {
	pub trainers: Vec<sr25519::Pair>,
	pub validators: Vec<sr25519::Pair>,
	pub aggregator: sr25519::Pair,
}

impl Cast {
	pub fn new() -> Self {
		Self {
			trainers: (1..=4).map(|i| account(&format!("//Trainer{i}"))).collect(),
			validators: (1..=3)
				.map(|i| account(&format!("//Validator{i}")))
				.collect(),
			aggregator: account("//Aggregator"),
		}
	}

	pub fn all(&self) -> impl Iterator<Item = &sr25519::Pair> {
		self.trainers
			.iter()
			.chain(&self.validators)
			.chain(core::iter::once(&self.aggregator))
	}

	pub fn find(&self, who: &AccountId) -> &sr25519::Pair {
		self.all()
			.find(|p| &AccountId::from(p.public()) == who)
			.expect("a cast member")
	}
}

pub fn id(pair: &sr25519::Pair) -> AccountId {
	pair.public().into()
}

/// Alice proposes a council motion to approve the task, Alice and Bob vote for it, Alice
/// closes it.
pub fn approve_by_council(chain: &mut TestChain) {
	let approve = RuntimeCall::Training(pallet_training::Call::approve_task { task: TASK });
	let length = approve.encoded_size() as u32;
	let hash = <Runtime as frame_system::Config>::Hashing::hash_of(&approve);
	chain.submit_ok(
		Alice,
		RuntimeCall::Council(pallet_collective::Call::propose {
			threshold: 2,
			proposal: Box::new(approve),
			length_bound: length,
		}),
	);
	// A proposer's motion starts with no votes: both members vote.
	for member in [Alice, Bob] {
		chain.submit_ok(
			member,
			RuntimeCall::Council(pallet_collective::Call::vote {
				proposal: hash,
				index: 0,
				approve: true,
			}),
		);
	}
	chain.submit_ok(
		Alice,
		RuntimeCall::Council(pallet_collective::Call::close {
			proposal_hash: hash,
			index: 0,
			proposal_weight_bound: frame_support::weights::Weight::from_parts(
				10_000_000_000,
				100_000,
			),
			length_bound: length,
		}),
	);
}

/// Everyone does their part of whatever phase the round is in.
pub fn act(chain: &mut TestChain, cast: &Cast, salts: &mut BTreeMap<AccountId, [u8; 32]>) {
	let Some(round) = chain.execute(|| Rounds::<Runtime>::get(TASK)) else {
		return;
	};
	let index = round.index;
	match round.phase {
		Phase::Training { .. } => {
			let selected =
				chain.execute(|| pallet_training::SelectedTrainers::<Runtime>::get(TASK));
			let done = chain.execute(|| pallet_training::Updates::<Runtime>::get(TASK));
			for (position, who) in selected.iter().enumerate() {
				if done.iter().any(|u| u.trainer == position as u32) {
					continue;
				}
				let update = cid(&(index, who).encode());
				let call = RuntimeCall::Training(pallet_training::Call::submit_update {
					task: TASK,
					round: index,
					update,
					examples: 1_000 + position as u64,
				});
				chain.submit_as_ok(cast.find(who), call);
			}
		}
		Phase::Commit { .. } => {
			let updates = chain
				.execute(|| pallet_training::Updates::<Runtime>::get(TASK))
				.len();
			for seat in round.validators.iter().filter(|s| s.commitment.is_none()) {
				let salt: [u8; 32] = sp_io::hashing::blake2_256(&(index, &seat.who).encode());
				salts.insert(seat.who.clone(), salt);
				let scores = vec![Perbill::from_percent(80); updates];
				let commitment = chain
					.execute(|| Training::score_commitment(TASK, index, &seat.who, &scores, &salt));
				let call = RuntimeCall::Training(pallet_training::Call::commit_scores {
					task: TASK,
					round: index,
					commitment,
				});
				chain.submit_as_ok(cast.find(&seat.who), call);
			}
		}
		Phase::Reveal { .. } => {
			let updates = chain
				.execute(|| pallet_training::Updates::<Runtime>::get(TASK))
				.len();
			for seat in round
				.validators
				.iter()
				.filter(|s| s.commitment.is_some() && !s.revealed)
			{
				let call = RuntimeCall::Training(pallet_training::Call::reveal_scores {
					task: TASK,
					round: index,
					scores: BoundedVec::truncate_from(vec![Perbill::from_percent(80); updates]),
					salt: salts[&seat.who],
				});
				chain.submit_as_ok(cast.find(&seat.who), call);
			}
		}
		Phase::Aggregation { .. } => {
			let model = cid(&(b"aggregate", index).encode());
			if round.aggregate.is_none() {
				let call = RuntimeCall::Training(pallet_training::Call::submit_aggregate {
					task: TASK,
					round: index,
					model: model.clone(),
					state: None,
				});
				chain.submit_as_ok(cast.find(&round.aggregator), call);
				return;
			}
			for seat in round
				.validators
				.iter()
				.filter(|s| s.revealed && s.attested.is_none())
			{
				let call = RuntimeCall::Training(pallet_training::Call::attest_aggregate {
					task: TASK,
					round: index,
					model: model.clone(),
				});
				chain.submit_as_ok(cast.find(&seat.who), call);
			}
		}
		Phase::SettlingTrainers { .. } | Phase::SettlingValidators => {}
	}
}

pub fn fee_paid(events: &[RuntimeEvent]) -> u128 {
	events
		.iter()
		.filter_map(|e| match e {
			RuntimeEvent::TransactionPayment(
				pallet_transaction_payment::Event::TransactionFeePaid { actual_fee, .. },
			) => Some(*actual_fee),
			_ => None,
		})
		.sum()
}

/// Funds the cast from Alice, proposes the task as Alice and has the cast join it.
pub fn propose_and_join(chain: &mut TestChain, cast: &Cast) {
	for pair in cast.all() {
		chain.submit_ok(
			Alice,
			RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
				dest: id(pair).into(),
				value: 1_000 * UNIT,
			}),
		);
	}
	chain.submit_ok(
		Alice,
		RuntimeCall::Training(pallet_training::Call::propose_task {
			params: Box::new(params()),
		}),
	);
	for (role, pairs) in [
		(Role::Trainer, cast.trainers.iter().collect::<Vec<_>>()),
		(Role::Validator, cast.validators.iter().collect()),
		(Role::Aggregator, vec![&cast.aggregator]),
	] {
		for pair in pairs {
			let key = sp_io::hashing::blake2_256(&id(pair).encode());
			chain.submit_as_ok(
				pair,
				RuntimeCall::Training(pallet_training::Call::join {
					task: TASK,
					role,
					bond: 50 * UNIT,
					jurisdiction: *b"DE",
					encryption_key: key,
				}),
			);
		}
	}
}

/// Runs blocks, the cast acting in each, until the task is no longer active; returns the fees
/// paid meanwhile.
pub fn run_to_completion(chain: &mut TestChain, cast: &Cast) -> u128 {
	let mut salts = BTreeMap::new();
	let mut fees = 0;
	let mut blocks = 0;
	while chain
		.execute(|| Tasks::<Runtime>::get(TASK))
		.map(|t| t.status)
		== Some(TaskStatus::Active)
	{
		assert!(blocks < 200, "the task did not complete within 200 blocks");
		chain.next_block();
		act(chain, cast, &mut salts);
		fees += fee_paid(&chain.events());
		blocks += 1;
	}
	fees
}
