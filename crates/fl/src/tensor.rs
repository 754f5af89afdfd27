//! Named tensors in safetensors files: reading (owned, shared or memory-mapped), decoding
//! F32/F16/BF16 to `f64`, and writing.
//!
//! A [`Parameters`] parses only the header when it is built; tensor data are decoded chunk by
//! chunk when the aggregator reads them, so a memory-mapped multi-gigabyte model is never
//! copied into memory as a whole.

use crate::error::{FlError, Result};
use half::{bf16, f16};
use safetensors::tensor::{Dtype, SafeTensors, View};
use std::{borrow::Cow, fs::File, ops::Range, path::Path, sync::Arc};

/// The element types the library computes with. Arithmetic is always done in `f64` after an
/// exact widening conversion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ElemType {
	/// IEEE binary32.
	F32,
	/// IEEE binary16.
	F16,
	/// bfloat16.
	BF16,
}

impl ElemType {
	/// Bytes per element.
	pub const fn size(self) -> usize {
		match self {
			ElemType::F32 => 4,
			ElemType::F16 | ElemType::BF16 => 2,
		}
	}

	/// The safetensors dtype.
	pub const fn dtype(self) -> Dtype {
		match self {
			ElemType::F32 => Dtype::F32,
			ElemType::F16 => Dtype::F16,
			ElemType::BF16 => Dtype::BF16,
		}
	}

	/// The safetensors name, e.g. `"F32"`.
	pub const fn name(self) -> &'static str {
		match self {
			ElemType::F32 => "F32",
			ElemType::F16 => "F16",
			ElemType::BF16 => "BF16",
		}
	}

	fn from_dtype(dtype: Dtype) -> Option<Self> {
		match dtype {
			Dtype::F32 => Some(ElemType::F32),
			Dtype::F16 => Some(ElemType::F16),
			Dtype::BF16 => Some(ElemType::BF16),
			_ => None,
		}
	}

	/// Decodes little-endian elements to `f64` (exact). `bytes.len()` must be
	/// `out.len() * self.size()`.
	pub fn decode(self, bytes: &[u8], out: &mut [f64]) {
		debug_assert_eq!(bytes.len(), out.len() * self.size());
		match self {
			ElemType::F32 => {
				if let Some(xs) = as_f32(bytes) {
					for (o, x) in out.iter_mut().zip(xs) {
						*o = f64::from(*x);
					}
					return;
				}
				for (o, b) in out.iter_mut().zip(bytes.chunks_exact(4)) {
					*o = f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]]));
				}
			}
			ElemType::F16 => {
				for (o, b) in out.iter_mut().zip(bytes.chunks_exact(2)) {
					*o = f16::from_bits(u16::from_le_bytes([b[0], b[1]])).to_f64();
				}
			}
			ElemType::BF16 => {
				for (o, b) in out.iter_mut().zip(bytes.chunks_exact(2)) {
					*o = bf16::from_bits(u16::from_le_bytes([b[0], b[1]])).to_f64();
				}
			}
		}
	}

	/// Encodes `f64` values little-endian with one round-to-nearest-even step into this type.
	pub fn encode(self, values: &[f64], out: &mut [u8]) {
		debug_assert_eq!(out.len(), values.len() * self.size());
		match self {
			ElemType::F32 => {
				if let Some(xs) = as_f32_mut(out) {
					for (o, v) in xs.iter_mut().zip(values) {
						*o = *v as f32;
					}
					return;
				}
				for (v, o) in values.iter().zip(out.chunks_exact_mut(4)) {
					o.copy_from_slice(&(*v as f32).to_le_bytes());
				}
			}
			ElemType::F16 => {
				for (v, o) in values.iter().zip(out.chunks_exact_mut(2)) {
					o.copy_from_slice(&f16::from_f64(*v).to_bits().to_le_bytes());
				}
			}
			ElemType::BF16 => {
				for (v, o) in values.iter().zip(out.chunks_exact_mut(2)) {
					o.copy_from_slice(&bf16::from_f64(*v).to_bits().to_le_bytes());
				}
			}
		}
	}
}

/// The bytes as `f32`s when the target is little-endian (the safetensors byte order) and they
/// are 4-byte aligned, which safetensors' 8-byte header padding and dtype ordering make the
/// usual case. Lets hot loops vectorise; callers fall back to per-element decoding otherwise.
pub fn as_f32(bytes: &[u8]) -> Option<&[f32]> {
	if cfg!(target_endian = "little") {
		bytemuck::try_cast_slice(bytes).ok()
	} else {
		None
	}
}

