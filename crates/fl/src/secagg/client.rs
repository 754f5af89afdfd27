//! The client side of SecAgg+: one state machine per client and session.

use super::{
	commit_seed, crypto, prg, shamir, EncryptedShares, KeyAdvertisement, MaskedInput, SecAggError,
	SecAggParams, ShareKeys, UnmaskRequest, UnmaskResponse,
};
use rand_core::{CryptoRng, RngCore};
use std::collections::{BTreeMap, BTreeSet};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

/// Plaintext of one encrypted share message: sender, recipient, seed share, mask-key share.
const SHARE_MESSAGE_LEN: usize = 4 + 4 + 2 * (4 + 5 * 8);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
	Advertised,
	Shared,
	Masked,
	Done,
}

impl Stage {
	fn name(self) -> &'static str {
		match self {
			Stage::Advertised => "advertise-keys",
			Stage::Shared => "share-keys",
			Stage::Masked => "masked-input",
			Stage::Done => "unmasking",
		}
	}
}

/// One client's SecAgg+ session.
pub struct SecAggClient {
	id: u32,
	params: SecAggParams,
	neighbours: BTreeSet<u32>,
	encryption: StaticSecret,
	masking: StaticSecret,
	stage: Stage,
	peers: BTreeMap<u32, KeyAdvertisement>,
	seed: Zeroizing<[u8; 32]>,
	received: BTreeMap<u32, Vec<u8>>,
}

impl std::fmt::Debug for SecAggClient {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.debug_struct("SecAggClient")
			.field("id", &self.id)
			.field("stage", &self.stage)
			.finish()
	}
}

impl SecAggClient {
	/// Starts a session as client `id` and returns the round-1 key advertisement.
	pub fn new<R: RngCore + CryptoRng>(
		params: SecAggParams,
		id: u32,
		rng: &mut R,
	) -> Result<(Self, KeyAdvertisement), SecAggError> {
		params.validate()?;
		if id >= params.num_clients {
			return Err(SecAggError::UnknownClient(id));
		}
		let graph = params.graph();
		let neighbours = graph
			.get(id as usize)
			.map(|n| n.iter().copied().collect())
			.unwrap_or_default();
		let encryption = StaticSecret::random_from_rng(&mut *rng);
		let masking = StaticSecret::random_from_rng(&mut *rng);
		let advertisement = KeyAdvertisement {
			client: id,
			encryption_key: PublicKey::from(&encryption).to_bytes(),
			mask_key: PublicKey::from(&masking).to_bytes(),
		};
		let client = SecAggClient {
			id,
			params,
			neighbours,
			encryption,
			masking,
			stage: Stage::Advertised,
			peers: BTreeMap::new(),
			seed: Zeroizing::new([0; 32]),
			received: BTreeMap::new(),
		};
		Ok((client, advertisement))
	}

	/// This client's id.
	pub fn id(&self) -> u32 {
		self.id
	}

	fn expect(&self, stage: Stage) -> Result<(), SecAggError> {
		if self.stage != stage {
			return Err(SecAggError::WrongStage {
				expected: stage.name(),
				found: self.stage.name(),
			});
		}
		Ok(())
	}

