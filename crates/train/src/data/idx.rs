//! IDX files (LeCun's MNIST format), raw or gzipped.
//!
//! Layout: two zero bytes, a type byte (`0x08` = unsigned byte, the only type MNIST uses), the
//! number of dimensions, each dimension as a big-endian `u32`, then the values in row-major
//! order.

use crate::error::{Result, TrainError};
use flate2::read::GzDecoder;
use std::io::Read;
use std::path::Path;

/// Type byte of unsigned 8-bit values.
const TYPE_U8: u8 = 0x08;

/// An IDX array of unsigned bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxArray {
	/// Size of each dimension, outermost first.
	pub dims: Vec<usize>,
	/// The values, row-major.
	pub data: Vec<u8>,
}

/// Reads an IDX file, gunzipping it when it starts with the gzip magic bytes.
pub fn read_idx_file(path: &Path) -> Result<IdxArray> {
	let raw = std::fs::read(path).map_err(|e| TrainError::io(path, e))?;
	let bytes = maybe_gunzip(raw, path)?;
	parse_idx(&bytes).map_err(|reason| TrainError::malformed(path.display().to_string(), reason))
}

/// Returns the decompressed contents when `raw` is gzip, `raw` itself otherwise.
pub(crate) fn maybe_gunzip(raw: Vec<u8>, path: &Path) -> Result<Vec<u8>> {
	if !raw.starts_with(&[0x1f, 0x8b]) {
		return Ok(raw);
	}
	let mut out = Vec::with_capacity(raw.len() * 4);
	GzDecoder::new(raw.as_slice())
		.read_to_end(&mut out)
		.map_err(|e| TrainError::malformed(path.display().to_string(), format!("bad gzip: {e}")))?;
	Ok(out)
}

/// Parses IDX bytes; the error says what is wrong.
pub fn parse_idx(bytes: &[u8]) -> Result<IdxArray, String> {
	if bytes.len() < 4 || bytes[0] != 0 || bytes[1] != 0 {
		return Err("missing the IDX magic number (two zero bytes)".into());
	}
	if bytes[2] != TYPE_U8 {
		return Err(format!(
			"value type 0x{:02x} is not supported (only 0x08, u8)",
			bytes[2]
		));
	}
	let rank = bytes[3] as usize;
	let header = 4 + 4 * rank;
	if rank == 0 || bytes.len() < header {
		return Err(format!("header of rank {rank} is truncated"));
	}
	let dims: Vec<usize> = bytes[4..header]
		.chunks_exact(4)
		.map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
		.collect();
	let expected = dims
		.iter()
		.try_fold(1usize, |acc, d| acc.checked_mul(*d))
		.ok_or_else(|| format!("dimensions {dims:?} overflow"))?;
	let data = &bytes[header..];
	if data.len() != expected {
		return Err(format!(
			"dimensions {dims:?} need {expected} values but the file holds {}",
			data.len()
		));
	}
	Ok(IdxArray {
		dims,
		data: data.to_vec(),
	})
}

/// Encodes an array as IDX bytes (used by tests and tools that write small fixtures).
pub fn encode_idx(array: &IdxArray) -> Vec<u8> {
	let mut out = vec![0, 0, TYPE_U8, array.dims.len() as u8];
	for d in &array.dims {
		out.extend_from_slice(&(*d as u32).to_be_bytes());
	}
	out.extend_from_slice(&array.data);
	out
}

#[cfg(test)]
mod tests {
	use super::*;
	use flate2::{write::GzEncoder, Compression};
	use proptest::prelude::*;
	use std::io::Write;

	fn array() -> impl Strategy<Value = IdxArray> {
		prop::collection::vec(1usize..6, 1..4).prop_flat_map(|dims| {
			let len = dims.iter().product::<usize>();
			prop::collection::vec(any::<u8>(), len).prop_map(move |data| IdxArray {
				dims: dims.clone(),
				data,
			})
		})
	}

	proptest! {
		#[test]
		fn encode_parse_round_trip(a in array()) {
			prop_assert_eq!(parse_idx(&encode_idx(&a)).unwrap(), a);
		}

		#[test]
		fn parse_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
			let _ = parse_idx(&bytes);
		}
	}

	#[test]
	fn reads_raw_and_gzipped_files() {
		let a = IdxArray {
			dims: vec![2, 3],
			data: vec![1, 2, 3, 4, 5, 6],
		};
		let dir = tempfile::tempdir().unwrap();
		let raw = dir.path().join("a-idx2-ubyte");
		std::fs::write(&raw, encode_idx(&a)).unwrap();
		let gz = dir.path().join("a-idx2-ubyte.gz");
		let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
		enc.write_all(&encode_idx(&a)).unwrap();
		std::fs::write(&gz, enc.finish().unwrap()).unwrap();
		assert_eq!(read_idx_file(&raw).unwrap(), a);
		assert_eq!(read_idx_file(&gz).unwrap(), a);
	}

	#[test]
	fn truncated_data_is_an_error_naming_the_sizes() {
		let mut bytes = encode_idx(&IdxArray {
			dims: vec![4],
			data: vec![0; 4],
		});
		bytes.pop();
		let err = parse_idx(&bytes).unwrap_err();
		assert!(
			err.contains("need 4 values") && err.contains("holds 3"),
			"{err}"
		);
		assert!(parse_idx(&[0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0])
			.unwrap_err()
			.contains("0x0d"));
	}
}
