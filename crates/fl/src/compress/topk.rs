//! Top-k sparsification with error feedback (Stich, Cordonnier, Jaggi 2018; Lin et al. 2018).
//!
//! Each round the client adds its residual (what earlier rounds did not send) to the new
//! update, sends the `k` entries of largest magnitude and keeps the rest as the next residual,
//! so nothing is lost, only delayed. By construction `sent + new residual = update + old
//! residual` exactly, and the residual's squared norm is at most `(1 - k/d)` of the corrected
//! update's.

use super::{check_finite, CompressionError, Reader};

const FORMAT: &str = "top-k sparse";

/// A sparse vector: `values[i]` at position `indices[i]`, indices strictly increasing and
/// below the length. Fields are private so that this always holds: only [`TopK::compress`] and
/// [`SparseTensor::from_bytes`] build one.
#[derive(Clone, Debug, PartialEq)]
pub struct SparseTensor {
	len: usize,
	indices: Vec<u32>,
	values: Vec<f32>,
}

impl SparseTensor {
	/// Dense length.
	pub fn len(&self) -> usize {
		self.len
	}

	/// Whether the dense vector is empty.
	pub fn is_empty(&self) -> bool {
		self.len == 0
	}

	/// Positions of the stored entries.
	pub fn indices(&self) -> &[u32] {
		&self.indices
	}

	/// Values of the stored entries.
	pub fn values(&self) -> &[f32] {
		&self.values
	}

	/// The dense vector (zeros elsewhere).
	pub fn densify(&self) -> Vec<f32> {
		let mut dense = vec![0.0; self.len];
		for (i, v) in self.indices.iter().zip(&self.values) {
			dense[*i as usize] = *v;
		}
		dense
	}

	/// Encodes as `[len u64][nnz u64][indices u32 x nnz][values f32 x nnz]`, little-endian.
	pub fn to_bytes(&self) -> Vec<u8> {
		let mut out = Vec::with_capacity(16 + 8 * self.indices.len());
		out.extend_from_slice(&(self.len as u64).to_le_bytes());
		out.extend_from_slice(&(self.indices.len() as u64).to_le_bytes());
		for i in &self.indices {
			out.extend_from_slice(&i.to_le_bytes());
		}
		for v in &self.values {
			out.extend_from_slice(&v.to_le_bytes());
		}
		out
	}

	/// Decodes [`SparseTensor::to_bytes`] output, checking that indices are strictly increasing
	/// and in range and values finite.
	pub fn from_bytes(bytes: &[u8]) -> Result<Self, CompressionError> {
		let mut r = Reader::new(bytes, FORMAT);
		let len = r.u64()?;
		let len =
			usize::try_from(len).map_err(|_| r.malformed(format!("length {len} too large")))?;
		let nnz = r.count(8)?;
		let indices: Vec<u32> = r
			.take(4 * nnz)?
			.chunks_exact(4)
			.map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
			.collect();
		let values: Vec<f32> = r
			.take(4 * nnz)?
			.chunks_exact(4)
			.map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
			.collect();
		r.finish()?;
		let reader = Reader::new(&[], FORMAT);
		if indices.windows(2).any(|w| w[0] >= w[1])
			|| indices.last().is_some_and(|i| *i as usize >= len)
		{
			return Err(
				reader.malformed("indices must be strictly increasing and below the length")
			);
		}
		if values.iter().any(|v| !v.is_finite()) {
			return Err(reader.malformed("values must be finite"));
		}
		Ok(SparseTensor {
			len,
			indices,
			values,
		})
	}
}

/// A client's top-k compressor with its error-feedback residual.
#[derive(Clone, Debug)]
pub struct TopK {
	k: usize,
	residual: Vec<f32>,
}

impl TopK {
	/// A compressor for vectors of length `len` sending `k` entries per round (`1..=len`).
	pub fn new(len: usize, k: usize) -> Result<Self, CompressionError> {
		if k == 0 || k > len || len > u32::MAX as usize {
			return Err(CompressionError::InvalidParameter {
				name: "k",
				reason: format!("{k} must be in 1..={len} (length at most 2^32 - 1)"),
			});
		}
		Ok(TopK {
			k,
			residual: vec![0.0; len],
		})
	}

	/// What has not been sent yet.
	pub fn residual(&self) -> &[f32] {
		&self.residual
	}

