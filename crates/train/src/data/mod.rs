//! Data sets held in memory: images (MNIST, Fashion-MNIST, FEMNIST) and character sequences
//! (Shakespeare), with their natural groups (writer, speaking role) where they have them.
//!
//! Nothing is downloaded at run time: [`load`] reads the files that `scripts/fetch-data.sh`
//! installed under [`data_dir`], and a missing file is a [`TrainError::DataMissing`] that says
//! what to run.

pub mod femnist;
pub mod idx;
mod leaf;
pub mod mnist;
pub mod shakespeare;

use crate::card::ImageShape;
use crate::error::{Result, TrainError};
use std::path::{Path, PathBuf};

/// Environment variable that overrides the data folder.
pub const DATA_DIR_ENV: &str = "DECENTRALML_DATA";

/// The data folder: `$DECENTRALML_DATA`, or `~/.cache/decentralml/data`.
pub fn data_dir() -> PathBuf {
	if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
		return PathBuf::from(dir);
	}
	let home = std::env::var_os("HOME")
		.map(PathBuf::from)
		.unwrap_or_else(|| PathBuf::from("."));
	home.join(".cache").join("decentralml").join("data")
}

/// The examples' inputs, stored compactly.
#[derive(Clone, Debug, PartialEq)]
pub enum Inputs {
	/// Images as bytes, 0 = background and 255 = ink (MNIST's convention).
	Images {
		/// Shape of one image.
		shape: ImageShape,
		/// All images, row-major, `shape.len()` bytes each.
		pixels: Vec<u8>,
	},
	/// Token windows of `window` tokens: the model reads the first `window - 1` and predicts
	/// the last `window - 1` (each token's successor). Token 0 pads short windows.
	Sequences {
		/// Tokens per window.
		window: usize,
		/// All windows, `window` tokens each.
		tokens: Vec<u16>,
	},
}

/// Natural groups of examples: FEMNIST's writers, Shakespeare's speaking roles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Groups {
	/// Name of each group.
	pub names: Vec<String>,
	/// Group index of each example.
	pub of_example: Vec<u32>,
}

/// One split (train or test) of a data set.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
	/// Name, e.g. `mnist-train`.
	pub name: String,
	/// The inputs.
	pub inputs: Inputs,
	/// Class of each example (for sequences: the last real target token), used by the
	/// label-based partitioners.
	pub labels: Vec<u32>,
	/// Number of classes (the vocabulary size for sequences).
	pub classes: usize,
	/// Natural groups, when the data set has them.
	pub groups: Option<Groups>,
}

impl Dataset {
	/// Builds a data set after checking that inputs, labels and groups agree in length and
	/// labels are below `classes`.
	pub fn new(
		name: impl Into<String>,
		inputs: Inputs,
		labels: Vec<u32>,
		classes: usize,
		groups: Option<Groups>,
	) -> Result<Self> {
		let name = name.into();
		let count = match &inputs {
			Inputs::Images { shape, pixels } => checked_count(&name, pixels.len(), shape.len())?,
			Inputs::Sequences { window, tokens } => checked_count(&name, tokens.len(), *window)?,
		};
		if labels.len() != count {
			return Err(TrainError::malformed(
				&name,
				format!("{count} examples but {} labels", labels.len()),
			));
		}
		if let Some(bad) = labels.iter().find(|l| **l as usize >= classes) {
			return Err(TrainError::malformed(
				&name,
				format!("label {bad} >= {classes} classes"),
			));
		}
		if let Some(groups) = &groups {
			check_groups(&name, groups, count)?;
		}
		Ok(Dataset {
			name,
			inputs,
			labels,
			classes,
			groups,
		})
	}

	/// Number of examples.
	pub fn len(&self) -> usize {
		self.labels.len()
	}

	/// Whether the set holds no examples.
	pub fn is_empty(&self) -> bool {
		self.labels.is_empty()
	}

