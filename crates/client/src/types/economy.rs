//! Balances, holds, backing and licences.

use super::primitives::*;
use serde::{Deserialize, Serialize};

/// An amount held from an account for a reason (a task bond, a backing stake, a deposit).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
	/// The hold reason, `Pallet::Reason`, e.g. `Training::Bond`.
	pub reason: String,
	/// The amount held.
	pub amount: Balance,
}

/// An account's balance of one asset, with its holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountBalance {
	/// Spendable and frozen funds, excluding holds.
	pub free: Balance,
	/// Held funds: the sum of `holds`, plus reserves of pallets that still reserve.
	pub reserved: Balance,
	/// Part of `free` that cannot be spent (locks, freezes).
	pub frozen: Balance,
	/// Holds by reason.
	pub holds: Vec<Hold>,
}

/// One backer's stake in one asset on one task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackingPosition {
	/// The staked asset.
	pub asset: Asset,
	/// Stake that counts for priority and revenue.
	pub active: Balance,
	/// Stake on its way out, withdrawable at `unlock_at`.
	pub unbonding: Balance,
	/// First block at which `unbonding` can be withdrawn.
	pub unlock_at: BlockNumber,
}

/// The backing of a task: counted stake per asset and its value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskBacking {
	/// Counted stake per asset.
	pub totals: Vec<(Asset, Balance)>,
	/// How many accounts back the task.
	pub backers: u32,
	/// The stake's value in value units (native planck at the default valuation of one),
	/// rounded down per asset.
	pub value: Balance,
}

/// A task's licence terms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceTermsView {
	/// Version of the terms, from 1.
	pub version: u32,
	/// CID of the licence text.
	pub terms: ContentId,
	/// The asset fees are paid in.
	pub asset: Asset,
	/// The fee for one period.
	pub fee_per_period: Balance,
	/// The length of one period in blocks.
	pub period: BlockNumber,
	/// The contributors' part of every fee.
	pub contributors_share: Perbill,
	/// The backers' part of every fee.
	pub backers_share: Perbill,
	/// Where licensees may use the model; `None` means anywhere.
	pub jurisdictions: Option<Vec<Jurisdiction>>,
}

/// Licence terms to set on a task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceTermsSpec {
	/// CID of the licence text.
	pub terms: ContentId,
	/// The asset fees are paid in.
	pub asset: Asset,
	/// The fee for one period.
	pub fee_per_period: Balance,
	/// The length of one period in blocks.
	pub period: BlockNumber,
	/// The contributors' part of every fee.
	pub contributors_share: Perbill,
	/// The backers' part of every fee.
	pub backers_share: Perbill,
	/// Where licensees may use the model; `None` means anywhere.
	pub jurisdictions: Option<Vec<Jurisdiction>>,
}

/// One account's licence to use one task's model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceView {
	/// The licensed task.
	pub task: TaskId,
	/// The licensee.
	pub holder: AccountId,
	/// The first block at which the licence is no longer valid.
	pub expires_at: BlockNumber,
	/// Where the licensee uses the model.
	pub jurisdiction: Jurisdiction,
	/// The version of the terms accepted by the latest purchase.
	pub terms_version: u32,
}

/// What a licence purchase cost and where the fee went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicencePurchase {
	/// The licence after the purchase.
	pub licence: LicenceView,
	/// The model CID licensed.
	pub model: ContentId,
	/// The fee asset.
	pub asset: Asset,
	/// The fee paid.
	pub fee: Balance,
	/// Credited to contributors.
	pub contributors: Balance,
	/// Credited to backers.
	pub backers: Balance,
	/// Credited to the owner.
	pub owner: Balance,
}

/// A balance an account can claim from a task's licence-fee pot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claimable {
	/// The task whose pot owes it.
	pub task: TaskId,
	/// The asset.
	pub asset: Asset,
	/// The amount.
	pub amount: Balance,
}