	/// Adds the residual to `update`, returns its `k` largest-magnitude entries (ties to the
	/// lower index) and keeps the rest as the new residual.
	pub fn compress(&mut self, update: &[f32]) -> Result<SparseTensor, CompressionError> {
		if update.len() != self.residual.len() {
			return Err(CompressionError::InvalidParameter {
				name: "update",
				reason: format!(
					"length {} differs from the compressor's {}",
					update.len(),
					self.residual.len()
				),
			});
		}
		check_finite(update)?;
		for (r, u) in self.residual.iter_mut().zip(update) {
			*r += u;
		}
		let corrected = &mut self.residual;
		let mut order: Vec<u32> = (0..corrected.len() as u32).collect();
		let larger_first = |a: &u32, b: &u32| {
			let (x, y) = (corrected[*a as usize].abs(), corrected[*b as usize].abs());
			y.total_cmp(&x).then(a.cmp(b))
		};
		if self.k < order.len() {
			order.select_nth_unstable_by(self.k - 1, larger_first);
		}
		let mut indices = order[..self.k].to_vec();
		indices.sort_unstable();
		let values = indices
			.iter()
			.map(|i| std::mem::replace(&mut corrected[*i as usize], 0.0))
			.collect();
		Ok(SparseTensor {
			len: corrected.len(),
			indices,
			values,
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	fn norm2(v: &[f32]) -> f64 {
		v.iter().map(|x| f64::from(*x) * f64::from(*x)).sum()
	}

	proptest! {
		#[test]
		fn sent_plus_residual_is_the_corrected_update(
			rounds in proptest::collection::vec(proptest::collection::vec(-100f32..100.0, 16), 1..5),
			k in 1usize..=16,
		) {
			let mut topk = TopK::new(16, k).unwrap();
			for update in rounds {
				let corrected: Vec<f32> = topk.residual().iter().zip(&update).map(|(r, u)| r + u).collect();
				let sent = topk.compress(&update).unwrap();
				prop_assert_eq!(sent.indices.len(), k);
				let dense = sent.densify();
				for i in 0..16 {
					// Exactly one of the two holds each entry.
					prop_assert_eq!(dense[i] + topk.residual()[i], corrected[i]);
				}
				// Residual energy bound and "largest entries were sent".
				prop_assert!(norm2(topk.residual()) <= (1.0 - k as f64 / 16.0) * norm2(&corrected) * (1.0 + 1e-12));
				let smallest_sent = sent.values.iter().fold(f32::INFINITY, |m, v| m.min(v.abs()));
				prop_assert!(topk.residual().iter().all(|r| r.abs() <= smallest_sent));
			}
		}

		#[test]
		fn codec_round_trips(values in proptest::collection::vec(-5f32..5.0, 1..100), k_seed in any::<usize>()) {
			let k = 1 + k_seed % values.len();
			let sent = TopK::new(values.len(), k).unwrap().compress(&values).unwrap();
			prop_assert_eq!(SparseTensor::from_bytes(&sent.to_bytes()).unwrap(), sent);
		}

		#[test]
		fn decoding_garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
			let _ = SparseTensor::from_bytes(&bytes);
		}
	}

	#[test]
	fn ties_go_to_the_lower_index_and_feedback_catches_up() {
		let mut topk = TopK::new(4, 1).unwrap();
		let first = topk.compress(&[1.0, -1.0, 0.5, 0.0]).unwrap();
		assert_eq!(
			(first.indices.clone(), first.values.clone()),
			(vec![0], vec![1.0])
		);
		// The residual -1 at index 1 now wins.
		let second = topk.compress(&[0.0, 0.0, 0.5, 0.0]).unwrap();
		assert_eq!((second.indices, second.values), (vec![1], vec![-1.0]));
	}

	#[test]
	fn rejects_bad_input() {
		assert!(TopK::new(4, 0).is_err());
		assert!(TopK::new(4, 5).is_err());
		let mut topk = TopK::new(2, 1).unwrap();
		assert!(topk.compress(&[1.0]).is_err());
		assert!(matches!(
			topk.compress(&[1.0, f32::INFINITY]),
			Err(CompressionError::NonFinite { index: 1 })
		));
		let bad = SparseTensor {
			len: 2,
			indices: vec![1, 1],
			values: vec![1.0, 1.0],
		};
		assert!(SparseTensor::from_bytes(&bad.to_bytes()).is_err());
		let out_of_range = SparseTensor {
			len: 2,
			indices: vec![2],
			values: vec![1.0],
		};
		assert!(SparseTensor::from_bytes(&out_of_range.to_bytes()).is_err());
	}
}
