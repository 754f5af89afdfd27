//! Staking, unstaking and withdrawing, and the read-only interface built on the stakes.
//!
//! Every call validates first and writes last; extrinsics are transactional anyway, so a
//! failing hold or release leaves no partial update behind.

use crate::{
	value::stake_value, BackableTasks, BackerCount, BackingInfo, BalanceOf, Config, Error, Event,
	HoldReason, Pallet, Position, StakeCount, Stakes, TaskId, TaskTotals,
};
use alloc::collections::BTreeMap;
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungibles::{Inspect, MutateHold},
		tokens::Precision,
	},
};
use sp_runtime::{
	traits::{CheckedAdd, CheckedSub, Zero},
	FixedU128, SaturatedConversion, Saturating,
};

impl<T: Config> Pallet<T> {
	/// The pallet's hold reason, as the runtime's hold reason.
	pub(crate) fn hold_reason() -> T::RuntimeHoldReason {
		HoldReason::Backing.into()
	}

	pub(crate) fn do_stake(
		who: &T::AccountId,
		task: TaskId,
		asset: T::AssetKind,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		ensure!(T::Tasks::can_be_backed(task), Error::<T>::TaskNotBackable);
		ensure!(
			T::Assets::asset_exists(asset.clone()),
			Error::<T>::UnknownAsset
		);

		let existing = Stakes::<T>::get(task, who);
		let new_backer = existing.is_none();
		let mut positions = existing.unwrap_or_default();
		let new_position = match positions.iter_mut().find(|p| p.asset == asset) {
			Some(position) => {
				position.active = position
					.active
					.checked_add(&amount)
					.ok_or(Error::<T>::Overflow)?;
				false
			}
			None => {
				let mut position = Position::empty(asset.clone());
				position.active = amount;
				positions
					.try_push(position)
					.map_err(|_| Error::<T>::TooManyAssets)?;
				true
			}
		};
		if new_backer {
			let backers = BackerCount::<T>::get(task);
			ensure!(
				backers < T::MaxBackersPerTask::get(),
				Error::<T>::TooManyBackers
			);
			BackerCount::<T>::insert(task, backers.saturating_add(1));
		}
		if new_position {
			let count = StakeCount::<T>::get(who);
			ensure!(
				count < T::MaxStakesPerBacker::get(),
				Error::<T>::TooManyStakes
			);
			StakeCount::<T>::insert(who, count.saturating_add(1));
		}
		Self::add_to_total(task, &asset, amount)?;
		T::AssetHolds::hold(asset.clone(), &Self::hold_reason(), who, amount)?;
		Stakes::<T>::insert(task, who, positions);
		Self::deposit_event(Event::Staked {
			task,
			who: who.clone(),
			asset,
			amount,
		});
		Ok(())
	}

	pub(crate) fn do_unstake(
		who: &T::AccountId,
		task: TaskId,
		asset: T::AssetKind,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		let mut positions = Stakes::<T>::get(task, who).ok_or(Error::<T>::NotStaked)?;
		let position = positions
			.iter_mut()
			.find(|p| p.asset == asset)
			.ok_or(Error::<T>::NotStaked)?;
		position.active = position
			.active
			.checked_sub(&amount)
			.ok_or(Error::<T>::InsufficientStake)?;
		position.unbonding = position
			.unbonding
			.checked_add(&amount)
			.ok_or(Error::<T>::Overflow)?;
		let unlock_at =
			frame_system::Pallet::<T>::block_number().saturating_add(T::UnstakeCooldown::get());
		position.unlock_at = unlock_at;
		Self::sub_from_total(task, &asset, amount);
		Stakes::<T>::insert(task, who, positions);
		Self::deposit_event(Event::Unstaked {
			task,
			who: who.clone(),
			asset,
			amount,
			unlock_at,
		});
		Ok(())
	}

