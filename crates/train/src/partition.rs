//! Seeded, reproducible splits of a training set among simulated clients.
//!
//! Every partitioner is a pure function of its inputs and a seed (ChaCha8), and returns one
//! list of example indices per client; the lists are disjoint.

use crate::data::Dataset;
use crate::error::{Result, TrainError};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma};
use serde::{Deserialize, Serialize};

/// Example indices of each client.
pub type ClientIndices = Vec<Vec<usize>>;

/// How to split a training set among clients.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Partitioner {
	/// Shuffle, then deal out equal shares.
	Iid,
	/// Per class, split its examples among clients by proportions drawn from
	/// Dirichlet(alpha); small alpha makes clients hold few classes.
	Dirichlet {
		/// Concentration, > 0.
		alpha: f64,
	},
	/// FedAvg's pathological non-IID split: sort by label, cut into
	/// `clients * shards_per_client` equal shards and give each client `shards_per_client`
	/// random shards (MNIST: 200 shards of 300, 2 per client, 100 clients).
	Shards {
		/// Shards each client gets.
		shards_per_client: usize,
	},
	/// One client per natural group (FEMNIST writer, Shakespeare role). With fewer clients
	/// than groups, a seeded random choice of groups is kept.
	Natural,
}

impl Partitioner {
	/// Splits `data` among `clients` clients.
	pub fn partition(&self, data: &Dataset, clients: usize, seed: u64) -> Result<ClientIndices> {
		match self {
			Partitioner::Iid => iid(data.len(), clients, seed),
			Partitioner::Dirichlet { alpha } => {
				dirichlet(&data.labels, data.classes, clients, *alpha, seed)
			}
			Partitioner::Shards { shards_per_client } => {
				shards(&data.labels, clients, *shards_per_client, seed)
			}
			Partitioner::Natural => {
				let groups = data.groups.as_ref().ok_or_else(|| TrainError::Partition {
					examples: data.len(),
					clients,
					reason: format!("data set {} has no natural groups", data.name),
				})?;
				natural(&groups.of_example, groups.names.len(), clients, seed)
			}
		}
	}
}

impl std::str::FromStr for Partitioner {
	type Err = String;

	/// Parses `iid`, `natural`, `shards` (2 per client), `shards:K` or `dirichlet:ALPHA`.
	fn from_str(s: &str) -> Result<Self, String> {
		let (kind, arg) = s.split_once(':').map_or((s, None), |(k, a)| (k, Some(a)));
		let number = |a: Option<&str>| -> Result<f64, String> {
			a.ok_or_else(|| format!("`{s}` needs a value after `:`"))?
				.parse::<f64>()
				.map_err(|e| format!("`{s}`: {e}"))
		};
		match kind {
			"iid" => Ok(Partitioner::Iid),
			"natural" => Ok(Partitioner::Natural),
			"dirichlet" => Ok(Partitioner::Dirichlet {
				alpha: number(arg)?,
			}),
			"shards" => {
				let k = arg.map_or(Ok(2.0), |a| number(Some(a)))?;
				if k < 1.0 || k.fract() != 0.0 {
					return Err(format!(
						"`{s}`: shards per client must be a positive integer"
					));
				}
				Ok(Partitioner::Shards {
					shards_per_client: k as usize,
				})
			}
			_ => Err(format!(
				"unknown partitioner `{s}`: expected iid, natural, shards[:K] or dirichlet:ALPHA"
			)),
		}
	}
}

fn rng(seed: u64) -> ChaCha8Rng {
	ChaCha8Rng::seed_from_u64(seed)
}

fn need_clients(examples: usize, clients: usize) -> Result<()> {
	if clients == 0 {
		return Err(TrainError::Partition {
			examples,
			clients,
			reason: "need at least one client".into(),
		});
	}
	Ok(())
}

/// Shuffles `0..examples` and deals equal shares (the first `examples % clients` clients get
/// one more).
pub fn iid(examples: usize, clients: usize, seed: u64) -> Result<ClientIndices> {
	need_clients(examples, clients)?;
	let mut order: Vec<usize> = (0..examples).collect();
	order.shuffle(&mut rng(seed));
	let (base, extra) = (examples / clients, examples % clients);
	let mut out = Vec::with_capacity(clients);
	let mut start = 0;
	for client in 0..clients {
		let len = base + usize::from(client < extra);
		out.push(order[start..start + len].to_vec());
		start += len;
	}
	Ok(out)
}

