//! What the licensing pallet needs from the rest of the runtime.
//!
//! The runtime implements [`LicensableTasks`] and [`ContributionsOf`] with small adapters over
//! the training pallet; backers come from the backing pallet's
//! [`BackingInfo`](pallet_backing::BackingInfo).

use crate::TaskStage;
use alloc::vec::Vec;
use frame_support::{traits::Get, BoundedVec};

/// Tasks as licensing sees them.
pub trait LicensableTasks<TaskId, AccountId> {
	/// The task's owner (its proposer), or `None` for an unknown task.
	fn owner(task: TaskId) -> Option<AccountId>;

	/// The task's stage, or `None` for an unknown task.
	fn stage(task: TaskId) -> Option<TaskStage>;

	/// The CID of the task's latest global model (its final model once completed), or `None`
	/// while there is none.
	fn latest_model(task: TaskId) -> Option<Vec<u8>>;
}

/// The contributors of a task: everyone who earned rewards in it.
pub trait ContributionsOf<TaskId, AccountId, Balance> {
	/// Each contributor with its accumulated rewards in the task, at most `Limit::get()` of
	/// them. If there are more, the implementation keeps those with the largest rewards.
	fn contributions<Limit: Get<u32>>(task: TaskId) -> BoundedVec<(AccountId, Balance), Limit>;
}

/// Creates what benchmarks need that the pallet cannot create itself.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId, AssetKind, Balance> {
	/// An existing asset in which accounts can be funded with `fungibles::Mutate::mint_into`
	/// and which fresh accounts can receive (native, or a sufficient asset).
	fn fee_asset() -> AssetKind;

	/// Creates a task owned by `owner` at `stage`; a licensable task gets a latest model.
	fn create_task(owner: &AccountId, stage: TaskStage) -> crate::TaskId;

	/// Records `who` as a contributor to `task` with `reward` accumulated.
	fn add_contributor(task: crate::TaskId, who: &AccountId, reward: Balance);

	/// Makes `who` a backer of `task` with a backing weight above zero.
	fn add_backer(task: crate::TaskId, who: &AccountId);
}

/// The backers' bound of a backing source.
pub type MaxBackersOf<B, AccountId> = <B as pallet_backing::BackingInfo<AccountId>>::MaxBackers;
