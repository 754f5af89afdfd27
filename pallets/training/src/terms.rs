//! Per-task terms that governance controls once a task is approved: who may join
//! (eligibility) and the score thresholds.
//!
//! While a task is `Proposed` its owner may still change them with a signed call; from
//! approval on only [`Config::TermsOrigin`] (eligibility) and [`Config::ThresholdsOrigin`]
//! (thresholds) may, and nobody once the task has finished. A change applies to later joins
//! and to consensus computed after it: participants keep their seats, and a round whose
//! consensus was already computed is settled with the thresholds it was judged by.

use crate::{
	Config, Eligibility, Error, Event, Pallet, ScoreThresholds, TaskId, TaskInfo, TaskStatus, Tasks,
};
use frame_support::{pallet_prelude::*, traits::EnsureOrigin};
use frame_system::{ensure_signed, pallet_prelude::OriginFor};

impl<T: Config> Pallet<T> {
	/// Replaces task `id`'s eligibility; `origin` is `Governance` or the owner (see the module
	/// docs).
	pub(crate) fn do_set_eligibility<Governance: EnsureOrigin<T::RuntimeOrigin>>(
		origin: OriginFor<T>,
		id: TaskId,
		eligibility: Eligibility<T>,
	) -> DispatchResult {
		let mut task = Self::task_with_changeable_terms::<Governance>(origin, id)?;
		eligibility.validate().map_err(Error::<T>::from)?;
		task.params.eligibility = eligibility;
		Tasks::<T>::insert(id, task);
		Self::deposit_event(Event::EligibilityChanged { task: id });
		Ok(())
	}

	/// Replaces task `id`'s acceptance and harm thresholds; `origin` is `Governance` or the
	/// owner (see the module docs).
	pub(crate) fn do_set_score_thresholds<Governance: EnsureOrigin<T::RuntimeOrigin>>(
		origin: OriginFor<T>,
		id: TaskId,
		thresholds: ScoreThresholds,
	) -> DispatchResult {
		let mut task = Self::task_with_changeable_terms::<Governance>(origin, id)?;
		thresholds.validate().map_err(Error::<T>::from)?;
		task.params.min_score = thresholds.min_score;
		task.params.harmful_score = thresholds.harmful_score;
		Tasks::<T>::insert(id, task);
		Self::deposit_event(Event::ScoreThresholdsChanged {
			task: id,
			min_score: thresholds.min_score,
			harmful_score: thresholds.harmful_score,
		});
		Ok(())
	}

	/// Loads task `id` and checks that `origin` may change its terms now.
	fn task_with_changeable_terms<Governance: EnsureOrigin<T::RuntimeOrigin>>(
		origin: OriginFor<T>,
		id: TaskId,
	) -> Result<TaskInfo<T>, DispatchError> {
		let task = crate::Tasks::<T>::get(id).ok_or(Error::<T>::TaskNotFound)?;
		if let Err(origin) = Governance::try_origin(origin) {
			let who = ensure_signed(origin)?;
			ensure!(who == task.owner, Error::<T>::NotTaskOwner);
			ensure!(
				task.status == TaskStatus::Proposed,
				Error::<T>::TermsGoverned
			);
		}
		ensure!(!task.status.is_finished(), Error::<T>::TaskFinished);
		Ok(task)
	}
}
