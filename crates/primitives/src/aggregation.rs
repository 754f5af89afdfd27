//! A task's complete aggregation configuration: strategy, norm bounding and central DP.

use crate::{strategy::ensure, ConfigError, Fixed9, StrategyConfig};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// How each update's delta (`local weights - global weights`) is clipped before central noise
/// is added.
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
pub enum Clipping {
	/// A constant L2 clipping norm.
	Fixed {
		/// The clipping norm, > 0.
		norm: Fixed9,
	},
	/// Adaptive clipping (Andrew et al. 2021): the norm tracks a quantile of update norms.
	Adaptive {
		/// Clipping norm of the first round, > 0.
		initial_norm: Fixed9,
		/// Fraction of updates that should be left unclipped (gamma), <= 1.
		target_quantile: Fixed9,
		/// Geometric learning rate of the norm (eta_C), > 0.
		learning_rate: Fixed9,
		/// Standard deviation of the noise on the unclipped count (sigma_b).
		count_noise_stddev: Fixed9,
	},
}

/// Central differential privacy: clip every update, aggregate, add Gaussian noise.
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
pub struct CentralPrivacy {
	/// Noise standard deviation relative to the clipping norm (z), > 0.
	pub noise_multiplier: Fixed9,
	/// How updates are clipped.
	pub clipping: Clipping,
}

/// Everything the aggregator needs to know about a task's aggregation rule.
///
/// `norm_bound` is server-side norm bounding (Sun et al. 2019): every update's delta is scaled
/// down to at most this L2 norm before the strategy runs. It composes with every strategy. When
/// both `norm_bound` and `central_privacy` are set, the smaller bound applies.
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
pub struct AggregationConfig {
	/// The strategy.
	pub strategy: StrategyConfig,
	/// Optional server-side L2 bound on each update's delta.
	pub norm_bound: Option<Fixed9>,
	/// Optional central differential privacy.
	pub central_privacy: Option<CentralPrivacy>,
}

impl AggregationConfig {
	/// A configuration with only a strategy.
	pub const fn plain(strategy: StrategyConfig) -> Self {
		AggregationConfig {
			strategy,
			norm_bound: None,
			central_privacy: None,
		}
	}

	/// Checks every parameter range that does not depend on the round's participants.
	pub fn validate(&self) -> Result<(), ConfigError> {
		self.strategy.validate()?;
		if let Some(bound) = self.norm_bound {
			ensure(!bound.is_zero(), ConfigError::NormBoundZero)?;
		}
		if let Some(privacy) = self.central_privacy {
			ensure(
				self.strategy.is_linear(),
				ConfigError::PrivacyNeedsLinearStrategy,
			)?;
			privacy.validate()?;
		}
		Ok(())
	}
}

impl CentralPrivacy {
	/// Checks the noise multiplier and the clipping parameters.
	pub fn validate(&self) -> Result<(), ConfigError> {
		ensure(
			!self.noise_multiplier.is_zero(),
			ConfigError::NoiseMultiplierZero,
		)?;
		match self.clipping {
			Clipping::Fixed { norm } => ensure(!norm.is_zero(), ConfigError::ClippingNormZero),
			Clipping::Adaptive {
				initial_norm,
				target_quantile,
				learning_rate,
				count_noise_stddev,
			} => {
				ensure(!initial_norm.is_zero(), ConfigError::ClippingNormZero)?;
				ensure(
					target_quantile <= Fixed9::ONE,
					ConfigError::TargetQuantileAboveOne,
				)?;
				ensure(!learning_rate.is_zero(), ConfigError::ClipLearningRateZero)?;
				// Compare in u128 so that doubling cannot overflow.
				let doubled = 2 * u128::from(count_noise_stddev.0);
				ensure(
					doubled > u128::from(self.noise_multiplier.0),
					ConfigError::CountNoiseTooSmall,
				)
			}
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn adaptive(count_noise_stddev: u64) -> CentralPrivacy {
		CentralPrivacy {
			noise_multiplier: Fixed9::ONE,
			clipping: Clipping::Adaptive {
				initial_norm: Fixed9(100_000_000),
				target_quantile: Fixed9::HALF,
				learning_rate: Fixed9(200_000_000),
				count_noise_stddev: Fixed9(count_noise_stddev),
			},
		}
	}

	#[test]
	fn privacy_requires_linear_strategy() {
		let mut config = AggregationConfig::plain(StrategyConfig::FedAvg);
		config.central_privacy = Some(adaptive(Fixed9::SCALE));
		assert_eq!(config.validate(), Ok(()));
		config.strategy = StrategyConfig::FedMedian;
		assert_eq!(
			config.validate(),
			Err(ConfigError::PrivacyNeedsLinearStrategy)
		);
	}

	#[test]
	fn adaptive_clipping_needs_enough_count_noise() {
		// 2 * 0.5 = 1.0 is not > z = 1.0.
		assert_eq!(
			adaptive(Fixed9::SCALE / 2).validate(),
			Err(ConfigError::CountNoiseTooSmall)
		);
		assert_eq!(adaptive(Fixed9::SCALE / 2 + 1).validate(), Ok(()));
	}

	#[test]
	fn zero_bounds_fail() {
		let mut config = AggregationConfig::plain(StrategyConfig::Krum { f: 1 });
		config.norm_bound = Some(Fixed9::ZERO);
		assert_eq!(config.validate(), Err(ConfigError::NormBoundZero));
		let fixed = CentralPrivacy {
			noise_multiplier: Fixed9::ONE,
			clipping: Clipping::Fixed { norm: Fixed9::ZERO },
		};
		assert_eq!(fixed.validate(), Err(ConfigError::ClippingNormZero));
		let no_noise = CentralPrivacy {
			noise_multiplier: Fixed9::ZERO,
			..fixed
		};
		assert_eq!(no_noise.validate(), Err(ConfigError::NoiseMultiplierZero));
	}
}
