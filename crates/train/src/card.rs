//! Model cards: a model's architecture and local training hyperparameters as JSON.
//!
//! A card is what a task publishes so that every trainer builds the same network and trains it
//! the same way. The built-in cards (FedAvg's 2NN and CNN, the Shakespeare LSTM, logistic
//! regression) are also shipped as JSON under `cards/`.

use crate::error::{Result, TrainError};
use serde::{Deserialize, Serialize};

/// Channels, height and width of an image input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageShape {
	/// Colour channels (1 for greyscale).
	pub channels: usize,
	/// Height in pixels.
	pub height: usize,
	/// Width in pixels.
	pub width: usize,
}

impl ImageShape {
	/// The 28x28 greyscale images of MNIST, Fashion-MNIST and FEMNIST.
	pub const MNIST: ImageShape = ImageShape {
		channels: 1,
		height: 28,
		width: 28,
	};

	/// Number of values in one image.
	pub fn len(&self) -> usize {
		self.channels * self.height * self.width
	}

	/// Whether an image of this shape holds no values.
	pub fn is_empty(&self) -> bool {
		self.len() == 0
	}
}

/// The network a card describes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Architecture {
	/// A single dense layer with softmax: multinomial logistic regression.
	LogisticRegression {
		/// Input image shape (flattened).
		input: ImageShape,
		/// Number of classes.
		classes: usize,
	},
	/// Dense layers with ReLU between them (FedAvg's "2NN" has `hidden = [200, 200]`).
	Mlp {
		/// Input image shape (flattened).
		input: ImageShape,
		/// Width of each hidden layer.
		hidden: Vec<usize>,
		/// Number of classes.
		classes: usize,
	},
	/// FedAvg's CNN: two `kernel`x`kernel` "same" convolutions with ReLU, each followed by 2x2
	/// max pooling, a dense ReLU layer and a dense output layer.
	Cnn {
		/// Input image shape.
		input: ImageShape,
		/// Output channels of the two convolutions.
		conv_channels: [usize; 2],
		/// Convolution kernel size.
		kernel: usize,
		/// Width of the dense hidden layer.
		dense: usize,
		/// Number of classes.
		classes: usize,
	},
	/// Character model: embedding, stacked LSTMs and a dense layer that predicts the next
	/// character at every position.
	CharLstm {
		/// Vocabulary size, padding included.
		vocab: usize,
		/// Embedding width.
		embedding: usize,
		/// Hidden size of each LSTM layer.
		hidden: usize,
		/// Number of stacked LSTM layers.
		layers: usize,
	},
}

/// The local optimiser and its settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum OptimizerConfig {
	/// Stochastic gradient descent, optionally with (PyTorch-style, undampened) momentum.
	Sgd {
		/// Learning rate.
		learning_rate: f64,
		/// Momentum factor in `[0, 1)`; 0 is plain SGD.
		#[serde(default)]
		momentum: f64,
		/// L2 weight decay added to the gradient.
		#[serde(default)]
		weight_decay: f64,
	},
	/// Adam (Kingma and Ba 2015).
	Adam {
		/// Learning rate.
		learning_rate: f64,
		/// First-moment decay.
		#[serde(default = "default_beta1")]
		beta1: f64,
		/// Second-moment decay.
		#[serde(default = "default_beta2")]
		beta2: f64,
		/// Added to the denominator for stability.
		#[serde(default = "default_epsilon")]
		epsilon: f64,
	},
}

fn default_beta1() -> f64 {
	0.9
}
fn default_beta2() -> f64 {
	0.999
}
fn default_epsilon() -> f64 {
	1e-8
}

impl OptimizerConfig {
	/// Plain SGD with the given learning rate.
	pub fn sgd(learning_rate: f64) -> Self {
		OptimizerConfig::Sgd {
			learning_rate,
			momentum: 0.0,
			weight_decay: 0.0,
		}
	}

	/// Adam with the usual decays.
	pub fn adam(learning_rate: f64) -> Self {
		OptimizerConfig::Adam {
			learning_rate,
			beta1: default_beta1(),
			beta2: default_beta2(),
			epsilon: default_epsilon(),
		}
	}

	/// The learning rate.
	pub fn learning_rate(&self) -> f64 {
		match self {
			OptimizerConfig::Sgd { learning_rate, .. }
			| OptimizerConfig::Adam { learning_rate, .. } => *learning_rate,
		}
	}

