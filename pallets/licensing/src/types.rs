//! The pallet's data types: licence terms, licences and the task stages licensing cares about.

use crate::{BalanceOf, Config};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound};
use frame_system::pallet_prelude::BlockNumberFor;
use scale_info::TypeInfo;
use sp_runtime::{traits::Zero, Perbill};

/// Identifies a training task (the training pallet's task id).
pub type TaskId = u32;
/// An ISO 3166-1 alpha-2 country code, two upper-case ASCII letters (`*b"DE"`).
pub type Jurisdiction = [u8; 2];
/// Counts the versions of a task's terms, from 1.
pub type TermsVersion = u32;

/// Where a task stands, as far as licensing is concerned.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum TaskStage {
	/// Proposed, not yet approved: its owner may still set the terms.
	Proposed,
	/// Approved, active, paused or completed: licences can be bought (once there is a model);
	/// only the licensing origin may change the terms.
	Licensable,
	/// Cancelled or failed: no licences are sold.
	Closed,
}

/// A task's licence terms.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct LicenceTerms<T: Config> {
	/// CID of the licence text.
	pub terms: BoundedVec<u8, T::MaxCidLen>,
	/// The asset fees are paid in.
	pub asset: T::AssetKind,
	/// The fee for one period.
	pub fee_per_period: BalanceOf<T>,
	/// The length of one period in blocks.
	pub period: BlockNumberFor<T>,
	/// The contributors' part of every fee, shared by accumulated rewards.
	pub contributors_share: Perbill,
	/// The backers' part of every fee, shared by backing weight.
	pub backers_share: Perbill,
	/// Where licensees may use the model; `None` means anywhere.
	pub jurisdictions: Option<BoundedVec<Jurisdiction, T::MaxJurisdictions>>,
}

/// Why terms are invalid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TermsError {
	/// The licence text CID is empty.
	#[error("the licence terms CID is empty")]
	EmptyTermsCid,
	/// The fee per period is zero.
	#[error("the fee per period is zero")]
	ZeroFee,
	/// The period is zero blocks long.
	#[error("the licence period is zero blocks")]
	ZeroPeriod,
	/// The contributors' and backers' shares add up to more than 100%.
	#[error("contributors' ({contributors:?}) and backers' ({backers:?}) shares exceed 100%")]
	SharesAboveWhole {
		/// The contributors' share.
		contributors: Perbill,
		/// The backers' share.
		backers: Perbill,
	},
	/// The jurisdiction list is present but empty: nobody could buy a licence.
	#[error("the jurisdiction list is empty; use no list to allow every jurisdiction")]
	EmptyJurisdictions,
	/// A jurisdiction is not an ISO 3166-1 alpha-2 code.
	#[error("jurisdiction \"{}\" is not two upper-case ASCII letters", .0.escape_ascii())]
	InvalidJurisdiction(Jurisdiction),
	/// A jurisdiction is listed twice.
	#[error("jurisdiction \"{}\" is listed twice", .0.escape_ascii())]
	DuplicateJurisdiction(Jurisdiction),
}

/// Whether `code` is two upper-case ASCII letters.
pub fn is_jurisdiction(code: &Jurisdiction) -> bool {
	code.iter().all(u8::is_ascii_uppercase)
}

impl<T: Config> LicenceTerms<T> {
	/// Checks everything that does not need storage.
	pub fn validate(&self) -> Result<(), TermsError> {
		if self.terms.is_empty() {
			return Err(TermsError::EmptyTermsCid);
		}
		if self.fee_per_period.is_zero() {
			return Err(TermsError::ZeroFee);
		}
		if self.period.is_zero() {
			return Err(TermsError::ZeroPeriod);
		}
		let parts = u64::from(self.contributors_share.deconstruct())
			+ u64::from(self.backers_share.deconstruct());
		if parts > u64::from(Perbill::one().deconstruct()) {
			return Err(TermsError::SharesAboveWhole {
				contributors: self.contributors_share,
				backers: self.backers_share,
			});
		}
		if let Some(list) = &self.jurisdictions {
			if list.is_empty() {
				return Err(TermsError::EmptyJurisdictions);
			}
			for (index, code) in list.iter().enumerate() {
				if !is_jurisdiction(code) {
					return Err(TermsError::InvalidJurisdiction(*code));
				}
				if list[..index].contains(code) {
					return Err(TermsError::DuplicateJurisdiction(*code));
				}
			}
		}
		Ok(())
	}

	/// Whether a licensee in `jurisdiction` may buy under these terms.
	pub fn allows(&self, jurisdiction: &Jurisdiction) -> bool {
		self.jurisdictions
			.as_ref()
			.is_none_or(|list| list.contains(jurisdiction))
	}
}

/// A task's terms with their version.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct VersionedTerms<Terms> {
	/// Starts at 1 and grows by one with every change.
	pub version: TermsVersion,
	/// The terms in force.
	pub terms: Terms,
}

/// One account's licence to use one task's model.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct Licence<BlockNumber> {
	/// The licensed task.
	pub task: TaskId,
	/// The first block at which the licence is no longer valid.
	pub expires_at: BlockNumber,
	/// Where the licensee uses the model.
	pub jurisdiction: Jurisdiction,
	/// The version of the terms accepted by the latest purchase.
	pub terms_version: TermsVersion,
}

/// How a purchase's fee was divided. The four parts always add up to the fee.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct FeeSplit<Balance> {
	/// Credited to contributors, by accumulated rewards.
	pub contributors: Balance,
	/// Credited to backers, by backing weight.
	pub backers: Balance,
	/// Credited to the task owner: the rest, including any part that had no recipients.
	pub owner: Balance,
}
