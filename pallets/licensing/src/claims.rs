//! Task pots: taking fees in and paying claims out.
//!
//! A pot is the licensing pallet's sub-account for a task. It holds every fee until claimed,
//! plus, per asset, the asset's minimum balance deposited by the buyer who first paid in it.
//! Claims leave with `Preservation::Preserve`, so the pot never drops below the minimum
//! balance; since it always holds at least what it owes plus that minimum, every claim can be
//! paid in full.

use crate::{BalanceOf, Claimable, Config, Error, Event, Owed, Pallet, TaskId};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungibles::{Inspect, Mutate},
		tokens::{Fortitude, Preservation},
	},
};
use sp_runtime::traits::{AccountIdConversion, CheckedAdd, Zero};
use sp_runtime::Saturating;

impl<T: Config> Pallet<T> {
	/// The account that holds `task`'s licence fees until they are claimed.
	pub fn pot_account(task: TaskId) -> T::AccountId {
		T::PalletId::get().into_sub_account_truncating(task)
	}

	/// Moves `fee` from `buyer` into `task`'s pot in one transfer, together with whatever the
	/// pot lacks of the asset's minimum balance; returns that deposit.
	pub(crate) fn collect_fee(
		task: TaskId,
		asset: &T::AssetKind,
		buyer: &T::AccountId,
		fee: BalanceOf<T>,
	) -> Result<BalanceOf<T>, DispatchError> {
		let pot = Self::pot_account(task);
		let unowed = T::Assets::balance(asset.clone(), &pot)
			.saturating_sub(Owed::<T>::get(task, asset).unwrap_or_default());
		let pot_deposit = T::Assets::minimum_balance(asset.clone()).saturating_sub(unowed);
		let total = fee.checked_add(&pot_deposit).ok_or(Error::<T>::Overflow)?;
		let spendable = T::Assets::reducible_balance(
			asset.clone(),
			buyer,
			Preservation::Preserve,
			Fortitude::Polite,
		);
		ensure!(spendable >= total, Error::<T>::InsufficientFunds);
		if !frame_system::Pallet::<T>::account_exists(&pot) {
			// The pot must exist to receive assets that are not sufficient on their own. It is
			// never emptied (claims preserve it), so this reference is never given back.
			frame_system::Pallet::<T>::inc_providers(&pot);
		}
		T::Assets::transfer(asset.clone(), buyer, &pot, total, Preservation::Preserve)?;
		Ok(pot_deposit)
	}

	/// Adds `amount` to what `who` can claim in `asset` from `task`'s pot.
	pub(crate) fn credit(
		task: TaskId,
		asset: &T::AssetKind,
		who: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		if amount.is_zero() {
			return Ok(());
		}
		Claimable::<T>::try_mutate((task, asset, who), |claimable| {
			let sum = claimable
				.unwrap_or_default()
				.checked_add(&amount)
				.ok_or(Error::<T>::Overflow)?;
			*claimable = Some(sum);
			Ok::<_, DispatchError>(())
		})?;
		Owed::<T>::try_mutate(task, asset, |owed| {
			let sum = owed
				.unwrap_or_default()
				.checked_add(&amount)
				.ok_or(Error::<T>::Overflow)?;
			*owed = Some(sum);
			Ok(())
		})
	}

	pub(crate) fn do_claim(
		who: &T::AccountId,
		task: TaskId,
		asset: T::AssetKind,
	) -> DispatchResult {
		let amount = Claimable::<T>::take((task, &asset, who)).ok_or(Error::<T>::NothingToClaim)?;
		T::Assets::transfer(
			asset.clone(),
			&Self::pot_account(task),
			who,
			amount,
			Preservation::Preserve,
		)?;
		Owed::<T>::mutate_exists(task, &asset, |owed| {
			// `Owed` is the sum of the claimable balances, so it covers `amount`.
			*owed = owed
				.map(|owed| owed.saturating_sub(amount))
				.filter(|owed| !owed.is_zero());
		});
		Self::deposit_event(Event::Claimed {
			task,
			asset,
			who: who.clone(),
			amount,
		});
		Ok(())
	}
}
