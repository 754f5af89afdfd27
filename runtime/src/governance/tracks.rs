//! The referendum tracks: who decides what, how fast, and by how much agreement.
//!
//! | id | track | origin | decision deposit | prepare | confirm | enactment | approval / support |
//! |---|---|---|---|---|---|---|---|
//! | 0 | `root` | Root | 1,000 DML | 2 h | 1 d | 1 d | 100→50% / 50→0% |
//! | 1 | `task_approval` | TaskApproval | 100 DML | 10 min | 30 min | 10 min | 100→50% / 10→0% |
//! | 2 | `protocol_parameters` | ProtocolParameters | 500 DML | 1 h | 3 h | 1 h | 100→60% / 20→1% |
//! | 3 | `licensing` | Licensing | 100 DML | 30 min | 1 h | 10 min | 100→50% / 10→0% |
//!
//! Periods are in blocks of 6 s (development chains with faster blocks run them faster). A
//! referendum passes once approval and support stay above their curves for the confirm period;
//! curves fall linearly over the decision period (7 days; root 14 days).

use super::origins::pallet_custom_origins::Origin;
use crate::{Balance, BlockNumber, OriginCaller, DAYS, HOURS, MINUTES, UNIT};
use alloc::borrow::Cow;
use pallet_referenda::{Curve, Track, TrackInfo};
use sp_runtime::{str_array as name, Perbill};

const fn linear(floor: u32, ceil: u32) -> Curve {
	Curve::LinearDecreasing {
		length: Perbill::from_percent(100),
		floor: Perbill::from_percent(floor),
		ceil: Perbill::from_percent(ceil),
	}
}

/// Track ids.
pub mod id {
	/// Runtime upgrades and anything else that needs Root.
	pub const ROOT: u16 = 0;
	/// Approving, pausing, resuming and cancelling tasks.
	pub const TASK_APPROVAL: u16 = 1;
	/// Protocol-wide parameters.
	pub const PROTOCOL_PARAMETERS: u16 = 2;
	/// Licences, jurisdictions and eligible clients.
	pub const LICENSING: u16 = 3;
}

static TRACKS: [Track<u16, Balance, BlockNumber>; 4] = [
	Track {
		id: id::ROOT,
		info: TrackInfo {
			name: name("root"),
			max_deciding: 1,
			decision_deposit: 1_000 * UNIT,
			prepare_period: 2 * HOURS,
			decision_period: 14 * DAYS,
			confirm_period: DAYS,
			min_enactment_period: DAYS,
			min_approval: linear(50, 100),
			min_support: linear(0, 50),
		},
	},
	Track {
		id: id::TASK_APPROVAL,
		info: TrackInfo {
			name: name("task_approval"),
			max_deciding: 20,
			decision_deposit: 100 * UNIT,
			prepare_period: 10 * MINUTES,
			decision_period: 7 * DAYS,
			confirm_period: 30 * MINUTES,
			min_enactment_period: 10 * MINUTES,
			min_approval: linear(50, 100),
			min_support: linear(0, 10),
		},
	},
	Track {
		id: id::PROTOCOL_PARAMETERS,
		info: TrackInfo {
			name: name("protocol_parameters"),
			max_deciding: 5,
			decision_deposit: 500 * UNIT,
			prepare_period: HOURS,
			decision_period: 7 * DAYS,
			confirm_period: 3 * HOURS,
			min_enactment_period: HOURS,
			min_approval: linear(60, 100),
			min_support: linear(1, 20),
		},
	},
	Track {
		id: id::LICENSING,
		info: TrackInfo {
			name: name("licensing"),
			max_deciding: 10,
			decision_deposit: 100 * UNIT,
			prepare_period: 30 * MINUTES,
			decision_period: 7 * DAYS,
			confirm_period: HOURS,
			min_enactment_period: 10 * MINUTES,
			min_approval: linear(50, 100),
			min_support: linear(0, 10),
		},
	},
];

/// Maps origins to tracks and tracks to their rules.
pub struct TracksInfo;

impl pallet_referenda::TracksInfo<Balance, BlockNumber> for TracksInfo {
	type Id = u16;
	type RuntimeOrigin =
		<crate::RuntimeOrigin as frame_support::traits::OriginTrait>::PalletsOrigin;

	fn tracks() -> impl Iterator<Item = Cow<'static, Track<Self::Id, Balance, BlockNumber>>> {
		TRACKS.iter().map(Cow::Borrowed)
	}

	fn track_for(origin: &Self::RuntimeOrigin) -> Result<Self::Id, ()> {
		match origin {
			OriginCaller::system(frame_system::RawOrigin::Root) => Ok(id::ROOT),
			OriginCaller::Origins(Origin::TaskApproval) => Ok(id::TASK_APPROVAL),
			OriginCaller::Origins(Origin::ProtocolParameters) => Ok(id::PROTOCOL_PARAMETERS),
			OriginCaller::Origins(Origin::Licensing) => Ok(id::LICENSING),
			_ => Err(()),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use pallet_referenda::TracksInfo as _;

	#[test]
	fn tracks_are_sorted_and_named() {
		TracksInfo::check_integrity().expect("tracks sorted by id");
		let names: alloc::vec::Vec<_> = TracksInfo::tracks()
			.map(|t| {
				let end = t
					.info
					.name
					.iter()
					.position(|b| *b == 0)
					.unwrap_or(t.info.name.len());
				core::str::from_utf8(&t.info.name[..end])
					.unwrap()
					.to_owned()
			})
			.collect();
		assert_eq!(
			names,
			["root", "task_approval", "protocol_parameters", "licensing"]
		);
	}

	#[test]
	fn each_origin_has_its_own_track() {
		let track = |o: OriginCaller| TracksInfo::track_for(&o);
		assert_eq!(
			track(OriginCaller::system(frame_system::RawOrigin::Root)),
			Ok(id::ROOT)
		);
		assert_eq!(
			track(OriginCaller::Origins(Origin::TaskApproval)),
			Ok(id::TASK_APPROVAL)
		);
		assert_eq!(
			track(OriginCaller::Origins(Origin::ProtocolParameters)),
			Ok(id::PROTOCOL_PARAMETERS)
		);
		assert_eq!(
			track(OriginCaller::Origins(Origin::Licensing)),
			Ok(id::LICENSING)
		);
		// Signed accounts cannot open a referendum that dispatches as themselves.
		let alice = sp_keyring::Sr25519Keyring::Alice.to_account_id();
		assert_eq!(
			track(OriginCaller::system(frame_system::RawOrigin::Signed(alice))),
			Err(())
		);
	}
}
