//! A stream of the protocol's events (training, backing, licensing) from finalized blocks.

use crate::{
	client::{ChainConfig, Client},
	error::{ClientError, Result},
	runtime,
};
use futures::{stream, Stream, StreamExt};
use subxt::{client::Block, utils::H256};

/// An event of one of the protocol's pallets.
#[derive(Clone, Debug)]
pub enum ProtocolEventKind {
	/// A training-pallet event (tasks, rounds, rewards, slashes).
	Training(runtime::training::Event),
	/// A backing-pallet event (stakes).
	Backing(runtime::backing::Event),
	/// A licensing-pallet event (terms, licences, claims).
	Licensing(runtime::licensing::Event),
}

/// A protocol event with the finalized block it was emitted in.
#[derive(Clone, Debug)]
pub struct ProtocolEvent {
	/// The block's number.
	pub block_number: u64,
	/// The block's hash.
	pub block_hash: H256,
	/// The event.
	pub event: ProtocolEventKind,
}

impl Client {
	/// Subscribes to the protocol's events in finalized blocks, from the next finalized block
	/// on, in block and event order.
	///
	/// When the connection drops, the stream yields [`ClientError::ConnectionLost`] and
	/// ends; subscribe again once the node is back (blocks finalized meanwhile are not
	/// replayed: read state to catch up).
	pub async fn subscribe_protocol_events(
		&self,
	) -> Result<impl Stream<Item = Result<ProtocolEvent>> + Send + 'static> {
		let blocks = self
			.api()
			.stream_blocks()
			.await
			.map_err(|e| ClientError::subxt("subscribing to finalized blocks", e))?;
		let events = blocks
			.then(|block| async move {
				match block {
					Ok(block) => block_events(block).await,
					Err(e) => vec![Err(ClientError::subxt("following finalized blocks", e))],
				}
			})
			.flat_map(stream::iter);
		Ok(events)
	}
}

/// The protocol's events in `block`, or the error that stopped reading them.
async fn block_events(block: Block<ChainConfig>) -> Vec<Result<ProtocolEvent>> {
	let number = block.number();
	let hash = block.hash();
	let read =
		|e: subxt::Error| ClientError::subxt(format!("reading the events of block #{number}"), e);
	let at = match block.at().await {
		Ok(at) => at,
		Err(e) => return vec![Err(read(e.into()))],
	};
	let events = match at.events().fetch().await {
		Ok(events) => events,
		Err(e) => return vec![Err(read(e.into()))],
	};
	events
		.iter()
		.filter_map(|event| {
			let event = match event {
				Ok(event) => event,
				Err(e) => return Some(Err(read(e.into()))),
			};
			if !matches!(event.pallet_name(), "Training" | "Backing" | "Licensing") {
				return None;
			}
			let decoded = match event.decode_as::<runtime::Event>() {
				Ok(decoded) => decoded,
				Err(e) => return Some(Err(read(e.into()))),
			};
			let kind = match decoded {
				runtime::Event::Training(e) => ProtocolEventKind::Training(e),
				runtime::Event::Backing(e) => ProtocolEventKind::Backing(e),
				runtime::Event::Licensing(e) => ProtocolEventKind::Licensing(e),
				_ => return None,
			};
			Some(Ok(ProtocolEvent {
				block_number: number,
				block_hash: hash,
				event: kind,
			}))
		})
		.collect()
}
