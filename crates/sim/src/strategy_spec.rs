//! The `--strategy` argument: a short form such as `fedadam:lr=0.01,tau=0.001`, or the JSON
//! of a [`StrategyConfig`] as the chain stores it.

use decentralml_primitives::{AdaptiveOptimizer, Fixed9, StrategyConfig};
use std::collections::BTreeMap;

/// Names accepted before the `:`.
pub const STRATEGY_NAMES: &str =
	"fedavg, fedavgm, fedadam, fedyogi, fedadagrad, fedprox, fedmedian, trimmed-mean, krum, \
	 multikrum, bulyan";

/// Parses a strategy specification; the error names the offending part.
pub fn parse_strategy(spec: &str) -> Result<StrategyConfig, String> {
	let spec = spec.trim();
	let config = if spec.starts_with('{') {
		// Through a `Value`: a tagged enum read straight from text fails under serde_json's
		// `arbitrary_precision`, which the chain crates switch on in a workspace build.
		serde_json::from_str::<serde_json::Value>(spec)
			.and_then(serde_json::from_value)
			.map_err(|e| format!("strategy JSON `{spec}`: {e}"))?
	} else {
		parse_short(spec)?
	};
	config
		.validate()
		.map_err(|e| format!("strategy `{spec}`: {e}"))?;
	Ok(config)
}

/// Key-value settings after the `:`, with the keys a strategy has not used yet.
struct Settings {
	spec: String,
	values: BTreeMap<String, String>,
}

impl Settings {
	fn real(&mut self, key: &str, default: f64) -> Result<Fixed9, String> {
		let value = match self.values.remove(key) {
			Some(text) => text
				.parse::<f64>()
				.map_err(|e| format!("`{}`: {key}={text}: {e}", self.spec))?,
			None => default,
		};
		to_fixed(value).ok_or_else(|| {
			format!(
				"`{}`: {key}={value} must be a non-negative number below 1.8e10",
				self.spec
			)
		})
	}

	fn count(&mut self, key: &str, default: u32) -> Result<u32, String> {
		match self.values.remove(key) {
			Some(text) => text
				.parse()
				.map_err(|e| format!("`{}`: {key}={text}: {e}", self.spec)),
			None => Ok(default),
		}
	}

	fn finish(self, config: StrategyConfig) -> Result<StrategyConfig, String> {
		match self.values.keys().next() {
			Some(key) => Err(format!("`{}`: unknown setting `{key}`", self.spec)),
			None => Ok(config),
		}
	}
}

/// Nearest [`Fixed9`] (nine decimals) of a non-negative real.
pub fn to_fixed(value: f64) -> Option<Fixed9> {
	let nanos = (value * Fixed9::SCALE as f64).round();
	(value.is_finite() && value >= 0.0 && nanos < u64::MAX as f64).then_some(Fixed9(nanos as u64))
}

/// The value of a [`Fixed9`] as a real.
pub fn from_fixed(value: Fixed9) -> f64 {
	value.0 as f64 / Fixed9::SCALE as f64
}

fn parse_short(spec: &str) -> Result<StrategyConfig, String> {
	let (name, rest) = spec.split_once(':').unwrap_or((spec, ""));
	let mut values = BTreeMap::new();
	for pair in rest.split(',').filter(|p| !p.is_empty()) {
		let (k, v) = pair
			.split_once('=')
			.ok_or_else(|| format!("`{spec}`: expected key=value, got `{pair}`"))?;
		values.insert(k.trim().to_string(), v.trim().to_string());
	}
	let mut s = Settings {
		spec: spec.to_string(),
		values,
	};
	// Server-optimiser defaults follow Flower's FedAdam/FedYogi/FedAdagrad.
	let adaptive = |s: &mut Settings, lr: f64, tau: f64| -> Result<AdaptiveOptimizer, String> {
		Ok(AdaptiveOptimizer {
			server_learning_rate: s.real("lr", lr)?,
			beta1: s.real("beta1", 0.9)?,
			beta2: s.real("beta2", 0.99)?,
			tau: s.real("tau", tau)?,
		})
	};
	let config = match name.trim().to_ascii_lowercase().replace('_', "-").as_str() {
		"fedavg" => StrategyConfig::FedAvg,
		"fedavgm" => StrategyConfig::FedAvgM {
			server_learning_rate: s.real("lr", 1.0)?,
			momentum: s.real("momentum", 0.9)?,
		},
		"fedadam" => StrategyConfig::FedAdam(adaptive(&mut s, 0.1, 1e-9)?),
		"fedyogi" => StrategyConfig::FedYogi(adaptive(&mut s, 0.01, 1e-3)?),
		"fedadagrad" => StrategyConfig::FedAdagrad {
			server_learning_rate: s.real("lr", 0.1)?,
			tau: s.real("tau", 1e-9)?,
		},
		"fedprox" => StrategyConfig::FedProx {
			proximal_mu: s.real("mu", 0.01)?,
		},
		"fedmedian" => StrategyConfig::FedMedian,
		"trimmed-mean" | "trimmedmean" => StrategyConfig::TrimmedMean {
			beta: s.real("beta", 0.1)?,
		},
		"krum" => StrategyConfig::Krum {
			f: s.count("f", 1)?,
		},
		"multikrum" | "multi-krum" => StrategyConfig::MultiKrum {
			f: s.count("f", 1)?,
			m: s.count("m", 5)?,
		},
		"bulyan" => StrategyConfig::Bulyan {
			f: s.count("f", 1)?,
		},
		other => {
			return Err(format!(
				"unknown strategy `{other}`: expected one of {STRATEGY_NAMES}"
			))
		}
	};
	s.finish(config)
}

