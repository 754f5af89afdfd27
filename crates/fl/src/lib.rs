//! Federated-learning core of DecentralML: everything a participant needs to combine model
//! updates, in pure Rust, with results any third party can recompute bit for bit.
//!
//! * [`tensor`]: safetensors IO (F32, F16, BF16; memory-mapped files), validation, limits.
//! * [`update`]: a client update is its **new local weights** plus example count and id.
//! * [`strategy`]: FedAvg, FedAvgM, FedAdam, FedYogi, FedAdagrad, FedProx, FedMedian,
//!   TrimmedMean, Krum, MultiKrum, Bulyan and server-side norm bounding, behind one trait and
//!   selected by the chain's [`StrategyConfig`](decentralml_primitives::StrategyConfig).
//! * [`aggregate`]: the streaming, parallel, bit-exact aggregation engine.
//! * [`state`]: strategy state (momentum, moments, adaptive clipping norm) as safetensors.
//! * [`dp`]: central DP with fixed or adaptive clipping, local DP and an RDP accountant.
//! * [`secagg`]: SecAgg+ secure aggregation.
//! * [`compress`]: int8 stochastic quantisation and top-k sparsification with error feedback.
//!
//! # Example
//!
//! Three participants send their new weights; FedAvg weights them by example count.
//!
//! ```
//! use decentralml_fl::{
//!     aggregate::{Aggregator, RoundInput},
//!     tensor::{to_safetensors, Limits, OwnedTensor, Parameters},
//!     update::Update,
//! };
//! use decentralml_primitives::{AggregationConfig, StrategyConfig};
//!
//! fn model(label: &str, w: [f32; 2]) -> Parameters {
//!     let tensor = OwnedTensor::from_f32("layer.weight", vec![2], &w).unwrap();
//!     let bytes = to_safetensors(&[tensor]).unwrap();
//!     Parameters::from_bytes(label, bytes, &Limits::default()).unwrap()
//! }
//!
//! let global = model("global", [0.0, 0.0]);
//! let updates = vec![
//!     Update::new(3, 100, model("c3", [1.0, 2.0])),
//!     Update::new(1, 300, model("c1", [3.0, 2.0])),
//!     Update::new(2, 100, model("c2", [-1.0, 2.0])),
//! ];
//! let aggregator = Aggregator::new(AggregationConfig::plain(StrategyConfig::FedAvg)).unwrap();
//! let round = RoundInput { global: &global, updates: &updates, state: None, noise_seed: None };
//! let output = aggregator.aggregate(round).unwrap();
//!
//! // (100 * 1 + 300 * 3 + 100 * -1) / 500 = 1.8
//! assert_eq!(output.model[0].to_f64(), vec![1.8f32 as f64, 2.0]);
//! // The hash validators attest on chain; identical on every machine.
//! let hash = output.model_sha256().unwrap();
//! assert_eq!(hash, aggregator.aggregate(round).unwrap().model_sha256().unwrap());
//! ```
#![warn(missing_docs)]

pub mod aggregate;
pub mod compress;
pub mod dp;
pub mod error;
pub mod secagg;
pub mod state;
pub mod strategy;
pub mod tensor;
pub mod update;

pub use error::{FlError, Result};
