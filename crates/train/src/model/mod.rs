//! The networks a model card can describe, built with burn, and their parameters under stable
//! names.

pub mod cnn;
pub mod lstm;
pub mod mlp;

use crate::card::{Architecture, ModelCard};
use crate::error::{Result, TrainError};
use crate::params::{ModelParameters, NamedTensor};
use burn::prelude::*;
use burn::store::bridge;
use burn::store::ModuleSnapshot;
use cnn::{Cnn, CnnShape};
use lstm::CharLstm;
use mlp::Mlp;

/// A batch of model inputs.
#[derive(Clone, Debug)]
pub enum Features {
	/// Images `[batch, channels, height, width]`, scaled to `[0, 1]`.
	Images(Tensor<4>),
	/// Token ids `[batch, length]`.
	Tokens(Tensor<2, Int>),
}

/// Any network a card describes.
// The variants differ in size, but a network is built once per local round, so boxing would
// buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum Network {
	/// Logistic regression and multi-layer perceptrons.
	Mlp(Mlp),
	/// FedAvg's CNN.
	Cnn(Cnn),
	/// Character LSTM.
	CharLstm(CharLstm),
}

/// Guards the backend's random generator, which is one per process (not per device or
/// thread): seeding it and drawing initial weights (burn draws lazily, when a parameter is
/// first used) must not interleave with another thread's draws, or neither run is repeatable.
static GENERATOR: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `f` with the backend's random generator to itself. Every seeding and every network
/// construction in this crate goes through here.
pub(crate) fn with_generator<R>(f: impl FnOnce() -> R) -> R {
	let _guard = GENERATOR
		.lock()
		.unwrap_or_else(std::sync::PoisonError::into_inner);
	f()
}

impl Network {
	/// Builds a freshly initialised network for `card` on `device`. Initialisation draws,
	/// lazily, from the backend's process-wide random generator; for repeatable weights use
	/// [`crate::LocalTrainer::initial_parameters`], which seeds and draws without interference
	/// from other threads.
	pub fn from_card(card: &ModelCard, device: &Device) -> Result<Self> {
		card.validate()?;
		Ok(match &card.architecture {
			Architecture::LogisticRegression { input, classes } => {
				Network::Mlp(Mlp::new(input.len(), &[], *classes, device))
			}
			Architecture::Mlp {
				input,
				hidden,
				classes,
			} => Network::Mlp(Mlp::new(input.len(), hidden, *classes, device)),
			Architecture::Cnn {
				input,
				conv_channels,
				kernel,
				dense,
				classes,
			} => {
				let shape = CnnShape {
					input: [input.channels, input.height, input.width],
					conv_channels: *conv_channels,
					kernel: *kernel,
					dense: *dense,
					classes: *classes,
				};
				Network::Cnn(Cnn::new(shape, device))
			}
			Architecture::CharLstm {
				vocab,
				embedding,
				hidden,
				layers,
			} => Network::CharLstm(CharLstm::new(*vocab, *embedding, *hidden, *layers, device)),
		})
	}

	/// Logits, one row per prediction: `[batch, classes]` for images, `[batch * length, vocab]`
	/// for tokens.
	pub fn forward(&self, features: Features) -> Result<Tensor<2>> {
		match (self, features) {
			(Network::Mlp(m), Features::Images(x)) => Ok(m.forward(x)),
			(Network::Cnn(m), Features::Images(x)) => Ok(m.forward(x)),
			(Network::CharLstm(m), Features::Tokens(x)) => Ok(m.forward(x)),
			(_, features) => Err(TrainError::Incompatible {
				model: self.kind().into(),
				dataset: match features {
					Features::Images(_) => "images",
					Features::Tokens(_) => "token sequences",
				}
				.into(),
				reason: "the network takes the other kind of input".into(),
			}),
		}
	}

