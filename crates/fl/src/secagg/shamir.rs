//! Shamir secret sharing of 32-byte secrets over GF(2^61 - 1).
//!
//! No audited Rust crate shares arbitrary 32-byte secrets over a prime field with the
//! interface SecAgg+ needs, so this is implemented here, small and fully tested: the secret is
//! split into five limbs of at most 56 bits (each below the field size), and each limb is
//! shared with its own random polynomial of degree `threshold - 1` evaluated at the same
//! non-zero points. Any `threshold` shares reconstruct the secret by Lagrange interpolation at
//! zero; fewer reveal nothing about it (information-theoretically).

use super::{field, SecAggError};
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Limbs per secret: 4 x 7 bytes + 1 x 4 bytes = 32 bytes.
const LIMBS: usize = 5;
const LIMB_BYTES: usize = 7;

/// One share: the evaluation point `x` (non-zero) and the five limb evaluations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct Share {
	/// Evaluation point, >= 1.
	pub x: u32,
	/// Polynomial values at `x`, one per limb.
	pub y: [u64; LIMBS],
}

fn to_limbs(secret: &[u8; 32]) -> [u64; LIMBS] {
	let mut limbs = [0u64; LIMBS];
	for (limb, bytes) in limbs.iter_mut().zip(secret.chunks(LIMB_BYTES)) {
		let mut wide = [0u8; 8];
		wide[..bytes.len()].copy_from_slice(bytes);
		*limb = u64::from_le_bytes(wide);
	}
	limbs
}

fn from_limbs(limbs: &[u64; LIMBS]) -> Result<[u8; 32], SecAggError> {
	let mut secret = [0u8; 32];
	for (limb, bytes) in limbs.iter().zip(secret.chunks_mut(LIMB_BYTES)) {
		if *limb >> (8 * bytes.len()) != 0 {
			return Err(SecAggError::InconsistentShares);
		}
		bytes.copy_from_slice(&limb.to_le_bytes()[..bytes.len()]);
	}
	Ok(secret)
}

/// Splits `secret` into one share per point in `points` (distinct, non-zero); any `threshold`
/// of them reconstruct it.
pub fn split<R: RngCore + CryptoRng>(
	secret: &[u8; 32],
	threshold: usize,
	points: &[u32],
	rng: &mut R,
) -> Result<Vec<Share>, SecAggError> {
	if threshold == 0 || threshold > points.len() {
		return Err(SecAggError::InvalidThreshold {
			threshold,
			shares: points.len(),
		});
	}
	if let Some(bad) = duplicate_or_zero(points) {
		return Err(SecAggError::InvalidSharePoint(bad));
	}
	let mut limbs = to_limbs(secret);
	// coefficients[l][d]: coefficient of x^d of limb l's polynomial; constant term = the limb.
	let mut coefficients = vec![[0u64; LIMBS]; threshold];
	coefficients[0] = limbs;
	for row in coefficients.iter_mut().skip(1) {
		for c in row.iter_mut() {
			*c = field::random(rng);
		}
	}
	let shares = points
		.iter()
		.map(|&x| {
			let mut y = [0u64; LIMBS];
			for (l, out) in y.iter_mut().enumerate() {
				// Horner's rule from the highest coefficient.
				*out = coefficients.iter().rev().fold(0, |acc, row| {
					field::add(field::mul(acc, u64::from(x)), row[l])
				});
			}
			Share { x, y }
		})
		.collect();
	coefficients.zeroize();
	limbs.zeroize();
	Ok(shares)
}

