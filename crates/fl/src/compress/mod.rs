//! Update compression for the upload link: int8 quantisation with stochastic rounding
//! ([`int8`]) and top-k sparsification with error feedback ([`topk`]). Both have a compact,
//! validated byte encoding.

pub mod int8;
pub mod topk;

pub use int8::Int8Tensor;
pub use topk::{SparseTensor, TopK};

/// Errors of compression and of decoding compressed bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompressionError {
	/// An input value is NaN or infinite.
	#[error("element {index} is not finite")]
	NonFinite {
		/// The element.
		index: usize,
	},
	/// A parameter is out of range.
	#[error("invalid `{name}`: {reason}")]
	InvalidParameter {
		/// The parameter.
		name: &'static str,
		/// Why.
		reason: String,
	},
	/// Encoded bytes are malformed.
	#[error("malformed {format} encoding: {reason}")]
	Malformed {
		/// Which encoding.
		format: &'static str,
		/// What is wrong.
		reason: String,
	},
}

/// Little-endian reader over encoded bytes, failing with a [`CompressionError::Malformed`].
pub(crate) struct Reader<'a> {
	bytes: &'a [u8],
	format: &'static str,
}

impl<'a> Reader<'a> {
	pub(crate) fn new(bytes: &'a [u8], format: &'static str) -> Self {
		Reader { bytes, format }
	}

	pub(crate) fn malformed(&self, reason: impl Into<String>) -> CompressionError {
		CompressionError::Malformed {
			format: self.format,
			reason: reason.into(),
		}
	}

	pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], CompressionError> {
		if self.bytes.len() < n {
			return Err(self.malformed(format!("needs {n} more bytes, {} left", self.bytes.len())));
		}
		let (head, rest) = self.bytes.split_at(n);
		self.bytes = rest;
		Ok(head)
	}

	pub(crate) fn u32(&mut self) -> Result<u32, CompressionError> {
		let b = self.take(4)?;
		Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
	}

	pub(crate) fn u64(&mut self) -> Result<u64, CompressionError> {
		let b = self.take(8)?;
		let mut a = [0u8; 8];
		a.copy_from_slice(b);
		Ok(u64::from_le_bytes(a))
	}

	/// A count that must fit the remaining bytes at `item_size` bytes each.
	pub(crate) fn count(&mut self, item_size: usize) -> Result<usize, CompressionError> {
		let n = self.u64()?;
		let n = usize::try_from(n).map_err(|_| self.malformed(format!("count {n} too large")))?;
		if n.checked_mul(item_size)
			.is_none_or(|bytes| bytes > self.bytes.len())
		{
			return Err(self.malformed(format!(
				"count {n} exceeds the remaining {} bytes",
				self.bytes.len()
			)));
		}
		Ok(n)
	}

	pub(crate) fn finish(self) -> Result<(), CompressionError> {
		if self.bytes.is_empty() {
			Ok(())
		} else {
			Err(self.malformed(format!("{} trailing bytes", self.bytes.len())))
		}
	}
}

pub(crate) fn check_finite(values: &[f32]) -> Result<(), CompressionError> {
	match values.iter().position(|v| !v.is_finite()) {
		Some(index) => Err(CompressionError::NonFinite { index }),
		None => Ok(()),
	}
}