/// Splits each class among clients by Dirichlet(alpha) proportions. A client may end up with
/// no examples when alpha is small.
pub fn dirichlet(
	labels: &[u32],
	classes: usize,
	clients: usize,
	alpha: f64,
	seed: u64,
) -> Result<ClientIndices> {
	need_clients(labels.len(), clients)?;
	let gamma = Gamma::new(alpha, 1.0)
		.ok()
		.filter(|_| alpha.is_finite() && alpha > 0.0);
	let gamma = gamma.ok_or_else(|| TrainError::Partition {
		examples: labels.len(),
		clients,
		reason: format!("Dirichlet alpha must be a positive number, got {alpha}"),
	})?;
	let mut rng = rng(seed);
	let mut out = vec![Vec::new(); clients];
	for class in 0..classes {
		let mut members: Vec<usize> = (0..labels.len())
			.filter(|i| labels[*i] as usize == class)
			.collect();
		members.shuffle(&mut rng);
		let weights: Vec<f64> = (0..clients).map(|_| gamma.sample(&mut rng)).collect();
		for (client, range) in proportional_ranges(members.len(), &weights)
			.into_iter()
			.enumerate()
		{
			out[client].extend_from_slice(&members[range]);
		}
	}
	for client in &mut out {
		client.shuffle(&mut rng);
	}
	Ok(out)
}

/// Cuts `0..len` into consecutive ranges proportional to `weights` (cumulative rounding, so the
/// ranges cover everything).
fn proportional_ranges(len: usize, weights: &[f64]) -> Vec<std::ops::Range<usize>> {
	let total: f64 = weights.iter().sum();
	let mut cumulative = 0.0;
	let mut start = 0;
	weights
		.iter()
		.enumerate()
		.map(|(i, w)| {
			cumulative += w;
			let end = if i + 1 == weights.len() {
				len
			} else if total > 0.0 {
				((cumulative / total) * len as f64)
					.round()
					.clamp(start as f64, len as f64) as usize
			} else {
				start
			};
			let range = start..end;
			start = end;
			range
		})
		.collect()
}

/// FedAvg's pathological split: sort by label, cut into `clients * shards_per_client` shards
/// of `len / shards` examples (a remainder is left out), give each client random shards.
pub fn shards(
	labels: &[u32],
	clients: usize,
	shards_per_client: usize,
	seed: u64,
) -> Result<ClientIndices> {
	need_clients(labels.len(), clients)?;
	let shard_count = clients * shards_per_client;
	if shards_per_client == 0 || labels.len() < shard_count {
		return Err(TrainError::Partition {
			examples: labels.len(),
			clients,
			reason: format!("cannot cut {shard_count} non-empty shards"),
		});
	}
	let shard_len = labels.len() / shard_count;
	let mut sorted: Vec<usize> = (0..labels.len()).collect();
	// Stable: equal labels keep their index order, so the split depends only on the seed.
	sorted.sort_by_key(|i| labels[*i]);
	let mut shard_ids: Vec<usize> = (0..shard_count).collect();
	shard_ids.shuffle(&mut rng(seed));
	Ok(shard_ids
		.chunks(shards_per_client)
		.map(|ids| {
			ids.iter()
				.flat_map(|s| sorted[s * shard_len..(s + 1) * shard_len].iter().copied())
				.collect()
		})
		.collect())
}

