//! `try_state` invariants, also checked at the end of every unit test.

use crate::{BackerCount, BalanceOf, Config, Pallet, StakeCount, Stakes, TaskId, TaskTotals};
use alloc::{collections::BTreeMap, vec::Vec};
use codec::Encode;
use frame_support::{
	ensure,
	traits::{fungibles::InspectHold, Get},
};
use sp_runtime::{traits::Zero, Saturating, TryRuntimeError};

/// An asset, an account and what the account has staked in that asset over all tasks.
type StakedBy<T> = (
	<T as Config>::AssetKind,
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
);

impl<T: Config> Pallet<T> {
	/// Checks every invariant of the pallet's storage.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		Self::check_positions()?;
		Self::check_totals()?;
		Self::check_counts()?;
		Self::check_holds()?;
		Ok(())
	}

	/// Stored positions are non-empty, one per asset, and no backer's list is empty.
	fn check_positions() -> Result<(), TryRuntimeError> {
		for (_, _, positions) in Stakes::<T>::iter() {
			ensure!(
				!positions.is_empty(),
				"a backer has an empty list of positions"
			);
			for (index, position) in positions.iter().enumerate() {
				ensure!(!position.is_empty(), "a stored position holds nothing");
				ensure!(
					positions
						.iter()
						.skip(index + 1)
						.all(|other| other.asset != position.asset),
					"a backer has two positions in one asset on one task"
				);
			}
		}
		Ok(())
	}

	/// Each task's totals are the sums of its backers' active stakes, with no zero entries.
	fn check_totals() -> Result<(), TryRuntimeError> {
		let mut sums: BTreeMap<(TaskId, T::AssetKind), BalanceOf<T>> = BTreeMap::new();
		for (task, _, positions) in Stakes::<T>::iter() {
			for position in positions.into_iter().filter(|p| !p.active.is_zero()) {
				let sum = sums.entry((task, position.asset)).or_default();
				*sum = sum.saturating_add(position.active);
			}
		}
		let mut recorded = 0usize;
		for (task, totals) in TaskTotals::<T>::iter() {
			ensure!(!totals.is_empty(), "a task has an empty list of totals");
			for (asset, total) in totals {
				ensure!(!total.is_zero(), "a task total is zero");
				let sum = sums.get(&(task, asset)).copied().unwrap_or_default();
				ensure!(
					sum == total,
					"a task total differs from the sum of its active stakes"
				);
				recorded += 1;
			}
		}
		ensure!(
			recorded == sums.len(),
			"an asset with active stake is missing from its task total"
		);
		Ok(())
	}

	/// The backer and position counters match the stored positions and respect their bounds.
	fn check_counts() -> Result<(), TryRuntimeError> {
		let mut backers: BTreeMap<TaskId, u32> = BTreeMap::new();
		let mut stakes: BTreeMap<Vec<u8>, u32> = BTreeMap::new();
		for (task, who, positions) in Stakes::<T>::iter() {
			*backers.entry(task).or_default() += 1;
			*stakes.entry(who.encode()).or_default() += positions.len() as u32;
		}
		for (task, count) in BackerCount::<T>::iter() {
			ensure!(
				count <= T::MaxBackersPerTask::get(),
				"a task has too many backers"
			);
			ensure!(
				backers.remove(&task) == Some(count),
				"a task's backer count differs from its stored backers"
			);
		}
		ensure!(
			backers.is_empty(),
			"a task with backers has no backer count"
		);
		for (who, count) in StakeCount::<T>::iter() {
			ensure!(
				count <= T::MaxStakesPerBacker::get(),
				"an account holds too many positions"
			);
			ensure!(
				stakes.remove(&who.encode()) == Some(count),
				"an account's position count differs from its stored positions"
			);
		}
		ensure!(
			stakes.is_empty(),
			"an account with positions has no position count"
		);
		Ok(())
	}

	/// Funds held under the backing reason equal the recorded stakes, per asset and account.
	fn check_holds() -> Result<(), TryRuntimeError> {
		let mut recorded: BTreeMap<Vec<u8>, StakedBy<T>> = BTreeMap::new();
		for (_, who, positions) in Stakes::<T>::iter() {
			for position in positions {
				let key = (&position.asset, &who).encode();
				let entry = recorded.entry(key).or_insert((
					position.asset.clone(),
					who.clone(),
					Zero::zero(),
				));
				entry.2 = entry
					.2
					.saturating_add(position.active)
					.saturating_add(position.unbonding);
			}
		}
		for (asset, who, staked) in recorded.into_values() {
			let held = T::AssetHolds::balance_on_hold(asset, &Self::hold_reason(), &who);
			ensure!(
				held == staked,
				"funds held for backing differ from the recorded stakes"
			);
		}
		Ok(())
	}
}