	/// Round 2: given the advertisements of the neighbours that are alive, draws the self-mask
	/// seed and returns encrypted shares of it and of the mask key for each of them.
	pub fn share_keys<R: RngCore + CryptoRng>(
		&mut self,
		neighbour_keys: &[KeyAdvertisement],
		rng: &mut R,
	) -> Result<ShareKeys, SecAggError> {
		self.expect(Stage::Advertised)?;
		for advert in neighbour_keys {
			if !self.neighbours.contains(&advert.client) {
				return Err(SecAggError::NotNeighbour {
					client: self.id,
					peer: advert.client,
				});
			}
			if self.peers.insert(advert.client, advert.clone()).is_some() {
				return Err(SecAggError::DuplicateMessage {
					client: advert.client,
					message: "key advertisement",
				});
			}
		}
		let threshold = self.params.threshold as usize;
		if self.peers.len() < threshold {
			return Err(SecAggError::TooFewNeighbours {
				client: self.id,
				available: self.peers.len(),
				threshold,
			});
		}
		rng.fill_bytes(&mut self.seed[..]);
		let points: Vec<u32> = self.peers.keys().map(|j| j + 1).collect();
		let seed_shares = shamir::split(&self.seed, threshold, &points, rng)?;
		let key_bytes = Zeroizing::new(self.masking.to_bytes());
		let key_shares = shamir::split(&key_bytes, threshold, &points, rng)?;
		let mut shares = Vec::with_capacity(self.peers.len());
		for ((peer, advert), (seed_share, key_share)) in
			self.peers.iter().zip(seed_shares.iter().zip(&key_shares))
		{
			let plaintext = encode_shares(self.id, *peer, seed_share, key_share);
			let ciphertext = crypto::seal(
				&self.params.session,
				&self.encryption,
				&advert.encryption_key,
				(self.id, *peer),
				&plaintext,
			)?;
			shares.push(EncryptedShares {
				from: self.id,
				to: *peer,
				ciphertext,
			});
		}
		self.stage = Stage::Shared;
		Ok(ShareKeys {
			client: self.id,
			seed_commitment: commit_seed(&self.params.session, &self.seed),
			shares,
		})
	}

	/// Round 3: given the shares addressed to this client, quantises and masks `input`.
	pub fn mask_input(
		&mut self,
		shares: &[EncryptedShares],
		input: &[f32],
	) -> Result<MaskedInput, SecAggError> {
		self.expect(Stage::Shared)?;
		if input.len() != self.params.vector_len {
			return Err(SecAggError::InputLength {
				client: self.id,
				expected: self.params.vector_len,
				found: input.len(),
			});
		}
		if let Some(index) = input.iter().position(|v| !v.is_finite()) {
			return Err(SecAggError::NonFiniteInput {
				client: self.id,
				index,
			});
		}
		for share in shares {
			if share.to != self.id || !self.peers.contains_key(&share.from) {
				return Err(SecAggError::NotNeighbour {
					client: self.id,
					peer: share.from,
				});
			}
			// Authenticate now, so that a bad share fails before this client commits its input.
			self.open_share(share.from, &share.ciphertext)?;
			if self
				.received
				.insert(share.from, share.ciphertext.clone())
				.is_some()
			{
				return Err(SecAggError::DuplicateMessage {
					client: share.from,
					message: "shares",
				});
			}
		}
		let threshold = self.params.threshold as usize;
		if self.received.len() < threshold {
			return Err(SecAggError::TooFewNeighbours {
				client: self.id,
				available: self.received.len(),
				threshold,
			});
		}
		let modulus = self.params.modulus_mask();
		let quantizer = self.params.quantizer;
		let mut values: Vec<u32> = input.iter().map(|v| quantizer.quantize(*v)).collect();
		prg::apply_mask(&self.seed, false, modulus, &mut values);
		for peer in self.received.keys() {
			// Received implies advertised (checked above).
			let Some(advert) = self.peers.get(peer) else {
				continue;
			};
			let key = crypto::pairwise_mask_key(
				&self.params.session,
				&self.masking,
				&advert.mask_key,
				*peer,
			)?;
			prg::apply_mask(&key, self.id > *peer, modulus, &mut values);
		}
		self.stage = Stage::Masked;
		Ok(MaskedInput {
			client: self.id,
			values,
		})
	}

