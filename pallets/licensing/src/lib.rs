//! # Licensing pallet
//!
//! Puts a task's licence on chain and sells it. A licence pays the people who made the model:
//! its contributors (in proportion to the rewards they earned training it), its backers (in
//! proportion to the value of their stake, see `pallet-backing`) and the task owner.
//!
//! ## Terms
//!
//! [`LicenceTerms`]: the CID of the licence text, the fee asset, the fee per period, the period
//! in blocks, the contributors' and backers' shares of every fee (the owner gets the rest) and
//! optionally the jurisdictions where the model may be used. The task owner sets them with
//! [`set_terms`](Pallet::set_terms) while the task is still proposed; once it is approved only
//! [`Config::LicensingOrigin`] (the licensing governance track) can change them. Every change
//! bumps the terms' version; a licence records the version its buyer accepted.
//!
//! ## Purchase
//!
//! [`buy_licence`](Pallet::buy_licence) for `periods` periods in a jurisdiction needs a
//! licensable task (approved, active or completed) with a model. The fee,
//! `fee_per_period × periods`, moves in **one transfer** from the buyer to the task's pot
//! account ([`Pallet::pot_account`]) and is then divided exactly, with no rounding leak:
//!
//! * contributors' part = `contributors_share × fee` (rounded down), shared by accumulated
//!   rewards ([`Config::Contributions`]);
//! * backers' part = `backers_share × fee` (rounded down), shared by backing weight
//!   ([`Config::Backers`]);
//! * the owner gets the rest, plus any part that has no recipients yet.
//!
//! Each part is divided with [`split::split_exactly`]: shares add up to the part exactly, are
//! within one unit of the exact proportional share and give nothing to a zero weight. The shares
//! are credited as [`Claimable`] balances; [`claim`](Pallet::claim) pays them out of the pot.
//! The licence ([`Licences`]) is created, or extended if still valid; the serving component
//! checks it, e.g. with [`Pallet::licence_valid`].
//!
//! ## The pot keeps the asset's minimum balance
//!
//! A pot pays claims with `Preservation::Preserve`, so it never falls below the asset's minimum
//! balance (which would destroy the dust and leave later claims unpaid). The buyer who opens a
//! pot in an asset therefore also deposits that asset's minimum balance, once; it is reported as
//! `pot_deposit` and stays in the pot for good.
//!
//! ## Example
//!
//! ```
//! use pallet_licensing::split::split_exactly;
//!
//! // A fee of 1_000 with 60% for contributors whose rewards were 5, 3 and 1.
//! let contributors_part = 600;
//! let shares = split_exactly(contributors_part, &[5, 3, 1]).expect("the weights are not all zero");
//! assert_eq!(shares, vec![333, 200, 67]);
//! assert_eq!(shares.iter().sum::<u128>(), contributors_part);
//! ```

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

mod claims;
// Also in std builds, so that runtime tests can check the invariants after every block.
#[cfg(any(feature = "try-runtime", feature = "std", test))]
mod invariants;
mod purchase;
pub mod split;
mod terms;
pub mod traits;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use pallet::*;
pub use pallet_backing::BackingInfo;
#[cfg(feature = "runtime-benchmarks")]
pub use traits::BenchmarkHelper;
pub use traits::{ContributionsOf, LicensableTasks, MaxBackersOf};
pub use types::*;
pub use weights::WeightInfo;

use frame_support::traits::fungibles;

/// The balance type of the fee assets.
pub type BalanceOf<T> =
	<<T as Config>::Assets as fungibles::Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// A CID in binary form, bounded by [`Config::MaxCidLen`].
pub type Cid<T> = frame_support::BoundedVec<u8, <T as Config>::MaxCidLen>;

/// A task's stored terms.
pub type VersionedTermsOf<T> = VersionedTerms<LicenceTerms<T>>;

