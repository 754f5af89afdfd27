//! Setting a task's licence terms.

use crate::{
	Config, Error, Event, LicenceTerms, LicensableTasks, Pallet, TaskId, TaskStage, Terms,
	VersionedTerms,
};
use frame_support::{pallet_prelude::*, traits::fungibles::Inspect};

impl<T: Config> Pallet<T> {
	/// Stores `terms` as `task`'s next version. `setter` is the signing owner, or `None` when
	/// the licensing origin acts (which may change the terms at any stage).
	pub(crate) fn do_set_terms(
		setter: Option<T::AccountId>,
		task: TaskId,
		terms: LicenceTerms<T>,
	) -> DispatchResult {
		let owner = T::Tasks::owner(task).ok_or(Error::<T>::UnknownTask)?;
		if let Some(who) = &setter {
			ensure!(*who == owner, Error::<T>::NotTaskOwner);
			// Licensees must be able to rely on terms that only governance can change.
			ensure!(
				T::Tasks::stage(task) == Some(TaskStage::Proposed),
				Error::<T>::TermsLocked
			);
		}
		terms.validate().map_err(Error::<T>::from)?;
		ensure!(
			T::Assets::asset_exists(terms.asset.clone()),
			Error::<T>::UnknownAsset
		);
		let version = Terms::<T>::get(task).map_or(1, |current| current.version.saturating_add(1));
		Terms::<T>::insert(task, VersionedTerms { version, terms });
		Self::deposit_event(Event::TermsSet {
			task,
			version,
			by: setter,
		});
		Ok(())
	}
}
