//! # Slot duration
//!
//! Holds the chain's block time: the Aura slot duration in milliseconds, fixed in the genesis
//! block. Production chains use the default of 6 s; development and test chains pick a shorter
//! one (the node's `--block-time-ms`) so that tests see blocks and finality quickly.
//!
//! The value is written once at genesis and there is deliberately no call to change it: Aura
//! derives slot numbers from timestamps divided by the slot duration, so changing it on a live
//! chain would make every later block invalid.
//!
//! The runtime uses [`SlotDurationOf`] as `pallet_aura::Config::SlotDuration`.

#![cfg_attr(not(feature = "std"), no_std)]

pub use pallet::*;

/// The block time used when genesis names none: 6 seconds, as on Polkadot.
pub const DEFAULT_SLOT_DURATION_MS: u64 = 6_000;

/// The shortest block time a genesis may choose. Below this a block cannot be authored,
/// gossiped and imported by a small network in time.
pub const MIN_SLOT_DURATION_MS: u64 = 100;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::BlockNumberFor;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {}

	/// The slot duration in milliseconds, fixed at genesis.
	#[pallet::storage]
	pub type SlotDurationMs<T> = StorageValue<_, u64, ValueQuery, DefaultSlotDuration>;

	/// The default for [`SlotDurationMs`].
	#[pallet::type_value]
	pub fn DefaultSlotDuration() -> u64 {
		DEFAULT_SLOT_DURATION_MS
	}

	/// Genesis configuration: the chain's block time.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Slot duration in milliseconds; `0` means the default of 6 s.
		pub slot_duration_ms: u64,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let chosen = match self.slot_duration_ms {
				0 => DEFAULT_SLOT_DURATION_MS,
				ms => ms,
			};
			assert!(
				chosen >= MIN_SLOT_DURATION_MS,
				"genesis slot duration {chosen} ms is below the minimum of {MIN_SLOT_DURATION_MS} ms"
			);
			SlotDurationMs::<T>::put(chosen);
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(
			_n: BlockNumberFor<T>,
		) -> Result<(), frame_support::sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	impl<T: Config> Pallet<T> {
		/// The slot duration in milliseconds.
		pub fn slot_duration_ms() -> u64 {
			SlotDurationMs::<T>::get()
		}

		/// Invariant: the stored slot duration is never below the minimum.
		#[cfg(any(feature = "try-runtime", test))]
		pub fn do_try_state() -> Result<(), frame_support::sp_runtime::TryRuntimeError> {
			ensure!(
				SlotDurationMs::<T>::get() >= MIN_SLOT_DURATION_MS,
				"slot duration below the minimum"
			);
			Ok(())
		}
	}
}

/// `Get<u64>` adapter returning the genesis slot duration, for `pallet_aura::Config`.
pub struct SlotDurationOf<T>(core::marker::PhantomData<T>);

impl<T: Config, M: From<u64>> frame_support::traits::Get<M> for SlotDurationOf<T> {
	fn get() -> M {
		Pallet::<T>::slot_duration_ms().into()
	}
}

#[cfg(test)]
mod tests;
