//! The connection to a node, the signing account and transaction submission.

use crate::{
	error::{ClientError, Result},
	nonce::NonceBook,
	signer::Signer,
	types::AccountId,
};
use std::{sync::Arc, time::Duration};
use subxt::{
	client::{OnlineClientAtBlock, OnlineClientAtBlockImpl, OnlineClientAtBlockT},
	config::{polkadot::PolkadotExtrinsicParamsBuilder, RpcConfigFor},
	error::{ExtrinsicError, TransactionProgressError},
	events::DecodeAsEvent,
	extrinsics::ExtrinsicEvents,
	rpcs::{client::ReconnectingRpcClient, methods::LegacyRpcMethods, RpcClient},
	transactions::{Payload, TransactionInBlock, TransactionProgress, TransactionStatus},
	utils::H256,
	OnlineClient, PolkadotConfig,
};

/// The chain configuration the SDK speaks: DecentralML uses Polkadot's account, signature,
/// address and transaction-extension types.
pub type ChainConfig = PolkadotConfig;

/// The default RPC endpoint of a local node.
pub const DEFAULT_RPC_URL: &str = "ws://127.0.0.1:9944";

/// How long a submitted transaction is waited for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WaitFor {
	/// Until its block is finalized: the result cannot be reverted (the default).
	#[default]
	Finalized,
	/// Until it is in a best block: faster, but a reorganisation could still drop it.
	BestBlock,
}

/// Options for [`Client::connect_with`].
#[derive(Clone, Debug)]
pub struct ConnectOptions {
	/// How long the first connection may take before `connect` fails. Later reconnections
	/// are retried for as long as the client lives.
	pub connect_timeout: Duration,
	/// How long a single RPC request may take.
	pub request_timeout: Duration,
	/// The longest pause between two reconnection attempts (they start at 100 ms and back
	/// off exponentially up to this).
	pub max_reconnect_delay: Duration,
}

impl Default for ConnectOptions {
	fn default() -> Self {
		Self {
			connect_timeout: Duration::from_secs(30),
			request_timeout: Duration::from_secs(60),
			max_reconnect_delay: Duration::from_secs(5),
		}
	}
}

/// A connection to a DecentralML node, optionally with an account that signs transactions.
///
/// # Connection loss
///
/// The client talks to the node through subxt's reconnecting RPC client: when the node goes
/// away the client keeps trying to reconnect in the background, backing off up to
/// [`ConnectOptions::max_reconnect_delay`] between attempts. Calls made while the connection
/// is down, and transactions whose progress was being watched when it dropped, fail with
/// [`ClientError::ConnectionLost`] ([`ClientError::is_connection_lost`]); retry them once the
/// node is back. A transaction that was already in the pool may still land: read chain state
/// before resubmitting a call that must happen once (e.g. check
/// [`RoundView::update_of`](crate::RoundView::update_of) before submitting an update again).
///
/// Cloning is cheap and shares the connection; give each account its own clone with
/// [`Client::with_signer`].
#[derive(Clone)]
pub struct Client {
	api: OnlineClient<ChainConfig>,
	rpc: LegacyRpcMethods<RpcConfigFor<ChainConfig>>,
	url: Arc<str>,
	signer: Option<Signer>,
	wait: WaitFor,
	/// Serialises nonce reads and submissions through this connection (clones share it), so
	/// that concurrent transactions of one account get consecutive nonces.
	nonces: Arc<tokio::sync::Mutex<NonceBook>>,
}

impl Client {
	/// Connects to the node at `url` (e.g. `ws://127.0.0.1:9944`) with default options.
	pub async fn connect(url: &str) -> Result<Self> {
		Self::connect_with(url, ConnectOptions::default()).await
	}

	/// Connects to the node at `url`.
	pub async fn connect_with(url: &str, options: ConnectOptions) -> Result<Self> {
		let connect_error = |reason: String| ClientError::Connect {
			url: url.to_string(),
			reason,
		};
		let policy =
			subxt::rpcs::client::reconnecting_rpc_client::ExponentialBackoff::from_millis(100)
				.max_delay(options.max_reconnect_delay);
		let building = ReconnectingRpcClient::builder()
			.retry_policy(policy)
			.request_timeout(options.request_timeout)
			.build(url);
		let reconnecting = tokio::time::timeout(options.connect_timeout, building)
			.await
			.map_err(|_| connect_error(format!("no answer within {:?}", options.connect_timeout)))?
			.map_err(|e| connect_error(e.to_string()))?;
		let rpc_client = RpcClient::new(reconnecting);
		let api = OnlineClient::<ChainConfig>::from_rpc_client(rpc_client.clone())
			.await
			.map_err(|e| connect_error(e.to_string()))?;
		Ok(Self {
			api,
			rpc: LegacyRpcMethods::new(rpc_client),
			url: url.into(),
			signer: None,
			wait: WaitFor::default(),
			nonces: Arc::default(),
		})
	}

