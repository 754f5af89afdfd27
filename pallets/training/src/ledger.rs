//! The contribution ledger: what each account earned in each task.
//!
//! Licence revenue of a trained model is shared among its contributors in proportion to their
//! accumulated rewards. Every reward actually paid ([`Event::Rewarded`](crate::Event), any
//! role) is added to [`Earned`]; [`Contributors`] lists the accounts in the order they first
//! earned. The list holds at most [`Config::MaxContributors`] accounts: later first-time
//! earners still accumulate in [`Earned`] but are not listed, so runtimes choose a bound well
//! above the participants a task can reward over its life.

use crate::{BalanceOf, Config, Contributors, Earned, Pallet, TaskId};
use alloc::vec::Vec;
use sp_runtime::{traits::Zero, Saturating};

impl<T: Config> Pallet<T> {
	/// Adds a paid reward to `who`'s total in `task`, listing `who` on its first earning.
	pub(crate) fn record_earning(task: TaskId, who: &T::AccountId, amount: BalanceOf<T>) {
		let first = Earned::<T>::mutate(task, who, |earned| {
			let first = earned.is_zero();
			*earned = earned.saturating_add(amount);
			first
		});
		if first && !amount.is_zero() {
			// A full list leaves later contributors unlisted (see the module docs).
			let _listed = Contributors::<T>::try_append(task, who).is_ok();
		}
	}

	/// The listed contributors of `task` with what each earned in it, in the order they first
	/// earned: at most [`Config::MaxContributors`] entries.
	pub fn contributions(task: TaskId) -> Vec<(T::AccountId, BalanceOf<T>)> {
		Contributors::<T>::get(task)
			.into_iter()
			.map(|who| {
				let earned = Earned::<T>::get(task, &who);
				(who, earned)
			})
			.collect()
	}
}
