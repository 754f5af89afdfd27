//! The pallet's data types.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_runtime::traits::Zero;

/// Identifies a training task (the training pallet's task id).
pub type TaskId = u32;

/// One backer's stake in one asset on one task.
///
/// `active` counts for the task's priority and for revenue; `unbonding` no longer counts and
/// becomes withdrawable at `unlock_at`. Both stay held in the backer's account until withdrawn.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct Position<AssetKind, Balance, BlockNumber> {
	/// The staked asset.
	pub asset: AssetKind,
	/// Stake that counts: raises priority and earns revenue.
	pub active: Balance,
	/// Stake on its way out: no longer counts, still held.
	pub unbonding: Balance,
	/// First block at which `unbonding` can be withdrawn. Each `unstake` restarts the cool-down
	/// for the whole unbonding amount, so a position needs one chunk, not a list.
	pub unlock_at: BlockNumber,
}

impl<AssetKind, Balance: Zero + Copy, BlockNumber: Zero> Position<AssetKind, Balance, BlockNumber> {
	/// A fresh position with nothing staked yet.
	pub fn empty(asset: AssetKind) -> Self {
		Self {
			asset,
			active: Zero::zero(),
			unbonding: Zero::zero(),
			unlock_at: Zero::zero(),
		}
	}

	/// Whether nothing is held for this position any more.
	pub fn is_empty(&self) -> bool {
		self.active.is_zero() && self.unbonding.is_zero()
	}
}