	/// Short name of the network kind.
	pub fn kind(&self) -> &'static str {
		match self {
			Network::Mlp(_) => "mlp",
			Network::Cnn(_) => "cnn",
			Network::CharLstm(_) => "char_lstm",
		}
	}

	/// Whether the network reads token sequences rather than images.
	pub fn reads_tokens(&self) -> bool {
		matches!(self, Network::CharLstm(_))
	}

	/// Copies every parameter out, under its stable name.
	pub fn parameters(&self) -> Result<ModelParameters> {
		let tensors = self
			.collect(None, None, true)
			.into_iter()
			.map(|t| {
				let name = stable_name(&t.name);
				let data = bridge::into_data(t).map_err(|e| TrainError::Backend(e.to_string()))?;
				let shape = data.shape().to_vec();
				let values = data
					.try_into_vec_as::<f32>()
					.map_err(|e| TrainError::Backend(format!("{name}: {e:?}")))?;
				Ok(NamedTensor {
					name,
					shape,
					values,
				})
			})
			.collect::<Result<Vec<_>>>()?;
		ModelParameters::new(tensors)
	}

	/// Replaces every parameter with the one of the same stable name in `params`. The names and
	/// shapes must match exactly.
	pub fn load_parameters(mut self, params: &ModelParameters) -> Result<Self> {
		// Stable name -> burn path, from the network itself (reads no tensor data).
		let mut layout = Vec::new();
		let mut burn_paths = std::collections::HashMap::new();
		for t in self.collect(None, None, true) {
			let name = stable_name(&t.name);
			layout.push(NamedTensor {
				name: name.clone(),
				shape: t.shape.to_vec(),
				values: vec![],
			});
			burn_paths.insert(name, t.name);
		}
		ModelParameters::from_layout(layout).check_same_layout(params)?;
		let tensors = params
			.tensors()
			.iter()
			.map(|t| {
				let data = TensorData::new(t.values.clone(), t.shape.clone());
				// Invariant: the layout check above found every name of `params` in `burn_paths`.
				bridge::from_data(data, burn_paths[&t.name].clone(), None)
			})
			.collect();
		let result = self.apply(tensors, None, None, true);
		if let Some(error) = result.errors.first() {
			return Err(TrainError::Backend(format!(
				"loading parameters: {error:?}"
			)));
		}
		if let Some((path, _)) = result.missing.first() {
			return Err(TrainError::ParameterMismatch {
				name: stable_name(path),
				reason: "was not loaded".into(),
			});
		}
		Ok(self)
	}

	/// Number of scalar parameters.
	pub fn num_parameters(&self) -> usize {
		self.num_params()
	}
}

/// Vector fields whose items get numbered names (`layers.0` becomes `fc1`).
const NUMBERED: [(&str, &str); 2] = [("layers.", "fc"), ("lstm.", "lstm")];

