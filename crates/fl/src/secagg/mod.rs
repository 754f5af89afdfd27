//! SecAgg+ secure aggregation (Bell, Bonawitz, Gascón, Lepoint, Raykova 2020, "Secure
//! Single-Server Aggregation with (Poly)Logarithmic Overhead").
//!
//! The server learns the sum of the clients' vectors and nothing else, even if some clients
//! drop out mid-protocol. Each client:
//!
//! 1. **advertises** two fresh X25519 public keys (one to encrypt shares, one to derive masks);
//! 2. **shares keys**: draws a random self-mask seed `b_i` and Shamir-shares both `b_i` and its
//!    mask secret key among its neighbours in a sparse random graph ([`graph`]), each share
//!    encrypted (ChaCha20-Poly1305) for its recipient and routed by the server;
//! 3. **masks its input**: quantises it ([`quantize`]) and adds, modulo `2^bits`, the ChaCha20
//!    mask of `b_i` plus, for each neighbour `j` that shared, `±` the mask of their agreed key
//!    (+ if `i < j`), so pairwise masks cancel in the sum;
//! 4. **unmasks**: for each neighbour that survived it reveals its share of that neighbour's
//!    `b`, for each neighbour that dropped after sharing its share of that neighbour's mask key,
//!    never both for the same neighbour.
//!
//! The server ([`SecAggServer`]) reconstructs the seeds of survivors and the mask keys of
//! dropped clients from at least `threshold` shares each, removes those masks and dequantises
//! the sum. Its API only ever accepts [`MaskedInput`]s, which only [`SecAggClient`] can build:
//! the aggregator never holds an unmasked vector. Too many dropouts around any client make
//! reconstruction impossible and [`SecAggServer::finish`] fails with
//! [`SecAggError::TooManyDropouts`], naming the client and the secret.
//!
//! Security model: honest-but-curious server and clients, as in the paper's semi-honest
//! setting; the graph comes from a public seed so clients can check their neighbour lists.
//! Use `threshold > degree / 2` ([`SecAggParams::recommended`] does).

mod client;
mod crypto;
pub mod field;
pub mod graph;
pub mod prg;
pub mod quantize;
mod server;
pub mod shamir;

pub use client::SecAggClient;
pub use quantize::Quantizer;
pub use server::{SecAggOutput, SecAggServer};

use serde::{Deserialize, Serialize};

/// Errors of the SecAgg+ protocol; each names the client(s) or parameter involved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecAggError {
	/// A session parameter is out of range.
	#[error("invalid SecAgg+ parameter `{name}`: {reason}")]
	InvalidParameter {
		/// The parameter.
		name: &'static str,
		/// Why.
		reason: String,
	},
	/// A Shamir threshold does not fit the number of shares.
	#[error("threshold {threshold} does not fit {shares} shares")]
	InvalidThreshold {
		/// The threshold.
		threshold: usize,
		/// The number of shares.
		shares: usize,
	},
	/// A Shamir evaluation point is zero, repeated or carries an out-of-field value.
	#[error("invalid or repeated share point {0}")]
	InvalidSharePoint(u32),
	/// Reconstructed limbs are out of range: the shares do not belong together.
	#[error("shares are inconsistent")]
	InconsistentShares,
	/// A public key has low order, so key agreement with it would not be secret.
	#[error("client {client} advertised a low-order public key")]
	WeakPublicKey {
		/// The client.
		client: u32,
	},
	/// An encrypted share failed authentication.
	#[error("share from client {from} to client {to} failed to decrypt")]
	Decryption {
		/// Sender.
		from: u32,
		/// Recipient.
		to: u32,
	},
	/// A message arrived in the wrong protocol stage.
	#[error("expected the {expected} stage, but the session is in the {found} stage")]
	WrongStage {
		/// The stage the message belongs to.
		expected: &'static str,
		/// The current stage.
		found: &'static str,
	},
	/// A client id is outside the session.
	#[error("client {0} is not part of this session")]
	UnknownClient(u32),
	/// A message involves a client that is not a graph neighbour.
	#[error("client {peer} is not a neighbour of client {client}")]
	NotNeighbour {
		/// The client.
		client: u32,
		/// The other party.
		peer: u32,
	},
	/// The same client sent the same message twice.
	#[error("client {client} already sent its {message}")]
	DuplicateMessage {
		/// The client.
		client: u32,
		/// Which message.
		message: &'static str,
	},
	/// A client has too few live neighbours to continue.
	#[error(
		"client {client} has {available} live neighbours, fewer than the threshold {threshold}"
	)]
	TooFewNeighbours {
		/// The client.
		client: u32,
		/// Live neighbours.
		available: usize,
		/// Threshold.
		threshold: usize,
	},
	/// Too many clients dropped to reconstruct a secret.
	#[error(
		"too many dropouts: {available} shares of client {client}'s {secret}, threshold {threshold}"
	)]
	TooManyDropouts {
		/// Whose secret.
		client: u32,
		/// Which secret ("self-mask seed" or "mask key").
		secret: &'static str,
		/// Shares received.
		available: usize,
		/// Shares needed.
		threshold: usize,
	},
	/// A reconstructed secret does not match what its owner committed to.
	#[error("reconstructed {secret} of client {client} does not match its commitment")]
	ReconstructionMismatch {
		/// Whose secret.
		client: u32,
		/// Which secret.
		secret: &'static str,
	},
	/// An input or masked vector has the wrong length.
	#[error("client {client}: vector of length {found}, expected {expected}")]
	InputLength {
		/// The client.
		client: u32,
		/// Expected length.
		expected: usize,
		/// Actual length.
		found: usize,
	},
	/// An input value is NaN or infinite.
	#[error("client {client}: input element {index} is not finite")]
	NonFiniteInput {
		/// The client.
		client: u32,
		/// The element.
		index: usize,
	},
	/// The unmasking request lists a client as both surviving and dropped, or omits the
	/// requesting client from the survivors.
	#[error("unmasking request to client {client} is inconsistent: {reason}")]
	InconsistentRequest {
		/// The client that refused.
		client: u32,
		/// Why.
		reason: String,
	},
	/// A plaintext share message is malformed.
	#[error("malformed share message from client {from}")]
	MalformedShare {
		/// Sender.
		from: u32,
	},
}

