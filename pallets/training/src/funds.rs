//! Money movements: bonds (holds), the pool account, payments and slashes.
//!
//! Bonds stay in the participant's account, held under [`HoldReason::Bond`]. A slash moves the
//! slashed part of the hold into the task's pool account (`transfer_on_hold` to free balance),
//! so slashed funds are neither burned nor paid to anyone directly: they top up the pool,
//! finance later rounds and return to the owner with the unspent pool. Total issuance is
//! therefore conserved. Payments leave the pool with `Preservation::Preserve`, so the pool
//! account keeps the asset's minimum balance and stays alive until the task ends.

use crate::{
	BalanceOf, Config, Event, HoldReason, Pallet, Role, RoundIndex, RoundState, SlashReason,
	TaskId, TaskInfo,
};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungibles::{Inspect, Mutate, MutateHold},
		tokens::{Fortitude, Precision, Preservation, Restriction},
	},
};
use sp_runtime::{
	traits::{AccountIdConversion, Zero},
	SaturatedConversion, Saturating,
};

impl<T: Config> Pallet<T> {
	/// The account that holds task `task`'s reward pool.
	pub fn pool_account(task: TaskId) -> T::AccountId {
		T::PalletId::get().into_sub_account_truncating(task)
	}

	/// The pallet's hold reason for bonds, as the runtime's hold reason.
	pub(crate) fn bond_reason() -> T::RuntimeHoldReason {
		HoldReason::Bond.into()
	}

	/// Holds `amount` of `asset` from `who` as a bond.
	pub(crate) fn hold_bond(
		asset: &T::AssetKind,
		who: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		T::AssetHolds::hold(asset.clone(), &Self::bond_reason(), who, amount)
	}

	/// Releases up to `amount` of `who`'s bond; returns what was released.
	pub(crate) fn release_bond(
		asset: &T::AssetKind,
		who: &T::AccountId,
		amount: BalanceOf<T>,
	) -> Result<BalanceOf<T>, DispatchError> {
		T::AssetHolds::release(
			asset.clone(),
			&Self::bond_reason(),
			who,
			amount,
			Precision::BestEffort,
		)
	}

	/// Moves the proposer's deposit into the new task's pool account.
	pub(crate) fn fund_pool(
		task: TaskId,
		asset: &T::AssetKind,
		from: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		let pool = Self::pool_account(task);
		T::Assets::transfer(asset.clone(), from, &pool, amount, Preservation::Preserve)?;
		Ok(())
	}

	/// What the pool can pay without dropping the pool account below the minimum balance.
	pub(crate) fn spendable_pool(task: &TaskInfo<T>) -> BalanceOf<T> {
		task.pool
			.saturating_sub(T::Assets::minimum_balance(task.params.asset.clone()))
	}

	/// Slashes `reason`'s rate of `who`'s bond into the pool; returns the amount moved.
	///
	/// Updates the recorded bond, the recorded pool and the round's slashed total, and emits
	/// [`Event::Slashed`]. A zero rate or bond slashes nothing and emits nothing.
	pub(crate) fn slash(
		task_id: TaskId,
		task: &mut TaskInfo<T>,
		round: &mut RoundState<T>,
		who: &T::AccountId,
		bond: &mut BalanceOf<T>,
		reason: SlashReason,
	) -> BalanceOf<T> {
		let rate = reason.rate(&task.params.slash_rates);
		let wanted = crate::rewards::slash_amount((*bond).saturated_into(), rate);
		let wanted: BalanceOf<T> = wanted.saturated_into();
		if wanted.is_zero() {
			return Zero::zero();
		}
		let moved = T::AssetHolds::transfer_on_hold(
			task.params.asset.clone(),
			&Self::bond_reason(),
			who,
			&Self::pool_account(task_id),
			wanted,
			Precision::BestEffort,
			Restriction::Free,
			Fortitude::Force,
		)
		.unwrap_or_else(|_| Zero::zero());
		if moved.is_zero() {
			return moved;
		}
		*bond = bond.saturating_sub(moved);
		task.pool = task.pool.saturating_add(moved);
		round.slashed = round.slashed.saturating_add(moved);
		Self::deposit_event(Event::Slashed {
			task: task_id,
			round: round.index,
			who: who.clone(),
			reason,
			amount: moved,
		});
		moved
	}

	/// Pays `amount` from the pool to `who`; returns what was paid.
	///
	/// What is paid is added to the contribution ledger ([`crate::Earned`]).
	///
	/// A failed transfer (e.g. the recipient cannot receive the asset) emits
	/// [`Event::PaymentFailed`] and leaves the amount in the pool.
	pub(crate) fn pay(
		task_id: TaskId,
		task: &mut TaskInfo<T>,
		round: &mut RoundState<T>,
		who: &T::AccountId,
		role: Role,
		amount: BalanceOf<T>,
	) -> BalanceOf<T> {
		if amount.is_zero() {
			return amount;
		}
		let index = round.index;
		if amount > Self::spendable_pool(task) {
			Self::payment_failed(task_id, index, who, amount);
			return Zero::zero();
		}
		let paid = T::Assets::transfer(
			task.params.asset.clone(),
			&Self::pool_account(task_id),
			who,
			amount,
			Preservation::Preserve,
		);
		match paid {
			Ok(paid) => {
				task.pool = task.pool.saturating_sub(paid);
				round.paid = round.paid.saturating_add(paid);
				Self::record_earning(task_id, who, paid);
				Self::deposit_event(Event::Rewarded {
					task: task_id,
					round: index,
					who: who.clone(),
					role,
					amount: paid,
				});
				paid
			}
			Err(_) => {
				Self::payment_failed(task_id, index, who, amount);
				Zero::zero()
			}
		}
	}

	fn payment_failed(task: TaskId, round: RoundIndex, who: &T::AccountId, amount: BalanceOf<T>) {
		Self::deposit_event(Event::PaymentFailed {
			task,
			round,
			who: who.clone(),
			amount,
		});
	}

	/// Sends everything the pool account holds back to the owner; returns the amount.
	///
	/// On failure the funds stay in the pool account and [`Event::RefundFailed`] is emitted.
	pub(crate) fn refund_pool(task_id: TaskId, task: &mut TaskInfo<T>) -> BalanceOf<T> {
		let asset = task.params.asset.clone();
		let pool = Self::pool_account(task_id);
		let amount = T::Assets::reducible_balance(
			asset.clone(),
			&pool,
			Preservation::Expendable,
			Fortitude::Polite,
		);
		if amount.is_zero() {
			// Nothing can leave the account (e.g. the asset is frozen): report what is stuck.
			if !task.pool.is_zero() {
				Self::deposit_event(Event::RefundFailed {
					task: task_id,
					amount: task.pool,
				});
			}
			return amount;
		}
		match T::Assets::transfer(asset, &pool, &task.owner, amount, Preservation::Expendable) {
			Ok(refunded) => {
				task.pool = task.pool.saturating_sub(refunded);
				refunded
			}
			Err(_) => {
				Self::deposit_event(Event::RefundFailed {
					task: task_id,
					amount,
				});
				Zero::zero()
			}
		}
	}
}
