//! Turning examples into tensors, and the masked cross-entropy and accuracy on them.

use crate::data::shakespeare::PAD;
use crate::data::{Dataset, Inputs};
use crate::error::{Result, TrainError};
use crate::model::Features;
use burn::prelude::*;
use burn::tensor::activation::log_softmax;

/// One batch on a device.
#[derive(Clone, Debug)]
pub struct Batch {
	/// Model inputs.
	pub features: Features,
	/// Target class of each prediction row (`[rows]`).
	pub targets: Tensor<1, Int>,
	/// 1 for real targets and 0 for padding (`[rows]`); `None` when nothing is padded.
	pub mask: Option<Tensor<1>>,
	/// Number of real targets.
	pub targets_count: usize,
	/// Number of examples in the batch.
	pub examples: usize,
}

/// Builds the batch of the examples at `indices`; an index out of range is an error.
pub fn make_batch(data: &Dataset, indices: &[usize], device: &Device) -> Result<Batch> {
	if let Some(bad) = indices.iter().find(|i| **i >= data.len()) {
		return Err(TrainError::malformed(
			&data.name,
			format!(
				"example index {bad} out of range for {} examples",
				data.len()
			),
		));
	}
	Ok(match &data.inputs {
		Inputs::Images { shape, pixels } => {
			let len = shape.len();
			let mut values = Vec::with_capacity(indices.len() * len);
			for i in indices {
				values.extend(
					pixels[i * len..(i + 1) * len]
						.iter()
						.map(|p| f32::from(*p) / 255.0),
				);
			}
			let dims = [indices.len(), shape.channels, shape.height, shape.width];
			let images = Tensor::<4>::from_data(TensorData::new(values, dims), device);
			let labels: Vec<i64> = indices.iter().map(|i| i64::from(data.labels[*i])).collect();
			Batch {
				features: Features::Images(images),
				targets: Tensor::from_data(TensorData::new(labels, [indices.len()]), device),
				mask: None,
				targets_count: indices.len(),
				examples: indices.len(),
			}
		}
		Inputs::Sequences { window, tokens } => sequence_batch(*window, tokens, indices, device),
	})
}

fn sequence_batch(window: usize, tokens: &[u16], indices: &[usize], device: &Device) -> Batch {
	let steps = window - 1;
	let mut inputs = Vec::with_capacity(indices.len() * steps);
	let mut targets = Vec::with_capacity(indices.len() * steps);
	for i in indices {
		let w = &tokens[i * window..(i + 1) * window];
		inputs.extend(w[..steps].iter().map(|t| i64::from(*t)));
		targets.extend(w[1..].iter().map(|t| i64::from(*t)));
	}
	let mask: Vec<f32> = targets
		.iter()
		.map(|t| f32::from(u8::from(*t != i64::from(PAD))))
		.collect();
	let targets_count = mask.iter().filter(|m| **m > 0.0).count();
	let rows = targets.len();
	Batch {
		features: Features::Tokens(Tensor::from_data(
			TensorData::new(inputs, [indices.len(), steps]),
			device,
		)),
		targets: Tensor::from_data(TensorData::new(targets, [rows]), device),
		mask: Some(Tensor::from_data(TensorData::new(mask, [rows]), device)),
		targets_count,
		examples: indices.len(),
	}
}

/// Mean cross-entropy of `logits` `[rows, classes]` against the real targets.
pub fn cross_entropy(logits: Tensor<2>, batch: &Batch) -> Tensor<1> {
	let picked = target_log_probs(log_softmax(logits, 1), &batch.targets);
	match &batch.mask {
		None => picked.mean().neg(),
		Some(mask) => (picked * mask.clone())
			.sum()
			.div_scalar(batch.targets_count.max(1) as f32)
			.neg(),
	}
}

/// `log p(target)` of each row.
pub fn target_log_probs(log_probs: Tensor<2>, targets: &Tensor<1, Int>) -> Tensor<1> {
	log_probs
		.gather(1, targets.clone().unsqueeze_dim(1))
		.squeeze_dim(1)
}

/// Number of real targets the logits rank first.
pub fn correct_count(logits: Tensor<2>, batch: &Batch) -> usize {
	let hits = logits
		.argmax(1)
		.squeeze_dim::<1>(1)
		.equal(batch.targets.clone())
		.float();
	let hits = match &batch.mask {
		None => hits,
		Some(mask) => hits * mask.clone(),
	};
	hits.sum().into_scalar::<f32>().round() as usize
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::data::shakespeare::{encode_char, windows, VOCAB_SIZE, WINDOW};
	use crate::data::Groups;

	#[test]
	fn image_batches_scale_pixels() {
		let data = crate::data::tests::striped_images(2, 2);
		let batch = make_batch(&data, &[1, 2], &Device::flex()).unwrap();
		assert!(make_batch(&data, &[4], &Device::flex()).is_err());
		let Features::Images(images) = batch.features else {
			panic!("images expected")
		};
		assert_eq!(images.dims(), [2, 1, 28, 28]);
		let max = images.max().into_scalar::<f32>();
		assert!(max > 0.7 && max <= 1.0, "{max}");
		assert_eq!(
			batch.targets.into_data().try_into_vec_as::<i64>().unwrap(),
			[1, 0]
		);
	}

	#[test]
	fn sequence_batches_shift_targets_and_mask_padding() {
		let mut tokens = Vec::new();
		for w in windows("abc") {
			tokens.extend_from_slice(&w);
		}
		let groups = Some(Groups {
			names: vec!["r".into()],
			of_example: vec![0],
		});
		let data = Dataset::new(
			"s",
			Inputs::Sequences {
				window: WINDOW,
				tokens,
			},
			vec![u32::from(encode_char('c'))],
			VOCAB_SIZE,
			groups,
		)
		.unwrap();
		let dev = Device::flex();
		let batch = make_batch(&data, &[0], &dev).unwrap();
		assert_eq!(batch.targets_count, 2);
		let targets = batch
			.targets
			.clone()
			.into_data()
			.try_into_vec_as::<i64>()
			.unwrap();
		assert_eq!(
			targets[..3],
			[i64::from(encode_char('b')), i64::from(encode_char('c')), 0]
		);

		// Logits that put all mass on the right token for the two real targets.
		let mut logits = vec![0.0f32; 80 * VOCAB_SIZE];
		logits[encode_char('b') as usize] = 50.0;
		logits[VOCAB_SIZE + encode_char('c') as usize] = 50.0;
		let logits = Tensor::<2>::from_data(TensorData::new(logits, [80, VOCAB_SIZE]), &dev);
		assert_eq!(correct_count(logits.clone(), &batch), 2);
		assert!(cross_entropy(logits, &batch).into_scalar::<f32>() < 1e-3);
	}

	#[test]
	fn cross_entropy_of_uniform_logits_is_log_classes() {
		let data = crate::data::tests::striped_images(4, 1);
		let dev = Device::flex();
		let batch = make_batch(&data, &[0, 1, 2, 3], &dev).unwrap();
		let loss = cross_entropy(Tensor::<2>::zeros([4, 4], &dev), &batch).into_scalar::<f32>();
		assert!((loss - 4f32.ln()).abs() < 1e-5, "{loss}");
	}
}
