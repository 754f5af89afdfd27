//! A chain in a test: the development genesis, blocks built with the runtime's executive (Aura
//! slot digest, timestamp inherent, signed extrinsics, finalization), no node involved.

#![allow(dead_code)]

use codec::Encode;
use decentralml_runtime::{
	genesis_config_presets, AccountId, Executive, Header, Runtime, RuntimeCall,
	RuntimeGenesisConfig, SignedPayload, System, TxExtension, UncheckedExtrinsic,
};
use frame_support::genesis_builder_helper::{build_state, get_preset};
use serde_json::Value;
use sp_consensus_aura::{Slot, AURA_ENGINE_ID};
use sp_core::{sr25519, Pair};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{
	generic::{Digest, DigestItem, Era},
	traits::Header as _,
	ApplyExtrinsicResult,
};

/// Overlays `patch` on `base`, as the node does with a preset over the default config.
pub fn merge(base: &mut Value, patch: Value) {
	match (base, patch) {
		(Value::Object(base), Value::Object(patch)) => {
			for (key, value) in patch {
				merge(base.entry(key).or_insert(Value::Null), value);
			}
		}
		(base, patch) => *base = patch,
	}
}

/// Test externalities holding the genesis state of `preset`.
pub fn genesis(preset: &str) -> sp_io::TestExternalities {
	let config = genesis_config(preset);
	let mut ext = sp_io::TestExternalities::new_empty();
	ext.execute_with(|| {
		build_state::<RuntimeGenesisConfig>(serde_json::to_vec(&config).expect("JSON"))
			.unwrap_or_else(|e| panic!("preset {preset} does not build: {e}"))
	});
	ext
}

/// The genesis configuration of `preset` as JSON: the default configuration with the preset's
/// patch applied.
pub fn genesis_config(preset: &str) -> Value {
	let default = get_preset::<RuntimeGenesisConfig>(&None, |_| None).expect("default config");
	let mut config: Value = serde_json::from_slice(&default).expect("default config is JSON");
	let patch = genesis_config_presets::get_preset(&preset.into())
		.unwrap_or_else(|| panic!("no preset {preset}"));
	merge(
		&mut config,
		serde_json::from_slice(&patch).expect("preset is JSON"),
	);
	config
}

pub mod training;

/// A development chain driven block by block.
pub struct TestChain {
	pub ext: sp_io::TestExternalities,
	/// Block being built, if any.
	open: bool,
}

/// The training, backing and licensing pallets' storage invariants (their `try_state`).
fn check_invariants() {
	let number = System::block_number();
	for (pallet, checked) in [
		(
			"training",
			pallet_training::Pallet::<Runtime>::do_try_state(),
		),
		("backing", pallet_backing::Pallet::<Runtime>::do_try_state()),
		(
			"licensing",
			pallet_licensing::Pallet::<Runtime>::do_try_state(),
		),
	] {
		if let Err(error) = checked {
			panic!("{pallet} invariant broken at block #{number}: {error:?}");
		}
	}
}

impl TestChain {
	/// The `development` preset's chain at genesis, with block 1 open for extrinsics.
	pub fn new() -> Self {
		let mut chain = Self {
			ext: genesis("development"),
			open: false,
		};
		chain.next_block();
		chain
	}

	/// Runs `f` against the chain's state.
	pub fn execute<R>(&mut self, f: impl FnOnce() -> R) -> R {
		self.ext.execute_with(f)
	}

	/// The number of the block being built.
	pub fn block_number(&mut self) -> u32 {
		self.execute(System::block_number)
	}

	/// Finalizes the open block and opens the next one: Aura slot digest, then the timestamp
	/// inherent that must agree with it.
	///
	/// The protocol pallets' `try_state` invariants are checked on every finished block.
	pub fn next_block(&mut self) {
		let open = self.open;
		self.ext.execute_with(|| {
			check_invariants();
			let (parent, number) = if open {
				let header = Executive::finalize_block();
				(header.hash(), header.number + 1)
			} else {
				(System::parent_hash(), System::block_number() + 1)
			};
			let slot_ms = pallet_slot_duration::Pallet::<Runtime>::slot_duration_ms();
			// Slots start well after zero so they always increase.
			let slot = 1_000 + number as u64;
			let digest = Digest {
				logs: vec![DigestItem::PreRuntime(
					AURA_ENGINE_ID,
					Slot::from(slot).encode(),
				)],
			};
			let header = Header::new(
				number,
				Default::default(),
				Default::default(),
				parent,
				digest,
			);
			Executive::initialize_block(&header);
			let now = slot * slot_ms;
			let timestamp = RuntimeCall::Timestamp(pallet_timestamp::Call::set { now });
			Executive::apply_extrinsic(UncheckedExtrinsic::new_bare(timestamp))
				.expect("timestamp inherent is valid")
				.expect("timestamp inherent dispatches");
		});
		self.open = true;
	}