	/// A new data set holding the examples at `indices`, in that order.
	pub fn subset(&self, indices: &[usize]) -> Result<Dataset> {
		if let Some(bad) = indices.iter().find(|i| **i >= self.len()) {
			return Err(TrainError::malformed(
				&self.name,
				format!("index {bad} out of range for {} examples", self.len()),
			));
		}
		let inputs = match &self.inputs {
			Inputs::Images { shape, pixels } => Inputs::Images {
				shape: *shape,
				pixels: gather(pixels, shape.len(), indices),
			},
			Inputs::Sequences { window, tokens } => Inputs::Sequences {
				window: *window,
				tokens: gather(tokens, *window, indices),
			},
		};
		let labels = indices.iter().map(|i| self.labels[*i]).collect();
		let groups = self.groups.as_ref().map(|g| Groups {
			names: g.names.clone(),
			of_example: indices.iter().map(|i| g.of_example[*i]).collect(),
		});
		Ok(Dataset {
			name: self.name.clone(),
			inputs,
			labels,
			classes: self.classes,
			groups,
		})
	}
}

fn checked_count(name: &str, values: usize, per_example: usize) -> Result<usize> {
	if per_example == 0 || !values.is_multiple_of(per_example) {
		return Err(TrainError::malformed(
			name,
			format!("{values} values is not a whole number of examples of {per_example}"),
		));
	}
	Ok(values / per_example)
}

fn check_groups(name: &str, groups: &Groups, count: usize) -> Result<()> {
	if groups.of_example.len() != count {
		return Err(TrainError::malformed(
			name,
			format!(
				"{count} examples but {} group entries",
				groups.of_example.len()
			),
		));
	}
	match groups
		.of_example
		.iter()
		.find(|g| **g as usize >= groups.names.len())
	{
		Some(bad) => Err(TrainError::malformed(
			name,
			format!("group {bad} >= {} group names", groups.names.len()),
		)),
		None => Ok(()),
	}
}

fn gather<T: Copy>(values: &[T], per_example: usize, indices: &[usize]) -> Vec<T> {
	let mut out = Vec::with_capacity(indices.len() * per_example);
	for i in indices {
		out.extend_from_slice(&values[i * per_example..(i + 1) * per_example]);
	}
	out
}

/// A data set's train and test splits.
#[derive(Clone, Debug, PartialEq)]
pub struct DataSplit {
	/// Training examples (partitioned among clients).
	pub train: Dataset,
	/// Held-out test examples.
	pub test: Dataset,
}

/// The data sets this crate can load.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DatasetName {
	/// MNIST digits (IDX).
	Mnist,
	/// Fashion-MNIST (IDX).
	FashionMnist,
	/// FEMNIST, by writer (safetensors or LEAF JSON).
	Femnist,
	/// Shakespeare, by speaking role (TFF JSON lines or LEAF JSON).
	Shakespeare,
}

impl DatasetName {
	/// Every data set, in documentation order.
	pub const ALL: [DatasetName; 4] = [
		DatasetName::Mnist,
		DatasetName::FashionMnist,
		DatasetName::Femnist,
		DatasetName::Shakespeare,
	];

	/// The name used on the command line and as the folder under the data directory.
	pub fn as_str(&self) -> &'static str {
		match self {
			DatasetName::Mnist => "mnist",
			DatasetName::FashionMnist => "fashion-mnist",
			DatasetName::Femnist => "femnist",
			DatasetName::Shakespeare => "shakespeare",
		}
	}
}

impl std::fmt::Display for DatasetName {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.write_str(self.as_str())
	}
}

impl std::str::FromStr for DatasetName {
	type Err = String;

	fn from_str(s: &str) -> Result<Self, String> {
		DatasetName::ALL
			.into_iter()
			.find(|d| d.as_str() == s)
			.ok_or_else(|| {
				format!(
					"unknown data set `{s}`: expected mnist, fashion-mnist, femnist or shakespeare"
				)
			})
	}
}

