//! # Backing pallet
//!
//! Lets anyone *back* a training task by staking any fungible asset on it: the native token or
//! an Assets-pallet asset ("bring your own token"). Backing does two things:
//!
//! * **priority**: a task's [backing value](Pallet::backing_value) ranks it for the training
//!   pallet's bounded set of active tasks;
//! * **revenue**: each backer's [weight](Pallet::backer_weights) is its share of the backers'
//!   part of the task's licence fees (paid out by the licensing pallet).
//!
//! ## Stakes are held, not transferred
//!
//! [`stake`](Pallet::stake) places a hold under [`HoldReason::Backing`] on the backer's own
//! account; nothing moves. [`unstake`](Pallet::unstake) stops the amount counting at once and
//! starts a cool-down of [`Config::UnstakeCooldown`] blocks (so that backing cannot be flashed
//! in for a ranking and out again); [`withdraw`](Pallet::withdraw) then releases the hold. Once a
//! task can no longer be backed (completed, cancelled) everything is withdrawable at once.
//!
//! ## Valuation
//!
//! Stakes in different assets are compared through [`AssetValuation`], a governance-set
//! [`FixedU128`](sp_runtime::FixedU128) of *value units per unit of the asset*, changed with
//! [`set_valuation`](Pallet::set_valuation) by [`Config::ValuationOrigin`]. The native asset
//! ([`Config::NativeAsset`]) is worth 1 unless governance says otherwise; **every other asset
//! is worth 0 until governance values it**. Anyone can create an asset and mint any amount of
//! it, so counting unvalued assets would let anyone buy priority and revenue with a worthless
//! token. A task's value is `Σ_asset counted stake × valuation`, over at most
//! [`Config::MaxAssetsPerTask`] assets, computed when asked, so a new valuation applies to every
//! task at once.
//!
//! ## Bounds
//!
//! At most [`Config::MaxBackersPerTask`] backers per task, [`Config::MaxAssetsPerTask`] assets
//! per task (and per backer in a task) and [`Config::MaxStakesPerBacker`] positions (task and
//! asset pairs) per account.
//!
//! ## Example
//!
//! The valuation arithmetic is a pure function:
//!
//! ```
//! use pallet_backing::value::total_value;
//! use sp_runtime::FixedU128;
//!
//! // 1_000 native tokens (worth 1 each) and 4_000 of an asset governance valued at 0.25.
//! let native = (1_000, FixedU128::from_u32(1));
//! let other = (4_000, FixedU128::from_rational(1, 4));
//! assert_eq!(total_value([native, other]), 2_000);
//! ```

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

// Also in std builds, so that tests of pallets built on this one can check its invariants.
#[cfg(any(feature = "try-runtime", feature = "std", test))]
mod invariants;
mod stakes;
pub mod traits;
pub mod types;
pub mod value;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use pallet::*;
#[cfg(feature = "runtime-benchmarks")]
pub use traits::BenchmarkHelper;
pub use traits::{BackableTasks, BackingInfo};
pub use types::*;
pub use weights::WeightInfo;

use frame_support::traits::fungibles;

/// The balance type of the staked assets.
pub type BalanceOf<T> =
	<<T as Config>::Assets as fungibles::Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// A backer's position as stored.
pub type PositionOf<T> = Position<
	<T as Config>::AssetKind,
	BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
