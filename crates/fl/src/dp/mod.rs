//! Differential privacy: clipping with Gaussian noise (central DP), adaptive clipping, local
//! DP and a Rényi-DP accountant.
//!
//! **Central DP** is configured on the chain ([`decentralml_primitives::CentralPrivacy`]) and
//! applied by the aggregator ([`crate::aggregate`]): every update's delta is clipped to norm
//! `C`, the strategy combines them (only weighted-mean strategies are allowed, for which the
//! sensitivity of the aggregate to one client is `C * max_k w_k / sum_k w_k`), and Gaussian
//! noise with standard deviation `z * C * max_k w_k / sum_k w_k` is added to every element
//! (with equal weights that is Flower's `z * C / K`).
//!
//! **Who knows the seed.** Validators must recompute the noised aggregate bit for bit, so the
//! noise is generated from a 32-byte seed ([`Gaussian::from_seed`]). Anyone who knows the seed
//! can subtract the noise, so the seed must be known only to the parties that already see the
//! raw updates (the aggregator and the validators that recompute the aggregate: the trusted
//! curator of central DP) and must be unpredictable to clients before they submit (for
//! example derived from a commit-reveal among validators after the submission deadline). Only
//! a commitment to the seed belongs on chain; the privacy guarantee is towards everyone who
//! sees the published model but not the seed.

pub mod accountant;
mod adaptive;
mod local;
mod noise;

pub use accountant::{PrivacyError, RdpAccountant, RoundPrivacy};
pub use adaptive::{effective_noise_multiplier, AdaptiveClipping};
pub use local::LocalPrivacy;
pub use noise::Gaussian;
