//! The bounded active set of running tasks and the queue of approved tasks waiting for a slot.
//!
//! At most [`Config::MaxActiveTasks`] tasks run rounds at once ([`ActiveTasks`]). An approved
//! or resumed task enters the active set if it has room and otherwise waits in
//! [`QueuedTasks`] (at most [`Config::MaxQueuedTasks`]). A task leaves the active set when it
//! completes, is cancelled or is paused; the queued task with the highest
//! [`Config::Priority`] (ties: lowest id) then takes the slot. Running tasks are never
//! preempted. While the protocol is paused nothing is activated: the unpause fills the slots.

use crate::{
	priority::{activation_order, TaskPriority},
	ActiveTasks, Config, Error, Event, Pallet, ProtocolPaused, QueuedTasks, TaskId, TaskInfo,
	TaskStatus, Tasks, WeightInfo,
};
use alloc::vec::Vec;
use frame_support::{pallet_prelude::*, traits::Get};

/// Where an approved or resumed task went.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Admission {
	/// Into the active set.
	Active,
	/// Into the queue.
	Queued,
}

/// What filling the active set's free slots did, for the weight.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub(crate) struct Activation {
	/// Queued tasks whose priority was read.
	pub scanned: u32,
	/// Queued tasks moved into the active set.
	pub activated: u32,
}

impl<T: Config> Pallet<T> {
	/// How many tasks the active set can still take.
	pub(crate) fn free_slots() -> u32 {
		let active = ActiveTasks::<T>::decode_len().unwrap_or(0) as u32;
		T::MaxActiveTasks::get().saturating_sub(active)
	}

	/// Admits an approved or resumed task: into the active set if it has room (the next round
	/// starts at the next block, unless a settlement that began earlier still runs), else into
	/// the queue. Fails with `QueueFull` when both are full.
	pub(crate) fn admit(id: TaskId, task: &mut TaskInfo<T>) -> Result<Admission, DispatchError> {
		if Self::free_slots() > 0 {
			if task.next_due.is_none() {
				Self::ensure_schedulable()?;
				Self::schedule(id, task, Self::next_block())?;
			}
			ActiveTasks::<T>::try_append(id).map_err(|_| Error::<T>::BoundExceeded)?;
			task.status = TaskStatus::Active;
			Ok(Admission::Active)
		} else {
			QueuedTasks::<T>::try_append(id).map_err(|_| Error::<T>::QueueFull)?;
			task.status = TaskStatus::Queued;
			Ok(Admission::Queued)
		}
	}

	/// Moves a task into the active set from the hook or the unpause, where failure cannot be
	/// returned: false if the set is full. A task that cannot be scheduled is reported with
	/// `SchedulingFailed` (governance pauses and resumes it).
	pub(crate) fn activate(id: TaskId, task: &mut TaskInfo<T>) -> bool {
		if ActiveTasks::<T>::try_append(id).is_err() {
			return false;
		}
		task.status = TaskStatus::Active;
		if task.next_due.is_none() {
			Self::schedule_or_report(id, task, Self::next_block());
		}
		true
	}

	/// Removes `id` from the active set, if it is there.
	pub(crate) fn leave_active_set(id: TaskId) {
		ActiveTasks::<T>::mutate(|active| active.retain(|task| *task != id));
	}

	/// Removes `id` from the queue, if it is there.
	pub(crate) fn leave_queue(id: TaskId) {
		QueuedTasks::<T>::mutate(|queued| queued.retain(|task| *task != id));
	}

	/// Fills the active set's free slots from the queue, best priority first. Does nothing
	/// while the protocol is paused.
	pub(crate) fn fill_free_slots() -> Activation {
		let free = Self::free_slots();
		if ProtocolPaused::<T>::get() || free == 0 {
			return Activation::default();
		}
		let queued = QueuedTasks::<T>::get();
		let candidates: Vec<(TaskId, u128)> = queued
			.iter()
			.map(|id| (*id, T::Priority::priority(*id)))
			.collect();
		let mut activation = Activation {
			scanned: queued.len() as u32,
			activated: 0,
		};
		for id in activation_order(candidates, free as usize) {
			let Some(mut task) = Tasks::<T>::get(id) else {
				// Cancelling a task takes it out of the queue, so queued tasks exist.
				Self::leave_queue(id);
				continue;
			};
			if !Self::activate(id, &mut task) {
				// At most `free` tasks were chosen, so the set has room for each.
				break;
			}
			Self::leave_queue(id);
			Tasks::<T>::insert(id, task);
			activation.activated = activation.activated.saturating_add(1);
			Self::deposit_event(Event::TaskActivated { task: id });
		}
		activation
	}

	/// The weight of filling up to `activated` slots from a queue of `scanned` tasks: one
	/// ranking pass and one activation (`activate_queued(scanned)`), plus each further
	/// activation bounded by `activate_queued(1)`.
	pub(crate) fn fill_weight(scanned: u32, activated: u32) -> Weight {
		T::WeightInfo::activate_queued(scanned).saturating_add(
			T::WeightInfo::activate_queued(1).saturating_mul(activated.saturating_sub(1).into()),
		)
	}
}
