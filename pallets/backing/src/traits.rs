//! The interfaces between the backing pallet and the rest of the runtime.
//!
//! [`BackableTasks`] is what the pallet needs from the training pallet; the runtime implements
//! it with a small adapter. [`BackingInfo`] is what the pallet offers: the training pallet ranks
//! tasks by [`BackingInfo::backing_value`] and the licensing pallet shares revenue by
//! [`BackingInfo::backer_weights`].

use crate::TaskId;
use frame_support::{traits::Get, BoundedVec};

/// Which tasks accept backing.
pub trait BackableTasks<TaskId> {
	/// True while `task` is proposed, queued, active or paused; false once it is completed or
	/// cancelled, and for unknown tasks. Once false for a task it must stay false: backers may
	/// then withdraw everything at once.
	fn can_be_backed(task: TaskId) -> bool;
}

/// What other pallets may ask about a task's backing.
pub trait BackingInfo<AccountId> {
	/// The most backers [`Self::backer_weights`] can return.
	type MaxBackers: Get<u32>;

	/// The task's backing value: the sum over its assets of the counted stake times the asset's
	/// valuation, in value units. Higher means higher priority.
	fn backing_value(task: TaskId) -> u128;

	/// Every backer whose counted stake is worth more than zero, with that value.
	fn backer_weights(task: TaskId) -> BoundedVec<(AccountId, u128), Self::MaxBackers>;
}

/// No backing at all: every task is worth zero and has no backers. For runtimes without the
/// backing pallet.
impl<AccountId> BackingInfo<AccountId> for () {
	type MaxBackers = frame_support::traits::ConstU32<0>;

	fn backing_value(_task: TaskId) -> u128 {
		0
	}

	fn backer_weights(_task: TaskId) -> BoundedVec<(AccountId, u128), Self::MaxBackers> {
		BoundedVec::new()
	}
}

/// Creates what benchmarks need that the pallet cannot create itself.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AssetKind> {
	/// The `index`-th benchmark asset, created if needed: distinct indices give distinct
	/// existing assets in which accounts can be funded with `fungibles::Mutate::mint_into`.
	fn create_asset(index: u32) -> AssetKind;

	/// A task for which [`BackableTasks::can_be_backed`] is true.
	fn backable_task() -> TaskId;
}