/// A short name of a strategy for file names and titles.
pub fn strategy_label(config: &StrategyConfig) -> &'static str {
	match config {
		StrategyConfig::FedAvg => "fedavg",
		StrategyConfig::FedAvgM { .. } => "fedavgm",
		StrategyConfig::FedAdam(_) => "fedadam",
		StrategyConfig::FedYogi(_) => "fedyogi",
		StrategyConfig::FedAdagrad { .. } => "fedadagrad",
		StrategyConfig::FedProx { .. } => "fedprox",
		StrategyConfig::FedMedian => "fedmedian",
		StrategyConfig::TrimmedMean { .. } => "trimmed-mean",
		StrategyConfig::Krum { .. } => "krum",
		StrategyConfig::MultiKrum { .. } => "multikrum",
		StrategyConfig::Bulyan { .. } => "bulyan",
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn short_forms_with_defaults_and_overrides() {
		assert_eq!(parse_strategy("fedavg").unwrap(), StrategyConfig::FedAvg);
		assert_eq!(
			parse_strategy("fedavgm:lr=0.5").unwrap(),
			StrategyConfig::FedAvgM {
				server_learning_rate: Fixed9::HALF,
				momentum: Fixed9(900_000_000)
			}
		);
		let StrategyConfig::FedAdam(opt) = parse_strategy("FedAdam:tau=0.001,beta2=0.999").unwrap()
		else {
			panic!("fedadam expected")
		};
		assert_eq!(
			(opt.tau, opt.beta2),
			(Fixed9(1_000_000), Fixed9(999_000_000))
		);
		assert_eq!(
			parse_strategy("multikrum:f=2,m=3").unwrap(),
			StrategyConfig::MultiKrum { f: 2, m: 3 }
		);
		assert_eq!(
			parse_strategy("trimmed_mean:beta=0.2").unwrap(),
			StrategyConfig::TrimmedMean {
				beta: Fixed9(200_000_000)
			}
		);
	}

	#[test]
	fn json_form() {
		let config = parse_strategy(r#"{"kind":"fed_prox","proximal_mu":10000000}"#).unwrap();
		assert_eq!(
			config,
			StrategyConfig::FedProx {
				proximal_mu: Fixed9(10_000_000)
			}
		);
	}

	#[test]
	fn errors_name_the_problem() {
		assert!(parse_strategy("fedsgd").unwrap_err().contains("fedsgd"));
		assert!(parse_strategy("fedavgm:speed=3")
			.unwrap_err()
			.contains("speed"));
		assert!(parse_strategy("fedavgm:lr=x").unwrap_err().contains("lr=x"));
		assert!(parse_strategy("fedavgm:momentum=1.5")
			.unwrap_err()
			.contains("`fedavgm:momentum=1.5`"));
		assert!(parse_strategy("fedprox:mu=-1")
			.unwrap_err()
			.contains("mu=-1"));
	}

	#[test]
	fn fixed_conversion() {
		assert_eq!(to_fixed(0.1), Some(Fixed9(100_000_000)));
		assert_eq!(from_fixed(Fixed9(2_500_000_000)), 2.5);
		assert_eq!(to_fixed(f64::NAN), None);
	}
}
