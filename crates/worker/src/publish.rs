//! The first step of proposing a task: putting its model card and initial parameters into the
//! store, so that a task file can name them by CID (`decentralml model publish`, and the demo).

use crate::error::{Result, WorkerError};
use decentralml_client::ContentId;
use decentralml_storage::{Store, StoreExt};
use decentralml_train::{LocalTrainer, ModelCard, ModelParameters};

/// A model card and its initial parameters, in the store.
pub struct PublishedModel {
	/// The card.
	pub card: ModelCard,
	/// The card's CID (a task's `model_card`).
	pub card_cid: ContentId,
	/// The initial parameters.
	pub initial: ModelParameters,
	/// Their CID (a task's `initial_model`).
	pub initial_cid: ContentId,
	/// Size of the initial model's safetensors file.
	pub initial_bytes: usize,
}

/// Initialises `card`'s parameters from `seed` (the same seed gives the same model on any
/// machine) and puts the card, as JSON, and the parameters, as safetensors, into `store`.
pub async fn publish_model(
	store: &dyn Store,
	card: ModelCard,
	seed: u64,
) -> Result<PublishedModel> {
	let trainer =
		LocalTrainer::new(card.clone(), decentralml_train::cpu_device()).map_err(|source| {
			WorkerError::Training {
				what: format!("building the model of card {}", card.name),
				source,
			}
		})?;
	let initial = trainer
		.initial_parameters(seed)
		.map_err(|source| WorkerError::Training {
			what: format!("initialising the parameters of card {}", card.name),
			source,
		})?;
	let initial_safetensors = initial
		.to_safetensors()
		.map_err(|source| WorkerError::Model {
			what: format!("the initial model of card {}", card.name),
			source,
		})?;
	let card_cid = store
		.put_bytes(card.to_json().as_bytes())
		.await
		.map_err(|source| WorkerError::Storage {
			what: format!("putting model card {}", card.name),
			source,
		})?;
	let initial_cid = store
		.put_bytes(&initial_safetensors)
		.await
		.map_err(|source| WorkerError::Storage {
			what: format!("putting the initial model of card {}", card.name),
			source,
		})?;
	Ok(PublishedModel {
		card,
		card_cid: card_cid.into(),
		initial,
		initial_cid: initial_cid.into(),
		initial_bytes: initial_safetensors.len(),
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use decentralml_storage::LocalStore;

	#[tokio::test]
	async fn published_blobs_read_back_as_the_card_and_a_loadable_model() {
		let dir = tempfile::tempdir().unwrap();
		let store = LocalStore::open(dir.path()).await.unwrap();
		let card = ModelCard::logistic_regression(10);
		let published = publish_model(&store, card.clone(), 7).await.unwrap();

		let card_bytes = store
			.get_bytes(&published.card_cid.to_cid().unwrap())
			.await
			.unwrap();
		let read_card = ModelCard::from_json(std::str::from_utf8(&card_bytes).unwrap()).unwrap();
		assert_eq!(read_card, card);
		let model_bytes = store
			.get_bytes(&published.initial_cid.to_cid().unwrap())
			.await
			.unwrap();
		assert_eq!(model_bytes.len(), published.initial_bytes);
		let model = ModelParameters::from_safetensors(&model_bytes).unwrap();
		assert_eq!(model, published.initial);
	}

	#[tokio::test]
	async fn the_same_seed_publishes_the_same_model() {
		let dir = tempfile::tempdir().unwrap();
		let store = LocalStore::open(dir.path()).await.unwrap();
		// Logistic regression starts from zeros; the 2NN's initial weights are random.
		let card = ModelCard::fedavg_2nn();
		let first = publish_model(&store, card.clone(), 3).await.unwrap();
		let again = publish_model(&store, card.clone(), 3).await.unwrap();
		let other = publish_model(&store, card, 4).await.unwrap();
		assert_eq!(first.initial_cid, again.initial_cid);
		assert_ne!(first.initial_cid, other.initial_cid);
	}
}
