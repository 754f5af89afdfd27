//! Arithmetic in the prime field GF(p), p = 2^61 - 1 (a Mersenne prime, so reduction is a
//! shift and an add).

use rand_core::{CryptoRng, RngCore};

/// The modulus 2^61 - 1.
pub const P: u64 = (1 << 61) - 1;

/// Reduces any value below 2^122 (a product of two field elements) to `[0, P)`.
fn reduce(x: u128) -> u64 {
	// x = hi * 2^61 + lo and 2^61 = 1 (mod P).
	let folded = (x as u64 & P) as u128 + (x >> 61);
	let r = (folded as u64 & P) + (folded >> 61) as u64;
	if r >= P {
		r - P
	} else {
		r
	}
}

/// `a + b mod P` for `a, b < P`.
pub fn add(a: u64, b: u64) -> u64 {
	let s = a + b;
	if s >= P {
		s - P
	} else {
		s
	}
}

/// `a - b mod P` for `a, b < P`.
pub fn sub(a: u64, b: u64) -> u64 {
	if a >= b {
		a - b
	} else {
		a + P - b
	}
}

/// `a * b mod P` for `a, b < P`.
pub fn mul(a: u64, b: u64) -> u64 {
	reduce(u128::from(a) * u128::from(b))
}

/// `a^e mod P`.
pub fn pow(mut a: u64, mut e: u64) -> u64 {
	let mut r = 1;
	while e > 0 {
		if e & 1 == 1 {
			r = mul(r, a);
		}
		a = mul(a, a);
		e >>= 1;
	}
	r
}

/// The inverse of a non-zero `a` (Fermat: `a^(P-2)`); 0 maps to 0.
pub fn inv(a: u64) -> u64 {
	pow(a, P - 2)
}

/// A uniformly random field element (rejection sampling of 61-bit values).
pub fn random<R: RngCore + CryptoRng>(rng: &mut R) -> u64 {
	loop {
		let x = rng.next_u64() & P;
		if x < P {
			return x;
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	fn element() -> impl Strategy<Value = u64> {
		0..P
	}

	proptest! {
		#[test]
		fn mul_matches_u128_remainder(a in element(), b in element()) {
			prop_assert_eq!(mul(a, b) as u128, (a as u128 * b as u128) % P as u128);
		}

		#[test]
		fn add_sub_round_trip(a in element(), b in element()) {
			prop_assert_eq!(sub(add(a, b), b), a);
			prop_assert!(add(a, b) < P && sub(a, b) < P);
		}

		#[test]
		fn inverse_is_inverse(a in 1..P) {
			prop_assert_eq!(mul(a, inv(a)), 1);
		}
	}

	#[test]
	fn reduction_edge_cases() {
		assert_eq!(mul(P - 1, P - 1), 1);
		assert_eq!(reduce(u128::from(P)), 0);
		assert_eq!(reduce(2 * u128::from(P)), 0);
		assert_eq!(pow(3, 0), 1);
	}
}
