//! Weighted sampling without replacement, driven by a 32-byte seed.
//!
//! Selection is pure and deterministic: the same weights and seed always give the same seats,
//! so every node computes the same round. Each seat is drawn in proportion to the candidate's
//! weight among the candidates not yet chosen (successive sampling): a draw `r` uniform in
//! `[0, total)` picks the first candidate whose prefix sum exceeds `r`, and a draw that lands on
//! an already chosen candidate is rejected. Rejections are bounded by [`MAX_DRAWS_PER_SEAT`];
//! seats still empty after that are filled deterministically, walking the candidates cyclically
//! from a seed-derived offset, so the work is `O(n + seats × log n)` whatever the weights.
//!
//! Draws are `u128` values taken from `blake2_256(seed ‖ counter)`; reducing them modulo the
//! total weight has a bias of at most `total / 2^128`, negligible for any real stake.

use alloc::vec::Vec;

/// How many draws per seat are tried before the remaining seats are filled deterministically.
pub const MAX_DRAWS_PER_SEAT: usize = 4;

/// A deterministic stream of 128-bit draws expanded from a seed.
pub struct DrawStream {
	seed: [u8; 32],
	counter: u32,
	spare: Option<u128>,
}

impl DrawStream {
	/// A stream that starts at counter zero.
	pub fn new(seed: [u8; 32]) -> Self {
		Self {
			seed,
			counter: 0,
			spare: None,
		}
	}

	/// The next draw. Each hash yields two draws (its two 16-byte halves).
	pub fn next_u128(&mut self) -> u128 {
		if let Some(spare) = self.spare.take() {
			return spare;
		}
		let mut input = [0u8; 36];
		input[..32].copy_from_slice(&self.seed);
		input[32..].copy_from_slice(&self.counter.to_le_bytes());
		self.counter = self.counter.wrapping_add(1);
		let digest = sp_io::hashing::blake2_256(&input);
		let mut low = [0u8; 16];
		let mut high = [0u8; 16];
		low.copy_from_slice(&digest[..16]);
		high.copy_from_slice(&digest[16..]);
		self.spare = Some(u128::from_le_bytes(high));
		u128::from_le_bytes(low)
	}

	/// A draw reduced to `[0, bound)`; `bound` must be non-zero (callers check).
	fn below(&mut self, bound: u128) -> u128 {
		self.next_u128() % bound
	}
}

/// Chooses `seats` distinct indices of `weights`, each seat drawn in proportion to weight.
///
/// When there are no more candidates than seats every candidate is taken. Zero-weight
/// candidates are never drawn but can be used by the deterministic fill; callers that must
/// exclude them filter them out first. The result is in selection order, without duplicates.
pub fn sample_without_replacement(weights: &[u128], seats: usize, seed: [u8; 32]) -> Vec<usize> {
	let candidates = weights.len();
	if candidates <= seats {
		return (0..candidates).collect();
	}
	let mut chosen = alloc::vec![false; candidates];
	let mut picked = Vec::with_capacity(seats);
	let mut stream = DrawStream::new(seed);

	let prefix = prefix_sums(weights);
	let total = prefix.last().copied().unwrap_or(0);
	if total > 0 {
		let mut draws = 0;
		while picked.len() < seats && draws < seats.saturating_mul(MAX_DRAWS_PER_SEAT) {
			draws += 1;
			let target = stream.below(total);
			// The first candidate whose cumulative weight exceeds the target owns it; zero-weight
			// candidates own an empty interval and are never found.
			let index = prefix.partition_point(|&cumulative| cumulative <= target);
			if index < candidates && !chosen[index] {
				chosen[index] = true;
				picked.push(index);
			}
		}
	}
	fill_cyclically(&mut chosen, &mut picked, seats, &mut stream);
	picked
}

/// Cumulative weights; saturating, so an absurd total cannot wrap around.
fn prefix_sums(weights: &[u128]) -> Vec<u128> {
	let mut running: u128 = 0;
	weights
		.iter()
		.map(|weight| {
			running = running.saturating_add(*weight);
			running
		})
		.collect()
}