/// Mutable counterpart of [`as_f32`].
fn as_f32_mut(bytes: &mut [u8]) -> Option<&mut [f32]> {
	if cfg!(target_endian = "little") {
		bytemuck::try_cast_slice_mut(bytes).ok()
	} else {
		None
	}
}

impl std::fmt::Display for ElemType {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.write_str(self.name())
	}
}

/// Size limits applied when a parameter file is opened. They bound the work an untrusted
/// update can cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
	/// Most tensors in one file.
	pub max_tensors: usize,
	/// Most elements in one tensor.
	pub max_tensor_elements: u64,
	/// Most bytes in one file (header included).
	pub max_file_bytes: u64,
}

impl Default for Limits {
	/// 100 000 tensors, 2^34 elements per tensor, 256 GiB per file: generous enough for large
	/// language models, small enough to reject absurd headers before any work is done.
	fn default() -> Self {
		Limits {
			max_tensors: 100_000,
			max_tensor_elements: 1 << 34,
			max_file_bytes: 256 << 30,
		}
	}
}

/// Name, element type, shape and location of one tensor in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorSpec {
	/// The tensor's name.
	pub name: String,
	/// Its element type.
	pub elem: ElemType,
	/// Its shape (row-major).
	pub shape: Vec<usize>,
	/// Byte range of its data within the whole file.
	byte_range: Range<usize>,
}

impl TensorSpec {
	/// Number of elements.
	pub fn len(&self) -> usize {
		self.byte_range.len() / self.elem.size()
	}

	/// Whether the tensor has no elements.
	pub fn is_empty(&self) -> bool {
		self.byte_range.is_empty()
	}
}

/// Where a parameter file's bytes live.
enum Backing {
	Owned(Vec<u8>),
	Shared(Arc<[u8]>),
	/// A file stored at `range` inside a larger shared buffer (checked to be in bounds).
	SharedRange(Arc<[u8]>, Range<usize>),
	Mapped(memmap2::Mmap),
}

impl Backing {
	fn bytes(&self) -> &[u8] {
		match self {
			Backing::Owned(v) => v,
			Backing::Shared(v) => v,
			Backing::SharedRange(v, range) => v.get(range.clone()).unwrap_or_default(),
			Backing::Mapped(m) => m,
		}
	}
}

/// A parsed safetensors file of floating-point tensors, sorted by name.
pub struct Parameters {
	label: String,
	backing: Backing,
	specs: Vec<TensorSpec>,
}

impl std::fmt::Debug for Parameters {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.debug_struct("Parameters")
			.field("label", &self.label)
			.field("tensors", &self.specs.len())
			.finish()
	}
}

impl Parameters {
	/// Parses a safetensors file held in memory. `label` names it in error messages.
	pub fn from_bytes(label: impl Into<String>, bytes: Vec<u8>, limits: &Limits) -> Result<Self> {
		Self::parse(label.into(), Backing::Owned(bytes), limits)
	}

	/// Parses a safetensors file held in shared memory (several rounds or readers can share one
	/// buffer without copying).
	pub fn from_shared(
		label: impl Into<String>,
		bytes: Arc<[u8]>,
		limits: &Limits,
	) -> Result<Self> {
		Self::parse(label.into(), Backing::Shared(bytes), limits)
	}

	/// Parses a safetensors file stored at `range` inside a larger shared buffer, for example one
	/// of several updates received in a single message, without copying it out.
	pub fn from_shared_range(
		label: impl Into<String>,
		bytes: Arc<[u8]>,
		range: Range<usize>,
		limits: &Limits,
	) -> Result<Self> {
		let label = label.into();
		if bytes.get(range.clone()).is_none() {
			return Err(FlError::Safetensors {
				source_name: label,
				reason: format!("range {range:?} is outside the {}-byte buffer", bytes.len()),
			});
		}
		Self::parse(label, Backing::SharedRange(bytes, range), limits)
	}

