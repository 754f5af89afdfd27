//! The aggregation strategy a task uses, with its parameters.

use crate::{ConfigError, Fixed9};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Parameters shared by the adaptive server optimisers FedAdam and FedYogi
/// (Reddi et al. 2021, "Adaptive Federated Optimization").
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AdaptiveOptimizer {
	/// Server learning rate (eta), > 0.
	pub server_learning_rate: Fixed9,
	/// First-moment decay (beta1), < 1.
	pub beta1: Fixed9,
	/// Second-moment decay (beta2), < 1.
	pub beta2: Fixed9,
	/// Adaptivity (tau), > 0: added to the square root of the second moment.
	pub tau: Fixed9,
}

/// Names an aggregation strategy and its parameters.
///
/// Real-valued parameters are [`Fixed9`]; counts are integers. Conditions that depend on the
/// number of updates in a round (Krum needs at least `2f + 3`) are checked by the off-chain
/// aggregator, not by [`StrategyConfig::validate`].
///
/// With the `serde` feature the JSON form is `{"kind": "fed_adam", ...}`. Read it through a
/// `serde_json::Value` (`from_str::<Value>` then `from_value`): serde_json's
/// `arbitrary_precision`, which Substrate crates switch on, breaks tagged enums read from text.
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
pub enum StrategyConfig {
	/// Mean of the client weights, weighted by example count (McMahan et al. 2017).
	FedAvg,
	/// FedAvg with server momentum (Hsu et al. 2019).
	FedAvgM {
		/// Server learning rate, > 0.
		server_learning_rate: Fixed9,
		/// Momentum, < 1.
		momentum: Fixed9,
	},
	/// FedAvg followed by a server Adam step.
	FedAdam(AdaptiveOptimizer),
	/// FedAvg followed by a server Yogi step.
	FedYogi(AdaptiveOptimizer),
	/// FedAvg followed by a server Adagrad step.
	FedAdagrad {
		/// Server learning rate, > 0.
		server_learning_rate: Fixed9,
		/// Adaptivity (tau), > 0.
		tau: Fixed9,
	},
	/// FedAvg aggregation; trainers add the proximal term `mu/2 ||w - w_global||^2`
	/// (Li et al. 2020).
	FedProx {
		/// Proximal coefficient mu (0 reduces to FedAvg).
		proximal_mu: Fixed9,
	},
	/// Coordinate-wise median (Yin et al. 2018).
	FedMedian,
	/// Coordinate-wise trimmed mean dropping a fraction `beta` at each end, `beta < 0.5`.
	TrimmedMean {
		/// Fraction trimmed from each end.
		beta: Fixed9,
	},
	/// Krum (Blanchard et al. 2017) tolerating `f` Byzantine clients: picks one update.
	Krum {
		/// Number of Byzantine clients tolerated.
		f: u32,
	},
	/// Multi-Krum: averages the `m` updates with the best Krum scores.
	MultiKrum {
		/// Number of Byzantine clients tolerated.
		f: u32,
		/// Number of updates kept, >= 1.
		m: u32,
	},
	/// Bulyan (El Mhamdi et al. 2018) tolerating `f` Byzantine clients.
	Bulyan {
		/// Number of Byzantine clients tolerated.
		f: u32,
	},
}

impl StrategyConfig {
	/// Checks the parameter ranges that do not depend on the round's participants.
	pub fn validate(&self) -> Result<(), ConfigError> {
		match *self {
			StrategyConfig::FedAvg
			| StrategyConfig::FedMedian
			| StrategyConfig::FedProx { .. }
			| StrategyConfig::Krum { .. }
			| StrategyConfig::Bulyan { .. } => Ok(()),
			StrategyConfig::FedAvgM {
				server_learning_rate,
				momentum,
			} => {
				ensure(
					!server_learning_rate.is_zero(),
					ConfigError::ServerLearningRateZero,
				)?;
				ensure(momentum.is_below_one(), ConfigError::MomentumNotBelowOne)
			}
			StrategyConfig::FedAdam(opt) | StrategyConfig::FedYogi(opt) => opt.validate(),
			StrategyConfig::FedAdagrad {
				server_learning_rate,
				tau,
			} => {
				ensure(
					!server_learning_rate.is_zero(),
					ConfigError::ServerLearningRateZero,
				)?;
				ensure(!tau.is_zero(), ConfigError::TauZero)
			}
			StrategyConfig::TrimmedMean { beta } => {
				ensure(beta < Fixed9::HALF, ConfigError::TrimFractionNotBelowHalf)
			}
			StrategyConfig::MultiKrum { m, .. } => ensure(m > 0, ConfigError::KeepCountZero),
		}
	}

