//! # DecentralML runtime
//!
//! The state transition function of the DecentralML chain. It composes FRAME pallets for
//! accounts and fees (System, Balances, TransactionPayment), consensus (Timestamp, Aura,
//! Grandpa, SlotDuration), assets that can be held as stake (Assets with AssetsHolder and
//! AssetsFreezer), batching (Utility) and, on development chains only, Sudo.
//!
//! Pallet indices 0–19 are the base chain, 20–29 the training protocol and its economy, 30–39
//! governance (see [`governance`]).

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime!` and `impl_runtime_apis!` need a higher recursion limit.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

use alloc::vec::Vec;

pub mod apis;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarks;
pub mod configs;
pub mod genesis_config_presets;
pub mod governance;
pub mod weights;

use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature,
};
use sp_version::RuntimeVersion;

pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_timestamp::Call as TimestampCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// Block number.
pub type BlockNumber = u32;
/// Signature of a transaction (sr25519, ed25519 or ecdsa).
pub type Signature = MultiSignature;
/// Account identifier: the public key of the signing scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// Balance of an account, in the smallest unit (a "plank"; `UNIT` is 10^12 planks).
pub type Balance = u128;
/// Transaction counter of an account.
pub type Nonce = u32;
/// Hash of a block or of data.
pub type Hash = sp_core::H256;
/// Identifier of an asset in the Assets pallet.
pub type AssetId = u32;

/// One DML, the native token, has 12 decimals.
pub const UNIT: Balance = 1_000_000_000_000;
/// A thousandth of a DML.
pub const MILLI_UNIT: Balance = UNIT / 1_000;
/// A millionth of a DML.
pub const MICRO_UNIT: Balance = UNIT / 1_000_000;
/// The balance an account must keep to exist: 1 mDML.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;

/// Governance periods are counted in blocks of this nominal length. Chains whose genesis
/// chooses a shorter block time (development chains) run them proportionally faster.
pub const NOMINAL_BLOCK_TIME_MS: BlockNumber = 6_000;
/// A minute of nominal blocks.
pub const MINUTES: BlockNumber = 60_000 / NOMINAL_BLOCK_TIME_MS;
/// An hour of nominal blocks.
pub const HOURS: BlockNumber = 60 * MINUTES;
/// A day of nominal blocks.
pub const DAYS: BlockNumber = 24 * HOURS;

/// The runtime version. Bump `spec_version` on every change of runtime logic.
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("decentralml"),
	impl_name: alloc::borrow::Cow::Borrowed("decentralml"),
	authoring_version: 1,
	spec_version: 100,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

/// Types the node needs without knowing the runtime's extrinsic format.
pub mod opaque {
	use super::*;
	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Block header.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Block with opaque extrinsics.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
}

impl_opaque_keys! {
	/// The session keys of a validator: Aura for block production, GRANDPA for finality.
	pub struct SessionKeys {
		pub aura: Aura,
		pub grandpa: Grandpa,
	}
}

/// Address format of a transaction's sender or a call's target.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;

/// The checks and charges every signed transaction goes through, in order.
pub type TxExtension = (
	frame_system::AuthorizeCall<Runtime>,
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);

/// An extrinsic as it arrives in a block.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload a sender signs.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Storage migrations run on a runtime upgrade, besides the pallets' own.
type Migrations = ();

/// Dispatches blocks and extrinsics to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	#[runtime::pallet_index(2)]
	pub type SlotDuration = pallet_slot_duration;

	#[runtime::pallet_index(3)]
	pub type Aura = pallet_aura;

	#[runtime::pallet_index(4)]
	pub type Grandpa = pallet_grandpa;

	#[runtime::pallet_index(5)]
	pub type Balances = pallet_balances;

	#[runtime::pallet_index(6)]
	pub type TransactionPayment = pallet_transaction_payment;

	#[runtime::pallet_index(7)]
	pub type Utility = pallet_utility;

	#[runtime::pallet_index(8)]
	pub type Assets = pallet_assets;

	#[runtime::pallet_index(9)]
	pub type AssetsHolder = pallet_assets_holder;

	#[runtime::pallet_index(10)]
	pub type AssetsFreezer = pallet_assets_freezer;

	/// Development randomness for selecting participants: predictable and biasable by block
	/// authors, see the training pallet's documentation.
	#[runtime::pallet_index(11)]
	pub type RandomnessCollectiveFlip = pallet_insecure_randomness_collective_flip;

	// The training protocol and its economy: 20 to 29.
	#[runtime::pallet_index(20)]
	pub type Training = pallet_training;

	#[runtime::pallet_index(21)]
	pub type Backing = pallet_backing;

	#[runtime::pallet_index(22)]
	pub type Licensing = pallet_licensing;

	// Governance: 30 to 39.
	#[runtime::pallet_index(30)]
	pub type Preimage = pallet_preimage;

	#[runtime::pallet_index(31)]
	pub type Scheduler = pallet_scheduler;

	#[runtime::pallet_index(32)]
	pub type Council = pallet_collective<Instance1>;

	#[runtime::pallet_index(33)]
	pub type CouncilMembership = pallet_membership<Instance1>;

	#[runtime::pallet_index(34)]
	pub type ConvictionVoting = pallet_conviction_voting;

	#[runtime::pallet_index(35)]
	pub type Referenda = pallet_referenda;

	#[runtime::pallet_index(36)]
	pub type Origins = governance::pallet_custom_origins;

	#[runtime::pallet_index(37)]
	pub type Parameters = pallet_parameters;

	/// Only development and test chains name a sudo key in genesis; elsewhere it stays empty
	/// and the pallet is inert.
	#[runtime::pallet_index(19)]
	pub type Sudo = pallet_sudo;
}
