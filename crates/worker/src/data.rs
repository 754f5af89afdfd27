//! Which examples a worker holds: a data set split, optionally cut down, and one client's share
//! of a partition or one slice of it.
//!
//! A [`DataSpec`] is written `DATASET[:SPLIT][,KEY=VALUE]…`:
//!
//! | Key | Meaning |
//! |---|---|
//! | `DATASET` | `mnist`, `fashion-mnist`, `femnist` or `shakespeare` |
//! | `SPLIT` | `train` (the default) or `test` |
//! | `limit=N` | use only the split's first `N` examples |
//! | `partition=P` | `iid`, `dirichlet:ALPHA`, `shards:S` or `natural` (default `iid`) |
//! | `client=I/K` | this worker is client `I` (from 0) of `K` in the partition |
//! | `part=I/K` | this worker holds the `I`-th of `K` equal contiguous slices (held-out data) |
//! | `seed=S` | the partition's seed (default 0) |
//! | `dir=PATH` | the data folder (default `$DECENTRALML_DATA` or `~/.cache/decentralml/data`) |
//!
//! Trainers use a client's share of the training split, for example
//! `mnist,partition=dirichlet:0.5,client=3/10`; validators a slice of the test split, for
//! example `mnist:test,part=0/3`. Every worker of a task given the same `partition`, `seed`
//! and `K` gets disjoint shares.

use crate::error::{Result, WorkerError};
use decentralml_train::data::{self, DataSplit, Dataset, DatasetName};
use decentralml_train::partition;
use decentralml_train::Partitioner;
use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};

/// Which split of a data set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
	/// The training split.
	Train,
	/// The held-out test split.
	Test,
}

/// How a worker's examples are chosen within the (limited) split.
#[derive(Clone, Debug, PartialEq)]
pub enum Selection {
	/// The whole split.
	All,
	/// Client `index` of `clients` under `partitioner` with `seed`.
	Client {
		/// How the split is partitioned.
		partitioner: Partitioner,
		/// This worker's index, from 0.
		index: usize,
		/// Number of clients.
		clients: usize,
		/// The partition's seed.
		seed: u64,
	},
	/// The `index`-th of `parts` equal contiguous slices.
	Part {
		/// This worker's slice, from 0.
		index: usize,
		/// Number of slices.
		parts: usize,
	},
}

/// A worker's data: see the [module documentation](self) for the text form.
#[derive(Clone, Debug, PartialEq)]
pub struct DataSpec {
	/// The data set.
	pub dataset: DatasetName,
	/// The split.
	pub split: Split,
	/// Use only the first `limit` examples of the split.
	pub limit: Option<usize>,
	/// Which examples of those.
	pub selection: Selection,
	/// The data folder, if not the default.
	pub dir: Option<PathBuf>,
}

/// A worker's examples: a shared data set and the indices it holds.
#[derive(Clone, Debug)]
pub struct LocalData {
	/// The data set the indices point into.
	pub dataset: Arc<Dataset>,
	/// This worker's examples.
	pub indices: Vec<usize>,
}

impl LocalData {
	/// A worker holding `indices` of `dataset`.
	pub fn new(dataset: Arc<Dataset>, indices: Vec<usize>) -> Result<Self> {
		if indices.is_empty() {
			return Err(WorkerError::Data(format!(
				"the selection of {} holds no examples",
				dataset.name
			)));
		}
		if let Some(bad) = indices.iter().find(|i| **i >= dataset.len()) {
			return Err(WorkerError::Data(format!(
				"example {bad} is beyond the {} examples of {}",
				dataset.len(),
				dataset.name
			)));
		}
		Ok(Self { dataset, indices })
	}
}

impl DataSpec {
	/// Loads the data set (once per process and folder) and selects this worker's examples.
	pub fn load(&self) -> Result<LocalData> {
		let dir = self.dir.clone().unwrap_or_else(data::data_dir);
		let (train, test) = load_cached(self.dataset, dir)?;
		let dataset = match self.split {
			Split::Train => train,
			Split::Test => test,
		};
		let indices = self.select(&dataset)?;
		LocalData::new(dataset, indices)
	}

