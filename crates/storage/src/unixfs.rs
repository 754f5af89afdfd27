//! The few protobuf messages of a UnixFS file node in dag-pb, encoded by hand.
//!
//! Field order and presence follow what IPFS nodes emit, because the CID is the hash of these
//! exact bytes: links (dag-pb field 2) come before data (field 1), and every link carries an
//! empty name, as Kubo's and js-ipfs's importers write it.

/// One link of a dag-pb node: the child's CID, and the sizes IPFS records for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Link {
	/// Binary CID of the child.
	pub cid: Vec<u8>,
	/// Cumulative serialized size of the child's whole sub-DAG (dag-pb `Tsize`).
	pub tsize: u64,
	/// Number of file bytes under the child (UnixFS `blocksizes` entry).
	pub file_size: u64,
}

/// UnixFS `Data.Type` of a file.
const UNIXFS_TYPE_FILE: u64 = 2;

/// Encodes a UnixFS file node whose content lies entirely in `links` (raw-leaf layout).
pub(crate) fn encode_file_node(links: &[Link]) -> Vec<u8> {
	let file_size: u64 = links.iter().map(|l| l.file_size).sum();
	let mut unixfs = Vec::with_capacity(8 + links.len() * 5);
	put_varint_field(&mut unixfs, 1, UNIXFS_TYPE_FILE);
	put_varint_field(&mut unixfs, 3, file_size);
	for link in links {
		put_varint_field(&mut unixfs, 4, link.file_size);
	}

	let mut node = Vec::with_capacity(unixfs.len() + links.len() * 48);
	for link in links {
		let mut pb_link = Vec::with_capacity(link.cid.len() + 16);
		put_bytes_field(&mut pb_link, 1, &link.cid);
		put_bytes_field(&mut pb_link, 2, b"");
		put_varint_field(&mut pb_link, 3, link.tsize);
		put_bytes_field(&mut node, 2, &pb_link);
	}
	put_bytes_field(&mut node, 1, &unixfs);
	node
}

fn put_varint(out: &mut Vec<u8>, mut value: u64) {
	while value >= 0x80 {
		out.push((value as u8 & 0x7f) | 0x80);
		value >>= 7;
	}
	out.push(value as u8);
}

fn put_varint_field(out: &mut Vec<u8>, field: u64, value: u64) {
	put_varint(out, field << 3);
	put_varint(out, value);
}

fn put_bytes_field(out: &mut Vec<u8>, field: u64, bytes: &[u8]) {
	put_varint(out, (field << 3) | 2);
	put_varint(out, bytes.len() as u64);
	out.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	/// Decodes a protobuf varint, returning the value and the bytes consumed.
	fn read_varint(bytes: &[u8]) -> (u64, usize) {
		let mut value = 0u64;
		for (i, byte) in bytes.iter().enumerate() {
			value |= u64::from(byte & 0x7f) << (7 * i);
			if byte & 0x80 == 0 {
				return (value, i + 1);
			}
		}
		panic!("truncated varint");
	}

	proptest! {
		#[test]
		fn varint_round_trips(value in any::<u64>()) {
			let mut out = Vec::new();
			put_varint(&mut out, value);
			prop_assert_eq!(read_varint(&out), (value, out.len()));
			prop_assert!(out.len() <= 10);
		}
	}

	#[test]
	fn file_node_layout_matches_dag_pb() {
		let link = Link {
			cid: vec![1, 2, 3],
			tsize: 300,
			file_size: 200,
		};
		let node = encode_file_node(&[link]);
		// Link: tag 0x12, len 10, { 0x0a 3 [1 2 3], 0x12 0 (empty name), 0x18 varint(300) }.
		// Data: tag 0x0a, len 8, { 0x08 2, 0x18 varint(200), 0x20 varint(200) }.
		let expected = [
			0x12, 10, 0x0a, 3, 1, 2, 3, 0x12, 0, 0x18, 0xac, 0x02, 0x0a, 8, 0x08, 2, 0x18, 0xc8,
			0x01, 0x20, 0xc8, 0x01,
		];
		assert_eq!(node, expected);
	}
}
