//! Balances and holds, backing stakes, licences and claimable licence revenue.

use super::{read, read_all};
use crate::{
	client::Client,
	convert,
	error::Result,
	runtime,
	types::{
		AccountBalance, AccountId, Asset, BackingPosition, Balance, Claimable, Hold, Jurisdiction,
		LicenceTermsView, LicenceView, TaskBacking, TaskId,
	},
};

/// Value units per unit of an asset are fixed point with 18 decimals (`FixedU128`).
const VALUATION_ONE: u128 = 1_000_000_000_000_000_000;

impl Client {
	/// `who`'s native (DML) balance with its holds by reason.
	pub async fn balance(&self, who: &AccountId) -> Result<AccountBalance> {
		let at = self.at_finalized().await?;
		let what = format!("the account of {who}");
		let info = read(&at, runtime::storage().system().account(), (*who,), &what).await?;
		let holds = read(&at, runtime::storage().balances().holds(), (*who,), &what)
			.await?
			.unwrap_or_default();
		let Some(info) = info else {
			return Ok(AccountBalance::default());
		};
		Ok(AccountBalance {
			free: info.data.free,
			reserved: info.data.reserved,
			frozen: info.data.frozen,
			holds: holds
				.iter()
				.map(|hold| Hold {
					reason: hold_reason_name(&format!("{:?}", hold.id)),
					amount: hold.amount,
				})
				.collect(),
		})
	}

	/// `who`'s balance of `asset` with its holds (the native balance for [`Asset::Native`]).
	pub async fn asset_balance(&self, asset: Asset, who: &AccountId) -> Result<AccountBalance> {
		let id = match asset {
			Asset::Native => return self.balance(who).await,
			Asset::Id(id) => id,
		};
		let at = self.at_finalized().await?;
		let what = format!("the asset {id} account of {who}");
		let account = read(
			&at,
			runtime::storage().assets().account(),
			(id, *who),
			&what,
		)
		.await?;
		let holds = read(
			&at,
			runtime::storage().assets_holder().holds(),
			(id, *who),
			&what,
		)
		.await?
		.unwrap_or_default();
		let holds: Vec<Hold> = holds
			.iter()
			.map(|hold| Hold {
				reason: hold_reason_name(&format!("{:?}", hold.id)),
				amount: hold.amount,
			})
			.collect();
		Ok(AccountBalance {
			free: account.map(|a| a.balance).unwrap_or_default(),
			reserved: holds.iter().map(|h| h.amount).sum(),
			frozen: 0,
			holds,
		})
	}

	/// `who`'s backing positions on `task`, one per asset.
	pub async fn stakes(&self, task: TaskId, who: &AccountId) -> Result<Vec<BackingPosition>> {
		let at = self.at_finalized().await?;
		let positions = read(
			&at,
			runtime::storage().backing().stakes(),
			(task, *who),
			&format!("the stakes of {who} on task {task}"),
		)
		.await?
		.unwrap_or_default();
		Ok(positions
			.iter()
			.map(|position| BackingPosition {
				asset: convert::asset_from_chain(&position.asset),
				active: position.active,
				unbonding: position.unbonding,
				unlock_at: position.unlock_at,
			})
			.collect())
	}

	/// `task`'s backing: counted stake per asset, backers and the stake's value at the
	/// governance valuations (native: one value unit per planck unless set otherwise; other
	/// assets: zero unless valued).
	pub async fn backing(&self, task: TaskId) -> Result<TaskBacking> {
		let at = self.at_finalized().await?;
		let backing = runtime::storage().backing();
		let what = format!("the backing of task {task}");
		let totals = read(&at, backing.task_totals(), (task,), &what)
			.await?
			.unwrap_or_default();
		let backers = read(&at, backing.backer_count(), (task,), &what)
			.await?
			.unwrap_or_default();
		let mut value: Balance = 0;
		let mut plain = Vec::with_capacity(totals.len());
		for (chain_asset, amount) in &totals {
			let asset = convert::asset_from_chain(chain_asset);
			let valuation = read(
				&at,
				backing.asset_valuation(),
				(chain_asset.clone(),),
				&format!("the valuation of {asset}"),
			)
			.await?
			.map(|fixed| fixed.0)
			.unwrap_or(if asset == Asset::Native {
				VALUATION_ONE
			} else {
				0
			});
			value = value.saturating_add(value_of(*amount, valuation));
			plain.push((asset, *amount));
		}
		Ok(TaskBacking {
			totals: plain,
			backers,
			value,
		})
	}