/// One client per natural group (empty groups dropped). With `clients` below the number of
/// groups, a seeded random choice of `clients` groups is kept, in group order.
pub fn natural(
	group_of_example: &[u32],
	groups: usize,
	clients: usize,
	seed: u64,
) -> Result<ClientIndices> {
	need_clients(group_of_example.len(), clients)?;
	let mut members = vec![Vec::new(); groups];
	for (example, group) in group_of_example.iter().enumerate() {
		let slot = members
			.get_mut(*group as usize)
			.ok_or_else(|| TrainError::Partition {
				examples: group_of_example.len(),
				clients,
				reason: format!("example {example} names group {group} of only {groups}"),
			})?;
		slot.push(example);
	}
	members.retain(|m| !m.is_empty());
	if clients < members.len() {
		let mut rng = rng(seed);
		let mut keep: Vec<usize> =
			rand::seq::index::sample(&mut rng, members.len(), clients).into_vec();
		keep.sort_unstable();
		members = keep
			.into_iter()
			.map(|g| std::mem::take(&mut members[g]))
			.collect();
	}
	Ok(members)
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;
	use std::collections::HashSet;

	fn assert_disjoint(parts: &ClientIndices, examples: usize) -> usize {
		let mut seen = HashSet::new();
		for i in parts.iter().flatten() {
			assert!(*i < examples);
			assert!(seen.insert(*i), "index {i} given twice");
		}
		seen.len()
	}

	proptest! {
		#[test]
		fn iid_covers_everything_in_near_equal_shares(n in 0usize..500, k in 1usize..20, seed: u64) {
			let parts = iid(n, k, seed).unwrap();
			prop_assert_eq!(assert_disjoint(&parts, n), n);
			let sizes: Vec<usize> = parts.iter().map(Vec::len).collect();
			prop_assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
			prop_assert_eq!(&parts, &iid(n, k, seed).unwrap());
		}

		#[test]
		fn dirichlet_covers_everything(
			labels in prop::collection::vec(0u32..5, 0..400),
			k in 1usize..12,
			alpha in 0.05f64..10.0,
			seed: u64,
		) {
			let parts = dirichlet(&labels, 5, k, alpha, seed).unwrap();
			prop_assert_eq!(parts.len(), k);
			prop_assert_eq!(assert_disjoint(&parts, labels.len()), labels.len());
			prop_assert_eq!(&parts, &dirichlet(&labels, 5, k, alpha, seed).unwrap());
		}

		#[test]
		fn shards_give_equal_sizes(
			labels in prop::collection::vec(0u32..10, 40..400),
			k in 1usize..10,
			per in 1usize..4,
			seed: u64,
		) {
			let parts = shards(&labels, k, per, seed).unwrap();
			let shard_len = labels.len() / (k * per);
			prop_assert_eq!(assert_disjoint(&parts, labels.len()), shard_len * k * per);
			prop_assert!(parts.iter().all(|p| p.len() == shard_len * per));
		}

		#[test]
		fn proportional_ranges_tile(len in 0usize..1000, weights in prop::collection::vec(0.0f64..5.0, 1..20)) {
			let ranges = proportional_ranges(len, &weights);
			prop_assert_eq!(ranges.len(), weights.len());
			let mut next = 0;
			for r in ranges {
				prop_assert_eq!(r.start, next);
				prop_assert!(r.end >= r.start);
				next = r.end;
			}
			prop_assert_eq!(next, len);
		}
	}

	#[test]
	fn fedavg_mnist_shards_exact_counts() {
		// 60,000 labels sorted into 10 classes of 6,000, as in MNIST (class sizes differ
		// slightly in the real set; the counts below do not depend on them).
		let labels: Vec<u32> = (0..60_000).map(|i| (i % 10) as u32).collect();
		let parts = shards(&labels, 100, 2, 7).unwrap();
		assert_eq!(parts.len(), 100);
		assert!(parts.iter().all(|p| p.len() == 600));
		assert_eq!(assert_disjoint(&parts, 60_000), 60_000);
		// Each shard of 300 sorted examples lies within one class of 6,000, so a client holds
		// at most two classes.
		for p in &parts {
			let classes: HashSet<u32> = p.iter().map(|i| labels[*i]).collect();
			assert!(classes.len() <= 2, "{classes:?}");
		}
		assert_ne!(parts, shards(&labels, 100, 2, 8).unwrap());
	}

	#[test]
	fn small_alpha_concentrates_classes() {
		let labels: Vec<u32> = (0..10_000).map(|i| (i % 10) as u32).collect();
		let classes_held = |alpha: f64| -> f64 {
			let parts = dirichlet(&labels, 10, 20, alpha, 3).unwrap();
			let held: usize = parts
				.iter()
				.map(|p| {
					let mut count = [0usize; 10];
					p.iter().for_each(|i| count[labels[*i] as usize] += 1);
					count.iter().filter(|c| **c * 20 >= p.len().max(1)).count()
				})
				.sum();
			held as f64 / 20.0
		};
		let (concentrated, spread) = (classes_held(0.1), classes_held(100.0));
		assert!(
			concentrated < 4.0 && spread > 8.0,
			"{concentrated} {spread}"
		);
	}

	#[test]
	fn natural_keeps_groups_and_samples_reproducibly() {
		let groups = [0, 1, 1, 3, 0, 3, 3];
		let all = natural(&groups, 4, 10, 0).unwrap();
		assert_eq!(all, vec![vec![0, 4], vec![1, 2], vec![3, 5, 6]]);
		let two = natural(&groups, 4, 2, 9).unwrap();
		assert_eq!(two.len(), 2);
		assert_eq!(two, natural(&groups, 4, 2, 9).unwrap());
		assert!(natural(&[5], 2, 1, 0)
			.unwrap_err()
			.to_string()
			.contains("group 5"));
	}

	#[test]
	fn bad_arguments_are_errors() {
		assert!(iid(10, 0, 0).is_err());
		assert!(dirichlet(&[0, 1], 2, 2, 0.0, 0)
			.unwrap_err()
			.to_string()
			.contains("alpha"));
		assert!(shards(&[0; 10], 10, 2, 0)
			.unwrap_err()
			.to_string()
			.contains("20 non-empty"));
	}

	#[test]
	fn parses_from_the_command_line_form() {
		assert_eq!("iid".parse::<Partitioner>().unwrap(), Partitioner::Iid);
		assert_eq!(
			"shards".parse::<Partitioner>().unwrap(),
			Partitioner::Shards {
				shards_per_client: 2
			}
		);
		assert_eq!(
			"dirichlet:0.3".parse::<Partitioner>().unwrap(),
			Partitioner::Dirichlet { alpha: 0.3 }
		);
		assert!("dirichlet".parse::<Partitioner>().is_err());
		assert!("shards:1.5".parse::<Partitioner>().is_err());
		assert!("by-name"
			.parse::<Partitioner>()
			.unwrap_err()
			.contains("by-name"));
	}
}
