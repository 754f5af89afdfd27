//! `try_state` invariants, also checked at the end of every unit test.

use crate::{BalanceOf, Claimable, Config, Licences, Owed, Pallet, TaskId, Terms};
use alloc::collections::BTreeMap;
use frame_support::{ensure, traits::fungibles::Inspect};
use sp_runtime::{traits::Zero, Saturating, TryRuntimeError};

impl<T: Config> Pallet<T> {
	/// Checks every invariant of the pallet's storage.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		Self::check_claimables()?;
		Self::check_terms()?;
		Self::check_licences()?;
		Ok(())
	}

	/// No claimable balance is zero; per task and asset they add up to [`Owed`], and the pot
	/// holds at least that much.
	fn check_claimables() -> Result<(), TryRuntimeError> {
		let mut sums: BTreeMap<(TaskId, T::AssetKind), BalanceOf<T>> = BTreeMap::new();
		for ((task, asset, _), amount) in Claimable::<T>::iter() {
			ensure!(!amount.is_zero(), "a zero claimable balance is stored");
			let sum = sums.entry((task, asset)).or_default();
			*sum = sum.saturating_add(amount);
		}
		for (task, asset, owed) in Owed::<T>::iter() {
			ensure!(!owed.is_zero(), "a zero owed total is stored");
			ensure!(
				sums.remove(&(task, asset.clone())) == Some(owed),
				"a pot's owed total differs from the sum of its claimable balances"
			);
			let pot = T::Assets::balance(asset, &Self::pot_account(task));
			ensure!(pot >= owed, "a pot holds less than its claimable balances");
		}
		ensure!(
			sums.is_empty(),
			"claimable balances exist without an owed total"
		);
		Ok(())
	}

	/// Stored terms are valid and versioned from 1.
	fn check_terms() -> Result<(), TryRuntimeError> {
		for (_, stored) in Terms::<T>::iter() {
			ensure!(stored.version >= 1, "terms are stored with version 0");
			ensure!(stored.terms.validate().is_ok(), "invalid terms are stored");
		}
		Ok(())
	}

	/// Licences name their own task and a version of its terms that existed.
	fn check_licences() -> Result<(), TryRuntimeError> {
		for (task, _, licence) in Licences::<T>::iter() {
			ensure!(
				licence.task == task,
				"a licence is stored under another task"
			);
			let current = Terms::<T>::get(task).map_or(0, |stored| stored.version);
			ensure!(
				(1..=current).contains(&licence.terms_version),
				"a licence names terms that never existed"
			);
		}
		Ok(())
	}
}
