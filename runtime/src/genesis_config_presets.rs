//! Genesis presets: ready-made initial states for development and test networks.
//!
//! - `development`: one authority (Alice), well-known dev accounts endowed, Alice is sudo.
//!
//! Every preset makes Alice, Bob and Charlie the council.
//! - `local_testnet`: three authorities (Alice, Bob, Charlie) for a network on one machine.
//! - `local_testnet_4`: four authorities (Alice to Dave): the smallest set in which GRANDPA
//!   keeps finalizing when one validator fails (it needs more than 2/3 of the voters).
//!
//! These keys are public knowledge: never use the presets for a chain holding real value.

use crate::{governance::CouncilMaxMembers, AccountId, Balance, RuntimeGenesisConfig, UNIT};
use alloc::{vec, vec::Vec};
use frame_support::{build_struct_json_patch, BoundedVec};
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// The preset with four authorities.
pub const LOCAL_TESTNET_4_PRESET: &str = "local_testnet_4";

/// What every endowed development account starts with: one million DML.
pub const DEV_ENDOWMENT: Balance = 1_000_000 * UNIT;

/// Block time of the development presets, in milliseconds. Nodes may choose another at
/// genesis (`decentralml node --dev --block-time-ms 500`).
pub const DEV_SLOT_DURATION_MS: u64 = 1_000;

/// A genesis with the given validators, endowed accounts, council, sudo key and block time.
pub fn testnet_genesis(
	authorities: Vec<(AuraId, GrandpaId)>,
	endowed: Vec<AccountId>,
	council: Vec<AccountId>,
	sudo: Option<AccountId>,
	slot_duration_ms: u64,
) -> Value {
	let council: BoundedVec<AccountId, CouncilMaxMembers> = BoundedVec::truncate_from(council);
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: pallet_balances::GenesisConfig {
			balances: endowed
				.iter()
				.cloned()
				.map(|k| (k, DEV_ENDOWMENT))
				.collect::<Vec<_>>(),
		},
		aura: pallet_aura::GenesisConfig {
			authorities: authorities
				.iter()
				.map(|(aura, _)| aura.clone())
				.collect::<Vec<_>>(),
		},
		grandpa: pallet_grandpa::GenesisConfig {
			authorities: authorities
				.iter()
				.map(|(_, grandpa)| (grandpa.clone(), 1))
				.collect::<Vec<_>>(),
		},
		council_membership: pallet_membership::GenesisConfig { members: council },
		sudo: pallet_sudo::GenesisConfig { key: sudo },
		slot_duration: pallet_slot_duration::GenesisConfig { slot_duration_ms },
	})
}

/// Genesis of a development network with `validators` authorities taken from the
/// well-known keys in order (Alice, Bob, Charlie, …).
pub fn local_genesis(validators: usize, slot_duration_ms: u64) -> Value {
	// Both keyrings list the same names in the same order.
	let authorities = Sr25519Keyring::iter()
		.zip(Ed25519Keyring::iter())
		.take(validators)
		.map(|(sr, ed)| (sr.public().into(), ed.public().into()))
		.collect();
	let endowed = Sr25519Keyring::well_known()
		.map(|k| k.to_account_id())
		.collect();
	let council = [
		Sr25519Keyring::Alice,
		Sr25519Keyring::Bob,
		Sr25519Keyring::Charlie,
	]
	.map(|k| k.to_account_id())
	.to_vec();
	testnet_genesis(
		authorities,
		endowed,
		council,
		Some(Sr25519Keyring::Alice.to_account_id()),
		slot_duration_ms,
	)
}

/// The preset with the given id, as JSON bytes.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => local_genesis(1, DEV_SLOT_DURATION_MS),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_genesis(3, DEV_SLOT_DURATION_MS),
		LOCAL_TESTNET_4_PRESET => local_genesis(4, DEV_SLOT_DURATION_MS),
		_ => return None,
	};
	Some(
		serde_json::to_string(&patch)
			.expect("serialization to json is expected to work. qed.")
			.into_bytes(),
	)
}

/// The ids of the available presets.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
		PresetId::from(LOCAL_TESTNET_4_PRESET),
	]
}