	/// `task`'s licence terms, if set.
	pub async fn licence_terms(&self, task: TaskId) -> Result<Option<LicenceTermsView>> {
		let at = self.at_finalized().await?;
		let terms = read(
			&at,
			runtime::storage().licensing().terms(),
			(task,),
			&format!("the licence terms of task {task}"),
		)
		.await?;
		Ok(terms.map(|versioned| {
			convert::licence_terms_from_chain(versioned.version, &versioned.terms)
		}))
	}

	/// `who`'s licence to `task`, if it ever bought one (check `expires_at` for validity).
	pub async fn licence(&self, task: TaskId, who: &AccountId) -> Result<Option<LicenceView>> {
		let at = self.at_finalized().await?;
		let licence = read(
			&at,
			runtime::storage().licensing().licences(),
			(task, *who),
			&format!("the licence of {who} to task {task}"),
		)
		.await?;
		Ok(licence.map(|licence| LicenceView {
			task: licence.task,
			holder: *who,
			expires_at: licence.expires_at,
			jurisdiction: Jurisdiction(licence.jurisdiction),
			terms_version: licence.terms_version,
		}))
	}

	/// Everything `who` can claim from licence-fee pots, per task and asset.
	pub async fn claimables(&self, who: &AccountId) -> Result<Vec<Claimable>> {
		let at = self.at_finalized().await?;
		let all = read_all(
			&at,
			runtime::storage().licensing().claimable(),
			(),
			"the claimable licence revenue",
		)
		.await?;
		Ok(all
			.into_iter()
			.filter(|((_, _, account), _)| account == who)
			.map(|((task, asset, _), amount)| Claimable {
				task,
				asset: convert::asset_from_chain(&asset),
				amount,
			})
			.collect())
	}
}

/// `amount × valuation`, with the valuation in 18-decimal fixed point, rounded down and
/// saturating.
fn value_of(amount: Balance, valuation: u128) -> Balance {
	// Split the valuation into whole and fractional parts so that nothing overflows below
	// u128::MAX results.
	let whole = valuation / VALUATION_ONE;
	let fraction = valuation % VALUATION_ONE;
	let from_whole = amount.saturating_mul(whole);
	let from_fraction = (amount / VALUATION_ONE).saturating_mul(fraction)
		+ (amount % VALUATION_ONE) * fraction / VALUATION_ONE;
	from_whole.saturating_add(from_fraction)
}

/// `Training(Bond)` → `Training::Bond`.
fn hold_reason_name(debug: &str) -> String {
	debug.replace('(', "::").replace(')', "")
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	#[test]
	fn hold_reasons_read_like_paths() {
		assert_eq!(hold_reason_name("Training(Bond)"), "Training::Bond");
		assert_eq!(hold_reason_name("Preimage(Preimage)"), "Preimage::Preimage");
	}

	#[test]
	fn valuations_scale_amounts() {
		assert_eq!(value_of(1_000, VALUATION_ONE), 1_000);
		assert_eq!(value_of(1_000, VALUATION_ONE / 2), 500);
		assert_eq!(value_of(1_000, 0), 0);
		// A third is stored rounded down (0.333…), so three of them stay below one: 6, not 7.
		assert_eq!(value_of(3, VALUATION_ONE * 2 + VALUATION_ONE / 3), 6);
		assert_eq!(value_of(3, VALUATION_ONE * 2 + VALUATION_ONE / 3 + 1), 7);
	}

	proptest! {
		#[test]
		fn value_is_the_exact_floor_when_it_fits(amount in 0u128..(1 << 60), valuation in 0u128..(1 << 66)) {
			let exact = amount * valuation / VALUATION_ONE;
			prop_assert_eq!(value_of(amount, valuation), exact);
		}
	}
}