/// Parameters of one SecAgg+ session, agreed by all parties before it starts.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SecAggParams {
	/// Unique session id (for example a hash of task and round); all keys are bound to it.
	pub session: [u8; 32],
	/// Number of clients; ids are `0..num_clients`.
	pub num_clients: u32,
	/// Neighbours per client `k` (rounded up to even; `num_clients - 1` for the complete graph).
	pub degree: u32,
	/// Shares needed to reconstruct a secret, `1..=degree`; use `> degree / 2`.
	pub threshold: u32,
	/// Public seed of the communication graph.
	pub graph_seed: [u8; 32],
	/// Quantisation of inputs.
	pub quantizer: Quantizer,
	/// The sum is computed modulo `2^modulus_bits`, `1..=32`.
	pub modulus_bits: u32,
	/// Length of every input vector.
	pub vector_len: usize,
}

impl SecAggParams {
	/// Flower's quantisation defaults (range 8, 2^22 levels, modulus 2^32) with a graph degree
	/// of about `2 log2 n` (Bell et al.'s logarithmic regime) and threshold `degree / 2 + 1`.
	pub fn recommended(
		session: [u8; 32],
		graph_seed: [u8; 32],
		num_clients: u32,
		vector_len: usize,
	) -> Self {
		let log2 = u32::BITS - num_clients.max(2).saturating_sub(1).leading_zeros();
		let degree = (2 * log2).min(num_clients.saturating_sub(1)).max(1);
		let effective = effective_degree(num_clients as usize, degree as usize) as u32;
		SecAggParams {
			session,
			num_clients,
			degree,
			threshold: effective / 2 + 1,
			graph_seed,
			quantizer: Quantizer {
				range: 8.0,
				levels: 1 << 22,
			},
			modulus_bits: 32,
			vector_len,
		}
	}