	/// This client, signing with `signer` (sharing the connection).
	pub fn with_signer(mut self, signer: Signer) -> Self {
		self.signer = Some(signer);
		self
	}

	/// This client, waiting for transactions as `wait` says (finalized blocks by default).
	pub fn with_wait(mut self, wait: WaitFor) -> Self {
		self.wait = wait;
		self
	}

	/// The signer, if any.
	pub fn signer(&self) -> Option<&Signer> {
		self.signer.as_ref()
	}

	/// The signer's account.
	pub fn account_id(&self) -> Result<AccountId> {
		self.require_signer("reading the signer's account")
			.map(Signer::account_id)
	}

	/// The RPC URL this client connected to.
	pub fn url(&self) -> &str {
		&self.url
	}

	/// The underlying subxt client, for anything the SDK does not wrap.
	pub fn api(&self) -> &OnlineClient<ChainConfig> {
		&self.api
	}

	/// Legacy RPC methods over the same connection.
	pub fn rpc(&self) -> &LegacyRpcMethods<RpcConfigFor<ChainConfig>> {
		&self.rpc
	}

	/// A view of the chain at its latest finalized block.
	pub(crate) async fn at_finalized(&self) -> Result<OnlineClientAtBlock<ChainConfig>> {
		self.api
			.at_current_block()
			.await
			.map_err(|e| ClientError::subxt("reading the finalized block", e))
	}

	pub(crate) fn require_signer(&self, action: &str) -> Result<&Signer> {
		self.signer.as_ref().ok_or_else(|| ClientError::NoSigner {
			action: action.to_string(),
		})
	}

	/// Signs `call` with the client's signer, submits it and waits for it as configured;
	/// fails with the decoded dispatch error if the runtime rejected it.
	pub async fn submit<C: Payload>(&self, call: &C) -> Result<Receipt> {
		let label = format!("{}.{}", call.pallet_name(), call.call_name());
		let signer = self.require_signer(&label)?.clone();
		let progress = self.sign_and_submit(call, &signer, &label).await?;
		let in_block = match self.wait_for_inclusion(progress, &label).await {
			Ok(in_block) => in_block,
			Err(error) => {
				if matches!(error, ClientError::Rejected { .. }) {
					self.nonces.lock().await.forget(&signer.account_id());
				}
				return Err(error);
			}
		};
		let events = in_block
			.wait_for_success()
			.await
			.map_err(|e| ClientError::from_events(&label, e))?;
		let block_number = in_block
			.at()
			.await
			.map_err(|e| ClientError::subxt(format!("reading the block of {label}"), e))?
			.block_number();
		tracing::debug!(call = %label, block = block_number, "transaction included");
		Ok(Receipt {
			call: label,
			block_hash: in_block.block_hash(),
			block_number,
			extrinsic_hash: in_block.extrinsic_hash(),
			events,
		})
	}

	/// The encoded call (pallet index, call index, arguments), as a `RuntimeCall` encodes: what
	/// council motions and referenda carry.
	pub async fn encode_call<C: Payload>(&self, call: &C) -> Result<Vec<u8>> {
		let label = format!("{}.{}", call.pallet_name(), call.call_name());
		self.at_finalized()
			.await?
			.transactions()
			.call_data(call)
			.map_err(|e| ClientError::subxt(format!("encoding {label}"), e))
	}

	async fn sign_and_submit<C: Payload>(
		&self,
		call: &C,
		signer: &Signer,
		label: &str,
	) -> Result<TransactionProgress<ChainConfig, OnlineClientAtBlockImpl<ChainConfig>>> {
		let mut nonces = self.nonces.lock().await;
		let account = signer.account_id();
		// The pool-aware nonce: includes this account's transactions the pool has counted.
		let from_node = self
			.rpc
			.system_account_next_index(&account)
			.await
			.map_err(|e| ClientError::subxt(format!("reading the nonce for {label}"), e))?;
		let nonce = nonces.next(&account, from_node);
		let params = PolkadotExtrinsicParamsBuilder::<ChainConfig>::new()
			.nonce(nonce)
			.build();
		let mut transactions = self.at_finalized().await?.transactions();
		match transactions
			.sign_and_submit_then_watch(call, signer.keypair(), params)
			.await
		{
			Ok(progress) => {
				nonces.used(account, nonce);
				Ok(progress)
			}
			Err(error) => {
				nonces.forget(&account);
				Err(submit_error(label, error))
			}
		}
	}