	pub(crate) fn do_withdraw(
		who: &T::AccountId,
		task: TaskId,
		asset: T::AssetKind,
	) -> DispatchResult {
		let mut positions = Stakes::<T>::get(task, who).ok_or(Error::<T>::NotStaked)?;
		let index = positions
			.iter()
			.position(|p| p.asset == asset)
			.ok_or(Error::<T>::NotStaked)?;
		let position = &mut positions[index];
		let amount = if T::Tasks::can_be_backed(task) {
			ensure!(!position.unbonding.is_zero(), Error::<T>::NothingToWithdraw);
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(now >= position.unlock_at, Error::<T>::StillCoolingDown);
			core::mem::take(&mut position.unbonding)
		} else {
			// The task is over: nothing it could still rank for, so no reason to wait.
			let active = core::mem::take(&mut position.active);
			Self::sub_from_total(task, &asset, active);
			active.saturating_add(core::mem::take(&mut position.unbonding))
		};
		let emptied = position.is_empty();
		T::AssetHolds::release(
			asset.clone(),
			&Self::hold_reason(),
			who,
			amount,
			Precision::Exact,
		)?;
		if emptied {
			positions.remove(index);
			StakeCount::<T>::mutate_exists(who, decrement);
		}
		if positions.is_empty() {
			Stakes::<T>::remove(task, who);
			BackerCount::<T>::mutate_exists(task, decrement);
		} else {
			Stakes::<T>::insert(task, who, positions);
		}
		Self::deposit_event(Event::Withdrawn {
			task,
			who: who.clone(),
			asset,
			amount,
		});
		Ok(())
	}

	/// Adds `amount` to the task's counted total in `asset`.
	fn add_to_total(task: TaskId, asset: &T::AssetKind, amount: BalanceOf<T>) -> DispatchResult {
		TaskTotals::<T>::try_mutate(task, |totals| {
			match totals.iter_mut().find(|(a, _)| a == asset) {
				Some((_, total)) => {
					*total = total.checked_add(&amount).ok_or(Error::<T>::Overflow)?;
				}
				None => totals
					.try_push((asset.clone(), amount))
					.map_err(|_| Error::<T>::TooManyAssets)?,
			}
			Ok(())
		})
	}

	/// Takes `amount` off the task's counted total in `asset`, dropping the asset at zero.
	///
	/// Saturates: totals are the sums of the active stakes (a `try_state` invariant), and
	/// callers only take off active stake they have just removed from a position.
	fn sub_from_total(task: TaskId, asset: &T::AssetKind, amount: BalanceOf<T>) {
		if amount.is_zero() {
			return;
		}
		TaskTotals::<T>::mutate_exists(task, |maybe_totals| {
			let Some(totals) = maybe_totals else { return };
			if let Some(index) = totals.iter().position(|(a, _)| a == asset) {
				let total = &mut totals[index].1;
				*total = total.saturating_sub(amount);
				if total.is_zero() {
					totals.remove(index);
				}
			}
			if totals.is_empty() {
				*maybe_totals = None;
			}
		});
	}

	/// The task's backing value: `Σ_asset counted stake × valuation`, in value units.
	pub fn backing_value(task: TaskId) -> u128 {
		TaskTotals::<T>::get(task)
			.into_iter()
			.map(|(asset, total)| stake_value(total.saturated_into(), Self::valuation(&asset)))
			.fold(0, u128::saturating_add)
	}

	/// Each backer of `task` whose counted stake is worth more than zero, with its value.
	pub fn backer_weights(task: TaskId) -> BoundedVec<(T::AccountId, u128), T::MaxBackersPerTask> {
		// One valuation read per asset of the task, not per position.
		let valuations: BTreeMap<T::AssetKind, FixedU128> = TaskTotals::<T>::get(task)
			.into_iter()
			.map(|(asset, _)| {
				let value = Self::valuation(&asset);
				(asset, value)
			})
			.collect();
		let weights = Stakes::<T>::iter_prefix(task).filter_map(|(who, positions)| {
			let weight = positions
				.iter()
				.filter_map(|p| {
					// An asset with counted stake is always in the task's totals.
					let valuation = valuations.get(&p.asset)?;
					Some(stake_value(p.active.saturated_into(), *valuation))
				})
				.fold(0, u128::saturating_add);
			(weight > 0).then_some((who, weight))
		});
		// `BackerCount` caps the entries under `task` at `MaxBackersPerTask`, so nothing is cut.
		BoundedVec::truncate_from(weights.collect())
	}
}

/// Lowers a stored counter by one, removing it at zero so that no zero counter stays stored.
fn decrement(count: &mut Option<u32>) {
	*count = count.map(|c| c.saturating_sub(1)).filter(|c| *c > 0);
}

impl<T: Config> BackingInfo<T::AccountId> for Pallet<T> {
	type MaxBackers = T::MaxBackersPerTask;

	fn backing_value(task: TaskId) -> u128 {
		Pallet::<T>::backing_value(task)
	}

	fn backer_weights(task: TaskId) -> BoundedVec<(T::AccountId, u128), Self::MaxBackers> {
		Pallet::<T>::backer_weights(task)
	}
}