	/// Memory-maps and parses a safetensors file. Pages are read on demand as tensors are
	/// aggregated, so files larger than memory work.
	pub fn open(path: impl AsRef<Path>, limits: &Limits) -> Result<Self> {
		let path = path.as_ref();
		let io_error = |source| FlError::Io {
			path: path.to_path_buf(),
			source,
		};
		let file = File::open(path).map_err(io_error)?;
		let len = file.metadata().map_err(io_error)?.len();
		check_limit(
			&path.display().to_string(),
			"file size in bytes",
			len,
			limits.max_file_bytes,
		)?;
		// SAFETY: the map is read-only. Undefined behaviour would need another process to
		// truncate or modify the file while it is mapped; callers own their update files for
		// the duration of a round (documented on this function's type), and every access is
		// bounds-checked against the header parsed from the same map.
		let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io_error)?;
		Self::parse(path.display().to_string(), Backing::Mapped(map), limits)
	}

	fn parse(label: String, backing: Backing, limits: &Limits) -> Result<Self> {
		let bytes = backing.bytes();
		check_limit(
			&label,
			"file size in bytes",
			bytes.len() as u64,
			limits.max_file_bytes,
		)?;
		let (header_len, metadata) =
			SafeTensors::read_metadata(bytes).map_err(|e| FlError::Safetensors {
				source_name: label.clone(),
				reason: e.to_string(),
			})?;
		let data_start = 8 + header_len;
		let infos = metadata.tensors();
		check_limit(
			&label,
			"tensor count",
			infos.len() as u64,
			limits.max_tensors as u64,
		)?;
		let mut specs = Vec::with_capacity(infos.len());
		for (name, info) in infos {
			let elem =
				ElemType::from_dtype(info.dtype).ok_or_else(|| FlError::UnsupportedDtype {
					source_name: label.clone(),
					tensor: name.clone(),
					dtype: format!("{:?}", info.dtype),
				})?;
			let (begin, end) = info.data_offsets;
			let elements = (end.saturating_sub(begin) / elem.size()) as u64;
			let what = format!("tensor `{name}` element count");
			check_limit(&label, &what, elements, limits.max_tensor_elements)?;
			let byte_range = data_start + begin..data_start + end;
			// safetensors validated the offsets against shape and buffer size; this re-check
			// keeps every later slice in bounds even if that validation changes.
			let expected = info
				.shape
				.iter()
				.try_fold(elem.size(), |acc, d| acc.checked_mul(*d));
			if bytes.get(byte_range.clone()).is_none() || expected != Some(byte_range.len()) {
				return Err(FlError::Safetensors {
					source_name: label,
					reason: format!("tensor `{name}` has inconsistent offsets"),
				});
			}
			specs.push(TensorSpec {
				name,
				elem,
				shape: info.shape.clone(),
				byte_range,
			});
		}
		specs.sort_by(|a, b| a.name.cmp(&b.name));
		Ok(Parameters {
			label,
			backing,
			specs,
		})
	}

	/// The label used in error messages (file path or caller-provided name).
	pub fn label(&self) -> &str {
		&self.label
	}

	/// The tensors' specifications, sorted by name.
	pub fn specs(&self) -> &[TensorSpec] {
		&self.specs
	}

	/// Looks up a tensor by name.
	pub fn tensor(&self, name: &str) -> Option<TensorRef<'_>> {
		let index = self
			.specs
			.binary_search_by(|s| s.name.as_str().cmp(name))
			.ok()?;
		Some(self.tensor_at(index))
	}

	/// The `index`-th tensor in name order.
	///
	/// # Panics
	/// If `index >= self.specs().len()`.
	pub fn tensor_at(&self, index: usize) -> TensorRef<'_> {
		let spec = &self.specs[index];
		// In bounds: checked in `parse`.
		let bytes = &self.backing.bytes()[spec.byte_range.clone()];
		TensorRef { spec, bytes }
	}

	/// Iterates over the tensors in name order.
	pub fn tensors(&self) -> impl Iterator<Item = TensorRef<'_>> {
		(0..self.specs.len()).map(|i| self.tensor_at(i))
	}

	/// Total number of elements over all tensors.
	pub fn num_elements(&self) -> u64 {
		self.specs.iter().map(|s| s.len() as u64).sum()
	}

	/// Checks that every value is finite; the error names the first offending tensor (in name
	/// order) and element.
	pub fn check_finite(&self, origin: &str) -> Result<()> {
		self.tensors().try_for_each(|t| t.check_finite(origin))
	}
}

fn check_limit(source_name: &str, what: &str, actual: u64, limit: u64) -> Result<()> {
	if actual > limit {
		return Err(FlError::LimitExceeded {
			source_name: source_name.to_string(),
			what: what.to_string(),
			actual,
			limit,
		});
	}
	Ok(())
}

/// A borrowed tensor: its specification and raw little-endian bytes.
#[derive(Clone, Copy, Debug)]
pub struct TensorRef<'a> {
	/// Name, type and shape.
	pub spec: &'a TensorSpec,
	/// The raw data.
	pub bytes: &'a [u8],
}

