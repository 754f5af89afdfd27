//! Money: transfers, assets, backing stakes and licences.

use crate::{
	client::{Client, Receipt},
	convert,
	error::{ClientError, Result},
	runtime::{self, backing::events as backing_events, licensing::events as licensing_events},
	types::{
		AccountId, Asset, Balance, BlockNumber, ContentId, Jurisdiction, LicencePurchase,
		LicenceTermsSpec, LicenceView, TaskId,
	},
};

impl Client {
	/// Transfers `amount` DML to `to`, keeping the sender's account alive.
	pub async fn transfer(&self, to: &AccountId, amount: Balance) -> Result<Receipt> {
		let call = runtime::transactions()
			.balances()
			.transfer_keep_alive((*to).into(), amount);
		self.submit(&call).await
	}

	/// Creates Assets-pallet asset `id` with the signer as owner, `admin` as admin and the
	/// given minimum balance (which must be positive).
	pub async fn create_asset(
		&self,
		id: u32,
		admin: &AccountId,
		min_balance: Balance,
	) -> Result<Receipt> {
		if min_balance == 0 {
			return Err(ClientError::invalid(
				"minimum balance",
				format!("asset {id} needs a positive minimum balance"),
			));
		}
		let call = runtime::transactions()
			.assets()
			.create(id, (*admin).into(), min_balance);
		self.submit(&call).await
	}

	/// Mints `amount` of asset `id` to `to` (the signer must be the asset's issuer).
	pub async fn mint_asset(&self, id: u32, to: &AccountId, amount: Balance) -> Result<Receipt> {
		let call = runtime::transactions()
			.assets()
			.mint(id, (*to).into(), amount);
		self.submit(&call).await
	}

	/// Stakes `amount` of `asset` on `task`; it counts for the task's priority and revenue at
	/// once and stays held until withdrawn.
	pub async fn stake(&self, task: TaskId, asset: Asset, amount: Balance) -> Result<Receipt> {
		let call =
			runtime::transactions()
				.backing()
				.stake(task, convert::asset_to_chain(asset), amount);
		let receipt = self.submit(&call).await?;
		receipt.expect_event::<backing_events::Staked>()?;
		Ok(receipt)
	}

	/// Stops `amount` of the signer's stake counting; returns the block from which it can be
	/// withdrawn.
	pub async fn unstake(
		&self,
		task: TaskId,
		asset: Asset,
		amount: Balance,
	) -> Result<BlockNumber> {
		let call =
			runtime::transactions()
				.backing()
				.unstake(task, convert::asset_to_chain(asset), amount);
		let receipt = self.submit(&call).await?;
		Ok(receipt
			.expect_event::<backing_events::Unstaked>()?
			.unlock_at)
	}

	/// Releases the signer's unstaked (or, once the task ended, whole) stake in `asset` on
	/// `task`; returns the amount released.
	pub async fn withdraw_stake(&self, task: TaskId, asset: Asset) -> Result<Balance> {
		let call = runtime::transactions()
			.backing()
			.withdraw(task, convert::asset_to_chain(asset));
		let receipt = self.submit(&call).await?;
		Ok(receipt.expect_event::<backing_events::Withdrawn>()?.amount)
	}

	/// Sets `task`'s licence terms as its owner, while the task is still proposed (later only
	/// the licensing track may: [`crate::GovernanceCall::SetLicenceTerms`]). Returns the new
	/// terms version.
	pub async fn set_licence_terms(&self, task: TaskId, terms: &LicenceTermsSpec) -> Result<u32> {
		let call = runtime::transactions()
			.licensing()
			.set_terms(task, convert::licence_terms_to_chain(terms));
		let receipt = self.submit(&call).await?;
		Ok(receipt
			.expect_event::<licensing_events::TermsSet>()?
			.version)
	}

	/// Buys (or extends) a licence to `task`'s model for `periods` periods in `jurisdiction`.
	pub async fn buy_licence(
		&self,
		task: TaskId,
		periods: u32,
		jurisdiction: Jurisdiction,
	) -> Result<LicencePurchase> {
		let call = runtime::transactions()
			.licensing()
			.buy_licence(task, periods, jurisdiction.0);
		let receipt = self.submit(&call).await?;
		let bought = receipt.expect_event::<licensing_events::LicenceBought>()?;
		Ok(LicencePurchase {
			licence: LicenceView {
				task: bought.task,
				holder: bought.buyer,
				expires_at: bought.expires_at,
				jurisdiction: Jurisdiction(bought.jurisdiction),
				terms_version: bought.terms_version,
			},
			model: ContentId(bought.model),
			asset: convert::asset_from_chain(&bought.asset),
			fee: bought.fee,
			contributors: bought.contributors,
			backers: bought.backers,
			owner: bought.owner,
		})
	}

	/// Claims everything the signer can claim in `asset` from `task`'s licence-fee pot;
	/// returns the amount paid.
	pub async fn claim(&self, task: TaskId, asset: Asset) -> Result<Balance> {
		let call = runtime::transactions()
			.licensing()
			.claim(task, convert::asset_to_chain(asset));
		let receipt = self.submit(&call).await?;
		Ok(receipt.expect_event::<licensing_events::Claimed>()?.amount)
	}
}
