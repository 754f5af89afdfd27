//! Deterministic Gaussian noise from a ChaCha20 stream.
//!
//! Validators recompute a noised aggregate bit for bit, so the noise must be a pure function of
//! a seed and a position, identical on every platform:
//!
//! * bits come from ChaCha20 (`rand_chacha::ChaCha20Rng`, whose output stream is specified and
//!   stable) keyed by `SHA-256(domain || seed)`, with a 64-bit stream id per chunk so that chunks
//!   can be generated in parallel and in any order;
//! * uniforms are `(next_u64 >> 11) * 2^-53`, exact;
//! * normals use the Marsaglia polar method, which needs `+ - * /`, `sqrt` (all correctly
//!   rounded by IEEE 754) and one natural logarithm. The logarithm comes from the pure-Rust
//!   `libm` crate (a port of musl), not from the platform's C library, so it is the same code on
//!   every target.
//!
//! Residual risk, stated plainly: (1) `libm` is pinned by `Cargo.lock`; an upgrade that changed
//! `log` in the last bit would change the noise, which the golden test in this module detects;
//! (2) 32-bit x86 without SSE2 evaluates in x87 extended precision and could differ (every
//! 64-bit target, ARM and WebAssembly use IEEE double arithmetic); (3) like every floating-point
//! Gaussian sampler, the low-order bits of the noise are not perfectly distributed (Mironov
//! 2012), which matters only against an adversary who sees exact output bits of a single
//! noised value.

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use sha2::{Digest, Sha256};

/// A source of standard normal samples over any random bit generator.
#[derive(Clone, Debug)]
pub struct Gaussian<R> {
	rng: R,
	spare: Option<f64>,
}

impl Gaussian<ChaCha20Rng> {
	/// The deterministic stream `stream` of `domain` under `seed`. Different domains give
	/// independent streams even for the same seed.
	pub fn from_seed(seed: &[u8; 32], domain: &str, stream: u64) -> Self {
		let mut hasher = Sha256::new();
		hasher.update((domain.len() as u64).to_le_bytes());
		hasher.update(domain.as_bytes());
		hasher.update(seed);
		let mut rng = ChaCha20Rng::from_seed(hasher.finalize().into());
		rng.set_stream(stream);
		Gaussian { rng, spare: None }
	}
}

impl<R: RngCore> Gaussian<R> {
	/// Wraps a random bit generator (for example an OS-seeded one for local DP).
	pub fn new(rng: R) -> Self {
		Gaussian { rng, spare: None }
	}

	/// A uniform value in `[0, 1)` with 53 random bits.
	pub fn uniform(&mut self) -> f64 {
		(self.rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
	}

	/// A standard normal sample (Marsaglia polar method; each accepted pair yields two).
	pub fn standard_normal(&mut self) -> f64 {
		if let Some(spare) = self.spare.take() {
			return spare;
		}
		loop {
			let u = 2.0 * self.uniform() - 1.0;
			let v = 2.0 * self.uniform() - 1.0;
			let s = u * u + v * v;
			if s >= 1.0 || s == 0.0 {
				continue;
			}
			let factor = (-2.0 * libm::log(s) / s).sqrt();
			self.spare = Some(v * factor);
			return u * factor;
		}
	}

	/// Adds `stddev * N(0, 1)` to every value, in order.
	pub fn add_noise(&mut self, values: &mut [f64], stddev: f64) {
		for value in values {
			*value += stddev * self.standard_normal();
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn moments_are_standard_normal() {
		let mut g = Gaussian::from_seed(&[7; 32], "test", 0);
		let n = 200_000;
		let (mut sum, mut squares, mut fourth) = (0.0, 0.0, 0.0);
		for _ in 0..n {
			let x = g.standard_normal();
			sum += x;
			squares += x * x;
			fourth += x * x * x * x;
		}
		let n = n as f64;
		// Standard errors: mean 1/sqrt(n) = 0.0022, variance sqrt(2/n) = 0.0032,
		// fourth moment sqrt(96/n) = 0.022; bounds are about five standard errors.
		assert!((sum / n).abs() < 0.011, "mean {}", sum / n);
		assert!(
			(squares / n - 1.0).abs() < 0.016,
			"variance {}",
			squares / n
		);
		assert!((fourth / n - 3.0).abs() < 0.11, "kurtosis {}", fourth / n);
	}

	#[test]
	fn streams_and_domains_are_independent_and_reproducible() {
		let draw = |domain, stream| {
			let mut g = Gaussian::from_seed(&[1; 32], domain, stream);
			(0..4)
				.map(|_| g.standard_normal().to_bits())
				.collect::<Vec<_>>()
		};
		assert_eq!(draw("a", 0), draw("a", 0));
		assert_ne!(draw("a", 0), draw("a", 1));
		assert_ne!(draw("a", 0), draw("b", 0));
	}

	/// Pins the exact noise bits: validators on any platform must produce this sequence. If it
	/// changes (new `rand_chacha` or `libm`, or a platform with non-IEEE arithmetic), noised
	/// aggregates are no longer comparable with older ones.
	#[test]
	fn golden_noise_bits() {
		let mut g = Gaussian::from_seed(&[42; 32], "decentralml/golden", 3);
		let mut hasher = Sha256::new();
		for _ in 0..10_000 {
			hasher.update(g.standard_normal().to_bits().to_le_bytes());
		}
		let digest: [u8; 32] = hasher.finalize().into();
		let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
		assert_eq!(hex, GOLDEN);
	}

	const GOLDEN: &str = "3fbd36a4cb5c1d962471967648811da4689e6703373c1e4f756bf04d6f484272";
}