/// A stored licence.
pub type LicenceOf<T> = Licence<frame_system::pallet_prelude::BlockNumberFor<T>>;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::boxed::Box;
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungibles::{Inspect, Mutate},
			EnsureOrigin,
		},
		PalletId,
	};
	use frame_system::pallet_prelude::*;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// Identifies an asset: the native token or an Assets-pallet asset.
		type AssetKind: Parameter + MaxEncodedLen + Clone + Ord;

		/// Balances of every asset, to take fees and pay claims.
		type Assets: Inspect<Self::AccountId, AssetId = Self::AssetKind> + Mutate<Self::AccountId>;

		/// Owners, stages and models of tasks (the runtime's adapter over the training pallet).
		type Tasks: LicensableTasks<TaskId, Self::AccountId>;

		/// Contributors of tasks with their accumulated rewards (the runtime's adapter over the
		/// training pallet's ledger).
		type Contributions: ContributionsOf<TaskId, Self::AccountId, BalanceOf<Self>>;

		/// Backers of tasks with their weights (the backing pallet).
		type Backers: BackingInfo<Self::AccountId>;

		/// Changes the terms of tasks past their proposal (the licensing track).
		type LicensingOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Each task's pot is this id's sub-account keyed by the task id.
		#[pallet::constant]
		type PalletId: Get<PalletId>;

		/// The most contributors a fee is divided among.
		#[pallet::constant]
		type MaxContributors: Get<u32>;

		/// The most jurisdictions a task's terms can list.
		#[pallet::constant]
		type MaxJurisdictions: Get<u32>;

		/// The longest CID in bytes (licence text and model).
		#[pallet::constant]
		type MaxCidLen: Get<u32>;

		/// Weights of the calls.
		type WeightInfo: WeightInfo;

		/// Creates tasks, contributors and backers for benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId, Self::AssetKind, BalanceOf<Self>>;
	}

	/// Each task's licence terms and their version.
	#[pallet::storage]
	pub type Terms<T: Config> = StorageMap<_, Twox64Concat, TaskId, VersionedTermsOf<T>>;

	/// Licences by task and licensee; the serving component checks these.
	#[pallet::storage]
	pub type Licences<T: Config> =
		StorageDoubleMap<_, Twox64Concat, TaskId, Blake2_128Concat, T::AccountId, LicenceOf<T>>;

	/// What each account can claim from a task's pot, per asset. Never zero.
	#[pallet::storage]
	pub type Claimable<T: Config> = StorageNMap<
		_,
		(
			NMapKey<Twox64Concat, TaskId>,
			NMapKey<Blake2_128Concat, T::AssetKind>,
			NMapKey<Blake2_128Concat, T::AccountId>,
		),
		BalanceOf<T>,
	>;

	/// The sum of [`Claimable`] per task and asset: what the pot owes. Never zero.
	#[pallet::storage]
	pub type Owed<T: Config> =
		StorageDoubleMap<_, Twox64Concat, TaskId, Blake2_128Concat, T::AssetKind, BalanceOf<T>>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A task's terms changed.
		TermsSet {
			/// The task.
			task: TaskId,
			/// The version now in force.
			version: TermsVersion,
			/// The owner who set them, or `None` for the licensing origin.
			by: Option<T::AccountId>,
		},
		/// A licence was bought or extended, and its fee credited. `contributors`, `backers`
		/// and `owner` add up to `fee`.
		LicenceBought {
			/// The licensed task.
			task: TaskId,
			/// The licensee.
			buyer: T::AccountId,
			/// Where the licensee uses the model.
			jurisdiction: Jurisdiction,
			/// Periods bought.
			periods: u32,
			/// The first block at which the licence is no longer valid.
			expires_at: BlockNumberFor<T>,
			/// The version of the terms accepted.
			terms_version: TermsVersion,
			/// The CID of the task's latest model at the purchase.
			model: Cid<T>,
			/// The fee asset.
			asset: T::AssetKind,
			/// The fee: `fee_per_period × periods`.
			fee: BalanceOf<T>,
			/// Paid on top of the fee to bring the pot to the asset's minimum balance (only
			/// when the purchase opens the pot in this asset).
			pot_deposit: BalanceOf<T>,
			/// Credited to contributors.
			contributors: BalanceOf<T>,
			/// Credited to backers.
			backers: BalanceOf<T>,
			/// Credited to the task owner.
			owner: BalanceOf<T>,
		},
		/// A claimable balance was paid out of a task's pot.
		Claimed {
			/// The task whose pot paid.
			task: TaskId,
			/// The asset paid.
			asset: T::AssetKind,
			/// The recipient.
			who: T::AccountId,
			/// The amount paid.
			amount: BalanceOf<T>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No task has this id.
		UnknownTask,
		/// Only the task's owner (or the licensing origin) may set its terms.
		NotTaskOwner,
		/// The task is past its proposal: only the licensing origin may change its terms.
		TermsLocked,
		/// The licence text CID is empty.
		EmptyTermsCid,
		/// The fee per period is zero.
		ZeroFee,
		/// The licence period is zero blocks.
		ZeroPeriod,
		/// The contributors' and backers' shares add up to more than 100%.
		SharesAboveWhole,
		/// The jurisdiction list is present but empty (leave it out to allow everywhere).
		EmptyJurisdictions,
		/// A jurisdiction is not two upper-case ASCII letters (ISO 3166-1 alpha-2).
		InvalidJurisdiction,
		/// The terms list a jurisdiction twice.
		DuplicateJurisdiction,
		/// The fee asset does not exist.
		UnknownAsset,
		/// The task has no licence terms.
		NoTerms,
		/// The task is still proposed, or cancelled: no licences are sold.
		NotLicensable,
		/// The task has no global model yet.
		NoModel,
		/// The task's model CID is longer than `MaxCidLen`.
		ModelCidTooLong,
		/// The terms do not allow this jurisdiction.
		JurisdictionNotAllowed,
		/// A licence must be bought for at least one period.
		ZeroPeriods,
		/// The buyer holds a valid licence in another jurisdiction; buy again after it expires.
		LicenceInOtherJurisdiction,
		/// The buyer cannot pay the fee (plus the pot's deposit, when it opens the pot) and
		/// stay above the asset's minimum balance.
		InsufficientFunds,
		/// The fee, the licence's expiry or a claimable balance would overflow.
		Overflow,
		/// The caller has nothing to claim in this asset from this task.
		NothingToClaim,
	}

	impl<T> From<TermsError> for Error<T> {
		fn from(error: TermsError) -> Self {
			match error {
				TermsError::EmptyTermsCid => Error::EmptyTermsCid,
				TermsError::ZeroFee => Error::ZeroFee,
				TermsError::ZeroPeriod => Error::ZeroPeriod,
				TermsError::SharesAboveWhole { .. } => Error::SharesAboveWhole,
				TermsError::EmptyJurisdictions => Error::EmptyJurisdictions,
				TermsError::InvalidJurisdiction(_) => Error::InvalidJurisdiction,
				TermsError::DuplicateJurisdiction(_) => Error::DuplicateJurisdiction,
			}
		}
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
		/// Sets `task`'s licence terms. Signed by the task's owner while the task is still
		/// proposed; afterwards only [`Config::LicensingOrigin`] may.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::set_terms(
			terms.jurisdictions.as_ref().map_or(0, |list| list.len() as u32)
		))]
		pub fn set_terms(
			origin: OriginFor<T>,
			task: TaskId,
			terms: Box<LicenceTerms<T>>,
		) -> DispatchResult {
			let setter = match T::LicensingOrigin::try_origin(origin) {
				Ok(_) => None,
				Err(origin) => Some(ensure_signed(origin)?),
			};
			Self::do_set_terms(setter, task, *terms)
		}

		/// Buys a licence to `task`'s model for `periods` periods, for use in `jurisdiction`,
		/// or extends the caller's valid licence in the same jurisdiction.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::buy_licence(
			T::MaxContributors::get(),
			MaxBackersOf::<T::Backers, T::AccountId>::get()
		))]
		pub fn buy_licence(
			origin: OriginFor<T>,
			task: TaskId,
			periods: u32,
			jurisdiction: Jurisdiction,
		) -> DispatchResultWithPostInfo {
			let buyer = ensure_signed(origin)?;
			let (contributors, backers) =
				Self::do_buy_licence(&buyer, task, periods, jurisdiction)?;
			Ok(Some(T::WeightInfo::buy_licence(contributors, backers)).into())
		}

		/// Pays the caller everything it can claim in `asset` from `task`'s pot.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::claim())]
		pub fn claim(origin: OriginFor<T>, task: TaskId, asset: T::AssetKind) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_claim(&who, task, asset)
		}
	}

	impl<T: Config> Pallet<T> {
		/// Whether `who` holds a licence to `task` valid at block `now`.
		pub fn licence_valid(task: TaskId, who: &T::AccountId, now: BlockNumberFor<T>) -> bool {
			Licences::<T>::get(task, who).is_some_and(|licence| now < licence.expires_at)
		}
	}
}
