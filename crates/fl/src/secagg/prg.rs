//! The mask generator: a ChaCha20 keystream (RustCrypto `chacha20`, IETF variant, zero nonce)
//! read as little-endian 32-bit words and reduced modulo 2^bits.
//!
//! Each key is used for exactly one mask: self-mask seeds are fresh per round and pairwise keys
//! come from fresh key agreements, so the fixed nonce never repeats under a key.

use chacha20::{
	cipher::{KeyIvInit, StreamCipher},
	ChaCha20,
};

/// Largest vector a mask can cover: the 32-bit block counter allows 2^32 blocks of 16 words.
pub const MAX_WORDS: usize = 1 << 36;

/// Adds (`negate == false`) or subtracts the mask of `key` to `out`, modulo `2^bits`
/// (`modulus_mask = 2^bits - 1`). `out.len()` must not exceed [`MAX_WORDS`].
pub fn apply_mask(key: &[u8; 32], negate: bool, modulus_mask: u32, out: &mut [u32]) {
	let mut cipher = ChaCha20::new(key.into(), &[0u8; 12].into());
	let mut block = [0u8; 1024];
	for words in out.chunks_mut(block.len() / 4) {
		let bytes = &mut block[..words.len() * 4];
		bytes.fill(0);
		cipher.apply_keystream(bytes);
		for (w, b) in words.iter_mut().zip(bytes.chunks_exact(4)) {
			let mask = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
			let sum = if negate {
				w.wrapping_sub(mask)
			} else {
				w.wrapping_add(mask)
			};
			*w = sum & modulus_mask;
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn add_then_subtract_cancels() {
		let original: Vec<u32> = (0..3000).map(|i| i * 7 % 1000).collect();
		let mut v = original.clone();
		apply_mask(&[3; 32], false, u32::MAX, &mut v);
		assert_ne!(v, original);
		apply_mask(&[3; 32], true, u32::MAX, &mut v);
		assert_eq!(v, original);
	}

	#[test]
	fn masks_respect_the_modulus_and_differ_by_key() {
		let mut a = vec![0u32; 64];
		let mut b = vec![0u32; 64];
		apply_mask(&[1; 32], false, (1 << 20) - 1, &mut a);
		apply_mask(&[2; 32], false, (1 << 20) - 1, &mut b);
		assert!(a.iter().all(|w| *w < 1 << 20));
		assert_ne!(a, b);
	}

	#[test]
	fn keystream_matches_rfc_8439_test_vector() {
		// RFC 8439 appendix A.1, test vector 1 (all-zero key and nonce, counter 0): the
		// keystream starts 76 b8 e0 ad a0 f1 3d 90.
		let mut w = [0u32; 2];
		apply_mask(&[0; 32], false, u32::MAX, &mut w);
		assert_eq!(w, [0xade0_b876, 0x903d_f1a0]);
	}
}