/// Tops `picked` up to `seats` with unchosen candidates, starting at a seed-derived offset.
fn fill_cyclically(
	chosen: &mut [bool],
	picked: &mut Vec<usize>,
	seats: usize,
	stream: &mut DrawStream,
) {
	let candidates = chosen.len();
	if picked.len() >= seats || candidates == 0 {
		return;
	}
	// `candidates` fits in u128 and is non-zero here; the offset is below it.
	let offset = stream.below(candidates as u128) as usize;
	for step in 0..candidates {
		if picked.len() >= seats {
			break;
		}
		let index = (offset + step) % candidates;
		if !chosen[index] {
			chosen[index] = true;
			picked.push(index);
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	fn seed(byte: u8) -> [u8; 32] {
		[byte; 32]
	}

	#[test]
	fn takes_everyone_when_seats_suffice() {
		assert_eq!(
			sample_without_replacement(&[5, 0, 7], 3, seed(1)),
			vec![0, 1, 2]
		);
		assert_eq!(
			sample_without_replacement(&[5, 0, 7], 8, seed(1)),
			vec![0, 1, 2]
		);
		assert!(sample_without_replacement(&[], 2, seed(1)).is_empty());
	}

	#[test]
	fn zero_seats_picks_nobody() {
		assert!(sample_without_replacement(&[1, 2, 3], 0, seed(3)).is_empty());
	}

	#[test]
	fn zero_weight_is_only_used_to_fill() {
		// Two seats, one positive candidate: the second seat must come from the fill.
		for byte in 0..32 {
			let picked = sample_without_replacement(&[0, 10, 0, 0], 2, seed(byte));
			assert_eq!(picked[0], 1, "the only weighted candidate is drawn first");
			assert_eq!(picked.len(), 2);
		}
	}

	#[test]
	fn heavier_candidates_win_more_often() {
		// Candidate 0 has ten times the weight of each of the nine others: over many seeds it
		// must be chosen for the single seat far more often than any other candidate.
		let mut weights = vec![1u128; 10];
		weights[0] = 10;
		let mut wins = [0u32; 10];
		for round in 0..2_000u32 {
			let mut s = [0u8; 32];
			s[..4].copy_from_slice(&round.to_le_bytes());
			wins[sample_without_replacement(&weights, 1, s)[0]] += 1;
		}
		// Expected share of candidate 0 is 10/19 ≈ 53%, of each other ≈ 5%.
		assert!(wins[0] > 900, "heavy candidate won {} of 2000", wins[0]);
		assert!(
			wins[1..].iter().all(|&w| w < 200),
			"light candidates won {wins:?}"
		);
	}

	#[test]
	fn draw_stream_is_deterministic_and_varies() {
		let mut a = DrawStream::new(seed(9));
		let mut b = DrawStream::new(seed(9));
		let first: Vec<u128> = (0..5).map(|_| a.next_u128()).collect();
		let second: Vec<u128> = (0..5).map(|_| b.next_u128()).collect();
		assert_eq!(first, second);
		let mut distinct = first.clone();
		distinct.sort_unstable();
		distinct.dedup();
		assert_eq!(distinct.len(), 5);
	}

	proptest! {
		#[test]
		fn picks_distinct_in_range_and_exactly_the_seats(
			weights in proptest::collection::vec(0u128..1_000_000, 0..200),
			seats in 0usize..64,
			s in any::<[u8; 32]>(),
		) {
			let picked = sample_without_replacement(&weights, seats, s);
			prop_assert_eq!(picked.len(), seats.min(weights.len()));
			let mut sorted = picked.clone();
			sorted.sort_unstable();
			sorted.dedup();
			prop_assert_eq!(sorted.len(), picked.len());
			prop_assert!(picked.iter().all(|&i| i < weights.len()));
		}

		#[test]
		fn same_seed_same_seats(
			weights in proptest::collection::vec(1u128..u128::MAX / 256, 1..100),
			seats in 1usize..50,
			s in any::<[u8; 32]>(),
		) {
			prop_assert_eq!(
				sample_without_replacement(&weights, seats, s),
				sample_without_replacement(&weights, seats, s)
			);
		}

		#[test]
		fn positive_weights_are_preferred_to_zero(
			positive in 1usize..20,
			zeros in 1usize..20,
			s in any::<[u8; 32]>(),
		) {
			// The first draw cannot be rejected, so the first seat always has positive weight.
			let mut weights = vec![0u128; zeros];
			weights.extend(core::iter::repeat_n(7u128, positive));
			let seats = positive.min(weights.len() - 1).max(1);
			let picked = sample_without_replacement(&weights, seats, s);
			prop_assert!(weights[picked[0]] > 0);
		}

		#[test]
		fn saturating_weights_do_not_panic(
			count in 2usize..40,
			seats in 1usize..10,
			s in any::<[u8; 32]>(),
		) {
			let weights = vec![u128::MAX; count];
			let picked = sample_without_replacement(&weights, seats, s);
			prop_assert_eq!(picked.len(), seats.min(count));
		}
	}
}
