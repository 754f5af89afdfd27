//! Book-keeping of a byte-bounded least-recently-used set of blobs.

use cid::Cid;
use std::collections::{BTreeMap, HashMap};

#[derive(Clone, Copy, Debug)]
struct Entry {
	size: u64,
	last_use: u64,
}

/// Which blobs a cache holds, their sizes, and the order they were last used in.
#[derive(Debug)]
pub(crate) struct LruIndex {
	max_bytes: u64,
	total_bytes: u64,
	clock: u64,
	entries: HashMap<Cid, Entry>,
	by_last_use: BTreeMap<u64, Cid>,
}

impl LruIndex {
	/// An empty index that keeps at most `max_bytes` of blobs.
	pub(crate) fn new(max_bytes: u64) -> Self {
		Self {
			max_bytes,
			total_bytes: 0,
			clock: 0,
			entries: HashMap::new(),
			by_last_use: BTreeMap::new(),
		}
	}

	/// Bytes of all blobs held.
	pub(crate) fn total_bytes(&self) -> u64 {
		self.total_bytes
	}

	/// Number of blobs held.
	pub(crate) fn len(&self) -> usize {
		self.entries.len()
	}

	/// Whether a blob of `size` bytes may be cached at all.
	pub(crate) fn fits(&self, size: u64) -> bool {
		size <= self.max_bytes
	}

	/// Marks `cid` as just used; returns whether it is held.
	pub(crate) fn touch(&mut self, cid: &Cid) -> bool {
		let Some(entry) = self.entries.get_mut(cid) else {
			return false;
		};
		self.by_last_use.remove(&entry.last_use);
		self.clock += 1;
		entry.last_use = self.clock;
		self.by_last_use.insert(self.clock, *cid);
		true
	}

	/// Records `cid` as held and most recently used; returns the blobs to evict (least recently
	/// used first) to get back under the bound. `cid` itself is never evicted by its own insert.
	pub(crate) fn insert(&mut self, cid: Cid, size: u64) -> Vec<Cid> {
		self.remove(&cid);
		self.clock += 1;
		self.entries.insert(
			cid,
			Entry {
				size,
				last_use: self.clock,
			},
		);
		self.by_last_use.insert(self.clock, cid);
		self.total_bytes += size;
		let mut evicted = Vec::new();
		while self.total_bytes > self.max_bytes {
			let Some((_, oldest)) = self.by_last_use.first_key_value() else {
				break;
			};
			let oldest = *oldest;
			if oldest == cid {
				break;
			}
			self.remove(&oldest);
			evicted.push(oldest);
		}
		evicted
	}

	/// Forgets `cid`; returns whether it was held.
	pub(crate) fn remove(&mut self, cid: &Cid) -> bool {
		let Some(entry) = self.entries.remove(cid) else {
			return false;
		};
		self.by_last_use.remove(&entry.last_use);
		self.total_bytes -= entry.size;
		true
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::content_id::cid_of;
	use proptest::prelude::*;

	#[test]
	fn evicts_least_recently_used_first() {
		let [a, b, c] = [cid_of(b"a"), cid_of(b"b"), cid_of(b"c")];
		let mut index = LruIndex::new(100);
		assert!(index.insert(a, 40).is_empty());
		assert!(index.insert(b, 40).is_empty());
		assert!(index.touch(&a));
		assert_eq!(index.insert(c, 40), vec![b]);
		assert!(index.touch(&a) && index.touch(&c) && !index.touch(&b));
		assert_eq!(index.total_bytes(), 80);
	}

	proptest! {
		/// Whatever the sequence of inserts and uses, the bound holds and the totals add up.
		#[test]
		fn stays_within_bound(ops in proptest::collection::vec((0u8..12, 0u64..60, any::<bool>()), 1..200)) {
			let mut index = LruIndex::new(100);
			let mut held: HashMap<Cid, u64> = HashMap::new();
			for (key, size, is_insert) in ops {
				let cid = cid_of(&[key]);
				if is_insert {
					for gone in index.insert(cid, size) {
						prop_assert!(held.remove(&gone).is_some());
					}
					held.insert(cid, size);
				} else {
					prop_assert_eq!(index.touch(&cid), held.contains_key(&cid));
				}
				prop_assert!(index.total_bytes() <= 100);
				prop_assert_eq!(index.total_bytes(), held.values().sum::<u64>());
				prop_assert_eq!(index.len(), held.len());
			}
		}
	}
}
