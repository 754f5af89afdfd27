//! Models, updates and model cards in content-addressed storage: every read is verified against
//! the CID the chain holds, updates travel encrypted to the round's validators and aggregator.

use crate::error::{Result, WorkerError};
use decentralml_client::ContentId;
use decentralml_storage::envelope::{self, PublicKey, StaticSecret};
use decentralml_storage::{Cid, Error as StorageError, Store, StoreExt};
use decentralml_train::{ModelCard, ModelParameters};

/// The `cid` crate's CID of a CID read from the chain.
pub fn to_cid(id: &ContentId, what: &str) -> Result<Cid> {
	id.to_cid().map_err(|e| WorkerError::BadCid {
		what: what.to_string(),
		len: id.as_bytes().len(),
		reason: e.to_string(),
	})
}

/// The verified bytes of the blob `id`.
pub async fn fetch(store: &dyn Store, id: &ContentId, what: &str) -> Result<Vec<u8>> {
	let cid = to_cid(id, what)?;
	let bytes = store
		.get_bytes(&cid)
		.await
		.map_err(|source| WorkerError::Storage {
			what: format!("fetching {what} {cid}"),
			source,
		})?;
	Ok(bytes.to_vec())
}

/// The model card `id`, parsed and validated.
pub async fn fetch_card(store: &dyn Store, id: &ContentId) -> Result<ModelCard> {
	let bytes = fetch(store, id, "the model card").await?;
	let text = String::from_utf8(bytes).map_err(|_| WorkerError::BadModelCard {
		cid: id.to_string(),
		reason: "not UTF-8 text".into(),
	})?;
	ModelCard::from_json(&text).map_err(|e| WorkerError::BadModelCard {
		cid: id.to_string(),
		reason: e.to_string(),
	})
}

/// Decodes a model or update from safetensors bytes.
pub fn decode_model(bytes: &[u8], what: &str) -> Result<ModelParameters> {
	ModelParameters::from_safetensors(bytes).map_err(|source| WorkerError::Model {
		what: what.to_string(),
		source,
	})
}

/// Stores plaintext bytes (global models, strategy state); returns the CID.
pub async fn put_plain(store: &dyn Store, bytes: &[u8], what: &str) -> Result<Cid> {
	store
		.put_bytes(bytes)
		.await
		.map_err(|source| WorkerError::Storage {
			what: format!("storing {what}"),
			source,
		})
}

/// Encrypts `bytes` to `recipients` and stores the ciphertext; returns its CID.
pub async fn put_sealed(
	store: &dyn Store,
	bytes: &[u8],
	recipients: &[[u8; 32]],
	what: &str,
) -> Result<Cid> {
	let keys: Vec<PublicKey> = recipients.iter().map(|k| PublicKey::from(*k)).collect();
	let mut reader = bytes;
	envelope::put_encrypted(store, &mut reader, &keys)
		.await
		.map_err(|source| WorkerError::Storage {
			what: format!("encrypting and storing {what}"),
			source,
		})
}

/// Why an update could not be read.
#[derive(Debug)]
pub enum UpdateFault {
	/// The trainer's fault: the blob is missing, was not encrypted to us, or is not a model.
	Invalid(String),
	/// Ours or the network's: retrying may succeed.
	Unavailable(WorkerError),
}

/// Fetches, decrypts and decodes the update `id`, telling the trainer's faults (missing blob,
/// not encrypted to us, not a model) apart from failures worth retrying.
pub async fn fetch_update(
	store: &dyn Store,
	id: &ContentId,
	secret: &StaticSecret,
) -> std::result::Result<ModelParameters, UpdateFault> {
	let bytes = fetch_update_bytes(store, id, secret).await?;
	ModelParameters::from_safetensors(&bytes)
		.map_err(|e| UpdateFault::Invalid(format!("not a model: {e}")))
}

/// Fetches and decrypts the update `id`: its plaintext safetensors bytes.
pub async fn fetch_update_bytes(
	store: &dyn Store,
	id: &ContentId,
	secret: &StaticSecret,
) -> std::result::Result<Vec<u8>, UpdateFault> {
	let cid = id
		.to_cid()
		.map_err(|e| UpdateFault::Invalid(format!("malformed CID: {e}")))?;
	match envelope::get_decrypted_bytes(store, &cid, secret).await {
		Ok(bytes) => Ok(bytes),
		Err(error) if is_senders_fault(&error) => Err(UpdateFault::Invalid(error.to_string())),
		Err(source) => Err(UpdateFault::Unavailable(WorkerError::Storage {
			what: format!("fetching update {cid}"),
			source,
		})),
	}
}

/// Whether a storage error means the blob itself is bad, not that the store failed.
fn is_senders_fault(error: &StorageError) -> bool {
	matches!(
		error,
		StorageError::NotFound { .. }
			| StorageError::Tampered { .. }
			| StorageError::UnsupportedCid { .. }
			| StorageError::InvalidCid { .. }
			| StorageError::MalformedEnvelope(_)
			| StorageError::NotARecipient { .. }
			| StorageError::Decryption { .. }
	)
}

#[cfg(test)]
mod tests {
	use super::*;
	use decentralml_storage::MemoryStore;
	use decentralml_train::NamedTensor;

	fn model() -> ModelParameters {
		ModelParameters::new(vec![NamedTensor {
			name: "w".into(),
			shape: vec![2],
			values: vec![1.0, -2.0],
		}])
		.unwrap()
	}

	#[tokio::test]
	async fn sealed_updates_open_for_recipients_only() {
		let store = MemoryStore::new();
		let (ours, theirs) = (envelope::generate_secret(), envelope::generate_secret());
		let bytes = model().to_safetensors().unwrap();
		let recipients = [PublicKey::from(&ours).to_bytes()];
		let cid = put_sealed(&store, &bytes, &recipients, "an update")
			.await
			.unwrap();
		let id = ContentId::from(cid);
		assert_eq!(fetch_update(&store, &id, &ours).await.unwrap(), model());
		assert!(matches!(
			fetch_update(&store, &id, &theirs).await,
			Err(UpdateFault::Invalid(_))
		));
		let missing = ContentId::from(decentralml_storage::cid_of(b"nothing"));
		assert!(matches!(
			fetch_update(&store, &missing, &ours).await,
			Err(UpdateFault::Invalid(_))
		));
	}

	#[tokio::test]
	async fn plain_blobs_round_trip_and_cards_are_checked() {
		let store = MemoryStore::new();
		let card = ModelCard::logistic_regression(4);
		let cid = put_plain(&store, card.to_json().as_bytes(), "a card")
			.await
			.unwrap();
		assert_eq!(fetch_card(&store, &cid.into()).await.unwrap(), card);
		let junk = put_plain(&store, b"{}", "junk").await.unwrap();
		assert!(matches!(
			fetch_card(&store, &junk.into()).await,
			Err(WorkerError::BadModelCard { .. })
		));
	}
}
