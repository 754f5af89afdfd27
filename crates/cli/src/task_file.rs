//! Task files: a task's parameters in TOML or JSON, with friendly units, for `task create`.
//!
//! Only `model_card`, `initial_model` and `aggregation` are required; every other field
//! defaults to [`TaskSpec::new`]'s value. Amounts are whole tokens with 12 decimals (`"12.5"`,
//! `"12.5 DML"`, or an integer) or `"<n> planck"`; ratios are `"80%"` or a fraction (`0.8`).
//! `docs/src/cli.md` has a complete example.

use crate::{
	args::parse_amount,
	error::{CliError, Result},
};
use decentralml_client::{
	AccountId, Asset, Balance, BlockNumber, ContentId, Jurisdiction, Perbill, TaskSpec,
};
use decentralml_primitives::AggregationConfig;
use serde::Deserialize;
use std::path::Path;

/// An amount as a task file may write it.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
enum Amount {
	/// Whole tokens.
	Whole(u64),
	/// `"12.5"`, `"12.5 DML"` or `"1000 planck"`.
	Text(String),
}

impl Amount {
	fn planck(&self, field: &str) -> std::result::Result<Balance, String> {
		match self {
			Amount::Whole(tokens) => Balance::from(*tokens)
				.checked_mul(decentralml_client::UNIT)
				.ok_or_else(|| format!("{field}: {tokens} tokens overflow")),
			Amount::Text(text) => parse_amount(text).map_err(|e| format!("{field}: {e}")),
		}
	}
}

/// A ratio as a task file may write it.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
enum Ratio {
	/// A fraction in `[0, 1]`.
	Fraction(f64),
	/// `"80%"` or `"0.8"`.
	Text(String),
}

