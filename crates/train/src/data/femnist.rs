//! FEMNIST (62 classes: digits, upper- and lower-case letters), grouped by writer.
//!
//! Two layouts are accepted in the `femnist/` data folder:
//! - safetensors, `femnist_lite_train.safetensors` and `femnist_lite_test.safetensors`: `images`
//!   u8 `[N, 28, 28]` with 255 = white background, `labels` u8 `[N]`, `writer` u16 `[N]` (an
//!   index into the JSON list in metadata key `writers`);
//! - LEAF's JSON, folders `train/` and `test/`, `x` as 784 floats in `[0, 1]` with 1 = white.
//!
//! Both are converted to MNIST's convention (0 = background, 255 = ink) so models and
//! normalisation are shared.

use super::leaf::{read_folder, LeafUser};
use super::{DataSplit, Dataset, Groups, Inputs};
use crate::card::ImageShape;
use crate::error::{Result, TrainError};
use safetensors::{Dtype, SafeTensors};
use std::path::Path;

/// Number of classes: 10 digits, 26 upper-case and 26 lower-case letters.
pub const CLASSES: usize = 62;

const TRAIN_FILE: &str = "femnist_lite_train.safetensors";
const TEST_FILE: &str = "femnist_lite_test.safetensors";

/// Loads FEMNIST from the safetensors files, or else from LEAF's `train/` and `test/` folders.
pub fn load_folder(folder: &Path) -> Result<DataSplit> {
	if folder.join(TRAIN_FILE).exists() {
		return Ok(DataSplit {
			train: load_safetensors(&folder.join(TRAIN_FILE), "femnist-train")?,
			test: load_safetensors(&folder.join(TEST_FILE), "femnist-test")?,
		});
	}
	if folder.join("train").is_dir() {
		return Ok(DataSplit {
			train: load_leaf(&folder.join("train"), "femnist-train")?,
			test: load_leaf(&folder.join("test"), "femnist-test")?,
		});
	}
	Err(TrainError::DataMissing {
		path: folder.join(TRAIN_FILE),
	})
}

/// Loads one split from the safetensors layout.
pub fn load_safetensors(path: &Path, name: &str) -> Result<Dataset> {
	if !path.exists() {
		return Err(TrainError::DataMissing {
			path: path.to_path_buf(),
		});
	}
	let bytes = std::fs::read(path).map_err(|e| TrainError::io(path, e))?;
	let what = path.display().to_string();
	let bad = |reason: String| TrainError::malformed(&what, reason);
	let file = SafeTensors::deserialize(&bytes).map_err(|e| bad(e.to_string()))?;
	let (_, metadata) = SafeTensors::read_metadata(&bytes).map_err(|e| bad(e.to_string()))?;

	let images = file
		.tensor("images")
		.map_err(|e| bad(format!("tensor `images`: {e}")))?;
	let labels = file
		.tensor("labels")
		.map_err(|e| bad(format!("tensor `labels`: {e}")))?;
	let writers = file
		.tensor("writer")
		.map_err(|e| bad(format!("tensor `writer`: {e}")))?;
	let [count, height, width] = images.shape()[..] else {
		return Err(bad(format!(
			"`images` has shape {:?}, expected [N, H, W]",
			images.shape()
		)));
	};
	if images.dtype() != Dtype::U8 || labels.dtype() != Dtype::U8 || writers.dtype() != Dtype::U16 {
		return Err(bad("expected images u8, labels u8 and writer u16".into()));
	}
	let names_json = metadata
		.metadata()
		.as_ref()
		.and_then(|m| m.get("writers"))
		.ok_or_else(|| bad("metadata has no `writers` list".into()))?;
	let names: Vec<String> =
		serde_json::from_str(names_json).map_err(|e| bad(format!("metadata `writers`: {e}")))?;

	let pixels = images.data().iter().map(|p| 255 - p).collect();
	let labels = labels.data().iter().map(|l| u32::from(*l)).collect();
	let of_example: Vec<u32> = writers
		.data()
		.chunks_exact(2)
		.map(|c| u32::from(u16::from_le_bytes([c[0], c[1]])))
		.collect();
	let shape = ImageShape {
		channels: 1,
		height,
		width,
	};
	if of_example.len() != count {
		return Err(bad(format!(
			"{count} images but {} writer entries",
			of_example.len()
		)));
	}
	let groups = Some(Groups { names, of_example });
	Dataset::new(
		name,
		Inputs::Images { shape, pixels },
		labels,
		CLASSES,
		groups,
	)
}