/// Maps burn's module path to the stable name: `layers.0.weight` -> `fc1.weight`,
/// `lstm.1.cell_gate...` -> `lstm2.cell_gate...`; other paths are kept.
pub fn stable_name(path: &str) -> String {
	for (field, prefix) in NUMBERED {
		if let Some(rest) = path.strip_prefix(field) {
			if let Some((index, tail)) = rest.split_once('.') {
				if let Ok(i) = index.parse::<usize>() {
					return format!("{prefix}{}.{tail}", i + 1);
				}
			}
		}
	}
	path.to_string()
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::card::ImageShape;

	fn device() -> Device {
		Device::flex()
	}

	fn names(network: &Network) -> Vec<String> {
		network
			.parameters()
			.unwrap()
			.tensors()
			.iter()
			.map(|t| t.name.clone())
			.collect()
	}

	#[test]
	fn fedavg_parameter_counts() {
		let two_nn = Network::from_card(&ModelCard::fedavg_2nn(), &device()).unwrap();
		assert_eq!(two_nn.num_parameters(), 199_210);
		assert_eq!(two_nn.parameters().unwrap().num_parameters(), 199_210);
		let cnn = Network::from_card(&ModelCard::fedavg_cnn(), &device()).unwrap();
		assert_eq!(cnn.num_parameters(), 1_663_370);
		let logreg = Network::from_card(&ModelCard::logistic_regression(10), &device()).unwrap();
		assert_eq!(logreg.num_parameters(), 7_850);
		// Embedding 98x8; per LSTM gate an input and a hidden transform with biases; dense 256x98.
		let lstm = Network::from_card(&ModelCard::shakespeare_lstm(), &device()).unwrap();
		assert_eq!(
			lstm.num_parameters(),
			784 + 4 * 68_096 + 4 * 131_584 + 25_186
		);
	}

	#[test]
	fn stable_name_numbers_vector_items_from_one() {
		assert_eq!(stable_name("layers.0.weight"), "fc1.weight");
		assert_eq!(
			stable_name("lstm.1.input_gate.input_transform.bias"),
			"lstm2.input_gate.input_transform.bias"
		);
		assert_eq!(stable_name("conv1.bias"), "conv1.bias");
		assert_eq!(stable_name("layers.x.weight"), "layers.x.weight");
	}

	#[test]
	fn stable_names() {
		let two_nn = Network::from_card(&ModelCard::fedavg_2nn(), &device()).unwrap();
		assert_eq!(
			names(&two_nn),
			[
				"fc1.bias",
				"fc1.weight",
				"fc2.bias",
				"fc2.weight",
				"fc3.bias",
				"fc3.weight"
			]
		);
		let cnn = Network::from_card(&ModelCard::fedavg_cnn(), &device()).unwrap();
		assert_eq!(
			names(&cnn),
			[
				"conv1.bias",
				"conv1.weight",
				"conv2.bias",
				"conv2.weight",
				"fc1.bias",
				"fc1.weight",
				"fc2.bias",
				"fc2.weight"
			]
		);
		let params = cnn.parameters().unwrap();
		assert_eq!(params.get("conv1.weight").unwrap().shape, [32, 1, 5, 5]);
		assert_eq!(params.get("fc1.weight").unwrap().shape, [3136, 512]);
		let lstm = Network::from_card(&ModelCard::shakespeare_lstm(), &device()).unwrap();
		let lstm_names = names(&lstm);
		assert!(lstm_names.contains(&"embedding.weight".to_string()));
		assert!(lstm_names.contains(&"lstm2.cell_gate.hidden_transform.weight".to_string()));
		assert!(lstm_names.contains(&"fc.bias".to_string()));
	}

	#[test]
	fn parameters_round_trip_through_safetensors_into_a_fresh_model() {
		let card = ModelCard::logistic_regression(10);
		let a = Network::from_card(&card, &device()).unwrap();
		let b = Network::from_card(&card, &device()).unwrap();
		let bytes = a.parameters().unwrap().to_safetensors().unwrap();
		assert_ne!(a.parameters().unwrap(), b.parameters().unwrap());
		let params = ModelParameters::from_safetensors(&bytes).unwrap();
		let b = b.load_parameters(&params).unwrap();
		assert_eq!(b.parameters().unwrap(), a.parameters().unwrap());
	}

	#[test]
	fn loading_mismatched_parameters_fails_with_the_name() {
		let logreg = Network::from_card(&ModelCard::logistic_regression(10), &device()).unwrap();
		let two_nn = Network::from_card(&ModelCard::fedavg_2nn(), &device()).unwrap();
		let err = logreg
			.load_parameters(&two_nn.parameters().unwrap())
			.unwrap_err()
			.to_string();
		assert!(
			err.contains("parameter `fc1.") && err.contains("differs"),
			"{err}"
		);
	}

	#[test]
	fn forward_shapes_and_input_checks() {
		let dev = device();
		let images = Tensor::<4>::zeros([3, 1, 28, 28], &dev);
		let cnn = Network::from_card(&ModelCard::fedavg_cnn(), &dev).unwrap();
		assert_eq!(
			cnn.forward(Features::Images(images.clone()))
				.unwrap()
				.dims(),
			[3, 10]
		);
		let lstm = Network::from_card(&ModelCard::shakespeare_lstm(), &dev).unwrap();
		let tokens = Tensor::<2, Int>::zeros([2, 5], &dev);
		assert_eq!(
			lstm.forward(Features::Tokens(tokens)).unwrap().dims(),
			[10, 98]
		);
		let err = lstm
			.forward(Features::Images(images))
			.unwrap_err()
			.to_string();
		assert!(err.contains("char_lstm"), "{err}");
		let card = ModelCard {
			architecture: Architecture::Mlp {
				input: ImageShape::MNIST,
				hidden: vec![],
				classes: 1,
			},
			..ModelCard::fedavg_2nn()
		};
		assert!(Network::from_card(&card, &dev).is_err());
	}
}