	/// Round 4: reveals, for each neighbour that shared with this client, its seed share if the
	/// neighbour survived or its mask-key share if it dropped, never both.
	pub fn unmask(&mut self, request: &UnmaskRequest) -> Result<UnmaskResponse, SecAggError> {
		self.expect(Stage::Masked)?;
		let survivors: BTreeSet<u32> = request.survivors.iter().copied().collect();
		let dropped: BTreeSet<u32> = request.dropped.iter().copied().collect();
		let inconsistent = |reason: String| SecAggError::InconsistentRequest {
			client: self.id,
			reason,
		};
		if let Some(both) = survivors.intersection(&dropped).next() {
			return Err(inconsistent(format!(
				"client {both} is listed as surviving and dropped"
			)));
		}
		if !survivors.contains(&self.id) {
			return Err(inconsistent(
				"this client is not listed as a survivor".to_string(),
			));
		}
		let threshold = self.params.threshold as usize;
		if survivors.len() < threshold {
			return Err(inconsistent(format!(
				"{} survivors, fewer than the threshold {threshold}",
				survivors.len()
			)));
		}
		let mut response = UnmaskResponse {
			client: self.id,
			seed_shares: Vec::new(),
			key_shares: Vec::new(),
		};
		for (peer, ciphertext) in &self.received {
			let (seed_share, key_share) = self.open_share(*peer, ciphertext)?;
			if survivors.contains(peer) {
				response.seed_shares.push((*peer, seed_share));
			} else if dropped.contains(peer) {
				response.key_shares.push((*peer, key_share));
			}
		}
		self.stage = Stage::Done;
		Ok(response)
	}

	fn open_share(
		&self,
		from: u32,
		ciphertext: &[u8],
	) -> Result<(shamir::Share, shamir::Share), SecAggError> {
		let advert = self.peers.get(&from).ok_or(SecAggError::NotNeighbour {
			client: self.id,
			peer: from,
		})?;
		let plaintext = crypto::open(
			&self.params.session,
			&self.encryption,
			&advert.encryption_key,
			(from, self.id),
			ciphertext,
		)?;
		decode_shares(&plaintext, from, self.id)
	}
}

fn put_share(out: &mut Vec<u8>, share: &shamir::Share) {
	out.extend_from_slice(&share.x.to_le_bytes());
	for y in share.y {
		out.extend_from_slice(&y.to_le_bytes());
	}
}

fn encode_shares(
	from: u32,
	to: u32,
	seed: &shamir::Share,
	key: &shamir::Share,
) -> Zeroizing<Vec<u8>> {
	let mut out = Zeroizing::new(Vec::with_capacity(SHARE_MESSAGE_LEN));
	out.extend_from_slice(&from.to_le_bytes());
	out.extend_from_slice(&to.to_le_bytes());
	put_share(&mut out, seed);
	put_share(&mut out, key);
	out
}

fn take_u32(bytes: &[u8], at: usize) -> Option<u32> {
	Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn take_share(bytes: &[u8], at: usize) -> Option<shamir::Share> {
	let x = take_u32(bytes, at)?;
	let mut y = [0u64; 5];
	for (i, limb) in y.iter_mut().enumerate() {
		let start = at + 4 + 8 * i;
		*limb = u64::from_le_bytes(bytes.get(start..start + 8)?.try_into().ok()?);
	}
	Some(shamir::Share { x, y })
}

fn decode_shares(
	bytes: &[u8],
	from: u32,
	to: u32,
) -> Result<(shamir::Share, shamir::Share), SecAggError> {
	let malformed = SecAggError::MalformedShare { from };
	if bytes.len() != SHARE_MESSAGE_LEN
		|| take_u32(bytes, 0) != Some(from)
		|| take_u32(bytes, 4) != Some(to)
	{
		return Err(malformed);
	}
	let seed = take_share(bytes, 8).ok_or(malformed.clone())?;
	let key = take_share(bytes, 8 + 44).ok_or(malformed)?;
	Ok((seed, key))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn share_messages_round_trip_and_check_ids() {
		let seed = shamir::Share {
			x: 3,
			y: [1, 2, 3, 4, 5],
		};
		let key = shamir::Share {
			x: 3,
			y: [6, 7, 8, 9, 10],
		};
		let bytes = encode_shares(1, 2, &seed, &key);
		assert_eq!(bytes.len(), SHARE_MESSAGE_LEN);
		assert_eq!(decode_shares(&bytes, 1, 2).unwrap(), (seed, key));
		assert!(decode_shares(&bytes, 2, 1).is_err());
		assert!(decode_shares(&bytes[1..], 1, 2).is_err());
	}
}