	async fn wait_for_inclusion<C: OnlineClientAtBlockT<ChainConfig>>(
		&self,
		mut progress: TransactionProgress<ChainConfig, C>,
		label: &str,
	) -> Result<TransactionInBlock<ChainConfig, C>> {
		if self.wait == WaitFor::Finalized {
			return progress
				.wait_for_finalized()
				.await
				.map_err(|e| progress_error(label, e));
		}
		while let Some(status) = progress.next().await {
			match status.map_err(|e| progress_error(label, e))? {
				TransactionStatus::InBestBlock(in_block)
				| TransactionStatus::InFinalizedBlock(in_block) => return Ok(in_block),
				TransactionStatus::Error { message }
				| TransactionStatus::Invalid { message }
				| TransactionStatus::Dropped { message } => {
					return Err(ClientError::Rejected {
						call: label.to_string(),
						reason: message,
					})
				}
				_ => continue,
			}
		}
		Err(progress_error(
			label,
			TransactionProgressError::UnexpectedEndOfTransactionStatusStream,
		))
	}
}

/// Errors of handing a transaction to the node: its refusals are rejections.
fn submit_error(label: &str, error: ExtrinsicError) -> ClientError {
	match error {
		ExtrinsicError::ErrorSubmittingTransaction(backend)
			if !backend.is_disconnected_will_reconnect() =>
		{
			ClientError::Rejected {
				call: label.to_string(),
				reason: backend.to_string(),
			}
		}
		other => ClientError::subxt(format!("submitting {label}"), other),
	}
}

/// Errors of watching a transaction: the node's verdicts are rejections.
fn progress_error(label: &str, error: TransactionProgressError) -> ClientError {
	match error {
		TransactionProgressError::TransactionStatusError(status) => ClientError::Rejected {
			call: label.to_string(),
			reason: status.to_string(),
		},
		other => ClientError::subxt(format!("watching {label}"), other),
	}
}

/// A transaction that made it into a block and succeeded, with its events.
pub struct Receipt {
	/// The call, e.g. `Training.join`.
	pub call: String,
	/// The block it is in.
	pub block_hash: H256,
	/// That block's number.
	pub block_number: u64,
	/// The transaction's hash.
	pub extrinsic_hash: H256,
	/// The events the transaction emitted.
	pub events: ExtrinsicEvents<ChainConfig>,
}

impl Receipt {
	/// The first event of type `E` the transaction emitted, if any.
	pub fn find_first<E: DecodeAsEvent>(&self) -> Result<Option<E>> {
		self.events
			.find_first::<E>()
			.transpose()
			.map_err(|e| ClientError::subxt(format!("decoding the events of {}", self.call), e))
	}

	/// Every event of type `E` the transaction emitted.
	pub fn find_all<E: DecodeAsEvent>(&self) -> Result<Vec<E>> {
		self.events
			.find::<E>()
			.collect::<std::result::Result<Vec<_>, _>>()
			.map_err(|e| ClientError::subxt(format!("decoding the events of {}", self.call), e))
	}

	/// The first event of type `E`, which the call must have emitted.
	pub fn expect_event<E: DecodeAsEvent>(&self) -> Result<E> {
		self.find_first::<E>()?
			.ok_or_else(|| ClientError::MissingEvent {
				call: self.call.clone(),
				event: event_name::<E>(),
			})
	}
}

impl std::fmt::Debug for Receipt {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.debug_struct("Receipt")
			.field("call", &self.call)
			.field("block_number", &self.block_number)
			.field("block_hash", &self.block_hash)
			.field("extrinsic_hash", &self.extrinsic_hash)
			.finish_non_exhaustive()
	}
}

/// `…::training::events::TaskProposed` → `training.TaskProposed`.
fn event_name<E>() -> String {
	let full = std::any::type_name::<E>();
	let parts: Vec<&str> = full.split("::").collect();
	match parts.as_slice() {
		[.., pallet, "events", event] => format!("{pallet}.{event}"),
		_ => full.to_string(),
	}
}

/// The metadata the typed API was generated from (`metadata/decentralml.scale`), decoded once.
///
/// Encoding a generated call or naming a pallet error through it is exactly what the generated
/// code does; a node whose runtime differs is caught when a transaction is submitted.
pub(crate) fn generated_metadata() -> &'static subxt::Metadata {
	static METADATA: std::sync::OnceLock<subxt::Metadata> = std::sync::OnceLock::new();
	METADATA.get_or_init(|| {
		let bytes = include_bytes!("../../../metadata/decentralml.scale");
		// Invariant: the same file compiled into the typed API above, so it decodes.
		subxt::Metadata::decode_from(bytes).expect("the metadata file the API was generated from")
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	mod training {
		pub mod events {
			pub struct TaskProposed;
		}
	}

	#[test]
	fn event_names_are_short() {
		assert_eq!(
			event_name::<training::events::TaskProposed>(),
			"training.TaskProposed"
		);
		assert_eq!(event_name::<u32>(), "u32");
	}
}