>;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungibles::{Inspect, InspectHold, Mutate, MutateHold},
			EnsureOrigin,
		},
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::{
		traits::{One, Zero},
		FixedU128,
	};

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// Reasons for which the pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// Stake backing a task.
		#[codec(index = 0)]
		Backing,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// Identifies an asset: the native token or an Assets-pallet asset.
		type AssetKind: Parameter + MaxEncodedLen + Clone + Ord;

		/// Balances of every asset.
		type Assets: Inspect<Self::AccountId, AssetId = Self::AssetKind> + Mutate<Self::AccountId>;

		/// Holds on every asset, for stakes.
		type AssetHolds: InspectHold<
				Self::AccountId,
				AssetId = Self::AssetKind,
				Balance = BalanceOf<Self>,
				Reason = Self::RuntimeHoldReason,
			> + MutateHold<
				Self::AccountId,
				AssetId = Self::AssetKind,
				Balance = BalanceOf<Self>,
				Reason = Self::RuntimeHoldReason,
			>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// The native asset, worth one value unit per unit until governance sets otherwise.
		#[pallet::constant]
		type NativeAsset: Get<Self::AssetKind>;

		/// Which tasks accept backing (implemented by the runtime from the training pallet).
		type Tasks: BackableTasks<TaskId>;

		/// Sets asset valuations (the protocol-parameters track).
		type ValuationOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The most backers one task can have.
		#[pallet::constant]
		type MaxBackersPerTask: Get<u32>;

		/// The most distinct assets staked on one task (and by one backer on one task).
		#[pallet::constant]
		type MaxAssetsPerTask: Get<u32>;

		/// The most positions (task and asset pairs) one account can hold.
		#[pallet::constant]
		type MaxStakesPerBacker: Get<u32>;

		/// Blocks between unstaking and being able to withdraw.
		#[pallet::constant]
		type UnstakeCooldown: Get<BlockNumberFor<Self>>;

		/// Weights of the calls.
		type WeightInfo: WeightInfo;

		/// Creates assets and tasks for benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AssetKind>;
	}

	/// Value units per unit of each asset, set by [`Config::ValuationOrigin`]. Absent means 1 for
	/// [`Config::NativeAsset`] and 0 for every other asset.
	#[pallet::storage]
	pub type AssetValuation<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AssetKind, FixedU128, OptionQuery>;

	/// Each backer's positions on a task, one per asset.
	#[pallet::storage]
	pub type Stakes<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		TaskId,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<PositionOf<T>, T::MaxAssetsPerTask>,
		OptionQuery,
	>;

	/// Per task, the counted (active) stake in each asset; assets with nothing counted are
	/// left out.
	#[pallet::storage]
	pub type TaskTotals<T: Config> = StorageMap<
		_,
		Twox64Concat,
		TaskId,
		BoundedVec<(T::AssetKind, BalanceOf<T>), T::MaxAssetsPerTask>,
		ValueQuery,
	>;

	/// How many accounts have an entry in [`Stakes`] for each task.
	#[pallet::storage]
	pub type BackerCount<T: Config> = StorageMap<_, Twox64Concat, TaskId, u32, ValueQuery>;

	/// How many positions (task and asset pairs) each account holds.
	#[pallet::storage]
	pub type StakeCount<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Stake was added; it counts from now on.
		Staked {
			/// The backed task.
			task: TaskId,
			/// The backer.
			who: T::AccountId,
			/// The staked asset.
			asset: T::AssetKind,
			/// The amount added to the backer's counted stake.
			amount: BalanceOf<T>,
		},
		/// Stake stopped counting and is cooling down.
		Unstaked {
			/// The backed task.
			task: TaskId,
			/// The backer.
			who: T::AccountId,
			/// The staked asset.
			asset: T::AssetKind,
			/// The amount that stopped counting.
			amount: BalanceOf<T>,
			/// The first block at which everything unstaked can be withdrawn.
			unlock_at: BlockNumberFor<T>,
		},
		/// Stake was released from its hold.
		Withdrawn {
			/// The backed task.
			task: TaskId,
			/// The backer.
			who: T::AccountId,
			/// The staked asset.
			asset: T::AssetKind,
			/// The amount released.
			amount: BalanceOf<T>,
		},
		/// Governance valued an asset.
		ValuationSet {
			/// The valued asset.
			asset: T::AssetKind,
			/// Value units per unit of the asset.
			value: FixedU128,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The task is unknown, completed or cancelled: it accepts no new stake.
		TaskNotBackable,
		/// The amount is zero.
		ZeroAmount,
		/// The asset does not exist.
		UnknownAsset,
		/// The task already has `MaxBackersPerTask` backers.
		TooManyBackers,
		/// The task (or this backer on the task) already has stake in `MaxAssetsPerTask` other
		/// assets.
		TooManyAssets,
		/// The account already holds `MaxStakesPerBacker` positions.
		TooManyStakes,
		/// The account has no stake in this asset on this task.
		NotStaked,
		/// The amount exceeds the account's counted stake in this asset on this task.
		InsufficientStake,
		/// Nothing has been unstaked, and the task still accepts backing, so nothing can be
		/// withdrawn.
		NothingToWithdraw,
		/// The unstaked amount is still in its cool-down.
		StillCoolingDown,
		/// A stake total would overflow the balance type.
		Overflow,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Stakes `amount` of `asset` on `task`. The amount is held in the caller's account and
		/// counts for the task's priority and the caller's revenue share at once.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::stake(T::MaxAssetsPerTask::get()))]
		pub fn stake(
			origin: OriginFor<T>,
			task: TaskId,
			asset: T::AssetKind,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_stake(&who, task, asset, amount)
		}

		/// Stops `amount` of the caller's stake in `asset` on `task` counting, at once. It stays
		/// held until [`withdraw`](Pallet::withdraw) after [`Config::UnstakeCooldown`] blocks;
		/// unstaking again restarts the cool-down for everything unstaked.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::unstake(T::MaxAssetsPerTask::get()))]
		pub fn unstake(
			origin: OriginFor<T>,
			task: TaskId,
			asset: T::AssetKind,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_unstake(&who, task, asset, amount)
		}

		/// Releases the caller's unstaked stake in `asset` on `task` once its cool-down is over;
		/// or, once the task accepts no backing any more, the whole stake at once.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::withdraw(T::MaxAssetsPerTask::get()))]
		pub fn withdraw(origin: OriginFor<T>, task: TaskId, asset: T::AssetKind) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_withdraw(&who, task, asset)
		}

		/// Sets how many value units one unit of `asset` is worth for priority and revenue.
		/// Zero makes the asset's stakes count for nothing (they stay withdrawable).
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::set_valuation())]
		pub fn set_valuation(
			origin: OriginFor<T>,
			asset: T::AssetKind,
			value: FixedU128,
		) -> DispatchResult {
			T::ValuationOrigin::ensure_origin(origin)?;
			AssetValuation::<T>::insert(&asset, value);
			Self::deposit_event(Event::ValuationSet { asset, value });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// Value units per unit of `asset` (see [`AssetValuation`]).
		pub fn valuation(asset: &T::AssetKind) -> FixedU128 {
			AssetValuation::<T>::get(asset).unwrap_or_else(|| {
				if *asset == T::NativeAsset::get() {
					FixedU128::one()
				} else {
					FixedU128::zero()
				}
			})
		}
	}
}
