//! Block production (Aura), finality (GRANDPA) and time.

use crate::{Aura, Runtime, RuntimeEvent};
use frame_support::traits::{ConstBool, ConstU32, ConstU64};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;

/// The largest validator set Aura and GRANDPA accept.
pub const MAX_AUTHORITIES: u32 = 32;

impl pallet_timestamp::Config for Runtime {
	/// Milliseconds since the Unix epoch.
	type Moment = u64;
	type OnTimestampSet = Aura;
	/// Half the shortest block time a genesis may choose, so every allowed slot duration works.
	type MinimumPeriod = ConstU64<{ pallet_slot_duration::MIN_SLOT_DURATION_MS / 2 }>;
	type WeightInfo = pallet_timestamp::weights::SubstrateWeight<Runtime>;
}

impl pallet_slot_duration::Config for Runtime {}

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	type DisabledValidators = ();
	type MaxAuthorities = ConstU32<MAX_AUTHORITIES>;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	/// The block time is chosen at genesis (development chains use short ones for tests).
	type SlotDuration = pallet_slot_duration::SlotDurationOf<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<MAX_AUTHORITIES>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	// No session pallet: equivocation reports cannot be proven, so none are accepted.
	type KeyOwnerProof = sp_core::Void;
	type EquivocationReportSystem = ();
}
