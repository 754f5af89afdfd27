//! Local training for DecentralML trainers, on [burn](https://burn.dev) 0.22.
//!
//! - [`card`]: JSON model cards (architecture + local hyperparameters) with the FedAvg paper's
//!   2NN and CNN, the Shakespeare character LSTM and logistic regression built in.
//! - [`model`]: the networks, and their parameters under stable names ([`params`]) that
//!   round-trip through safetensors so the federated-learning library can aggregate them.
//! - [`data`]: MNIST, Fashion-MNIST, FEMNIST and Shakespeare loaders (nothing is downloaded:
//!   `scripts/fetch-data.sh` installs the files).
//! - [`partition`]: seeded IID, Dirichlet, pathological-shard and natural splits.
//! - [`local`]: a trainer's round (E epochs, batch B, SGD with momentum or Adam, FedProx's
//!   proximal term) and evaluation; [`proxyfl`]: ProxyFL's private/proxy step with DP-SGD.
//!
//! Training runs on burn's Flex CPU backend with threads and SIMD; the `wgpu` cargo feature
//! adds GPUs through [`Device::wgpu`](burn::tensor::Device).
//!
//! ```
//! use burn::tensor::Device;
//! use decentralml_train::{card::ModelCard, data, local::LocalTrainer};
//!
//! # fn main() -> Result<(), decentralml_train::TrainError> {
//! // A tiny data set of 28x28 images: class c lights up row c.
//! let shape = decentralml_train::card::ImageShape::MNIST;
//! let mut pixels = vec![0u8; 4 * shape.len()];
//! for class in 0..4 {
//!     pixels[class * shape.len() + class * 28..][..28].fill(255);
//! }
//! let inputs = data::Inputs::Images { shape, pixels };
//! let dataset = data::Dataset::new("rows", inputs, vec![0, 1, 2, 3], 4, None)?;
//!
//! let trainer = LocalTrainer::new(ModelCard::logistic_regression(4), Device::flex())?;
//! let global = trainer.initial_parameters(42)?;
//! let update = trainer.train(&global, &dataset, &[0, 1, 2, 3], 7)?;
//! assert_eq!(update.examples, 4);
//!
//! // Parameters travel as safetensors with stable names.
//! let bytes = update.parameters.to_safetensors()?;
//! let back = decentralml_train::ModelParameters::from_safetensors(&bytes)?;
//! assert!(back.get("fc1.weight").is_some());
//! let metrics = trainer.evaluate(&back, &dataset, None)?;
//! assert!(metrics.accuracy >= 0.0);
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

pub mod batch;
pub mod card;
pub mod data;
pub mod error;
pub mod local;
pub mod model;
pub mod params;
pub mod partition;
pub mod proxyfl;

#[cfg(test)]
mod testdata;

/// burn's device handle, re-exported so callers need no direct burn dependency.
pub use burn::tensor::Device;
pub use card::{LocalConfig, ModelCard, OptimizerConfig};
pub use error::{Result, TrainError};
pub use local::{LocalOutcome, LocalTrainer, Metrics};
pub use params::{ModelParameters, NamedTensor};
pub use partition::Partitioner;

/// The default CPU device: burn's Flex backend (multi-threaded, SIMD).
pub fn cpu_device() -> Device {
	Device::flex()
}