	/// This worker's example indices within `dataset`.
	pub fn select(&self, dataset: &Dataset) -> Result<Vec<usize>> {
		let available = self.limit.unwrap_or(dataset.len()).min(dataset.len());
		let bad = |e: decentralml_train::TrainError| WorkerError::Data(format!("{self}: {e}"));
		match &self.selection {
			Selection::All => Ok((0..available).collect()),
			Selection::Part { index, parts } => {
				let (start, end) = (available * index / parts, available * (index + 1) / parts);
				Ok((start..end).collect())
			}
			Selection::Client {
				partitioner,
				index,
				clients,
				seed,
			} => {
				let labels = &dataset.labels[..available];
				let mut shares =
					match partitioner {
						Partitioner::Iid => partition::iid(available, *clients, *seed),
						Partitioner::Dirichlet { alpha } => {
							partition::dirichlet(labels, dataset.classes, *clients, *alpha, *seed)
						}
						Partitioner::Shards { shards_per_client } => {
							partition::shards(labels, *clients, *shards_per_client, *seed)
						}
						Partitioner::Natural => partitioner
							.partition(dataset, *clients, *seed)
							.map(|mut shares| {
								for share in &mut shares {
									share.retain(|i| *i < available);
								}
								shares
							}),
					}
					.map_err(bad)?;
				Ok(std::mem::take(&mut shares[*index]))
			}
		}
	}
}

/// A data set's train and test splits, shared.
type SharedSplit = (Arc<Dataset>, Arc<Dataset>);

/// Loads a data set's splits, sharing them between the workers of one process.
fn load_cached(name: DatasetName, dir: PathBuf) -> Result<SharedSplit> {
	type Cache = Mutex<HashMap<(DatasetName, PathBuf), SharedSplit>>;
	static CACHE: OnceLock<Cache> = OnceLock::new();
	let cache = CACHE.get_or_init(Default::default);
	let key = (name, dir);
	if let Some(split) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
		return Ok(split);
	}
	let DataSplit { train, test } =
		data::load(name, &key.1).map_err(|source| WorkerError::Training {
			what: format!("loading {name} from {}", key.1.display()),
			source,
		})?;
	let split = (Arc::new(train), Arc::new(test));
	if let Ok(mut cache) = cache.lock() {
		cache.insert(key, split.clone());
	}
	Ok(split)
}

impl FromStr for DataSpec {
	type Err = WorkerError;

	fn from_str(text: &str) -> Result<Self> {
		let bad = |reason: String| WorkerError::Data(format!("data spec `{text}`: {reason}"));
		let mut items = text.split(',').map(str::trim);
		let head = items.next().unwrap_or_default();
		let (name, split) = head.split_once(':').unwrap_or((head, "train"));
		let dataset = name.parse::<DatasetName>().map_err(bad)?;
		let split = match split {
			"train" => Split::Train,
			"test" => Split::Test,
			other => return Err(bad(format!("split `{other}` is neither train nor test"))),
		};
		let mut spec = DataSpec {
			dataset,
			split,
			limit: None,
			selection: Selection::All,
			dir: None,
		};
		let (mut partitioner, mut seed, mut client) = (Partitioner::Iid, 0u64, None);
		for item in items {
			let (key, value) = item
				.split_once('=')
				.ok_or_else(|| bad(format!("`{item}` is not KEY=VALUE")))?;
			match key {
				"limit" => spec.limit = Some(parse_number(value).map_err(bad)?),
				"partition" => partitioner = parse_partitioner(value).map_err(bad)?,
				"seed" => seed = parse_number(value).map_err(bad)? as u64,
				"client" => client = Some(parse_fraction(value).map_err(bad)?),
				"part" => {
					let (index, parts) = parse_fraction(value).map_err(bad)?;
					spec.selection = Selection::Part { index, parts };
				}
				"dir" => spec.dir = Some(PathBuf::from(value)),
				other => return Err(bad(format!("unknown key `{other}`"))),
			}
		}
		if let Some((index, clients)) = client {
			if matches!(spec.selection, Selection::Part { .. }) {
				return Err(bad("`client` and `part` exclude each other".into()));
			}
			spec.selection = Selection::Client {
				partitioner,
				index,
				clients,
				seed,
			};
		}
		Ok(spec)
	}
}

impl fmt::Display for DataSpec {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		let split = match self.split {
			Split::Train => "train",
			Split::Test => "test",
		};
		write!(f, "{}:{split}", self.dataset)?;
		if let Some(limit) = self.limit {
			write!(f, ",limit={limit}")?;
		}
		match &self.selection {
			Selection::All => {}
			Selection::Part { index, parts } => write!(f, ",part={index}/{parts}")?,
			Selection::Client {
				partitioner,
				index,
				clients,
				seed,
			} => {
				let partition = match partitioner {
					Partitioner::Iid => "iid".to_string(),
					Partitioner::Dirichlet { alpha } => format!("dirichlet:{alpha}"),
					Partitioner::Shards { shards_per_client } => {
						format!("shards:{shards_per_client}")
					}
					Partitioner::Natural => "natural".to_string(),
				};
				write!(
					f,
					",partition={partition},client={index}/{clients},seed={seed}"
				)?;
			}
		}
		if let Some(dir) = &self.dir {
			write!(f, ",dir={}", dir.display())?;
		}
		Ok(())
	}
}