/// Loads one split from a folder of LEAF JSON files.
pub fn load_leaf(folder: &Path, name: &str) -> Result<Dataset> {
	if !folder.is_dir() {
		return Err(TrainError::DataMissing {
			path: folder.to_path_buf(),
		});
	}
	let users: Vec<(String, LeafUser<Vec<f32>, u32>)> = read_folder(folder)?;
	let shape = ImageShape::MNIST;
	let (mut pixels, mut labels, mut of_example, mut names) =
		(Vec::new(), Vec::new(), Vec::new(), Vec::new());
	for (group, (user, data)) in users.into_iter().enumerate() {
		for (x, y) in data.x.iter().zip(&data.y) {
			if x.len() != shape.len() {
				return Err(TrainError::malformed(
					folder.display().to_string(),
					format!("user {user}: an image has {} values, expected 784", x.len()),
				));
			}
			pixels.extend(x.iter().map(|v| leaf_pixel(*v)));
			labels.push(*y);
			of_example.push(group as u32);
		}
		names.push(user);
	}
	let groups = Some(Groups { names, of_example });
	Dataset::new(
		name,
		Inputs::Images { shape, pixels },
		labels,
		CLASSES,
		groups,
	)
}

/// LEAF stores brightness in `[0, 1]` (1 = white paper); we store ink in `0..=255`.
fn leaf_pixel(value: f32) -> u8 {
	(255.0 - value.clamp(0.0, 1.0) * 255.0).round() as u8
}

#[cfg(test)]
mod tests {
	use super::*;
	use safetensors::tensor::TensorView;
	use std::collections::HashMap;

	fn write_safetensors(path: &Path, count: usize) {
		let images: Vec<u8> = (0..count * 784).map(|i| (i % 256) as u8).collect();
		let labels: Vec<u8> = (0..count).map(|i| (i % 62) as u8).collect();
		let writers: Vec<u8> = (0..count)
			.flat_map(|i| ((i % 2) as u16).to_le_bytes())
			.collect();
		let tensors = [
			(
				"images",
				TensorView::new(Dtype::U8, vec![count, 28, 28], &images).unwrap(),
			),
			(
				"labels",
				TensorView::new(Dtype::U8, vec![count], &labels).unwrap(),
			),
			(
				"writer",
				TensorView::new(Dtype::U16, vec![count], &writers).unwrap(),
			),
		];
		let meta = HashMap::from([("writers".to_string(), r#"["f0","f1"]"#.to_string())]);
		std::fs::write(path, safetensors::serialize(tensors, Some(meta)).unwrap()).unwrap();
	}

	#[test]
	fn safetensors_layout_inverts_pixels_and_keeps_writers() {
		let dir = tempfile::tempdir().unwrap();
		write_safetensors(&dir.path().join(TRAIN_FILE), 3);
		write_safetensors(&dir.path().join(TEST_FILE), 2);
		let split = load_folder(dir.path()).unwrap();
		assert_eq!(split.train.len(), 3);
		let Inputs::Images { pixels, .. } = &split.train.inputs else {
			panic!("images")
		};
		assert_eq!(pixels[0], 255);
		assert_eq!(pixels[1], 254);
		let groups = split.train.groups.unwrap();
		assert_eq!(groups.names, ["f0", "f1"]);
		assert_eq!(groups.of_example, [0, 1, 0]);
	}

	#[test]
	fn leaf_json_layout() {
		let dir = tempfile::tempdir().unwrap();
		for split in ["train", "test"] {
			std::fs::create_dir(dir.path().join(split)).unwrap();
			let white = vec![1.0f32; 784];
			let mut ink = white.clone();
			ink[0] = 0.0;
			let json = serde_json::json!({
				"users": ["w1", "w2"], "num_samples": [1, 1],
				"user_data": {"w1": {"x": [white], "y": [3]}, "w2": {"x": [ink], "y": [61]}}
			});
			std::fs::write(dir.path().join(split).join("all.json"), json.to_string()).unwrap();
		}
		let split = load_folder(dir.path()).unwrap();
		assert_eq!(split.test.labels, [3, 61]);
		let Inputs::Images { pixels, .. } = &split.train.inputs else {
			panic!("images")
		};
		assert_eq!((pixels[0], pixels[784]), (0, 255));
	}

	#[test]
	fn shared_developer_copy_loads_when_present() {
		let Some(dir) = crate::testdata::shared_data_dir() else {
			return;
		};
		let split = load_folder(&dir.join("femnist-lite")).unwrap();
		assert_eq!((split.train.len(), split.test.len()), (14_708, 1_685));
		assert_eq!(split.train.groups.unwrap().names.len(), 105);
	}
}
