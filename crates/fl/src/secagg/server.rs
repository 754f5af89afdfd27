//! The server side of SecAgg+: routes messages and computes the unmasked sum. It never
//! receives an unmasked vector: its only vector input is [`MaskedInput`].

use super::{
	commit_seed, crypto, prg, shamir, EncryptedShares, KeyAdvertisement, MaskedInput, SecAggError,
	SecAggParams, ShareKeys, UnmaskRequest, UnmaskResponse,
};
use std::collections::{BTreeMap, BTreeSet};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
	Advertising,
	Sharing,
	Masking,
	Unmasking,
}

impl Stage {
	fn name(self) -> &'static str {
		match self {
			Stage::Advertising => "advertise-keys",
			Stage::Sharing => "share-keys",
			Stage::Masking => "masked-input",
			Stage::Unmasking => "unmasking",
		}
	}
}

/// The result of a session.
#[derive(Clone, Debug, PartialEq)]
pub struct SecAggOutput {
	/// Sum of the survivors' inputs, exact up to quantisation (each input contributes at most
	/// half a quantisation step of error per element).
	pub sum: Vec<f64>,
	/// Clients whose inputs are in the sum.
	pub contributors: Vec<u32>,
	/// Clients that shared keys but whose inputs are not in the sum.
	pub dropped: Vec<u32>,
}

/// The server of one SecAgg+ session.
#[derive(Debug)]
pub struct SecAggServer {
	params: SecAggParams,
	graph: Vec<Vec<u32>>,
	stage: Stage,
	adverts: BTreeMap<u32, KeyAdvertisement>,
	shares: BTreeMap<u32, ShareKeys>,
	masked: BTreeMap<u32, MaskedInput>,
	responses: BTreeMap<u32, UnmaskResponse>,
}