impl<'a> TensorRef<'a> {
	/// Number of elements.
	pub fn len(&self) -> usize {
		self.spec.len()
	}

	/// Whether the tensor has no elements.
	pub fn is_empty(&self) -> bool {
		self.spec.is_empty()
	}

	/// Raw bytes of the elements in `range`.
	///
	/// # Panics
	/// If `range` is outside the tensor.
	pub fn element_bytes(&self, range: Range<usize>) -> &'a [u8] {
		let size = self.spec.elem.size();
		&self.bytes[range.start * size..range.end * size]
	}

	/// Decodes the elements starting at `start` into `out` (exact widening to `f64`).
	///
	/// # Panics
	/// If `start + out.len()` exceeds the tensor.
	pub fn decode_into(&self, start: usize, out: &mut [f64]) {
		self.spec
			.elem
			.decode(self.element_bytes(start..start + out.len()), out);
	}

	/// All elements as `f32` (exact for every supported type).
	pub fn to_f32(&self) -> Vec<f32> {
		let mut wide = vec![0.0; self.len()];
		self.decode_into(0, &mut wide);
		wide.into_iter().map(|v| v as f32).collect()
	}

	/// Checks that every value is finite, naming the first offending element.
	pub fn check_finite(&self, origin: &str) -> Result<()> {
		let mut buf = [0.0f64; 1024];
		let mut start = 0;
		while start < self.len() {
			let n = (self.len() - start).min(buf.len());
			self.decode_into(start, &mut buf[..n]);
			if let Some(offset) = buf[..n].iter().position(|v| !v.is_finite()) {
				return Err(FlError::NonFinite {
					origin: origin.to_string(),
					tensor: self.spec.name.clone(),
					index: start + offset,
					value: buf[offset] as f32,
				});
			}
			start += n;
		}
		Ok(())
	}
}

/// An owned tensor ready to be written: name, type, shape and little-endian bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedTensor {
	/// The tensor's name.
	pub name: String,
	/// Its element type.
	pub elem: ElemType,
	/// Its shape.
	pub shape: Vec<usize>,
	/// Its little-endian data, `shape.product() * elem.size()` bytes.
	pub data: Vec<u8>,
}

impl OwnedTensor {
	/// Builds an `F32` tensor; fails if `values.len()` does not match the shape.
	pub fn from_f32(name: impl Into<String>, shape: Vec<usize>, values: &[f32]) -> Result<Self> {
		let wide: Vec<f64> = values.iter().map(|v| f64::from(*v)).collect();
		Self::from_f64(name, ElemType::F32, shape, &wide)
	}

	/// Builds a tensor of type `elem` from `f64` values rounded once to nearest-even.
	pub fn from_f64(
		name: impl Into<String>,
		elem: ElemType,
		shape: Vec<usize>,
		values: &[f64],
	) -> Result<Self> {
		let name = name.into();
		let expected = shape.iter().try_fold(1usize, |acc, d| acc.checked_mul(*d));
		if expected != Some(values.len()) {
			return Err(FlError::InvalidArgument {
				name: "values",
				reason: format!(
					"tensor `{name}`: {} values do not fill shape {shape:?}",
					values.len()
				),
			});
		}
		let mut data = vec![0u8; values.len() * elem.size()];
		elem.encode(values, &mut data);
		Ok(OwnedTensor {
			name,
			elem,
			shape,
			data,
		})
	}

	/// The values as `f64` (exact).
	pub fn to_f64(&self) -> Vec<f64> {
		let mut out = vec![0.0; self.data.len() / self.elem.size()];
		self.elem.decode(&self.data, &mut out);
		out
	}
}

impl View for &OwnedTensor {
	fn dtype(&self) -> Dtype {
		self.elem.dtype()
	}

	fn shape(&self) -> &[usize] {
		&self.shape
	}

	fn data(&self) -> Cow<'_, [u8]> {
		Cow::Borrowed(&self.data)
	}

	fn data_len(&self) -> usize {
		self.data.len()
	}
}

