//! Dense networks: logistic regression (no hidden layer) and FedAvg's 2NN.

use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;

/// Dense layers with ReLU between them. Parameters are named `fc1`, `fc2`, ... in order.
#[derive(Module, Debug)]
pub struct Mlp {
	layers: Vec<Linear>,
}

impl Mlp {
	/// Builds `inputs -> hidden[0] -> ... -> classes`.
	pub fn new(inputs: usize, hidden: &[usize], classes: usize, device: &Device) -> Self {
		let widths: Vec<usize> = std::iter::once(inputs)
			.chain(hidden.iter().copied())
			.chain([classes])
			.collect();
		let layers = widths
			.windows(2)
			.map(|w| LinearConfig::new(w[0], w[1]).init(device))
			.collect();
		Mlp { layers }
	}

	/// Logits `[batch, classes]` of images `[batch, channels, height, width]`.
	pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
		let mut x: Tensor<2> = images.flatten(1, 3);
		let last = self.layers.len() - 1;
		for (i, layer) in self.layers.iter().enumerate() {
			x = layer.forward(x);
			if i < last {
				x = relu(x);
			}
		}
		x
	}
}
