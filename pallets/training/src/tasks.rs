//! Task proposal and the governance calls: approve, pause, resume, cancel.

use crate::{
	Config, Error, Event, NextTaskId, Pallet, Rounds, TaskId, TaskInfo, TaskParams, TaskStatus,
	Tasks,
};
use frame_support::{pallet_prelude::*, traits::fungibles::Inspect};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{traits::One, Saturating};

impl<T: Config> Pallet<T> {
	/// Validates `params`, funds the pool and stores the task as proposed.
	pub(crate) fn do_propose(owner: T::AccountId, params: TaskParams<T>) -> DispatchResult {
		params.validate().map_err(Error::<T>::from)?;
		// The pool keeps the asset's minimum balance to stay alive; the rest must cover a round.
		let minimum = T::Assets::minimum_balance(params.asset.clone());
		ensure!(
			params.pool_deposit.saturating_sub(minimum) >= params.budget_per_round,
			Error::<T>::DepositBelowBudget
		);
		let id = NextTaskId::<T>::get();
		let next = id.checked_add(1).ok_or(Error::<T>::TaskIdOverflow)?;
		Self::fund_pool(id, &params.asset, &owner, params.pool_deposit)?;
		let task = TaskInfo {
			owner: owner.clone(),
			status: TaskStatus::Proposed,
			pool: params.pool_deposit,
			model: params.initial_model.clone(),
			model_state: None,
			next_round: 0,
			closed_rounds: 0,
			next_due: None,
			roster: Default::default(),
			params,
		};
		Self::deposit_event(Event::TaskProposed {
			task: id,
			owner,
			asset: task.params.asset.clone(),
			pool: task.pool,
		});
		Tasks::<T>::insert(id, task);
		NextTaskId::<T>::put(next);
		Ok(())
	}

	/// Activates a proposed task and schedules its first round for the next block.
	pub(crate) fn do_approve(id: TaskId) -> DispatchResult {
		let mut task = Tasks::<T>::get(id).ok_or(Error::<T>::TaskNotFound)?;
		ensure!(task.status == TaskStatus::Proposed, Error::<T>::NotProposed);
		Self::ensure_schedulable()?;
		task.status = TaskStatus::Active;
		Self::schedule(id, &mut task, Self::next_block())?;
		Tasks::<T>::insert(id, task);
		Self::deposit_event(Event::TaskApproved { task: id });
		Ok(())
	}

	/// Pauses an active task; returns the aborted round's trainer count (for the weight).
	pub(crate) fn do_pause(id: TaskId) -> Result<u32, DispatchError> {
		let mut task = Tasks::<T>::get(id).ok_or(Error::<T>::TaskNotFound)?;
		ensure!(task.status == TaskStatus::Active, Error::<T>::NotActive);
		let settling = Rounds::<T>::get(id).is_some_and(|round| round.phase.is_settling());
		let trainers = if settling {
			// Settlement finishes on its own schedule; the round closes without a successor.
			0
		} else {
			Self::unschedule(id, &mut task);
			Self::abort_round(id)
		};
		task.status = TaskStatus::Paused;
		Tasks::<T>::insert(id, task);
		Self::deposit_event(Event::TaskPaused { task: id });
		Ok(trainers)
	}

	/// Resumes a paused task; a new round starts at the next block unless a settlement that
	/// began before the pause is still running.
	pub(crate) fn do_resume(id: TaskId) -> DispatchResult {
		let mut task = Tasks::<T>::get(id).ok_or(Error::<T>::TaskNotFound)?;
		ensure!(task.status == TaskStatus::Paused, Error::<T>::NotPaused);
		if task.next_due.is_none() {
			Self::ensure_schedulable()?;
			Self::schedule(id, &mut task, Self::next_block())?;
		}
		task.status = TaskStatus::Active;
		Tasks::<T>::insert(id, task);
		Self::deposit_event(Event::TaskResumed { task: id });
		Ok(())
	}

	/// Cancels a task; returns the aborted round's trainer count (for the weight).
	pub(crate) fn do_cancel(id: TaskId) -> Result<u32, DispatchError> {
		let mut task = Tasks::<T>::get(id).ok_or(Error::<T>::TaskNotFound)?;
		ensure!(!task.status.is_finished(), Error::<T>::TaskFinished);
		Self::unschedule(id, &mut task);
		let trainers = Self::abort_round(id);
		let refunded = Self::refund_pool(id, &mut task);
		Self::clear_rosters(id, &mut task);
		task.status = TaskStatus::Cancelled;
		Tasks::<T>::insert(id, task);
		Self::deposit_event(Event::TaskCancelled { task: id, refunded });
		Ok(trainers)
	}

	/// The block after the current one.
	pub(crate) fn next_block() -> BlockNumberFor<T> {
		frame_system::Pallet::<T>::block_number().saturating_add(One::one())
	}
}