impl SecAggServer {
	/// Starts a session.
	pub fn new(params: SecAggParams) -> Result<Self, SecAggError> {
		params.validate()?;
		Ok(SecAggServer {
			graph: params.graph(),
			params,
			stage: Stage::Advertising,
			adverts: BTreeMap::new(),
			shares: BTreeMap::new(),
			masked: BTreeMap::new(),
			responses: BTreeMap::new(),
		})
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

	fn neighbours(&self, client: u32) -> Result<&[u32], SecAggError> {
		self.graph
			.get(client as usize)
			.map(Vec::as_slice)
			.ok_or(SecAggError::UnknownClient(client))
	}

	/// Round 1: records a client's public keys.
	pub fn receive_advertisement(&mut self, advert: KeyAdvertisement) -> Result<(), SecAggError> {
		self.expect(Stage::Advertising)?;
		self.neighbours(advert.client)?;
		if self.adverts.contains_key(&advert.client) {
			return Err(SecAggError::DuplicateMessage {
				client: advert.client,
				message: "key advertisement",
			});
		}
		self.adverts.insert(advert.client, advert);
		Ok(())
	}

	/// Ends round 1; clients that did not advertise are out of the session.
	pub fn close_advertising(&mut self) -> Result<(), SecAggError> {
		self.expect(Stage::Advertising)?;
		self.stage = Stage::Sharing;
		Ok(())
	}

	/// The advertisements of `client`'s live neighbours, to forward to it.
	pub fn neighbour_keys(&self, client: u32) -> Result<Vec<KeyAdvertisement>, SecAggError> {
		self.expect(Stage::Sharing)?;
		Ok(self
			.neighbours(client)?
			.iter()
			.filter_map(|j| self.adverts.get(j).cloned())
			.collect())
	}

	/// Round 2: records a client's encrypted shares.
	pub fn receive_shares(&mut self, message: ShareKeys) -> Result<(), SecAggError> {
		self.expect(Stage::Sharing)?;
		let client = message.client;
		if !self.adverts.contains_key(&client) {
			return Err(SecAggError::UnknownClient(client));
		}
		let neighbours = self.neighbours(client)?;
		let mut seen = BTreeSet::new();
		for share in &message.shares {
			if share.from != client
				|| !neighbours.contains(&share.to)
				|| !self.adverts.contains_key(&share.to)
			{
				return Err(SecAggError::NotNeighbour {
					client,
					peer: share.to,
				});
			}
			if !seen.insert(share.to) {
				return Err(SecAggError::DuplicateMessage {
					client,
					message: "share for one neighbour",
				});
			}
		}
		if self.shares.contains_key(&client) {
			return Err(SecAggError::DuplicateMessage {
				client,
				message: "shares",
			});
		}
		self.shares.insert(client, message);
		Ok(())
	}

	/// Ends round 2; clients that did not share are out of the session.
	pub fn close_sharing(&mut self) -> Result<(), SecAggError> {
		self.expect(Stage::Sharing)?;
		self.stage = Stage::Masking;
		Ok(())
	}

	/// The encrypted shares addressed to `client`, to forward to it.
	pub fn shares_for(&self, client: u32) -> Result<Vec<EncryptedShares>, SecAggError> {
		self.expect(Stage::Masking)?;
		self.neighbours(client)?;
		Ok(self
			.shares
			.values()
			.flat_map(|m| m.shares.iter().filter(|s| s.to == client).cloned())
			.collect())
	}

	/// Round 3: records a client's masked input.
	pub fn receive_masked_input(&mut self, input: MaskedInput) -> Result<(), SecAggError> {
		self.expect(Stage::Masking)?;
		let client = input.client;
		if !self.shares.contains_key(&client) {
			return Err(SecAggError::UnknownClient(client));
		}
		if input.values.len() != self.params.vector_len {
			return Err(SecAggError::InputLength {
				client,
				expected: self.params.vector_len,
				found: input.values.len(),
			});
		}
		if self.masked.contains_key(&client) {
			return Err(SecAggError::DuplicateMessage {
				client,
				message: "masked input",
			});
		}
		self.masked.insert(client, input);
		Ok(())
	}

	/// Ends round 3 and returns the unmasking request for the survivors.
	pub fn close_masking(&mut self) -> Result<UnmaskRequest, SecAggError> {
		self.expect(Stage::Masking)?;
		let threshold = self.params.threshold as usize;
		if self.masked.len() < threshold {
			return Err(SecAggError::TooManyDropouts {
				client: self
					.shares
					.keys()
					.copied()
					.find(|c| !self.masked.contains_key(c))
					.unwrap_or(0),
				secret: "masked input",
				available: self.masked.len(),
				threshold,
			});
		}
		self.stage = Stage::Unmasking;
		Ok(self.request())
	}

	fn request(&self) -> UnmaskRequest {
		UnmaskRequest {
			survivors: self.masked.keys().copied().collect(),
			dropped: self
				.shares
				.keys()
				.copied()
				.filter(|c| !self.masked.contains_key(c))
				.collect(),
		}
	}

	/// Round 4: records a survivor's shares.
	pub fn receive_unmask_response(&mut self, response: UnmaskResponse) -> Result<(), SecAggError> {
		self.expect(Stage::Unmasking)?;
		let client = response.client;
		if !self.masked.contains_key(&client) {
			return Err(SecAggError::UnknownClient(client));
		}
		let neighbours = self.neighbours(client)?;
		let valid = |owner: &u32, wanted_survivor: bool| {
			neighbours.contains(owner)
				&& self.shares.contains_key(owner)
				&& self.masked.contains_key(owner) == wanted_survivor
		};
		if let Some((owner, _)) = response.seed_shares.iter().find(|(o, _)| !valid(o, true)) {
			return Err(SecAggError::NotNeighbour {
				client,
				peer: *owner,
			});
		}
		if let Some((owner, _)) = response.key_shares.iter().find(|(o, _)| !valid(o, false)) {
			return Err(SecAggError::NotNeighbour {
				client,
				peer: *owner,
			});
		}
		if self.responses.contains_key(&client) {
			return Err(SecAggError::DuplicateMessage {
				client,
				message: "unmasking response",
			});
		}
		self.responses.insert(client, response);
		Ok(())
	}

	/// Removes every mask and returns the sum of the survivors' inputs.
	pub fn finish(self) -> Result<SecAggOutput, SecAggError> {
		self.expect(Stage::Unmasking)?;
		let modulus = self.params.modulus_mask();
		let mut sum = vec![0u32; self.params.vector_len];
		for input in self.masked.values() {
			for (s, v) in sum.iter_mut().zip(&input.values) {
				*s = s.wrapping_add(*v) & modulus;
			}
		}
		let request = self.request();
		for &owner in &request.survivors {
			let seed = self.reconstruct(owner, "self-mask seed", |r| &r.seed_shares)?;
			let commitment = self.shares.get(&owner).map(|m| m.seed_commitment);
			if commitment != Some(commit_seed(&self.params.session, &seed)) {
				return Err(SecAggError::ReconstructionMismatch {
					client: owner,
					secret: "self-mask seed",
				});
			}
			prg::apply_mask(&seed, true, modulus, &mut sum);
		}
		for &owner in &request.dropped {
			self.remove_pairwise_masks(owner, modulus, &mut sum)?;
		}
		let level_sum: Vec<f64> = sum
			.iter()
			.map(|s| {
				self.params
					.quantizer
					.dequantize_sum(u64::from(*s), request.survivors.len())
			})
			.collect();
		Ok(SecAggOutput {
			sum: level_sum,
			contributors: request.survivors,
			dropped: request.dropped,
		})
	}

	/// Reconstructs a dropped client's mask key and removes the masks its surviving neighbours
	/// added for it.
	fn remove_pairwise_masks(
		&self,
		owner: u32,
		modulus: u32,
		sum: &mut [u32],
	) -> Result<(), SecAggError> {
		let secret = StaticSecret::from(*self.reconstruct(owner, "mask key", |r| &r.key_shares)?);
		let advertised = self.adverts.get(&owner).map(|a| a.mask_key);
		if advertised != Some(PublicKey::from(&secret).to_bytes()) {
			return Err(SecAggError::ReconstructionMismatch {
				client: owner,
				secret: "mask key",
			});
		}
		for &peer in self.neighbours(owner)? {
			let Some(advert) = self.adverts.get(&peer) else {
				continue;
			};
			if !self.masked.contains_key(&peer) {
				continue;
			}
			// `peer` added the mask with sign + if peer < owner; remove it with the opposite.
			let key =
				crypto::pairwise_mask_key(&self.params.session, &secret, &advert.mask_key, peer)?;
			prg::apply_mask(&key, peer < owner, modulus, sum);
		}
		Ok(())
	}

	/// Reconstructs one secret of `owner` from the shares its neighbours revealed.
	fn reconstruct(
		&self,
		owner: u32,
		secret: &'static str,
		pick: impl Fn(&UnmaskResponse) -> &Vec<(u32, shamir::Share)>,
	) -> Result<Zeroizing<[u8; 32]>, SecAggError> {
		let shares: Vec<shamir::Share> = self
			.responses
			.values()
			.flat_map(|r| {
				pick(r)
					.iter()
					.filter(|(o, _)| *o == owner)
					.map(|(_, s)| s.clone())
			})
			.collect();
		let threshold = self.params.threshold as usize;
		if shares.len() < threshold {
			return Err(SecAggError::TooManyDropouts {
				client: owner,
				secret,
				available: shares.len(),
				threshold,
			});
		}
		shamir::reconstruct(&shares, threshold).map(Zeroizing::new)
	}
}
