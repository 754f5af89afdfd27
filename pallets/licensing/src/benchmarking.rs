//! Benchmarks (frame-benchmarking v2) for every call.
//!
//! `buy_licence` is measured on its most expensive path: the first purchase (the pot is
//! opened), with `c` contributors and `b` backers to credit, each a new claimable entry.

use crate::*;
use alloc::{boxed::Box, vec};
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{
		fungibles::{Inspect, Mutate},
		Get,
	},
	BoundedVec,
};
use frame_system::RawOrigin;
use sp_runtime::{traits::One, Perbill, Saturating};

const SEED: u32 = 0;
/// Funds minted to benchmark buyers, in minimum balances.
const FUNDS: u32 = 1_000_000_000;

/// `count` minimum balances of `asset`: fees and funds scale with the runtime's existential
/// deposit, so no payment falls below it.
fn units<T: Config>(asset: &T::AssetKind, count: u32) -> BalanceOf<T> {
	T::Assets::minimum_balance(asset.clone())
		.max(One::one())
		.saturating_mul(count.into())
}

fn benchmark_terms<T: Config>(asset: T::AssetKind, jurisdictions: u32) -> LicenceTerms<T> {
	let fee_per_period = units::<T>(&asset, 1_000);
	let codes = (0..jurisdictions).map(|i| [b'A' + (i / 26 % 26) as u8, b'A' + (i % 26) as u8]);
	LicenceTerms {
		terms: BoundedVec::truncate_from(vec![9; T::MaxCidLen::get() as usize]),
		asset,
		fee_per_period,
		period: One::one(),
		contributors_share: Perbill::from_percent(50),
		backers_share: Perbill::from_percent(30),
		jurisdictions: (jurisdictions > 0)
			.then(|| BoundedVec::truncate_from(codes.collect::<alloc::vec::Vec<_>>())),
	}
}

fn funded<T: Config>(
	name: &'static str,
	index: u32,
	asset: &T::AssetKind,
) -> Result<T::AccountId, BenchmarkError> {
	let who: T::AccountId = account(name, index, SEED);
	T::Assets::mint_into(asset.clone(), &who, units::<T>(asset, FUNDS))
		.map_err(|_| BenchmarkError::Stop("cannot mint the fee asset"))?;
	Ok(who)
}

/// A licensable task whose terms allow `AA`, with a claimable balance for its owner.
fn licensable_task<T: Config>(
	asset: &T::AssetKind,
) -> Result<(T::AccountId, TaskId), BenchmarkError> {
	let owner: T::AccountId = account("owner", 0, SEED);
	let task = T::BenchmarkHelper::create_task(&owner, TaskStage::Licensable);
	Pallet::<T>::do_set_terms(None, task, benchmark_terms::<T>(asset.clone(), 1))
		.map_err(|_| BenchmarkError::Stop("cannot set the benchmark terms"))?;
	Ok((owner, task))
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// The owner's path: it also checks ownership and the task's stage.
	#[benchmark]
	fn set_terms(j: Linear<1, { T::MaxJurisdictions::get() }>) -> Result<(), BenchmarkError> {
		let asset = T::BenchmarkHelper::fee_asset();
		let owner: T::AccountId = account("owner", 0, SEED);
		let task = T::BenchmarkHelper::create_task(&owner, TaskStage::Proposed);
		Pallet::<T>::do_set_terms(None, task, benchmark_terms::<T>(asset.clone(), 1))
			.map_err(|_| BenchmarkError::Stop("cannot set the first terms"))?;
		let terms = benchmark_terms::<T>(asset, j);

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), task, Box::new(terms));

		assert_eq!(Terms::<T>::get(task).map(|stored| stored.version), Some(2));
		Ok(())
	}

	#[benchmark]
	fn buy_licence(
		c: Linear<0, { T::MaxContributors::get() }>,
		b: Linear<0, { MaxBackersOf::<T::Backers, T::AccountId>::get() }>,
	) -> Result<(), BenchmarkError> {
		let asset = T::BenchmarkHelper::fee_asset();
		let (_, task) = licensable_task::<T>(&asset)?;
		for i in 0..c {
			let who: T::AccountId = account("contributor", i, SEED);
			T::BenchmarkHelper::add_contributor(task, &who, (1_000 + i).into());
		}
		for i in 0..b {
			let who: T::AccountId = account("backer", i, SEED);
			T::BenchmarkHelper::add_backer(task, &who);
		}
		let buyer = funded::<T>("buyer", 0, &asset)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(buyer.clone()), task, 1, *b"AA");

		assert!(Pallet::<T>::licence_valid(
			task,
			&buyer,
			frame_system::Pallet::<T>::block_number()
		));
		Ok(())
	}

	/// A claim that leaves other claims owed, so the owed total is rewritten, not removed.
	#[benchmark]
	fn claim() -> Result<(), BenchmarkError> {
		let asset = T::BenchmarkHelper::fee_asset();
		let (owner, task) = licensable_task::<T>(&asset)?;
		// The owner already has an account in the asset, so any amount can be paid to it.
		T::Assets::mint_into(asset.clone(), &owner, units::<T>(&asset, FUNDS))
			.map_err(|_| BenchmarkError::Stop("cannot mint the fee asset"))?;
		let contributor: T::AccountId = account("contributor", 0, SEED);
		T::BenchmarkHelper::add_contributor(task, &contributor, 1_000u32.into());
		let buyer = funded::<T>("buyer", 0, &asset)?;
		Pallet::<T>::do_buy_licence(&buyer, task, 1, *b"AA")
			.map_err(|_| BenchmarkError::Stop("cannot buy the benchmark licence"))?;

		#[extrinsic_call]
		_(RawOrigin::Signed(owner.clone()), task, asset.clone());

		assert!(Claimable::<T>::get((task, asset.clone(), owner)).is_none());
		assert!(Owed::<T>::get(task, asset).is_some());
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
