//! Per-chunk reduction kernels shared by the strategies.

use super::{ChunkInputs, Scratch};
use crate::{
	error::Result,
	tensor::{as_f32, ElemType},
};

/// Elements gathered per block by [`for_each_column`]: small enough that a block of 100
/// clients stays in L2 cache.
const BLOCK: usize = 256;

/// Weighted mean `sum_k w_k x_k / sum_k w_k` of the clients' values, summed in participant
/// order in `f64`: the first client's term initialises the sum (no `0.0 +`), the others are
/// added one by one, then the sum is divided by the total weight.
pub fn weighted_mean(inputs: &ChunkInputs<'_>, out: &mut [f64]) {
	let mut total = 0.0;
	for (k, client) in inputs.clients.iter().enumerate() {
		total += client.weight;
		let bytes = client
			.tensor
			.element_bytes(inputs.start..inputs.start + inputs.len);
		let elem = client.tensor.spec.elem;
		match (client.scale, k == 0) {
			(None, true) => weighted::<true>(elem, bytes, client.weight, out),
			(None, false) => weighted::<false>(elem, bytes, client.weight, out),
			(Some(s), true) => {
				weighted_bounded::<true>(elem, bytes, inputs.global, s, client.weight, out)
			}
			(Some(s), false) => {
				weighted_bounded::<false>(elem, bytes, inputs.global, s, client.weight, out)
			}
		}
	}
	for value in out.iter_mut() {
		*value /= total;
	}
}

/// `acc[i] = v` when `FIRST`, else `acc[i] += v`.
#[inline(always)]
fn store<const FIRST: bool>(acc: &mut f64, v: f64) {
	if FIRST {
		*acc = v;
	} else {
		*acc += v;
	}
}

/// Stores or adds `weight * x[i]`, decoding `x` from its raw bytes in the same pass.
fn weighted<const FIRST: bool>(elem: ElemType, bytes: &[u8], weight: f64, acc: &mut [f64]) {
	match elem {
		ElemType::F32 => {
			if let Some(xs) = as_f32(bytes) {
				for (a, x) in acc.iter_mut().zip(xs) {
					store::<FIRST>(a, weight * f64::from(*x));
				}
				return;
			}
			for (a, b) in acc.iter_mut().zip(bytes.chunks_exact(4)) {
				let x = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
				store::<FIRST>(a, weight * f64::from(x));
			}
		}
		ElemType::F16 | ElemType::BF16 => {
			let mut wide = [0.0f64; BLOCK];
			for (a, b) in acc.chunks_mut(BLOCK).zip(bytes.chunks(BLOCK * 2)) {
				let wide = &mut wide[..a.len()];
				elem.decode(b, wide);
				for (a, x) in a.iter_mut().zip(wide.iter()) {
					store::<FIRST>(a, weight * x);
				}
			}
		}
	}
}

/// Stores or adds `weight * (g[i] + scale * (x[i] - g[i]))`: the weighted, norm-bounded value.
fn weighted_bounded<const FIRST: bool>(
	elem: ElemType,
	bytes: &[u8],
	global: &[f64],
	scale: f64,
	weight: f64,
	acc: &mut [f64],
) {
	let mut wide = [0.0f64; BLOCK];
	let size = elem.size();
	let blocks = acc
		.chunks_mut(BLOCK)
		.zip(bytes.chunks(BLOCK * size))
		.zip(global.chunks(BLOCK));
	for ((a, b), g) in blocks {
		let wide = &mut wide[..a.len()];
		elem.decode(b, wide);
		for ((a, x), g) in a.iter_mut().zip(wide.iter()).zip(g) {
			store::<FIRST>(a, weight * (g + scale * (x - g)));
		}
	}
}

/// Calls `reduce` once per element with that element's values across the selected clients (in
/// participant order) and stores its result in `out`. Fails on the first non-finite value.
pub fn for_each_column(
	inputs: &ChunkInputs<'_>,
	scratch: &mut Scratch,
	out: &mut [f64],
	mut reduce: impl FnMut(&mut [f64], &mut Vec<(f64, usize)>) -> f64,
) -> Result<()> {
	let clients = inputs.clients.len();
	scratch.block.resize(clients * BLOCK, 0.0);
	scratch.column.resize(clients, 0.0);
	let mut offset = 0;
	while offset < inputs.len {
		let len = (inputs.len - offset).min(BLOCK);
		for k in 0..clients {
			let row = &mut scratch.block[k * BLOCK..k * BLOCK + len];
			inputs.client_values(k, offset, row);
			if let Some(i) = row.iter().position(|v| !v.is_finite()) {
				return Err(inputs.non_finite(k, offset + i, row[i]));
			}
		}
		for i in 0..len {
			for k in 0..clients {
				scratch.column[k] = scratch.block[k * BLOCK + i];
			}
			out[offset + i] = reduce(&mut scratch.column, &mut scratch.ranked);
		}
		offset += len;
	}
	Ok(())
}

/// Maps an `f64`'s bits to an integer with the same order as [`f64::total_cmp`] (the mapping
/// `total_cmp` itself uses); applying it twice gives the bits back.
#[inline(always)]
fn total_key(bits: i64) -> i64 {
	bits ^ (((bits >> 63) as u64) >> 1) as i64
}

