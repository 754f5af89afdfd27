//! The character LSTM of the FedAvg paper and LEAF for Shakespeare: an embedding, stacked
//! LSTMs and a dense layer predicting the next character at every position.

use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig, Lstm, LstmConfig};
use burn::prelude::*;

/// The model. Parameters: `embedding.weight`, `lstm1.*`, `lstm2.*`, ..., `fc.weight`, `fc.bias`.
#[derive(Module, Debug)]
pub struct CharLstm {
	embedding: Embedding,
	lstm: Vec<Lstm>,
	fc: Linear,
}

impl CharLstm {
	/// Builds the model for a vocabulary of `vocab` tokens.
	pub fn new(
		vocab: usize,
		embedding: usize,
		hidden: usize,
		layers: usize,
		device: &Device,
	) -> Self {
		let lstm = (0..layers)
			.map(|i| {
				let input = if i == 0 { embedding } else { hidden };
				LstmConfig::new(input, hidden, true).init(device)
			})
			.collect();
		CharLstm {
			embedding: EmbeddingConfig::new(vocab, embedding).init(device),
			lstm,
			fc: LinearConfig::new(hidden, vocab).init(device),
		}
	}

	/// Logits `[batch * length, vocab]` for tokens `[batch, length]` (row `b * length + t`
	/// predicts the token after position `t` of sequence `b`).
	pub fn forward(&self, tokens: Tensor<2, Int>) -> Tensor<2> {
		let mut x = self.embedding.forward(tokens);
		for layer in &self.lstm {
			x = layer.forward(x, None).0;
		}
		let x: Tensor<2> = x.flatten(0, 1);
		self.fc.forward(x)
	}
}
