//! Every genesis preset builds a valid initial state with the validators, accounts and block
//! time it promises.

use decentralml_runtime::{
	genesis_config_presets::{self as presets, DEV_ENDOWMENT, DEV_SLOT_DURATION_MS},
	Runtime, RuntimeGenesisConfig,
};
use frame_support::genesis_builder_helper::{build_state, get_preset};
use serde_json::Value;
use sp_keyring::Sr25519Keyring;

/// Overlays `patch` on `base`, as the node does with a preset over the default config.
fn merge(base: &mut Value, patch: Value) {
	match (base, patch) {
		(Value::Object(base), Value::Object(patch)) => {
			for (key, value) in patch {
				merge(base.entry(key).or_insert(Value::Null), value);
			}
		}
		(base, patch) => *base = patch,
	}
}

fn genesis_of(preset: &str) -> sp_io::TestExternalities {
	let default = get_preset::<RuntimeGenesisConfig>(&None, |_| None).expect("default config");
	let mut config: Value = serde_json::from_slice(&default).unwrap();
	let patch = presets::get_preset(&preset.into()).unwrap_or_else(|| panic!("preset {preset}"));
	merge(&mut config, serde_json::from_slice(&patch).unwrap());
	let mut ext = sp_io::TestExternalities::new_empty();
	ext.execute_with(|| {
		build_state::<RuntimeGenesisConfig>(serde_json::to_vec(&config).unwrap())
			.unwrap_or_else(|e| panic!("preset {preset} does not build: {e}"))
	});
	ext
}

fn check_validators(preset: &str, expected: usize) {
	genesis_of(preset).execute_with(|| {
		let aura = pallet_aura::Authorities::<Runtime>::get();
		assert_eq!(aura.len(), expected, "{preset}: Aura authorities");
		let grandpa = pallet_grandpa::Pallet::<Runtime>::grandpa_authorities();
		assert_eq!(grandpa.len(), expected, "{preset}: GRANDPA authorities");
		assert!(
			grandpa.iter().all(|(_, weight)| *weight == 1),
			"{preset}: equal voting weights"
		);
		assert_eq!(
			pallet_slot_duration::Pallet::<Runtime>::slot_duration_ms(),
			DEV_SLOT_DURATION_MS,
			"{preset}: block time"
		);
		let alice = Sr25519Keyring::Alice.to_account_id();
		assert_eq!(
			pallet_balances::Pallet::<Runtime>::free_balance(&alice),
			DEV_ENDOWMENT
		);
		assert_eq!(
			pallet_sudo::Key::<Runtime>::get(),
			Some(alice),
			"{preset}: sudo key"
		);
	});
}

#[test]
fn development_has_one_validator() {
	check_validators("development", 1);
}

#[test]
fn local_testnet_has_three_validators() {
	check_validators("local_testnet", 3);
}

#[test]
fn local_testnet_4_has_four_validators() {
	check_validators(presets::LOCAL_TESTNET_4_PRESET, 4);
}

#[test]
fn every_listed_preset_exists() {
	for name in presets::preset_names() {
		assert!(
			presets::get_preset(&name).is_some(),
			"listed preset {name} is missing"
		);
	}
	assert!(presets::get_preset(&"no-such-preset".into()).is_none());
}

#[test]
fn block_time_is_chosen_at_genesis() {
	let patch = presets::local_genesis(1, 250);
	assert_eq!(patch["slotDuration"]["slotDurationMs"], 250);
}