/// Runs `f` on the values viewed as total-order integer keys, then restores the values. Integer
/// keys sort and select faster than floats compared with `total_cmp`, with the same order.
fn with_total_keys<T>(values: &mut [f64], f: impl FnOnce(&mut [i64]) -> T) -> T {
	let keys: &mut [i64] = bytemuck::cast_slice_mut(values);
	for k in keys.iter_mut() {
		*k = total_key(*k);
	}
	let result = f(keys);
	for k in keys.iter_mut() {
		*k = total_key(*k);
	}
	result
}

/// Up to this many values, insertion sort beats selection (few clients is the common case).
const SMALL: usize = 32;

fn insertion_sort(keys: &mut [i64]) {
	for i in 1..keys.len() {
		let key = keys[i];
		let mut j = i;
		while j > 0 && keys[j - 1] > key {
			keys[j] = keys[j - 1];
			j -= 1;
		}
		keys[j] = key;
	}
}

/// Sorts ascending under IEEE total order.
pub fn sort_total(values: &mut [f64]) {
	with_total_keys(values, |keys| keys.sort_unstable());
}

/// Median under IEEE total order; the mean of the two middle values for an even count.
/// Reorders `values`. `values` must not be empty.
pub fn median(values: &mut [f64]) -> f64 {
	let n = values.len();
	let mid = n / 2;
	let (lower, upper) = with_total_keys(values, |keys| {
		if keys.len() <= SMALL {
			insertion_sort(keys);
			return (keys[mid.saturating_sub(1)], keys[mid]);
		}
		let (below, upper, _) = keys.select_nth_unstable(mid);
		let upper = *upper;
		// The lower middle is the largest key below position `mid`.
		(below.iter().copied().max().unwrap_or(upper), upper)
	});
	let (lower, upper) = (
		f64::from_bits(total_key(lower) as u64),
		f64::from_bits(total_key(upper) as u64),
	);
	if n % 2 == 1 {
		upper
	} else {
		(lower + upper) * 0.5
	}
}

/// Plain sum in slice order, divided by the count.
pub fn mean(values: &[f64]) -> f64 {
	let mut sum = 0.0;
	for v in values {
		sum += v;
	}
	sum / values.len() as f64
}

/// One adaptive server-optimiser step (Reddi et al. 2021, Algorithm 2) over a chunk:
/// with the pseudo-gradient `d = aggregate - global`,
/// `m = beta1 * m + (1 - beta1) * d`, `v = second_moment(v, d^2)` and
/// `new = global + eta * m / (sqrt(v) + tau)`. `values` holds the aggregate on entry and the new
/// weights on return; `m` and `v` are updated in place (stored as `f32`). Without bias
/// correction, as in the paper.
pub fn adaptive_step(
	global: &[f64],
	values: &mut [f64],
	m: &mut [f32],
	v: &mut [f32],
	(eta, beta1, tau): (f64, f64, f64),
	second_moment: impl Fn(f64, f64) -> f64,
) {
	for (((x, g), m), v) in values
		.iter_mut()
		.zip(global)
		.zip(m.iter_mut())
		.zip(v.iter_mut())
	{
		let d = *x - g;
		let m_new = beta1 * f64::from(*m) + (1.0 - beta1) * d;
		let v_new = second_moment(f64::from(*v), d * d);
		*x = g + eta * m_new / (v_new.sqrt() + tau);
		*m = m_new as f32;
		*v = v_new as f32;
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	#[test]
	fn median_odd_and_even() {
		assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
		assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
		assert_eq!(median(&mut [-0.0, 0.0]), 0.0);
	}

	proptest! {
		#[test]
		fn weighted_sums_agree_on_aligned_and_unaligned_bytes(
			values in proptest::collection::vec(-1e30f32..1e30, 1..300),
			weight in 1.0f64..1e6,
		) {
			let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
			let mut buffer = vec![0u8; bytes.len() + 4];
			let offset = (1..4).find(|o| !(buffer.as_ptr() as usize + o).is_multiple_of(4)).unwrap();
			buffer[offset..offset + bytes.len()].copy_from_slice(&bytes);
			let (mut a, mut b) = (vec![0.5; values.len()], vec![0.5; values.len()]);
			let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
			weighted::<false>(ElemType::F32, &bytes, weight, &mut a);
			weighted::<false>(ElemType::F32, &buffer[offset..offset + bytes.len()], weight, &mut b);
			prop_assert_eq!(bits(&a), bits(&b));
			weighted::<true>(ElemType::F32, &bytes, weight, &mut a);
			weighted::<true>(ElemType::F32, &buffer[offset..offset + bytes.len()], weight, &mut b);
			prop_assert_eq!(bits(&a), bits(&b));
		}
	}

	proptest! {
		#[test]
		fn median_matches_sorting(mut values in proptest::collection::vec(prop_oneof![-1e6f64..1e6, Just(0.0), Just(-0.0), any::<f64>()], 1..40)) {
			let mut sorted = values.clone();
			sorted.sort_by(f64::total_cmp);
			let mut fast = values.clone();
			sort_total(&mut fast);
			prop_assert_eq!(
				fast.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
				sorted.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
			);
			let n = sorted.len();
			let expected = if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) * 0.5 };
			prop_assert_eq!(median(&mut values).to_bits(), expected.to_bits());
		}
	}
}