	fn validate(&self) -> Result<()> {
		positive_finite("optimizer.learning_rate", self.learning_rate())?;
		match *self {
			OptimizerConfig::Sgd {
				momentum,
				weight_decay,
				..
			} => {
				unit_interval("optimizer.momentum", momentum)?;
				non_negative("optimizer.weight_decay", weight_decay)
			}
			OptimizerConfig::Adam {
				beta1,
				beta2,
				epsilon,
				..
			} => {
				unit_interval("optimizer.beta1", beta1)?;
				unit_interval("optimizer.beta2", beta2)?;
				positive_finite("optimizer.epsilon", epsilon)
			}
		}
	}
}

/// How a trainer trains locally in one round.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalConfig {
	/// Passes over the local data (FedAvg's E).
	pub epochs: usize,
	/// Examples per step (FedAvg's B).
	pub batch_size: usize,
	/// The optimiser; its state starts afresh every round.
	pub optimizer: OptimizerConfig,
	/// FedProx's mu: adds `mu/2 ||w - w_global||^2` to the loss (0 disables it).
	#[serde(default)]
	pub proximal_mu: f64,
}

impl LocalConfig {
	/// Checks every setting's range.
	pub fn validate(&self) -> Result<()> {
		if self.epochs == 0 {
			return Err(invalid("epochs", "must be at least 1"));
		}
		if self.batch_size == 0 {
			return Err(invalid("batch_size", "must be at least 1"));
		}
		non_negative("proximal_mu", self.proximal_mu)?;
		self.optimizer.validate()
	}
}

impl Default for LocalConfig {
	/// FedAvg's MNIST setting: E = 1, B = 10, SGD with learning rate 0.1.
	fn default() -> Self {
		LocalConfig {
			epochs: 1,
			batch_size: 10,
			optimizer: OptimizerConfig::sgd(0.1),
			proximal_mu: 0.0,
		}
	}
}

/// A model's architecture and its local training hyperparameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelCard {
	/// Short name, e.g. `mnist-2nn`.
	pub name: String,
	/// The network.
	pub architecture: Architecture,
	/// Local training hyperparameters.
	#[serde(default)]
	pub training: LocalConfig,
}

impl ModelCard {
	/// Parses and validates a card from JSON.
	pub fn from_json(json: &str) -> Result<Self> {
		// Through a `Value` first: with serde_json's `arbitrary_precision` (switched on by the
		// chain crates in a workspace build) a tagged enum read straight from text sees every
		// number as a map and rejects it.
		let card: ModelCard = serde_json::from_str::<serde_json::Value>(json)
			.and_then(serde_json::from_value)
			.map_err(|e| TrainError::InvalidCard {
				card: "<json>".into(),
				reason: e.to_string(),
			})?;
		card.validate()?;
		Ok(card)
	}

	/// Serialises the card as pretty JSON.
	pub fn to_json(&self) -> String {
		// Invariant: the card holds only strings, numbers and arrays, which always serialise.
		serde_json::to_string_pretty(self).expect("a model card always serialises")
	}

	/// Checks that every size is positive and the training settings are in range.
	pub fn validate(&self) -> Result<()> {
		let bad = |reason: &str| TrainError::InvalidCard {
			card: self.name.clone(),
			reason: reason.to_string(),
		};
		let sizes_ok = match &self.architecture {
			Architecture::LogisticRegression { input, classes } => {
				!input.is_empty() && *classes > 1
			}
			Architecture::Mlp {
				input,
				hidden,
				classes,
			} => !input.is_empty() && *classes > 1 && hidden.iter().all(|h| *h > 0),
			Architecture::Cnn {
				input,
				conv_channels,
				kernel,
				dense,
				classes,
			} => {
				!input.is_empty()
					&& conv_channels.iter().all(|c| *c > 0)
					&& *kernel > 0 && *dense > 0
					&& *classes > 1 && input.height >= 4
					&& input.width >= 4
			}
			Architecture::CharLstm {
				vocab,
				embedding,
				hidden,
				layers,
			} => *vocab > 2 && *embedding > 0 && *hidden > 0 && *layers > 0,
		};
		if !sizes_ok {
			return Err(bad(
				"every size must be positive, with at least two classes",
			));
		}
		self.training.validate()
	}