/// Serialises tensors to safetensors bytes. The output depends only on the tensors (no
/// metadata map, whose key order would not be deterministic), so equal inputs give equal bytes.
pub fn to_safetensors(tensors: &[OwnedTensor]) -> Result<Vec<u8>> {
	let views = tensors.iter().map(|t| (t.name.as_str(), t));
	safetensors::tensor::serialize(views, None).map_err(|e| FlError::Serialize {
		what: "tensors".to_string(),
		reason: e.to_string(),
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	fn file(tensors: &[OwnedTensor]) -> Parameters {
		Parameters::from_bytes("test", to_safetensors(tensors).unwrap(), &Limits::default())
			.unwrap()
	}

	#[test]
	fn round_trip_all_dtypes() {
		let values = [1.5f64, -2.25, 0.0, 65504.0];
		let tensors: Vec<_> = [ElemType::F32, ElemType::F16, ElemType::BF16]
			.into_iter()
			.map(|e| OwnedTensor::from_f64(format!("t.{e}"), e, vec![2, 2], &values).unwrap())
			.collect();
		let params = file(&tensors);
		assert_eq!(params.specs().len(), 3);
		for t in &tensors {
			let r = params.tensor(&t.name).unwrap();
			assert_eq!(r.spec.elem, t.elem);
			assert_eq!(r.spec.shape, vec![2, 2]);
			let mut out = [0.0; 4];
			r.decode_into(0, &mut out);
			// 65504 is exact in f16; bf16 rounds it to 65536.
			let last = if t.elem == ElemType::BF16 {
				65536.0
			} else {
				65504.0
			};
			assert_eq!(out, [1.5, -2.25, 0.0, last]);
		}
	}

	#[test]
	fn specs_sorted_by_name() {
		let a = OwnedTensor::from_f32("b", vec![1], &[1.0]).unwrap();
		let b = OwnedTensor::from_f32("a", vec![1], &[2.0]).unwrap();
		let params = file(&[a, b]);
		let names: Vec<_> = params.specs().iter().map(|s| s.name.as_str()).collect();
		assert_eq!(names, ["a", "b"]);
		assert_eq!(params.tensor("a").unwrap().to_f32(), vec![2.0]);
		assert!(params.tensor("c").is_none());
	}

	#[test]
	fn rejects_integer_tensors_naming_them() {
		struct I64Tensor(Vec<u8>);
		impl View for &I64Tensor {
			fn dtype(&self) -> Dtype {
				Dtype::I64
			}
			fn shape(&self) -> &[usize] {
				&[1]
			}
			fn data(&self) -> Cow<'_, [u8]> {
				Cow::Borrowed(&self.0)
			}
			fn data_len(&self) -> usize {
				8
			}
		}
		let t = I64Tensor(vec![0; 8]);
		let bytes = safetensors::tensor::serialize([("steps", &t)], None).unwrap();
		let err = Parameters::from_bytes("m.safetensors", bytes, &Limits::default()).unwrap_err();
		let text = err.to_string();
		assert!(text.contains("`steps`") && text.contains("I64"), "{text}");
	}

	#[test]
	fn rejects_garbage_and_truncation() {
		let err = Parameters::from_bytes("junk", vec![1, 2, 3], &Limits::default()).unwrap_err();
		assert!(matches!(err, FlError::Safetensors { .. }));
		let mut bytes =
			to_safetensors(&[OwnedTensor::from_f32("w", vec![4], &[1.0; 4]).unwrap()]).unwrap();
		bytes.truncate(bytes.len() - 1);
		assert!(Parameters::from_bytes("cut", bytes, &Limits::default()).is_err());
	}

	#[test]
	fn enforces_limits() {
		let t = OwnedTensor::from_f32("big", vec![10], &[0.0; 10]).unwrap();
		let bytes = to_safetensors(&[t]).unwrap();
		let limits = Limits {
			max_tensor_elements: 9,
			..Limits::default()
		};
		let err = Parameters::from_bytes("f", bytes.clone(), &limits).unwrap_err();
		assert!(err.to_string().contains("`big`"), "{err}");
		let limits = Limits {
			max_tensors: 0,
			..Limits::default()
		};
		assert!(matches!(
			Parameters::from_bytes("f", bytes.clone(), &limits),
			Err(FlError::LimitExceeded { .. })
		));
		let limits = Limits {
			max_file_bytes: 10,
			..Limits::default()
		};
		assert!(Parameters::from_bytes("f", bytes, &limits).is_err());
	}

	#[test]
	fn finiteness_names_element() {
		let t = OwnedTensor::from_f32("w", vec![3], &[0.0, 1.0, f32::NAN]).unwrap();
		let err = file(&[t]).check_finite("participant 3").unwrap_err();
		assert_eq!(
			err.to_string(),
			"participant 3: tensor `w` element 2 is NaN, not finite"
		);
	}

	#[test]
	fn open_maps_files() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("m.safetensors");
		let t = OwnedTensor::from_f32("w", vec![2], &[3.0, 4.0]).unwrap();
		std::fs::write(&path, to_safetensors(&[t]).unwrap()).unwrap();
		let params = Parameters::open(&path, &Limits::default()).unwrap();
		assert_eq!(params.tensor("w").unwrap().to_f32(), vec![3.0, 4.0]);
		let missing = Parameters::open(dir.path().join("none"), &Limits::default()).unwrap_err();
		assert!(matches!(missing, FlError::Io { .. }));
	}

	#[test]
	fn files_inside_a_shared_buffer() {
		let file =
			to_safetensors(&[OwnedTensor::from_f32("w", vec![2], &[5.0, 6.0]).unwrap()]).unwrap();
		let mut pool = vec![0xAAu8; 16];
		pool.extend_from_slice(&file);
		pool.extend_from_slice(&[0xBB; 8]);
		let pool: Arc<[u8]> = pool.into();
		let range = 16..16 + file.len();
		let params =
			Parameters::from_shared_range("packed", pool.clone(), range, &Limits::default())
				.unwrap();
		assert_eq!(params.tensor("w").unwrap().to_f32(), vec![5.0, 6.0]);
		let outside = Parameters::from_shared_range(
			"packed",
			pool.clone(),
			20..pool.len() + 1,
			&Limits::default(),
		);
		assert!(matches!(outside, Err(FlError::Safetensors { .. })));
		// A range that is not exactly one file fails to parse.
		assert!(Parameters::from_shared_range(
			"packed",
			pool.clone(),
			16..pool.len(),
			&Limits::default()
		)
		.is_err());
	}

	#[test]
	fn shape_mismatch_in_constructor_is_an_error() {
		assert!(OwnedTensor::from_f32("w", vec![2, 2], &[1.0; 3]).is_err());
	}

	/// Bytes at an odd address, to exercise the unaligned fallback.
	fn misaligned(bytes: &[u8]) -> (Vec<u8>, usize) {
		let mut buffer = vec![0u8; bytes.len() + 4];
		let offset = (1..4)
			.find(|o| !(buffer.as_ptr() as usize + o).is_multiple_of(4))
			.unwrap();
		buffer[offset..offset + bytes.len()].copy_from_slice(bytes);
		(buffer, offset)
	}

	proptest! {
		#[test]
		fn f32_codec_round_trips_bit_exactly(values in proptest::collection::vec(any::<f32>(), 0..64)) {
			let t = OwnedTensor::from_f32("x", vec![values.len()], &values).unwrap();
			let params = file(&[t]);
			let back = params.tensor("x").unwrap().to_f32();
			let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
			prop_assert_eq!(bits(&back), bits(&values));
		}

		#[test]
		fn aligned_and_unaligned_f32_paths_agree(values in proptest::collection::vec(any::<f32>(), 1..64)) {
			let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
			let (buffer, offset) = misaligned(&bytes);
			let shifted = &buffer[offset..offset + bytes.len()];
			prop_assert!(as_f32(shifted).is_none());
			let (mut a, mut b) = (vec![0.0; values.len()], vec![0.0; values.len()]);
			ElemType::F32.decode(&bytes, &mut a);
			ElemType::F32.decode(shifted, &mut b);
			let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
			prop_assert_eq!(bits(&a), bits(&b));
			let (mut encoded, offset) = misaligned(&bytes);
			let target = &mut encoded[offset..offset + bytes.len()];
			target.fill(0);
			ElemType::F32.encode(&a, target);
			let mut aligned = vec![0u8; bytes.len()];
			ElemType::F32.encode(&a, &mut aligned);
			prop_assert_eq!(&encoded[offset..offset + bytes.len()], &aligned[..]);
		}

		#[test]
		fn half_codecs_round_trip_their_own_values(bits in proptest::collection::vec(any::<u16>(), 1..64)) {
			for elem in [ElemType::F16, ElemType::BF16] {
				let raw: Vec<u8> = bits.iter().flat_map(|b| b.to_le_bytes()).collect();
				let mut wide = vec![0.0; bits.len()];
				elem.decode(&raw, &mut wide);
				let mut again = vec![0u8; raw.len()];
				elem.encode(&wide, &mut again);
				// NaN payloads may be canonicalised; every other value must round-trip.
				for (i, v) in wide.iter().enumerate() {
					if !v.is_nan() {
						prop_assert_eq!(&again[2 * i..2 * i + 2], &raw[2 * i..2 * i + 2]);
					}
				}
			}
		}
	}
}
