//! The error [`validate`](crate::AggregationConfig::validate) returns.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Why an aggregation configuration is invalid. Fieldless so that a pallet can map it onto its
/// own error type.
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
pub enum ConfigError {
	/// A server learning rate is zero.
	ServerLearningRateZero,
	/// FedAvgM momentum is 1 or more.
	MomentumNotBelowOne,
	/// A FedAdam/FedYogi decay (beta1 or beta2) is 1 or more.
	DecayNotBelowOne,
	/// A server optimiser's tau is zero.
	TauZero,
	/// The trimmed-mean fraction is 0.5 or more (nothing would remain).
	TrimFractionNotBelowHalf,
	/// Multi-Krum keeps zero updates.
	KeepCountZero,
	/// The server-side norm bound is zero.
	NormBoundZero,
	/// The differential-privacy noise multiplier is zero.
	NoiseMultiplierZero,
	/// The differential-privacy clipping norm is zero.
	ClippingNormZero,
	/// The adaptive-clipping target quantile is above 1.
	TargetQuantileAboveOne,
	/// The adaptive-clipping learning rate is zero.
	ClipLearningRateZero,
	/// Adaptive clipping needs `2 * count_noise_stddev > noise_multiplier` (Andrew et al. 2021).
	CountNoiseTooSmall,
	/// Central differential privacy is combined with a non-linear (robust) strategy, for which
	/// the Gaussian mechanism's sensitivity bound does not hold.
	PrivacyNeedsLinearStrategy,
}

impl core::fmt::Display for ConfigError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		let text = match self {
			ConfigError::ServerLearningRateZero => "server learning rate must be > 0",
			ConfigError::MomentumNotBelowOne => "FedAvgM momentum must be < 1",
			ConfigError::DecayNotBelowOne => "beta1 and beta2 must be < 1",
			ConfigError::TauZero => "tau must be > 0",
			ConfigError::TrimFractionNotBelowHalf => "trimmed-mean beta must be < 0.5",
			ConfigError::KeepCountZero => "multi-Krum m must be >= 1",
			ConfigError::NormBoundZero => "norm bound must be > 0",
			ConfigError::NoiseMultiplierZero => "noise multiplier must be > 0",
			ConfigError::ClippingNormZero => "clipping norm must be > 0",
			ConfigError::TargetQuantileAboveOne => "target quantile must be <= 1",
			ConfigError::ClipLearningRateZero => "clipping learning rate must be > 0",
			ConfigError::CountNoiseTooSmall => {
				"adaptive clipping needs 2 * count_noise_stddev > noise_multiplier"
			}
			ConfigError::PrivacyNeedsLinearStrategy => {
				"central differential privacy needs a weighted-mean based strategy"
			}
		};
		f.write_str(text)
	}
}

impl core::error::Error for ConfigError {}