fn parse_number(text: &str) -> std::result::Result<usize, String> {
	text.parse()
		.map_err(|_| format!("`{text}` is not a non-negative integer"))
}

/// `I/K` with `I < K`.
fn parse_fraction(text: &str) -> std::result::Result<(usize, usize), String> {
	let (index, count) = text
		.split_once('/')
		.ok_or_else(|| format!("`{text}` is not INDEX/COUNT"))?;
	let (index, count) = (parse_number(index)?, parse_number(count)?);
	if index >= count {
		return Err(format!("index {index} is not below the count {count}"));
	}
	Ok((index, count))
}

fn parse_partitioner(text: &str) -> std::result::Result<Partitioner, String> {
	let (kind, argument) = text.split_once(':').unwrap_or((text, ""));
	match kind {
		"iid" => Ok(Partitioner::Iid),
		"natural" => Ok(Partitioner::Natural),
		"dirichlet" => {
			let alpha: f64 = argument
				.parse()
				.map_err(|_| "dirichlet needs a concentration, e.g. dirichlet:0.5".to_string())?;
			if !(alpha > 0.0 && alpha.is_finite()) {
				return Err(format!("dirichlet concentration {alpha} must be positive"));
			}
			Ok(Partitioner::Dirichlet { alpha })
		}
		"shards" => Ok(Partitioner::Shards {
			shards_per_client: parse_number(argument)
				.map_err(|_| "shards needs a count per client, e.g. shards:2".to_string())?,
		}),
		other => Err(format!(
			"partition `{other}` is not iid, dirichlet:ALPHA, shards:S or natural"
		)),
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use decentralml_train::card::ImageShape;
	use decentralml_train::data::Inputs;

	fn images(count: usize) -> Dataset {
		let shape = ImageShape::MNIST;
		let inputs = Inputs::Images {
			shape,
			pixels: vec![0; count * shape.len()],
		};
		let labels = (0..count).map(|i| (i % 10) as u32).collect();
		Dataset::new("tiny", inputs, labels, 10, None).unwrap()
	}

	#[test]
	fn specs_parse_and_print_back() {
		let spec: DataSpec = "mnist,partition=dirichlet:0.5,client=3/10,seed=7,limit=600"
			.parse()
			.unwrap();
		assert_eq!(spec.split, Split::Train);
		assert_eq!(spec.limit, Some(600));
		assert_eq!(
			spec.selection,
			Selection::Client {
				partitioner: Partitioner::Dirichlet { alpha: 0.5 },
				index: 3,
				clients: 10,
				seed: 7
			}
		);
		let again: DataSpec = spec.to_string().parse().unwrap();
		assert_eq!(again, spec);
		let held_out: DataSpec = "mnist:test,part=2/3".parse().unwrap();
		assert_eq!(held_out.split, Split::Test);
		assert_eq!(held_out.to_string(), "mnist:test,part=2/3");
	}

	#[test]
	fn bad_specs_say_what_is_wrong() {
		for (text, expected) in [
			("cifar", "unknown data set"),
			("mnist:dev", "neither train nor test"),
			("mnist,client=3/3", "not below"),
			("mnist,partition=dirichlet", "concentration"),
			("mnist,colour=red", "unknown key"),
			("mnist,client=0/2,part=0/2", "exclude"),
			("mnist,limit", "KEY=VALUE"),
		] {
			let error = text.parse::<DataSpec>().unwrap_err().to_string();
			assert!(error.contains(expected), "{text}: {error}");
		}
	}

	#[test]
	fn clients_of_one_partition_hold_disjoint_shares_within_the_limit() {
		let data = images(500);
		let mut seen = std::collections::BTreeSet::new();
		for client in 0..4 {
			let spec: DataSpec =
				format!("mnist,limit=300,partition=dirichlet:0.5,client={client}/4")
					.parse()
					.unwrap();
			for index in spec.select(&data).unwrap() {
				assert!(index < 300);
				assert!(seen.insert(index), "example {index} given twice");
			}
		}
		assert_eq!(seen.len(), 300);
	}

	#[test]
	fn parts_are_contiguous_slices() {
		let data = images(10);
		let spec: DataSpec = "mnist:test,part=1/3".parse().unwrap();
		assert_eq!(spec.select(&data).unwrap(), vec![3, 4, 5]);
		let empty = LocalData::new(Arc::new(data), vec![]);
		assert!(empty.is_err());
	}
}
