//! Benchmarks (frame-benchmarking v2) for every call.
//!
//! Component `a`: the positions the caller already holds on the task, each in its own asset;
//! the task's totals hold the same assets. Both lists are decoded and rewritten whole, so
//! they are the part of the cost that grows.

use crate::*;
use frame_benchmarking::v2::*;
use frame_support::traits::{fungibles::Mutate, EnsureOrigin, Get};
use frame_system::RawOrigin;
use sp_runtime::{traits::One, FixedU128, Saturating};

const SEED: u32 = 0;
/// Funds minted to the benchmark backer in every asset.
const FUNDS: u32 = 1_000_000_000;
/// Stake per position.
const STAKE: u32 = 1_000_000;

/// A backer of a fresh backable task with positions in `a` assets; returns the backer, the
/// task and an asset it has no position in yet.
fn backer_with_positions<T: Config>(
	a: u32,
) -> Result<(T::AccountId, TaskId, T::AssetKind), BenchmarkError> {
	let task = T::BenchmarkHelper::backable_task();
	let who: T::AccountId = account("backer", 0, SEED);
	for index in 0..=a {
		let asset = T::BenchmarkHelper::create_asset(index);
		T::Assets::mint_into(asset.clone(), &who, FUNDS.into())
			.map_err(|_| BenchmarkError::Stop("cannot mint a benchmark asset"))?;
		// Valued, so that reads of the valuation are part of the measurement.
		AssetValuation::<T>::insert(&asset, FixedU128::one());
	}
	for index in 0..a {
		let asset = T::BenchmarkHelper::create_asset(index);
		Pallet::<T>::do_stake(&who, task, asset, STAKE.into())
			.map_err(|_| BenchmarkError::Stop("cannot stake in the benchmark setup"))?;
	}
	Ok((who, task, T::BenchmarkHelper::create_asset(a)))
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// Worst case: a new position next to `a` others, and a new entry in the task totals.
	#[benchmark]
	fn stake(
		a: Linear<0, { T::MaxAssetsPerTask::get().saturating_sub(1) }>,
	) -> Result<(), BenchmarkError> {
		let (who, task, asset) = backer_with_positions::<T>(a)?;

		#[extrinsic_call]
		_(
			RawOrigin::Signed(who.clone()),
			task,
			asset.clone(),
			STAKE.into(),
		);

		let positions = Stakes::<T>::get(task, &who).ok_or(BenchmarkError::Stop("no stake"))?;
		assert_eq!(positions.len() as u32, a + 1);
		Ok(())
	}

	/// Unstakes from the last of `a` positions.
	#[benchmark]
	fn unstake(a: Linear<1, { T::MaxAssetsPerTask::get() }>) -> Result<(), BenchmarkError> {
		let (who, task, _) = backer_with_positions::<T>(a)?;
		let asset = T::BenchmarkHelper::create_asset(a - 1);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), task, asset, STAKE.into());

		assert_eq!(
			Pallet::<T>::backing_value(task),
			u128::from(STAKE) * u128::from(a - 1)
		);
		Ok(())
	}

	/// Worst case: the whole position is withdrawn after its cool-down, so it is removed and
	/// the account's position count changes.
	#[benchmark]
	fn withdraw(a: Linear<1, { T::MaxAssetsPerTask::get() }>) -> Result<(), BenchmarkError> {
		let (who, task, _) = backer_with_positions::<T>(a)?;
		let asset = T::BenchmarkHelper::create_asset(a - 1);
		Pallet::<T>::do_unstake(&who, task, asset.clone(), STAKE.into())
			.map_err(|_| BenchmarkError::Stop("cannot unstake in the benchmark setup"))?;
		let now = frame_system::Pallet::<T>::block_number();
		frame_system::Pallet::<T>::set_block_number(now.saturating_add(T::UnstakeCooldown::get()));

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), task, asset);

		assert_eq!(StakeCount::<T>::get(&who), a - 1);
		Ok(())
	}

	#[benchmark]
	fn set_valuation() -> Result<(), BenchmarkError> {
		let origin =
			T::ValuationOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let asset = T::BenchmarkHelper::create_asset(0);
		let value = FixedU128::from_rational(3, 2);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, asset.clone(), value);

		assert_eq!(AssetValuation::<T>::get(asset), Some(value));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