impl Ratio {
	fn perbill(&self, field: &str) -> std::result::Result<Perbill, String> {
		match self {
			Ratio::Fraction(value) => Perbill::from_fraction(*value),
			Ratio::Text(text) => text.parse(),
		}
		.map_err(|e| format!("{field}: {e}"))
	}
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Phases {
	training: Option<BlockNumber>,
	commit: Option<BlockNumber>,
	reveal: Option<BlockNumber>,
	aggregation: Option<BlockNumber>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Split {
	trainers: Option<Ratio>,
	validators: Option<Ratio>,
	aggregator: Option<Ratio>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Slashes {
	absent_trainer: Option<Ratio>,
	harmful_update: Option<Ratio>,
	absent_validator: Option<Ratio>,
	dissenting_validator: Option<Ratio>,
	wrong_aggregator: Option<Ratio>,
	absent_aggregator: Option<Ratio>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Bonds {
	trainer: Option<Amount>,
	validator: Option<Amount>,
	aggregator: Option<Amount>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEligibility {
	allow_list: Option<Vec<AccountId>>,
	jurisdictions: Option<Vec<Jurisdiction>>,
}

/// The file's contents.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskFile {
	model_card: ContentId,
	initial_model: ContentId,
	aggregation: AggregationConfig,
	rounds: Option<u32>,
	#[serde(default)]
	phases: Phases,
	trainers_per_round: Option<u32>,
	min_updates: Option<u32>,
	validators_per_round: Option<u32>,
	asset: Option<Asset>,
	budget_per_round: Option<Amount>,
	pool_deposit: Option<Amount>,
	min_score: Option<Ratio>,
	harmful_score: Option<Ratio>,
	#[serde(default)]
	reward_split: Split,
	example_cap: Option<u64>,
	#[serde(default)]
	slash_rates: Slashes,
	score_tolerance: Option<Ratio>,
	#[serde(default)]
	min_bonds: Bonds,
	#[serde(default)]
	eligibility: FileEligibility,
}

/// Reads a task file (`.toml`, or `.json`) into a spec, filling defaults and checking it.
pub fn read_task_file(path: &Path) -> Result<TaskSpec> {
	let shown = path.display().to_string();
	let text = std::fs::read_to_string(path).map_err(|source| CliError::Io {
		action: "reading the task file",
		path: shown.clone(),
		source,
	})?;
	let json = path
		.extension()
		.is_some_and(|ext| ext.eq_ignore_ascii_case("json"));
	parse_task_file(&text, json).map_err(|reason| CliError::TaskFile {
		path: shown,
		reason,
	})
}

/// Parses a task file's text (`json` chooses JSON over TOML).
pub fn parse_task_file(text: &str, json: bool) -> std::result::Result<TaskSpec, String> {
	let file: TaskFile = if json {
		// Through a `Value`: untagged and tagged enums read straight from text fail under
		// serde_json's `arbitrary_precision`, which the chain crates switch on.
		serde_json::from_str::<serde_json::Value>(text)
			.and_then(serde_json::from_value)
			.map_err(|e| e.to_string())?
	} else {
		toml::from_str(text).map_err(|e| e.to_string())?
	};
	let spec = file.into_spec()?;
	spec.validate().map_err(|e| e.to_string())?;
	Ok(spec)
}

/// Replaces `slot` with the parsed value if the file gave one.
fn set<T, U>(
	slot: &mut U,
	value: &Option<T>,
	convert: impl FnOnce(&T) -> std::result::Result<U, String>,
) -> std::result::Result<(), String> {
	if let Some(value) = value {
		*slot = convert(value)?;
	}
	Ok(())
}

impl TaskFile {
	fn into_spec(self) -> std::result::Result<TaskSpec, String> {
		let mut spec = TaskSpec::new(
			self.model_card.clone(),
			self.initial_model.clone(),
			self.aggregation,
		);
		let copy = |v: &u32| Ok(*v);
		set(&mut spec.rounds, &self.rounds, copy)?;
		set(&mut spec.phases.training, &self.phases.training, copy)?;
		set(&mut spec.phases.commit, &self.phases.commit, copy)?;
		set(&mut spec.phases.reveal, &self.phases.reveal, copy)?;
		set(&mut spec.phases.aggregation, &self.phases.aggregation, copy)?;
		set(&mut spec.trainers_per_round, &self.trainers_per_round, copy)?;
		set(&mut spec.min_updates, &self.min_updates, copy)?;
		set(
			&mut spec.validators_per_round,
			&self.validators_per_round,
			copy,
		)?;
		set(&mut spec.asset, &self.asset, |a| Ok(*a))?;
		set(&mut spec.budget_per_round, &self.budget_per_round, |a| {
			a.planck("budget_per_round")
		})?;
		set(&mut spec.pool_deposit, &self.pool_deposit, |a| {
			a.planck("pool_deposit")
		})?;
		set(&mut spec.min_score, &self.min_score, |r| {
			r.perbill("min_score")
		})?;
		set(&mut spec.harmful_score, &self.harmful_score, |r| {
			r.perbill("harmful_score")
		})?;
		set(&mut spec.example_cap, &self.example_cap, |v| Ok(*v))?;
		set(&mut spec.score_tolerance, &self.score_tolerance, |r| {
			r.perbill("score_tolerance")
		})?;
		self.apply_split_and_slashes(&mut spec)?;
		let bonds = &self.min_bonds;
		set(&mut spec.min_bonds.trainer, &bonds.trainer, |a| {
			a.planck("min_bonds.trainer")
		})?;
		set(&mut spec.min_bonds.validator, &bonds.validator, |a| {
			a.planck("min_bonds.validator")
		})?;
		set(&mut spec.min_bonds.aggregator, &bonds.aggregator, |a| {
			a.planck("min_bonds.aggregator")
		})?;
		spec.eligibility.allow_list = self.eligibility.allow_list;
		spec.eligibility.jurisdictions = self.eligibility.jurisdictions;
		Ok(spec)
	}

	fn apply_split_and_slashes(&self, spec: &mut TaskSpec) -> std::result::Result<(), String> {
		let split = &self.reward_split;
		let ratio = |name: &'static str| move |r: &Ratio| r.perbill(name);
		set(
			&mut spec.reward_split.trainers,
			&split.trainers,
			ratio("reward_split.trainers"),
		)?;
		set(
			&mut spec.reward_split.validators,
			&split.validators,
			ratio("reward_split.validators"),
		)?;
		set(
			&mut spec.reward_split.aggregator,
			&split.aggregator,
			ratio("reward_split.aggregator"),
		)?;
		let rates = &self.slash_rates;
		let slots = &mut spec.slash_rates;
		set(
			&mut slots.absent_trainer,
			&rates.absent_trainer,
			ratio("slash_rates.absent_trainer"),
		)?;
		set(
			&mut slots.harmful_update,
			&rates.harmful_update,
			ratio("slash_rates.harmful_update"),
		)?;
		set(
			&mut slots.absent_validator,
			&rates.absent_validator,
			ratio("slash_rates.absent_validator"),
		)?;
		set(
			&mut slots.dissenting_validator,
			&rates.dissenting_validator,
			ratio("slash_rates.dissenting_validator"),
		)?;
		set(
			&mut slots.wrong_aggregator,
			&rates.wrong_aggregator,
			ratio("slash_rates.wrong_aggregator"),
		)?;
		set(
			&mut slots.absent_aggregator,
			&rates.absent_aggregator,
			ratio("slash_rates.absent_aggregator"),
		)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use decentralml_client::UNIT;
	use decentralml_primitives::StrategyConfig;

	const CID: &str = "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am";

	#[test]
	fn a_minimal_toml_file_takes_the_defaults() {
		let text = format!(
			"model_card = \"{CID}\"\ninitial_model = \"{CID}\"\n[aggregation]\nstrategy = {{ kind = \"fed_avg\" }}\n"
		);
		let spec = parse_task_file(&text, false).unwrap();
		let cid: ContentId = CID.parse().unwrap();
		let defaults = TaskSpec::new(
			cid.clone(),
			cid,
			AggregationConfig::plain(StrategyConfig::FedAvg),
		);
		assert_eq!(spec, defaults);
	}

	#[test]
	fn the_documented_example_parses() {
		// Keep in step with docs/src/cli.md.
		let text = format!(
			r#"
model_card = "{CID}"
initial_model = "{CID}"
rounds = 3
trainers_per_round = 4
min_updates = 2
validators_per_round = 3
asset = "native"
budget_per_round = "100 DML"
pool_deposit = 400
min_score = "50%"
harmful_score = 0.1
example_cap = 60000
score_tolerance = "20%"

[aggregation]
strategy = {{ kind = "trimmed_mean", beta = 100000000 }}
norm_bound = 5000000000

[phases]
training = 12
commit = 4
reveal = 4
aggregation = 8

[reward_split]
trainers = "70%"
validators = "20%"
aggregator = "10%"

[slash_rates]
harmful_update = "50%"

[min_bonds]
trainer = "10"
validator = "25.5"
aggregator = "1000000 planck"

[eligibility]
jurisdictions = ["DE", "FR"]
"#
		);
		let spec = parse_task_file(&text, false).unwrap();
		assert_eq!(spec.rounds, 3);
		assert_eq!(spec.budget_per_round, 100 * UNIT);
		assert_eq!(spec.pool_deposit, 400 * UNIT);
		assert_eq!(spec.harmful_score, Perbill::from_percent(10));
		assert_eq!(spec.min_bonds.validator, 25 * UNIT + UNIT / 2);
		assert_eq!(spec.min_bonds.aggregator, 1_000_000);
		assert_eq!(spec.phases.training, 12);
		assert_eq!(spec.slash_rates.harmful_update, Perbill::from_percent(50));
		assert_eq!(
			spec.eligibility.jurisdictions,
			Some(vec![Jurisdiction(*b"DE"), Jurisdiction(*b"FR")])
		);
		assert!(matches!(
			spec.aggregation.strategy,
			StrategyConfig::TrimmedMean { .. }
		));
	}

	#[test]
	fn json_files_work_too() {
		let text = format!(
			r#"{{"model_card": "{CID}", "initial_model": "{CID}",
			   "aggregation": {{"strategy": {{"kind": "fed_median"}}, "norm_bound": null, "central_privacy": null}},
			   "rounds": 2}}"#
		);
		assert_eq!(parse_task_file(&text, true).unwrap().rounds, 2);
	}

	#[test]
	fn mistakes_are_named() {
		let base = format!(
			"model_card = \"{CID}\"\ninitial_model = \"{CID}\"\n[aggregation]\nstrategy = {{ kind = \"fed_avg\" }}\n"
		);
		let typo = format!("roundz = 3\n{base}");
		assert!(parse_task_file(&typo, false)
			.unwrap_err()
			.contains("roundz"));

		let bad_ratio = format!("min_score = \"150%\"\n{base}");
		assert!(parse_task_file(&bad_ratio, false)
			.unwrap_err()
			.contains("min_score"));

		let invalid = format!("min_updates = 20\n{base}");
		assert!(parse_task_file(&invalid, false)
			.unwrap_err()
			.contains("min_updates"));

		let bad_cid = base.replace(CID, "not-a-cid");
		assert!(parse_task_file(&bad_cid, false)
			.unwrap_err()
			.contains("CID"));
	}
}
