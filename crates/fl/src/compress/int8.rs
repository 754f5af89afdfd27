//! Blockwise int8 quantisation with stochastic rounding.
//!
//! Each block of `block_size` values gets a scale `s = max|x| / 127`; a value becomes
//! `q = floor(x / s + u)` with `u` uniform in `[0, 1)`, so `E[q s] = x` (unbiased: errors average
//! out across clients instead of accumulating) and `|x - q s| < s`. Four times smaller than f32
//! plus one f32 scale per block.

use super::{check_finite, CompressionError, Reader};
use rand_core::RngCore;

const FORMAT: &str = "int8";

/// An int8-quantised vector. Fields are private so that every instance is consistent (one
/// finite scale per block, values in `-127..=127`): only [`Int8Tensor::quantize`] and
/// [`Int8Tensor::from_bytes`] build one.
#[derive(Clone, Debug, PartialEq)]
pub struct Int8Tensor {
	block_size: usize,
	scales: Vec<f32>,
	values: Vec<i8>,
}

/// A uniform value in `[0, 1)` with 53 random bits.
fn uniform<R: RngCore>(rng: &mut R) -> f64 {
	(rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

impl Int8Tensor {
	/// Quantises `values` in blocks of `block_size` using `rng` for the rounding.
	pub fn quantize<R: RngCore>(
		values: &[f32],
		block_size: usize,
		rng: &mut R,
	) -> Result<Self, CompressionError> {
		if block_size == 0 {
			return Err(CompressionError::InvalidParameter {
				name: "block_size",
				reason: "must be > 0".into(),
			});
		}
		check_finite(values)?;
		let mut scales = Vec::with_capacity(values.len().div_ceil(block_size));
		let mut out = Vec::with_capacity(values.len());
		for block in values.chunks(block_size) {
			let max = block.iter().fold(0.0f32, |m, v| m.max(v.abs()));
			let scale = max / 127.0;
			scales.push(scale);
			for v in block {
				let q = if scale > 0.0 {
					(f64::from(*v) / f64::from(scale) + uniform(rng)).floor()
				} else {
					0.0
				};
				out.push(q.clamp(-127.0, 127.0) as i8);
			}
		}
		Ok(Int8Tensor {
			block_size,
			scales,
			values: out,
		})
	}

	/// Values per block (the last block may be shorter).
	pub fn block_size(&self) -> usize {
		self.block_size
	}

	/// One scale per block.
	pub fn scales(&self) -> &[f32] {
		&self.scales
	}

	/// The quantised values.
	pub fn values(&self) -> &[i8] {
		&self.values
	}

	/// The approximate values `q * s`.
	pub fn dequantize(&self) -> Vec<f32> {
		self.values
			.chunks(self.block_size)
			.zip(&self.scales)
			.flat_map(|(block, scale)| block.iter().map(move |q| f32::from(*q) * scale))
			.collect()
	}

	/// Encodes as `[block_size u32][len u64][scales f32 x blocks][values i8 x len]`,
	/// little-endian.
	pub fn to_bytes(&self) -> Vec<u8> {
		let mut out = Vec::with_capacity(12 + 4 * self.scales.len() + self.values.len());
		out.extend_from_slice(&(self.block_size as u32).to_le_bytes());
		out.extend_from_slice(&(self.values.len() as u64).to_le_bytes());
		for s in &self.scales {
			out.extend_from_slice(&s.to_le_bytes());
		}
		out.extend(self.values.iter().map(|v| *v as u8));
		out
	}

	/// Decodes [`Int8Tensor::to_bytes`] output, validating every field.
	pub fn from_bytes(bytes: &[u8]) -> Result<Self, CompressionError> {
		let mut r = Reader::new(bytes, FORMAT);
		let block_size = r.u32()? as usize;
		if block_size == 0 {
			return Err(r.malformed("block size 0"));
		}
		let len = r.count(1)?;
		let blocks = len.div_ceil(block_size);
		let scale_bytes = r.take(
			blocks
				.checked_mul(4)
				.ok_or_else(|| r.malformed("too many blocks"))?,
		)?;
		let scales: Vec<f32> = scale_bytes
			.chunks_exact(4)
			.map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
			.collect();
		if scales.iter().any(|s| !s.is_finite() || *s < 0.0) {
			return Err(r.malformed("scales must be finite and non-negative"));
		}
		let values: Vec<i8> = r.take(len)?.iter().map(|b| *b as i8).collect();
		if values.contains(&i8::MIN) {
			return Err(r.malformed("value -128 is outside -127..=127"));
		}
		r.finish()?;
		Ok(Int8Tensor {
			block_size,
			scales,
			values,
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;
	use rand_chacha::ChaCha20Rng;
	use rand_core::SeedableRng;

	proptest! {
		#[test]
		fn error_is_below_one_step_per_element(
			values in proptest::collection::vec(-1e6f32..1e6, 0..300),
			block in 1usize..70,
			seed in any::<u64>(),
		) {
			let q = Int8Tensor::quantize(&values, block, &mut ChaCha20Rng::seed_from_u64(seed)).unwrap();
			let back = q.dequantize();
			prop_assert_eq!(back.len(), values.len());
			for (i, (x, y)) in values.iter().zip(&back).enumerate() {
				let scale = q.scales[i / block];
				// One step plus f32 rounding of the product.
				prop_assert!((x - y).abs() <= scale * (1.0 + 1e-5), "{} vs {} step {}", x, y, scale);
			}
		}

		#[test]
		fn codec_round_trips(values in proptest::collection::vec(-10f32..10.0, 0..200), block in 1usize..50) {
			let q = Int8Tensor::quantize(&values, block, &mut ChaCha20Rng::seed_from_u64(1)).unwrap();
			prop_assert_eq!(Int8Tensor::from_bytes(&q.to_bytes()).unwrap(), q);
		}

		#[test]
		fn decoding_garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
			let _ = Int8Tensor::from_bytes(&bytes);
		}
	}

	#[test]
	fn stochastic_rounding_is_unbiased() {
		// 0.3 sits between two levels; the mean over many draws approaches it.
		let values = vec![127.0f32, 0.3];
		let mut rng = ChaCha20Rng::seed_from_u64(2);
		let trials = 20_000;
		let mean: f64 = (0..trials)
			.map(|_| {
				f64::from(
					Int8Tensor::quantize(&values, 2, &mut rng)
						.unwrap()
						.dequantize()[1],
				)
			})
			.sum::<f64>()
			/ f64::from(trials);
		// Standard error sqrt(0.21 / 20000) = 0.0032; five of them.
		assert!((mean - 0.3).abs() < 0.016, "mean {mean}");
	}

	#[test]
	fn rejects_bad_input() {
		let mut rng = ChaCha20Rng::seed_from_u64(3);
		assert!(matches!(
			Int8Tensor::quantize(&[f32::NAN], 4, &mut rng),
			Err(CompressionError::NonFinite { index: 0 })
		));
		assert!(Int8Tensor::quantize(&[1.0], 0, &mut rng).is_err());
		let mut bytes = Int8Tensor::quantize(&[1.0, 2.0], 2, &mut rng)
			.unwrap()
			.to_bytes();
		bytes.push(0);
		assert!(matches!(
			Int8Tensor::from_bytes(&bytes),
			Err(CompressionError::Malformed { .. })
		));
	}

	#[test]
	fn all_zero_blocks_stay_zero() {
		let q = Int8Tensor::quantize(&[0.0; 5], 2, &mut ChaCha20Rng::seed_from_u64(4)).unwrap();
		assert_eq!(q.dequantize(), vec![0.0; 5]);
	}
}
