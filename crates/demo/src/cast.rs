//! The demo's participants: who plays which role, with which account and data.

use crate::DemoConfig;
use decentralml_client::{AccountId, Role, Signer};
use decentralml_worker::attack::AttackKind;
use decentralml_worker::data::DataSpec;
use std::fmt;

/// One participant of the demo.
#[derive(Clone, Debug)]
pub struct Member {
	/// Display name, e.g. `trainer 3`.
	pub name: String,
	/// The role.
	pub role: Role,
	/// Its dev account's secret URI.
	pub suri: String,
	/// Its account.
	pub account: AccountId,
	/// Its data (trainers and validators).
	pub data: Option<DataSpec>,
	/// Its attack, for Byzantine trainers.
	pub attack: Option<AttackKind>,
}

impl fmt::Display for Member {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str(&self.name)
	}
}

/// Every participant: the trainers (the last `byzantine` of them malicious), the validators
/// and one aggregator, each on a dev account derived from the dev phrase
/// (`//demo//trainer//3`…).
pub fn cast(config: &DemoConfig) -> anyhow::Result<Vec<Member>> {
	let honest = config.trainers - config.byzantine;
	let mut members = Vec::with_capacity(config.trainers + config.validators + 1);
	for index in 0..config.trainers {
		let malicious = index >= honest;
		members.push(member(
			if malicious {
				format!("trainer {index} (byzantine)")
			} else {
				format!("trainer {index}")
			},
			Role::Trainer,
			&format!("//demo//trainer//{index}"),
			Some(trainer_data(config, index)?),
			malicious.then_some(config.attack),
		)?);
	}
	for index in 0..config.validators {
		members.push(member(
			format!("validator {index}"),
			Role::Validator,
			&format!("//demo//validator//{index}"),
			Some(validator_data(config, index)?),
			None,
		)?);
	}
	members.push(member(
		"aggregator".into(),
		Role::Aggregator,
		"//demo//aggregator",
		None,
		None,
	)?);
	Ok(members)
}

fn member(
	name: String,
	role: Role,
	suri: &str,
	data: Option<DataSpec>,
	attack: Option<AttackKind>,
) -> anyhow::Result<Member> {
	let account = Signer::from_suri(suri)?.account_id();
	Ok(Member {
		name,
		role,
		suri: suri.to_string(),
		account,
		data,
		attack,
	})
}

/// Trainer `index`'s Dirichlet share of the (limited) training split.
fn trainer_data(config: &DemoConfig, index: usize) -> anyhow::Result<DataSpec> {
	let mut text = format!(
		"mnist:train,partition=dirichlet:{},client={index}/{},seed={}",
		config.alpha, config.trainers, config.seed
	);
	if let Some(limit) = config.train_limit {
		text.push_str(&format!(",limit={limit}"));
	}
	with_dir(config, text)
}

/// Validator `index`'s slice of the (limited) test split.
fn validator_data(config: &DemoConfig, index: usize) -> anyhow::Result<DataSpec> {
	let mut text = format!("mnist:test,part={index}/{}", config.validators);
	if let Some(limit) = config.test_limit {
		text.push_str(&format!(",limit={limit}"));
	}
	with_dir(config, text)
}

fn with_dir(config: &DemoConfig, mut text: String) -> anyhow::Result<DataSpec> {
	if let Some(dir) = &config.data_dir {
		text.push_str(&format!(",dir={}", dir.display()));
	}
	Ok(text.parse()?)
}

#[cfg(test)]
mod tests {
	use super::*;
	use decentralml_worker::data::Selection;

	#[test]
	fn the_cast_has_distinct_accounts_and_the_last_trainers_attack() {
		let config = DemoConfig {
			trainers: 4,
			byzantine: 1,
			..DemoConfig::default()
		};
		let members = cast(&config).unwrap();
		assert_eq!(members.len(), 4 + 3 + 1);
		let mut accounts: Vec<_> = members.iter().map(|m| m.account).collect();
		accounts.sort();
		accounts.dedup();
		assert_eq!(accounts.len(), members.len());
		let attackers: Vec<_> = members.iter().filter(|m| m.attack.is_some()).collect();
		assert_eq!(attackers.len(), 1);
		assert_eq!(attackers[0].name, "trainer 3 (byzantine)");
		match &members[2].data.as_ref().unwrap().selection {
			Selection::Client { index, clients, .. } => assert_eq!((*index, *clients), (2, 4)),
			other => panic!("{other:?}"),
		}
		assert!(members.last().unwrap().data.is_none());
	}
}