	/// Number of classes the model predicts (the vocabulary for the character model).
	pub fn classes(&self) -> usize {
		match &self.architecture {
			Architecture::LogisticRegression { classes, .. }
			| Architecture::Mlp { classes, .. }
			| Architecture::Cnn { classes, .. } => *classes,
			Architecture::CharLstm { vocab, .. } => *vocab,
		}
	}

	/// Names of the built-in cards, for [`ModelCard::builtin`].
	pub const BUILTIN: [&'static str; 4] = ["2nn", "cnn", "logreg", "lstm"];

	/// The built-in card called `name` (one of [`ModelCard::BUILTIN`]), predicting `classes`
	/// classes (the character model's vocabulary is fixed), or `None` for another name.
	pub fn builtin(name: &str, classes: usize) -> Option<Self> {
		let mut card = match name {
			"2nn" => Self::fedavg_2nn(),
			"cnn" => Self::fedavg_cnn(),
			"logreg" => Self::logistic_regression(classes),
			"lstm" => return Some(Self::shakespeare_lstm()),
			_ => return None,
		};
		match &mut card.architecture {
			Architecture::LogisticRegression { classes: c, .. }
			| Architecture::Mlp { classes: c, .. }
			| Architecture::Cnn { classes: c, .. } => *c = classes,
			Architecture::CharLstm { .. } => {}
		}
		Some(card)
	}

	/// The built-in card called `spec` (see [`ModelCard::builtin`]), else the card in the JSON
	/// file at path `spec`. The error names both possibilities.
	pub fn builtin_or_file(spec: &str, classes: usize) -> Result<Self> {
		if let Some(card) = Self::builtin(spec, classes) {
			return Ok(card);
		}
		let json = std::fs::read_to_string(spec).map_err(|e| TrainError::InvalidCard {
			card: spec.to_string(),
			reason: format!(
				"not a built-in card ({}) and not a readable file: {e}",
				Self::BUILTIN.join(", ")
			),
		})?;
		Self::from_json(&json)
	}

	/// FedAvg's "2NN" for MNIST: 784-200-200-10 with ReLU, 199,210 parameters.
	pub fn fedavg_2nn() -> Self {
		ModelCard {
			name: "mnist-2nn".into(),
			architecture: Architecture::Mlp {
				input: ImageShape::MNIST,
				hidden: vec![200, 200],
				classes: 10,
			},
			training: LocalConfig::default(),
		}
	}

	/// FedAvg's CNN for MNIST, 1,663,370 parameters.
	pub fn fedavg_cnn() -> Self {
		ModelCard {
			name: "mnist-cnn".into(),
			architecture: Architecture::Cnn {
				input: ImageShape::MNIST,
				conv_channels: [32, 64],
				kernel: 5,
				dense: 512,
				classes: 10,
			},
			training: LocalConfig {
				epochs: 5,
				..LocalConfig::default()
			},
		}
	}

	/// Multinomial logistic regression on 28x28 images.
	pub fn logistic_regression(classes: usize) -> Self {
		ModelCard {
			name: "mnist-logreg".into(),
			architecture: Architecture::LogisticRegression {
				input: ImageShape::MNIST,
				classes,
			},
			training: LocalConfig::default(),
		}
	}

	/// The Shakespeare next-character model: embedding 8, two LSTM layers of 256.
	pub fn shakespeare_lstm() -> Self {
		ModelCard {
			name: "shakespeare-lstm".into(),
			architecture: Architecture::CharLstm {
				vocab: crate::data::shakespeare::VOCAB_SIZE,
				embedding: 8,
				hidden: 256,
				layers: 2,
			},
			training: LocalConfig {
				epochs: 1,
				batch_size: 10,
				optimizer: OptimizerConfig::sgd(0.8),
				proximal_mu: 0.0,
			},
		}
	}
}

fn invalid(setting: &'static str, reason: &str) -> TrainError {
	TrainError::InvalidConfig {
		setting,
		reason: reason.to_string(),
	}
}

fn positive_finite(setting: &'static str, value: f64) -> Result<()> {
	if value.is_finite() && value > 0.0 {
		Ok(())
	} else {
		Err(invalid(
			setting,
			&format!("must be a positive number, got {value}"),
		))
	}
}

fn non_negative(setting: &'static str, value: f64) -> Result<()> {
	if value.is_finite() && value >= 0.0 {
		Ok(())
	} else {
		Err(invalid(
			setting,
			&format!("must be zero or positive, got {value}"),
		))
	}
}

fn unit_interval(setting: &'static str, value: f64) -> Result<()> {
	if (0.0..1.0).contains(&value) {
		Ok(())
	} else {
		Err(invalid(
			setting,
			&format!("must lie in [0, 1), got {value}"),
		))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_card_is_built_in_or_read_from_a_file() {
		assert_eq!(
			ModelCard::builtin_or_file("2nn", 10).unwrap(),
			ModelCard::fedavg_2nn()
		);
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("card.json");
		let mut card = ModelCard::logistic_regression(3);
		card.name = "mine".into();
		std::fs::write(&path, card.to_json()).unwrap();
		let spec = path.to_str().unwrap();
		assert_eq!(ModelCard::builtin_or_file(spec, 10).unwrap(), card);
		let err = ModelCard::builtin_or_file("nope.json", 10)
			.unwrap_err()
			.to_string();
		assert!(
			err.contains("nope.json") && err.contains("2nn, cnn"),
			"{err}"
		);
	}

	#[test]
	fn builtin_cards_take_the_class_count_and_refuse_unknown_names() {
		for name in ModelCard::BUILTIN {
			let card = ModelCard::builtin(name, 62).unwrap();
			card.validate().unwrap();
			if name != "lstm" {
				assert_eq!(card.classes(), 62, "{name}");
			}
		}
		assert_eq!(ModelCard::builtin("2nn", 10), Some(ModelCard::fedavg_2nn()));
		assert_eq!(ModelCard::builtin("resnet", 10), None);
	}

	#[test]
	fn shipped_json_cards_match_the_constructors() {
		let cases = [
			(
				include_str!("../cards/mnist-2nn.json"),
				ModelCard::fedavg_2nn(),
			),
			(
				include_str!("../cards/mnist-cnn.json"),
				ModelCard::fedavg_cnn(),
			),
			(
				include_str!("../cards/mnist-logreg.json"),
				ModelCard::logistic_regression(10),
			),
			(
				include_str!("../cards/shakespeare-lstm.json"),
				ModelCard::shakespeare_lstm(),
			),
		];
		for (json, expected) in cases {
			assert_eq!(ModelCard::from_json(json).unwrap(), expected);
		}
	}

	#[test]
	fn json_round_trip() {
		let card = ModelCard::fedavg_cnn();
		assert_eq!(ModelCard::from_json(&card.to_json()).unwrap(), card);
	}

	#[test]
	fn optimizer_defaults_fill_in() {
		let json = r#"{"name":"x","architecture":{"kind":"logistic_regression",
			"input":{"channels":1,"height":28,"width":28},"classes":10},
			"training":{"epochs":2,"batch_size":32,"optimizer":{"kind":"adam","learning_rate":0.001}}}"#;
		let card = ModelCard::from_json(json).unwrap();
		assert_eq!(card.training.optimizer, OptimizerConfig::adam(0.001));
		assert_eq!(card.training.proximal_mu, 0.0);
	}

	#[test]
	fn bad_cards_are_rejected_with_the_reason() {
		let mut card = ModelCard::fedavg_2nn();
		card.training.batch_size = 0;
		let err = card.validate().unwrap_err().to_string();
		assert!(err.contains("batch_size"), "{err}");

		let mut card = ModelCard::fedavg_2nn();
		card.training.optimizer = OptimizerConfig::sgd(-1.0);
		assert!(card
			.validate()
			.unwrap_err()
			.to_string()
			.contains("learning_rate"));

		let mut card = ModelCard::fedavg_2nn();
		card.architecture = Architecture::Mlp {
			input: ImageShape::MNIST,
			hidden: vec![0],
			classes: 10,
		};
		assert!(card
			.validate()
			.unwrap_err()
			.to_string()
			.contains("mnist-2nn"));

		let unknown = r#"{"name":"x","architecture":{"kind":"transformer"}}"#;
		assert!(ModelCard::from_json(unknown)
			.unwrap_err()
			.to_string()
			.contains("transformer"));
	}
}
