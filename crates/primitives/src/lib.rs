//! Types shared between the DecentralML runtime and the off-chain crates.
//!
//! The chain names each task's aggregation rule with an [`AggregationConfig`]: a
//! [`StrategyConfig`] plus optional server-side norm bounding and central differential privacy.
//! The runtime cannot use floating point, so real-valued parameters are [`Fixed9`] (nine decimal
//! places); `decentralml-fl` converts them to `f64` when it aggregates.
//!
//! The crate is `no_std` (the `std` feature is on by default) and every type implements SCALE
//! `Encode`/`Decode`/`MaxEncodedLen` and `TypeInfo`; the `serde` feature adds serde support.
//!
//! ```
//! use decentralml_primitives::{AggregationConfig, ConfigError, Fixed9, StrategyConfig};
//! use codec::{Decode, Encode};
//!
//! let mut config = AggregationConfig::plain(StrategyConfig::TrimmedMean { beta: Fixed9(100_000_000) });
//! config.norm_bound = Some(Fixed9::from_integer(5).unwrap());
//! assert_eq!(config.validate(), Ok(()));
//!
//! let bytes = config.encode();
//! assert_eq!(AggregationConfig::decode(&mut &bytes[..]).unwrap(), config);
//!
//! let too_much = StrategyConfig::TrimmedMean { beta: Fixed9::HALF };
//! assert_eq!(too_much.validate(), Err(ConfigError::TrimFractionNotBelowHalf));
//! ```
#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

mod aggregation;
mod error;
mod fixed;
mod strategy;

pub use aggregation::{AggregationConfig, CentralPrivacy, Clipping};
pub use error::ConfigError;
pub use fixed::Fixed9;
pub use strategy::{AdaptiveOptimizer, StrategyConfig};

#[cfg(test)]
mod codec_tests {
	use super::*;
	use codec::{Decode, Encode, MaxEncodedLen};
	use proptest::prelude::*;

	/// Reads JSON the way users of these types must: through a `serde_json::Value`, since a
	/// tagged enum read straight from text fails under `arbitrary_precision`.
	fn from_json<T: serde::de::DeserializeOwned>(json: &str) -> T {
		serde_json::from_str::<serde_json::Value>(json)
			.and_then(serde_json::from_value)
			.unwrap()
	}

	fn fixed() -> impl Strategy<Value = Fixed9> {
		any::<u64>().prop_map(Fixed9)
	}

	fn optimizer() -> impl Strategy<Value = AdaptiveOptimizer> {
		(fixed(), fixed(), fixed(), fixed()).prop_map(
			|(server_learning_rate, beta1, beta2, tau)| AdaptiveOptimizer {
				server_learning_rate,
				beta1,
				beta2,
				tau,
			},
		)
	}

	fn strategy() -> impl Strategy<Value = StrategyConfig> {
		prop_oneof![
			Just(StrategyConfig::FedAvg),
			(fixed(), fixed()).prop_map(|(server_learning_rate, momentum)| {
				StrategyConfig::FedAvgM {
					server_learning_rate,
					momentum,
				}
			}),
			optimizer().prop_map(StrategyConfig::FedAdam),
			optimizer().prop_map(StrategyConfig::FedYogi),
			(fixed(), fixed()).prop_map(|(server_learning_rate, tau)| {
				StrategyConfig::FedAdagrad {
					server_learning_rate,
					tau,
				}
			}),
			fixed().prop_map(|proximal_mu| StrategyConfig::FedProx { proximal_mu }),
			Just(StrategyConfig::FedMedian),
			fixed().prop_map(|beta| StrategyConfig::TrimmedMean { beta }),
			any::<u32>().prop_map(|f| StrategyConfig::Krum { f }),
			(any::<u32>(), any::<u32>()).prop_map(|(f, m)| StrategyConfig::MultiKrum { f, m }),
			any::<u32>().prop_map(|f| StrategyConfig::Bulyan { f }),
		]
	}

	fn clipping() -> impl Strategy<Value = Clipping> {
		prop_oneof![
			fixed().prop_map(|norm| Clipping::Fixed { norm }),
			(fixed(), fixed(), fixed(), fixed()).prop_map(|(a, b, c, d)| Clipping::Adaptive {
				initial_norm: a,
				target_quantile: b,
				learning_rate: c,
				count_noise_stddev: d,
			}),
		]
	}

	fn config() -> impl Strategy<Value = AggregationConfig> {
		(
			strategy(),
			proptest::option::of(fixed()),
			proptest::option::of((fixed(), clipping())),
		)
			.prop_map(|(strategy, norm_bound, privacy)| AggregationConfig {
				strategy,
				norm_bound,
				central_privacy: privacy.map(|(noise_multiplier, clipping)| CentralPrivacy {
					noise_multiplier,
					clipping,
				}),
			})
	}

	proptest! {
		#[test]
		fn scale_round_trip_within_max_len(config in config()) {
			let bytes = config.encode();
			prop_assert!(bytes.len() <= AggregationConfig::max_encoded_len());
			prop_assert_eq!(AggregationConfig::decode(&mut &bytes[..]).unwrap(), config);
		}

		#[test]
		fn serde_round_trip(config in config()) {
			let json = serde_json::to_string(&config).unwrap();
			let back: AggregationConfig = from_json(&json);
			prop_assert_eq!(back, config);
		}

		#[test]
		fn validate_never_panics(config in config()) {
			let _ = config.validate();
		}
	}

	#[test]
	fn json_names_the_strategy() {
		let config = StrategyConfig::MultiKrum { f: 1, m: 2 };
		let json = serde_json::to_string(&config).unwrap();
		assert_eq!(json, r#"{"kind":"multi_krum","f":1,"m":2}"#);
		let adam: StrategyConfig = from_json(
			r#"{"kind":"fed_adam","server_learning_rate":100000000,"beta1":900000000,"beta2":990000000,"tau":1}"#,
		);
		assert_eq!(adam.validate(), Ok(()));
	}
}