	/// Whether the strategy keeps server state (momentum or moments) between rounds.
	pub fn is_stateful(&self) -> bool {
		matches!(
			self,
			StrategyConfig::FedAvgM { .. }
				| StrategyConfig::FedAdam(_)
				| StrategyConfig::FedYogi(_)
				| StrategyConfig::FedAdagrad { .. }
		)
	}

	/// Whether the aggregate is an affine (weighted-mean based) function of the updates, which
	/// central differential privacy's sensitivity analysis requires.
	pub fn is_linear(&self) -> bool {
		!matches!(
			self,
			StrategyConfig::FedMedian
				| StrategyConfig::TrimmedMean { .. }
				| StrategyConfig::Krum { .. }
				| StrategyConfig::MultiKrum { .. }
				| StrategyConfig::Bulyan { .. }
		)
	}
}

impl AdaptiveOptimizer {
	/// Checks learning rate, decays and tau.
	pub fn validate(&self) -> Result<(), ConfigError> {
		ensure(
			!self.server_learning_rate.is_zero(),
			ConfigError::ServerLearningRateZero,
		)?;
		ensure(self.beta1.is_below_one(), ConfigError::DecayNotBelowOne)?;
		ensure(self.beta2.is_below_one(), ConfigError::DecayNotBelowOne)?;
		ensure(!self.tau.is_zero(), ConfigError::TauZero)
	}
}

pub(crate) fn ensure(condition: bool, error: ConfigError) -> Result<(), ConfigError> {
	if condition {
		Ok(())
	} else {
		Err(error)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn adam(beta1: u64, beta2: u64, tau: u64) -> AdaptiveOptimizer {
		AdaptiveOptimizer {
			server_learning_rate: Fixed9(100_000_000),
			beta1: Fixed9(beta1),
			beta2: Fixed9(beta2),
			tau: Fixed9(tau),
		}
	}

	#[test]
	fn valid_configs_pass() {
		let ok = [
			StrategyConfig::FedAvg,
			StrategyConfig::FedAvgM {
				server_learning_rate: Fixed9::ONE,
				momentum: Fixed9(900_000_000),
			},
			StrategyConfig::FedAdam(adam(900_000_000, 990_000_000, 1)),
			StrategyConfig::FedYogi(adam(900_000_000, 990_000_000, 1_000_000)),
			StrategyConfig::FedAdagrad {
				server_learning_rate: Fixed9::ONE,
				tau: Fixed9(1),
			},
			StrategyConfig::FedProx {
				proximal_mu: Fixed9(10_000_000),
			},
			StrategyConfig::FedMedian,
			StrategyConfig::TrimmedMean {
				beta: Fixed9(499_999_999),
			},
			StrategyConfig::Krum { f: 2 },
			StrategyConfig::MultiKrum { f: 2, m: 3 },
			StrategyConfig::Bulyan { f: 1 },
		];
		for config in ok {
			assert_eq!(config.validate(), Ok(()), "{config:?}");
		}
	}

	#[test]
	fn out_of_range_parameters_fail() {
		let cases = [
			(
				StrategyConfig::FedAvgM {
					server_learning_rate: Fixed9::ONE,
					momentum: Fixed9::ONE,
				},
				ConfigError::MomentumNotBelowOne,
			),
			(
				StrategyConfig::FedAvgM {
					server_learning_rate: Fixed9::ZERO,
					momentum: Fixed9::ZERO,
				},
				ConfigError::ServerLearningRateZero,
			),
			(
				StrategyConfig::FedAdam(adam(Fixed9::SCALE, 0, 1)),
				ConfigError::DecayNotBelowOne,
			),
			(
				StrategyConfig::FedYogi(adam(0, Fixed9::SCALE, 1)),
				ConfigError::DecayNotBelowOne,
			),
			(StrategyConfig::FedAdam(adam(0, 0, 0)), ConfigError::TauZero),
			(
				StrategyConfig::FedAdagrad {
					server_learning_rate: Fixed9::ONE,
					tau: Fixed9::ZERO,
				},
				ConfigError::TauZero,
			),
			(
				StrategyConfig::TrimmedMean { beta: Fixed9::HALF },
				ConfigError::TrimFractionNotBelowHalf,
			),
			(
				StrategyConfig::MultiKrum { f: 1, m: 0 },
				ConfigError::KeepCountZero,
			),
		];
		for (config, error) in cases {
			assert_eq!(config.validate(), Err(error), "{config:?}");
		}
	}

	#[test]
	fn classification_helpers() {
		assert!(StrategyConfig::FedAdam(adam(0, 0, 1)).is_stateful());
		assert!(!StrategyConfig::FedAvg.is_stateful());
		assert!(StrategyConfig::FedProx {
			proximal_mu: Fixed9::ZERO
		}
		.is_linear());
		assert!(!StrategyConfig::Bulyan { f: 1 }.is_linear());
	}
}
