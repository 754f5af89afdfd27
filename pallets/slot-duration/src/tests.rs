use crate::{self as pallet_slot_duration, *};
use frame_support::{derive_impl, traits::Get};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		SlotDuration: pallet_slot_duration,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

impl Config for Test {}

fn build(slot_duration_ms: u64) -> sp_io::TestExternalities {
	RuntimeGenesisConfig {
		system: Default::default(),
		slot_duration: pallet_slot_duration::GenesisConfig {
			slot_duration_ms,
			..Default::default()
		},
	}
	.build_storage()
	.expect("genesis builds")
	.into()
}

#[test]
fn genesis_value_is_used() {
	build(500).execute_with(|| {
		assert_eq!(SlotDuration::slot_duration_ms(), 500);
		assert_eq!(<SlotDurationOf<Test> as Get<u64>>::get(), 500);
		SlotDuration::do_try_state().unwrap();
	});
}

#[test]
fn zero_means_default() {
	build(0).execute_with(|| {
		assert_eq!(SlotDuration::slot_duration_ms(), DEFAULT_SLOT_DURATION_MS);
	});
}

#[test]
#[should_panic(expected = "below the minimum")]
fn too_short_genesis_is_refused() {
	let _ = build(MIN_SLOT_DURATION_MS - 1);
}