	/// Finalizes the open block and opens block `number`, skipping those in between (as if
	/// they had been empty). Hooks that catch up on missed blocks, like the scheduler's, see
	/// the gap.
	pub fn jump_to(&mut self, number: u32) {
		let current = self.block_number();
		assert!(number > current, "blocks only move forward");
		self.ext.execute_with(|| {
			Executive::finalize_block();
			check_invariants();
			frame_system::Pallet::<Runtime>::set_block_number(number - 1);
		});
		self.open = false;
		self.next_block();
	}

	/// Moves on `n` blocks.
	pub fn advance(&mut self, n: u32) {
		for _ in 0..n {
			self.next_block();
		}
	}

	/// Moves on until block `number` is open.
	pub fn run_to(&mut self, number: u32) {
		while self.block_number() < number {
			self.next_block();
		}
	}

	/// Signs `call` as `who` with their current nonce and applies it in the open block.
	pub fn submit(&mut self, who: Sr25519Keyring, call: RuntimeCall) -> ApplyExtrinsicResult {
		self.submit_as(&who.pair(), call)
	}

	/// Signs `call` with `pair` (any account, not only the well-known ones) and applies it.
	pub fn submit_as(&mut self, pair: &sr25519::Pair, call: RuntimeCall) -> ApplyExtrinsicResult {
		self.execute(|| {
			let account: AccountId = pair.public().into();
			let nonce = System::account_nonce(&account);
			Executive::apply_extrinsic(signed_by(call, pair, nonce))
		})
	}

	/// Like [`Self::submit`], requiring the call to be included and to succeed.
	#[track_caller]
	pub fn submit_ok(&mut self, who: Sr25519Keyring, call: RuntimeCall) {
		let result = self.submit(who, call);
		assert!(matches!(result, Ok(Ok(()))), "extrinsic failed: {result:?}");
	}

	/// Like [`Self::submit_as`], requiring the call to be included and to succeed.
	#[track_caller]
	pub fn submit_as_ok(&mut self, pair: &sr25519::Pair, call: RuntimeCall) {
		let result = self.submit_as(pair, call);
		assert!(matches!(result, Ok(Ok(()))), "extrinsic failed: {result:?}");
	}

	/// The events emitted in the open block so far.
	pub fn events(&mut self) -> Vec<decentralml_runtime::RuntimeEvent> {
		self.execute(|| {
			System::events()
				.into_iter()
				.map(|record| record.event)
				.collect()
		})
	}
}

/// An account from a derivation path such as `//Trainer1`.
pub fn account(path: &str) -> sr25519::Pair {
	sr25519::Pair::from_string(path, None).expect("valid derivation path")
}

/// The checks every signed transaction carries, for a transaction with `nonce`.
pub fn tx_extension(nonce: u32) -> TxExtension {
	(
		frame_system::AuthorizeCall::<Runtime>::new(),
		frame_system::CheckNonZeroSender::<Runtime>::new(),
		frame_system::CheckSpecVersion::<Runtime>::new(),
		frame_system::CheckTxVersion::<Runtime>::new(),
		frame_system::CheckGenesis::<Runtime>::new(),
		frame_system::CheckEra::<Runtime>::from(Era::Immortal),
		frame_system::CheckNonce::<Runtime>::from(nonce),
		frame_system::CheckWeight::<Runtime>::new(),
		pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
		frame_system::WeightReclaim::<Runtime>::new(),
	)
}

/// `call` signed by `who` with `nonce`, as a wallet would build it.
pub fn signed(call: RuntimeCall, who: Sr25519Keyring, nonce: u32) -> UncheckedExtrinsic {
	signed_by(call, &who.pair(), nonce)
}

/// `call` signed by `pair` with `nonce`.
pub fn signed_by(call: RuntimeCall, pair: &sr25519::Pair, nonce: u32) -> UncheckedExtrinsic {
	let extension = tx_extension(nonce);
	let payload = SignedPayload::new(call.clone(), extension.clone()).expect("payload builds");
	let signature = payload.using_encoded(|bytes| pair.sign(bytes));
	let account: AccountId = pair.public().into();
	UncheckedExtrinsic::new_signed(call, account.into(), signature.into(), extension)
}
