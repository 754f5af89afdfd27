//! Structural validation of binary content identifiers.
//!
//! The chain stores CIDs in their binary form: `<version=1><codec><multihash>`, where every
//! number is an unsigned LEB128 varint and the multihash is `<hash code><digest length><digest>`
//! (for the project's storage profile: `0x01 0x55|0x70 0x12 0x20` and a 32-byte sha2-256
//! digest, 36 bytes). The pallet cannot check that content exists, but it rejects bytes that
//! are not a well-formed CIDv1, so that workers never chase garbage.

/// Why bytes are not a well-formed binary CIDv1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CidError {
	/// The bytes end before the CID does.
	#[error("CID is truncated: it ends inside its {0}")]
	Truncated(&'static str),
	/// A varint is longer than nine bytes or not minimally encoded.
	#[error("CID {0} is not a minimal unsigned varint")]
	BadVarint(&'static str),
	/// The version is not 1 (CIDv0 and future versions are not accepted).
	#[error("CID version {0} is not supported; only CIDv1 is")]
	UnsupportedVersion(u64),
	/// The multihash digest is empty.
	#[error("CID multihash digest is empty")]
	EmptyDigest,
	/// Bytes remain after the digest, or fewer remain than the digest length says.
	#[error("CID digest length says {declared} bytes but {actual} follow")]
	DigestLengthMismatch {
		/// The length the multihash declares.
		declared: u64,
		/// The bytes that actually follow it.
		actual: usize,
	},
}

/// Checks that `bytes` is exactly one well-formed binary CIDv1.
pub fn validate_cid(bytes: &[u8]) -> Result<(), CidError> {
	let mut rest = bytes;
	let version = read_varint(&mut rest, "version")?;
	if version != 1 {
		return Err(CidError::UnsupportedVersion(version));
	}
	read_varint(&mut rest, "codec")?;
	read_varint(&mut rest, "hash code")?;
	let declared = read_varint(&mut rest, "digest length")?;
	if declared == 0 {
		return Err(CidError::EmptyDigest);
	}
	if declared != rest.len() as u64 {
		return Err(CidError::DigestLengthMismatch {
			declared,
			actual: rest.len(),
		});
	}
	Ok(())
}

/// Reads one unsigned varint (multiformats: at most 9 bytes, minimally encoded).
fn read_varint(input: &mut &[u8], field: &'static str) -> Result<u64, CidError> {
	let bytes: &[u8] = input;
	let mut value: u64 = 0;
	for (index, byte) in bytes.iter().enumerate() {
		if index >= 9 {
			return Err(CidError::BadVarint(field));
		}
		value |= u64::from(byte & 0x7f) << (7 * index);
		if byte & 0x80 == 0 {
			// A trailing zero byte (other than a lone zero) means a non-minimal encoding.
			if *byte == 0 && index > 0 {
				return Err(CidError::BadVarint(field));
			}
			*input = &bytes[index + 1..];
			return Ok(value);
		}
	}
	Err(CidError::Truncated(field))
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	/// The storage profile's CID of a raw leaf: version 1, raw codec, sha2-256, 32 bytes.
	fn raw_sha256(digest_byte: u8) -> Vec<u8> {
		let mut cid = vec![0x01, 0x55, 0x12, 0x20];
		cid.extend([digest_byte; 32]);
		cid
	}

	#[test]
	fn accepts_the_storage_profile() {
		assert_eq!(validate_cid(&raw_sha256(7)), Ok(()));
		let mut dag_pb = raw_sha256(1);
		dag_pb[1] = 0x70;
		assert_eq!(validate_cid(&dag_pb), Ok(()));
	}

	#[test]
	fn rejects_malformed_cids() {
		assert_eq!(validate_cid(&[]), Err(CidError::Truncated("version")));
		// CIDv0 is a bare multihash and starts with 0x12.
		let mut v0 = vec![0x12, 0x20];
		v0.extend([0u8; 32]);
		assert_eq!(validate_cid(&v0), Err(CidError::UnsupportedVersion(0x12)));
		let mut short = raw_sha256(3);
		short.pop();
		assert_eq!(
			validate_cid(&short),
			Err(CidError::DigestLengthMismatch {
				declared: 32,
				actual: 31
			})
		);
		let mut long = raw_sha256(3);
		long.push(0);
		assert_eq!(
			validate_cid(&long),
			Err(CidError::DigestLengthMismatch {
				declared: 32,
				actual: 33
			})
		);
		assert_eq!(
			validate_cid(&[0x01, 0x55, 0x12, 0x00]),
			Err(CidError::EmptyDigest)
		);
		assert_eq!(
			validate_cid(&[0x81, 0x00]),
			Err(CidError::BadVarint("version"))
		);
		assert_eq!(
			validate_cid(&[0x01, 0xff]),
			Err(CidError::Truncated("codec"))
		);
	}

	#[test]
	fn multi_byte_codecs_are_read() {
		// dag-json (0x0129) is a two-byte varint: 0xa9 0x02.
		let mut cid = vec![0x01, 0xa9, 0x02, 0x12, 0x20];
		cid.extend([9u8; 32]);
		assert_eq!(validate_cid(&cid), Ok(()));
	}

	#[test]
	fn errors_name_the_field() {
		assert_eq!(
			CidError::Truncated("codec").to_string(),
			"CID is truncated: it ends inside its codec"
		);
	}

	proptest! {
		#[test]
		fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
			let _ = validate_cid(&bytes);
		}

		#[test]
		fn any_digest_length_round_trips(len in 1usize..100, codec in 0u8..0x80) {
			let mut cid = vec![0x01, codec, 0x12, len as u8];
			cid.extend(core::iter::repeat_n(0xab, len));
			prop_assert_eq!(validate_cid(&cid), Ok(()));
		}
	}
}
