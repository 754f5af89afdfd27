//! Buying a licence: checks, the one fee transfer, the exact split and the licence record.

use crate::{
	is_jurisdiction, split::split_exactly, BackingInfo, BalanceOf, Cid, Config, ContributionsOf,
	Error, Event, FeeSplit, Jurisdiction, Licence, Licences, LicensableTasks, Pallet, TaskId,
	TaskStage, Terms,
};
use alloc::vec::Vec;
use frame_support::pallet_prelude::*;
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{CheckedAdd, CheckedMul, Zero},
	SaturatedConversion, Saturating,
};

impl<T: Config> Pallet<T> {
	/// Sells a licence; returns how many contributors and backers the fee was divided among
	/// (the weight's components).
	pub(crate) fn do_buy_licence(
		buyer: &T::AccountId,
		task: TaskId,
		periods: u32,
		jurisdiction: Jurisdiction,
	) -> Result<(u32, u32), DispatchError> {
		ensure!(periods > 0, Error::<T>::ZeroPeriods);
		ensure!(
			is_jurisdiction(&jurisdiction),
			Error::<T>::InvalidJurisdiction
		);
		let stored = Terms::<T>::get(task).ok_or(Error::<T>::NoTerms)?;
		let terms = stored.terms;
		match T::Tasks::stage(task) {
			Some(TaskStage::Licensable) => {}
			Some(_) => return Err(Error::<T>::NotLicensable.into()),
			None => return Err(Error::<T>::UnknownTask.into()),
		}
		let owner = T::Tasks::owner(task).ok_or(Error::<T>::UnknownTask)?;
		let model = T::Tasks::latest_model(task).ok_or(Error::<T>::NoModel)?;
		let model = Cid::<T>::try_from(model).map_err(|_| Error::<T>::ModelCidTooLong)?;
		ensure!(
			terms.allows(&jurisdiction),
			Error::<T>::JurisdictionNotAllowed
		);

		let fee = terms
			.fee_per_period
			.checked_mul(&periods.into())
			.ok_or(Error::<T>::Overflow)?;
		let duration = terms
			.period
			.checked_mul(&periods.into())
			.ok_or(Error::<T>::Overflow)?;
		let expires_at = Self::new_expiry(task, buyer, jurisdiction, duration)?;

		let pot_deposit = Self::collect_fee(task, &terms.asset, buyer, fee)?;
		let contributions = T::Contributions::contributions::<T::MaxContributors>(task);
		let backers = T::Backers::backer_weights(task);
		let contributor_weights: Vec<(T::AccountId, u128)> = contributions
			.into_iter()
			.map(|(who, reward)| (who, reward.saturated_into::<u128>()))
			.collect();
		let counts = (contributor_weights.len() as u32, backers.len() as u32);
		let split = Self::divide_fee(
			task,
			&terms.asset,
			&owner,
			fee,
			(
				terms.contributors_share.mul_floor(fee),
				&contributor_weights,
			),
			(terms.backers_share.mul_floor(fee), &backers),
		)?;

		Licences::<T>::insert(
			task,
			buyer,
			Licence {
				task,
				expires_at,
				jurisdiction,
				terms_version: stored.version,
			},
		);
		Self::deposit_event(Event::LicenceBought {
			task,
			buyer: buyer.clone(),
			jurisdiction,
			periods,
			expires_at,
			terms_version: stored.version,
			model,
			asset: terms.asset,
			fee,
			pot_deposit,
			contributors: split.contributors,
			backers: split.backers,
			owner: split.owner,
		});
		Ok(counts)
	}

	/// The expiry after adding `duration`: to a valid licence in the same jurisdiction, or from
	/// now.
	fn new_expiry(
		task: TaskId,
		buyer: &T::AccountId,
		jurisdiction: Jurisdiction,
		duration: BlockNumberFor<T>,
	) -> Result<BlockNumberFor<T>, DispatchError> {
		let now = frame_system::Pallet::<T>::block_number();
		let start = match Licences::<T>::get(task, buyer) {
			Some(licence) if licence.expires_at > now => {
				ensure!(
					licence.jurisdiction == jurisdiction,
					Error::<T>::LicenceInOtherJurisdiction
				);
				licence.expires_at
			}
			_ => now,
		};
		Ok(start.checked_add(&duration).ok_or(Error::<T>::Overflow)?)
	}

	/// Credits `fee` as claimable balances: each `(part, weights)` group shares its part by
	/// weight, and the owner gets the rest, including a group's part when no one in it has a
	/// weight above zero. The credited amounts add up to `fee` exactly.
	fn divide_fee(
		task: TaskId,
		asset: &T::AssetKind,
		owner: &T::AccountId,
		fee: BalanceOf<T>,
		contributors: (BalanceOf<T>, &[(T::AccountId, u128)]),
		backers: (BalanceOf<T>, &[(T::AccountId, u128)]),
	) -> Result<FeeSplit<BalanceOf<T>>, DispatchError> {
		let to_contributors = Self::credit_by_weight(task, asset, contributors.0, contributors.1)?;
		let to_backers = Self::credit_by_weight(task, asset, backers.0, backers.1)?;
		// Both parts are shares of `fee` rounded down, and the shares add up to at most 100%
		// (checked when the terms are set), so they never exceed the fee together.
		let to_owner = fee
			.saturating_sub(to_contributors)
			.saturating_sub(to_backers);
		Self::credit(task, asset, owner, to_owner)?;
		Ok(FeeSplit {
			contributors: to_contributors,
			backers: to_backers,
			owner: to_owner,
		})
	}

	/// Credits `part` to the `weighted` accounts in proportion to their weights; returns the
	/// amount credited: `part`, or zero when no weight is above zero.
	fn credit_by_weight(
		task: TaskId,
		asset: &T::AssetKind,
		part: BalanceOf<T>,
		weighted: &[(T::AccountId, u128)],
	) -> Result<BalanceOf<T>, DispatchError> {
		if part.is_zero() {
			return Ok(part);
		}
		let part_wide: u128 = part.try_into().map_err(|_| Error::<T>::Overflow)?;
		let weights: Vec<u128> = weighted.iter().map(|(_, weight)| *weight).collect();
		let Some(shares) = split_exactly(part_wide, &weights) else {
			return Ok(Zero::zero());
		};
		for ((who, _), share) in weighted.iter().zip(shares) {
			// Every share is at most `part`, which fits the balance type.
			let share: BalanceOf<T> = share.try_into().map_err(|_| Error::<T>::Overflow)?;
			Self::credit(task, asset, who, share)?;
		}
		Ok(part)
	}
}
