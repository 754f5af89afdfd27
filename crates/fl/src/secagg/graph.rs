//! The sparse random communication graph of SecAgg+ (Bell et al. 2020, Section 3): a Harary
//! graph `H(k, n)` (every node joined to its `k/2` nearest nodes on each side of a ring) over a
//! random ordering of the clients. Each client only exchanges keys and shares with its `k`
//! neighbours, so cost grows with `k ~ log n` instead of `n`.
//!
//! The ordering is drawn from a public seed, so every client can recompute its own neighbours
//! and check what the server tells it.

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

/// A uniformly random integer in `0..bound` (`bound > 0`), without modulo bias.
fn below(rng: &mut ChaCha20Rng, bound: u64) -> u64 {
	let zone = u64::MAX - (u64::MAX % bound);
	loop {
		let x = rng.next_u64();
		if x < zone {
			return x % bound;
		}
	}
}

/// Neighbour lists (sorted) of the `n` clients in a `k`-regular Harary graph over the ring order
/// drawn from `seed`. `k >= n - 1` gives the complete graph; an odd `k` below `n - 1` is rounded
/// up to the next even degree.
pub fn harary(n: usize, k: usize, seed: &[u8; 32]) -> Vec<Vec<u32>> {
	if k + 1 >= n {
		return (0..n)
			.map(|i| (0..n as u32).filter(|&j| j as usize != i).collect())
			.collect();
	}
	let half = k.div_ceil(2);
	let mut rng = ChaCha20Rng::from_seed(*seed);
	let mut ring: Vec<u32> = (0..n as u32).collect();
	// Fisher-Yates shuffle.
	for i in (1..n).rev() {
		let j = below(&mut rng, i as u64 + 1) as usize;
		ring.swap(i, j);
	}
	let mut neighbours = vec![Vec::with_capacity(2 * half); n];
	for (position, &client) in ring.iter().enumerate() {
		for d in 1..=half {
			neighbours[client as usize].push(ring[(position + d) % n]);
			neighbours[client as usize].push(ring[(position + n - d) % n]);
		}
	}
	for list in &mut neighbours {
		list.sort_unstable();
		list.dedup();
	}
	neighbours
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	proptest! {
		#[test]
		fn regular_symmetric_and_loop_free(n in 2usize..60, k in 1usize..20, seed in any::<[u8; 32]>()) {
			let graph = harary(n, k, &seed);
			let degree = if k + 1 >= n { n - 1 } else { k.div_ceil(2) * 2 };
			for (i, list) in graph.iter().enumerate() {
				prop_assert_eq!(list.len(), degree);
				prop_assert!(!list.contains(&(i as u32)));
				for &j in list {
					prop_assert!(graph[j as usize].contains(&(i as u32)));
				}
			}
		}
	}

	#[test]
	fn seed_determines_the_graph() {
		assert_eq!(harary(20, 4, &[1; 32]), harary(20, 4, &[1; 32]));
		assert_ne!(harary(20, 4, &[1; 32]), harary(20, 4, &[2; 32]));
	}
}
