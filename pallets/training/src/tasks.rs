//! Task proposal and the governance calls: approve, pause, resume, cancel.

use crate::{
	active_set::{Activation, Admission},
	Config, Error, Event, HaltedTasks, NextTaskId, Pallet, Rounds, TaskId, TaskInfo, TaskParams,
	TaskStatus, Tasks,
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

	/// Approves a proposed task: into the active set if it has room (first round at the next
	/// block), else into the queue.
	pub(crate) fn do_approve(id: TaskId) -> DispatchResult {
		Self::ensure_protocol_running()?;
		let mut task = Tasks::<T>::get(id).ok_or(Error::<T>::TaskNotFound)?;
		ensure!(task.status == TaskStatus::Proposed, Error::<T>::NotProposed);
		let admission = Self::admit(id, &mut task)?;
		Tasks::<T>::insert(id, task);
		Self::deposit_event(Event::TaskApproved { task: id });
		if admission == Admission::Queued {
			Self::deposit_event(Event::TaskQueued { task: id });
		}
		Ok(())
	}

	/// Pauses an active task, which leaves the active set to the best queued task. Returns the
	/// aborted round's trainer count and the activation (for the weight).
	pub(crate) fn do_pause(id: TaskId) -> Result<(u32, Activation), DispatchError> {
		let mut task = Tasks::<T>::get(id).ok_or(Error::<T>::TaskNotFound)?;
		ensure!(task.status == TaskStatus::Active, Error::<T>::NotActive);
		let settling = Rounds::<T>::get(id).is_some_and(|round| round.phase.is_settling());
		let trainers = if settling {
			// Settlement finishes on its own schedule; the round closes without a successor.
			0
		} else {
			Self::unschedule(id, &mut task);
			Self::abort_round(id, &mut task)
		};
		task.status = TaskStatus::Paused;
		Self::leave_active_set(id);
		Tasks::<T>::insert(id, task);
		Self::deposit_event(Event::TaskPaused { task: id });
		Ok((trainers, Self::fill_free_slots()))
	}

	/// Resumes a paused task: into the active set if it has room, else into the queue. In the
	/// active set a new round starts at the next block unless a settlement that began before
	/// the pause is still running.
	pub(crate) fn do_resume(id: TaskId) -> DispatchResult {
		Self::ensure_protocol_running()?;
		let mut task = Tasks::<T>::get(id).ok_or(Error::<T>::TaskNotFound)?;
		ensure!(task.status == TaskStatus::Paused, Error::<T>::NotPaused);
		let admission = Self::admit(id, &mut task)?;
		Tasks::<T>::insert(id, task);
		Self::deposit_event(match admission {
			Admission::Active => Event::TaskResumed { task: id },
			Admission::Queued => Event::TaskQueued { task: id },
		});
		Ok(())
	}

	/// Cancels a task; an active one leaves its slot to the best queued task. Returns the
	/// aborted round's trainer count and the activation (for the weight).
	pub(crate) fn do_cancel(id: TaskId) -> Result<(u32, Activation), DispatchError> {
		let mut task = Tasks::<T>::get(id).ok_or(Error::<T>::TaskNotFound)?;
		ensure!(!task.status.is_finished(), Error::<T>::TaskFinished);
		Self::unschedule(id, &mut task);
		let trainers = Self::abort_round(id, &mut task);
		let refunded = Self::refund_pool(id, &mut task);
		Self::clear_rosters(id, &mut task);
		match task.status {
			TaskStatus::Active => Self::leave_active_set(id),
			TaskStatus::Queued => Self::leave_queue(id),
			TaskStatus::Paused => {
				HaltedTasks::<T>::mutate(|halted| halted.retain(|task| *task != id))
			}
			TaskStatus::Proposed | TaskStatus::Completed | TaskStatus::Cancelled => {}
		}
		task.status = TaskStatus::Cancelled;
		Tasks::<T>::insert(id, task);
		Self::deposit_event(Event::TaskCancelled { task: id, refunded });
		Ok((trainers, Self::fill_free_slots()))
	}

	/// The block after the current one.
	pub(crate) fn next_block() -> BlockNumberFor<T> {
		frame_system::Pallet::<T>::block_number().saturating_add(One::one())
	}
}
