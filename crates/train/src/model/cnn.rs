//! FedAvg's CNN (McMahan et al. 2017): conv 5x5 32, pool 2x2, conv 5x5 64, pool 2x2, dense 512,
//! dense 10, ReLU after every hidden layer.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::relu;

/// The CNN. Parameters: `conv1`, `conv2`, `fc1`, `fc2` (each `.weight` and `.bias`).
#[derive(Module, Debug)]
pub struct Cnn {
	conv1: Conv2d,
	conv2: Conv2d,
	pool: MaxPool2d,
	fc1: Linear,
	fc2: Linear,
}

/// Sizes of the CNN.
#[derive(Clone, Copy, Debug)]
pub struct CnnShape {
	/// Input channels, height and width.
	pub input: [usize; 3],
	/// Output channels of the two convolutions.
	pub conv_channels: [usize; 2],
	/// Kernel size of both convolutions.
	pub kernel: usize,
	/// Width of the dense hidden layer.
	pub dense: usize,
	/// Number of classes.
	pub classes: usize,
}

impl Cnn {
	/// Builds the network; convolutions keep the spatial size ("same" padding) and each pool
	/// halves it (rounding down).
	pub fn new(shape: CnnShape, device: &Device) -> Self {
		let [channels, height, width] = shape.input;
		let [c1, c2] = shape.conv_channels;
		let k = [shape.kernel, shape.kernel];
		let conv = |from, to| {
			Conv2dConfig::new([from, to], k)
				.with_padding(PaddingConfig2d::Same)
				.init(device)
		};
		let flat = c2 * (height / 4) * (width / 4);
		Cnn {
			conv1: conv(channels, c1),
			conv2: conv(c1, c2),
			pool: MaxPool2dConfig::new([2, 2]).init(),
			fc1: LinearConfig::new(flat, shape.dense).init(device),
			fc2: LinearConfig::new(shape.dense, shape.classes).init(device),
		}
	}

	/// Logits `[batch, classes]` of images `[batch, channels, height, width]`.
	pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
		let x = self.pool.forward(relu(self.conv1.forward(images)));
		let x = self.pool.forward(relu(self.conv2.forward(x)));
		let x: Tensor<2> = x.flatten(1, 3);
		self.fc2.forward(relu(self.fc1.forward(x)))
	}
}