/// Loads a data set's two splits from `dir/<name>/`.
pub fn load(name: DatasetName, dir: &Path) -> Result<DataSplit> {
	let folder = dir.join(name.as_str());
	match name {
		DatasetName::Mnist | DatasetName::FashionMnist => mnist::load_idx_folder(&folder, name),
		DatasetName::Femnist => femnist::load_folder(&folder),
		DatasetName::Shakespeare => shakespeare::load_folder(&folder),
	}
}

/// Returns the first of `candidates` (relative to `folder`) that exists, or
/// [`TrainError::DataMissing`] naming the first candidate.
pub(crate) fn first_existing(folder: &Path, candidates: &[&str]) -> Result<PathBuf> {
	candidates
		.iter()
		.map(|c| folder.join(c))
		.find(|p| p.exists())
		.ok_or_else(|| TrainError::DataMissing {
			path: folder.join(candidates[0]),
		})
}

#[cfg(test)]
pub(crate) mod tests {
	use super::*;

	/// A small synthetic image set: `per_class` images of each of `classes` classes where class
	/// `c` lights up row `c` of the image, so a linear model can learn it.
	pub(crate) fn striped_images(classes: usize, per_class: usize) -> Dataset {
		let shape = ImageShape::MNIST;
		let mut pixels = Vec::new();
		let mut labels = Vec::new();
		for i in 0..classes * per_class {
			let class = i % classes;
			let mut image = vec![0u8; shape.len()];
			for x in 0..shape.width {
				image[(2 * class + 1) * shape.width + x] = 200 + (i % 50) as u8;
			}
			pixels.extend(image);
			labels.push(class as u32);
		}
		Dataset::new(
			"striped",
			Inputs::Images { shape, pixels },
			labels,
			classes,
			None,
		)
		.unwrap()
	}

	#[test]
	fn dataset_checks_lengths() {
		let shape = ImageShape {
			channels: 1,
			height: 2,
			width: 2,
		};
		let err = Dataset::new(
			"x",
			Inputs::Images {
				shape,
				pixels: vec![0; 7],
			},
			vec![],
			2,
			None,
		);
		assert!(err.unwrap_err().to_string().contains("whole number"));
		let err = Dataset::new(
			"x",
			Inputs::Images {
				shape,
				pixels: vec![0; 8],
			},
			vec![0],
			2,
			None,
		);
		assert!(err
			.unwrap_err()
			.to_string()
			.contains("2 examples but 1 labels"));
		let err = Dataset::new(
			"x",
			Inputs::Images {
				shape,
				pixels: vec![0; 4],
			},
			vec![5],
			2,
			None,
		);
		assert!(err.unwrap_err().to_string().contains("label 5"));
	}

	#[test]
	fn subset_gathers_examples_in_order() {
		let data = striped_images(3, 2);
		let sub = data.subset(&[4, 0]).unwrap();
		assert_eq!(sub.labels, vec![data.labels[4], data.labels[0]]);
		let Inputs::Images { pixels, shape } = &sub.inputs else {
			panic!("images expected")
		};
		let Inputs::Images { pixels: all, .. } = &data.inputs else {
			panic!("images expected")
		};
		assert_eq!(
			&pixels[..shape.len()],
			&all[4 * shape.len()..5 * shape.len()]
		);
		assert!(data.subset(&[6]).is_err());
	}

	#[test]
	fn missing_data_names_the_file_and_the_fix() {
		let dir = tempfile::tempdir().unwrap();
		let err = load(DatasetName::Mnist, dir.path())
			.unwrap_err()
			.to_string();
		assert!(err.contains("train-images-idx3-ubyte"), "{err}");
		assert!(err.contains("scripts/fetch-data.sh"), "{err}");
	}

	#[test]
	fn dataset_names_parse() {
		for name in DatasetName::ALL {
			assert_eq!(name.as_str().parse::<DatasetName>().unwrap(), name);
		}
		assert!("cifar"
			.parse::<DatasetName>()
			.unwrap_err()
			.contains("cifar"));
	}
}