	/// Checks every parameter, including that the sum of all quantised inputs cannot wrap.
	pub fn validate(&self) -> Result<(), SecAggError> {
		let invalid = |name, reason: String| Err(SecAggError::InvalidParameter { name, reason });
		if self.num_clients < 2 {
			return invalid("num_clients", format!("{} < 2", self.num_clients));
		}
		if self.degree == 0 {
			return invalid("degree", "must be >= 1".to_string());
		}
		let degree = self.effective_degree();
		if self.threshold == 0 || self.threshold as usize > degree {
			return invalid(
				"threshold",
				format!("{} is not in 1..={degree}", self.threshold),
			);
		}
		if !(1..=32).contains(&self.modulus_bits) {
			return invalid(
				"modulus_bits",
				format!("{} is not in 1..=32", self.modulus_bits),
			);
		}
		let q = self.quantizer;
		if !(q.range.is_finite() && q.range > 0.0) || q.levels == 0 {
			return invalid(
				"quantizer",
				format!("range {} and levels {} must be positive", q.range, q.levels),
			);
		}
		let largest_sum = u64::from(self.num_clients) * u64::from(q.levels);
		if largest_sum >= 1u64 << self.modulus_bits {
			return invalid(
				"modulus_bits",
				format!(
					"{} clients x {} levels overflow 2^{}",
					self.num_clients, q.levels, self.modulus_bits
				),
			);
		}
		if self.vector_len > prg::MAX_WORDS {
			return invalid(
				"vector_len",
				format!("{} > {}", self.vector_len, prg::MAX_WORDS),
			);
		}
		Ok(())
	}

	/// The degree of the graph actually built.
	pub fn effective_degree(&self) -> usize {
		effective_degree(self.num_clients as usize, self.degree as usize)
	}

	/// `2^modulus_bits - 1`.
	pub fn modulus_mask(&self) -> u32 {
		if self.modulus_bits >= 32 {
			u32::MAX
		} else {
			(1u32 << self.modulus_bits) - 1
		}
	}

	/// Every client's neighbour list.
	pub fn graph(&self) -> Vec<Vec<u32>> {
		graph::harary(
			self.num_clients as usize,
			self.degree as usize,
			&self.graph_seed,
		)
	}
}

fn effective_degree(n: usize, k: usize) -> usize {
	if k + 1 >= n {
		n.saturating_sub(1)
	} else {
		k.div_ceil(2) * 2
	}
}

/// Round 1: a client's public keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyAdvertisement {
	/// The client.
	pub client: u32,
	/// X25519 public key for share encryption.
	pub encryption_key: [u8; 32],
	/// X25519 public key for pairwise masks.
	pub mask_key: [u8; 32],
}

/// One encrypted pair of shares from one client to another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptedShares {
	/// Sender.
	pub from: u32,
	/// Recipient.
	pub to: u32,
	/// ChaCha20-Poly1305 ciphertext of the sender's seed share and mask-key share.
	pub ciphertext: Vec<u8>,
}

/// Round 2: a client's encrypted shares for its neighbours and a commitment to its seed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareKeys {
	/// The client.
	pub client: u32,
	/// SHA-256 commitment to the self-mask seed, checked after reconstruction.
	pub seed_commitment: [u8; 32],
	/// One entry per neighbour.
	pub shares: Vec<EncryptedShares>,
}

/// Round 3: a client's masked, quantised input. Only [`SecAggClient::mask_input`] creates
/// one, which is what keeps unmasked inputs away from the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaskedInput {
	client: u32,
	values: Vec<u32>,
}

impl MaskedInput {
	/// The sender.
	pub fn client(&self) -> u32 {
		self.client
	}

	/// The masked words (uniformly random-looking modulo `2^bits`).
	pub fn values(&self) -> &[u32] {
		&self.values
	}
}

/// Round 4 request: who survived masking and who dropped after sharing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmaskRequest {
	/// Clients whose masked inputs are in the sum.
	pub survivors: Vec<u32>,
	/// Clients that shared keys but sent no masked input.
	pub dropped: Vec<u32>,
}

/// Round 4 response: a client's shares of its neighbours' secrets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmaskResponse {
	/// The responding client.
	pub client: u32,
	/// (owner, share of the owner's self-mask seed) for surviving neighbours.
	pub seed_shares: Vec<(u32, shamir::Share)>,
	/// (owner, share of the owner's mask key) for dropped neighbours.
	pub key_shares: Vec<(u32, shamir::Share)>,
}

/// Commitment to a self-mask seed.
fn commit_seed(session: &[u8; 32], seed: &[u8; 32]) -> [u8; 32] {
	use sha2::{Digest, Sha256};
	let mut hasher = Sha256::new();
	hasher.update(b"decentralml/secagg+/seed-commitment");
	hasher.update(session);
	hasher.update(seed);
	hasher.finalize().into()
}

#[cfg(test)]
mod tests;