/// Reconstructs the secret from at least `threshold` shares with distinct points (the first
/// `threshold` in the order given are used).
pub fn reconstruct(shares: &[Share], threshold: usize) -> Result<[u8; 32], SecAggError> {
	if threshold == 0 || shares.len() < threshold {
		return Err(SecAggError::InvalidThreshold {
			threshold,
			shares: shares.len(),
		});
	}
	let used = &shares[..threshold];
	let points: Vec<u32> = used.iter().map(|s| s.x).collect();
	if let Some(bad) = duplicate_or_zero(&points) {
		return Err(SecAggError::InvalidSharePoint(bad));
	}
	if let Some(share) = used.iter().find(|s| s.y.iter().any(|v| *v >= field::P)) {
		return Err(SecAggError::InvalidSharePoint(share.x));
	}
	let mut limbs = [0u64; LIMBS];
	for (i, share) in used.iter().enumerate() {
		// Lagrange basis at 0: prod_{j != i} x_j / (x_j - x_i).
		let xi = u64::from(share.x);
		let (mut num, mut den) = (1u64, 1u64);
		for (j, other) in used.iter().enumerate() {
			if i != j {
				let xj = u64::from(other.x);
				num = field::mul(num, xj);
				den = field::mul(den, field::sub(xj, xi));
			}
		}
		let basis = field::mul(num, field::inv(den));
		for (limb, y) in limbs.iter_mut().zip(share.y) {
			*limb = field::add(*limb, field::mul(basis, y));
		}
	}
	let secret = from_limbs(&limbs);
	limbs.zeroize();
	secret
}

fn duplicate_or_zero(points: &[u32]) -> Option<u32> {
	let mut sorted = points.to_vec();
	sorted.sort_unstable();
	if sorted.first() == Some(&0) {
		return Some(0);
	}
	sorted.windows(2).find(|w| w[0] == w[1]).map(|w| w[0])
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;
	use rand_chacha::ChaCha20Rng;
	use rand_core::SeedableRng;

	proptest! {
		#[test]
		fn any_threshold_subset_reconstructs(
			secret in any::<[u8; 32]>(),
			n in 1usize..12,
			t_seed in any::<usize>(),
			order_seed in any::<u64>(),
		) {
			let t = 1 + t_seed % n;
			let points: Vec<u32> = (1..=n as u32).collect();
			let mut rng = ChaCha20Rng::seed_from_u64(order_seed);
			let mut shares = split(&secret, t, &points, &mut rng).unwrap();
			// A rotated selection of t shares in some order.
			shares.rotate_left((order_seed as usize) % n);
			prop_assert_eq!(reconstruct(&shares[..t], t).unwrap(), secret);
		}

		#[test]
		fn fewer_than_threshold_reconstruct_something_else(secret in any::<[u8; 32]>(), seed in any::<u64>()) {
			// With t = 3, two shares plus a forged third generally give a different secret or
			// an error (the limb range check), never silently the right one.
			let mut rng = ChaCha20Rng::seed_from_u64(seed);
			let shares = split(&secret, 3, &[1, 2, 3], &mut rng).unwrap();
			let mut forged = shares[2].clone();
			forged.y[0] = field::add(forged.y[0], 1);
			let result = reconstruct(&[shares[0].clone(), shares[1].clone(), forged], 3);
			prop_assert!(result.map(|s| s != secret).unwrap_or(true));
		}
	}

	#[test]
	fn shares_below_threshold_are_uniform_looking() {
		// The same secret split twice gives unrelated single shares (t = 2).
		let mut rng = ChaCha20Rng::seed_from_u64(9);
		let a = split(&[7; 32], 2, &[1, 2], &mut rng).unwrap();
		let b = split(&[7; 32], 2, &[1, 2], &mut rng).unwrap();
		assert_ne!(a[0].y, b[0].y);
	}

	#[test]
	fn rejects_bad_parameters() {
		let mut rng = ChaCha20Rng::seed_from_u64(1);
		assert!(matches!(
			split(&[0; 32], 0, &[1], &mut rng),
			Err(SecAggError::InvalidThreshold { .. })
		));
		assert!(matches!(
			split(&[0; 32], 3, &[1, 2], &mut rng),
			Err(SecAggError::InvalidThreshold { .. })
		));
		assert!(matches!(
			split(&[0; 32], 1, &[0, 1], &mut rng),
			Err(SecAggError::InvalidSharePoint(0))
		));
		assert!(matches!(
			split(&[0; 32], 1, &[2, 2], &mut rng),
			Err(SecAggError::InvalidSharePoint(2))
		));
		let shares = split(&[0; 32], 2, &[1, 2], &mut rng).unwrap();
		assert!(matches!(
			reconstruct(&shares[..1], 2),
			Err(SecAggError::InvalidThreshold { .. })
		));
	}
}
