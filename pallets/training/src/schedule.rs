//! The due-queue: which task advances at which block, and the hook that drains it.
//!
//! Each task with a pending transition has exactly one entry in [`DueAt`], at the block stored
//! in its `next_due`. `on_initialize` takes the current block's entries and advances each task
//! by one transition while the weight stays within [`Config::MaxHookWeight`]; the first due
//! task always advances so that none can starve, and the rest are deferred to the next block.
//! Scheduling at a full block takes the next block with room; because at most
//! `MaxDuePerBlock × SCHEDULE_WINDOW` tasks are ever scheduled, a free slot always exists
//! within [`SCHEDULE_WINDOW`] blocks of the requested one.

use crate::{
	Config, DueAt, Error, Event, Pallet, Phase, ProtocolPaused, RoundState, Rounds, ScheduledCount,
	TaskId, TaskInfo, Tasks, WeightInfo, SCHEDULE_WINDOW,
};
use frame_support::{pallet_prelude::*, traits::Get};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{traits::One, Saturating};

impl<T: Config> Pallet<T> {
	/// How many tasks may be scheduled at once.
	pub(crate) fn schedule_capacity() -> u32 {
		T::MaxDuePerBlock::get().saturating_mul(SCHEDULE_WINDOW)
	}

	/// Fails if scheduling one more task could leave the due-queue without room.
	pub(crate) fn ensure_schedulable() -> Result<(), Error<T>> {
		ensure!(
			ScheduledCount::<T>::get() < Self::schedule_capacity(),
			Error::<T>::TooManyScheduledTasks
		);
		Ok(())
	}

	/// The first block from `at` whose due list has room, within the search window.
	fn free_slot(at: BlockNumberFor<T>) -> Option<BlockNumberFor<T>> {
		let mut block = at;
		for _ in 0..SCHEDULE_WINDOW {
			let queued = DueAt::<T>::decode_len(block).unwrap_or(0);
			if queued < T::MaxDuePerBlock::get() as usize {
				return Some(block);
			}
			block = block.saturating_add(One::one());
		}
		None
	}

	/// (Re)schedules `task` to advance at `at`, or at the first later block with room.
	///
	/// On failure the task keeps its previous schedule.
	pub(crate) fn schedule(
		id: TaskId,
		task: &mut TaskInfo<T>,
		at: BlockNumberFor<T>,
	) -> Result<BlockNumberFor<T>, Error<T>> {
		let block = Self::free_slot(at).ok_or(Error::<T>::TooManyScheduledTasks)?;
		Self::unschedule(id, task);
		DueAt::<T>::try_mutate(block, |due| due.try_push(id))
			.map_err(|_| Error::<T>::TooManyScheduledTasks)?;
		task.next_due = Some(block);
		ScheduledCount::<T>::mutate(|count| *count = count.saturating_add(1));
		Ok(block)
	}

	/// Schedules from a hook transition, where failure cannot be returned: it is reported.
	pub(crate) fn schedule_or_report(id: TaskId, task: &mut TaskInfo<T>, at: BlockNumberFor<T>) {
		if Self::schedule(id, task, at).is_err() {
			Self::deposit_event(Event::SchedulingFailed { task: id });
		}
	}

	/// Removes `task`'s entry from the due-queue, if any.
	pub(crate) fn unschedule(id: TaskId, task: &mut TaskInfo<T>) {
		if let Some(block) = task.next_due.take() {
			DueAt::<T>::mutate_exists(block, |due| {
				if let Some(list) = due {
					list.retain(|queued| *queued != id);
					if list.is_empty() {
						*due = None;
					}
				}
			});
			ScheduledCount::<T>::mutate(|count| *count = count.saturating_sub(1));
		}
	}

	/// Ends the current phase at the next block (everyone expected has acted).
	pub(crate) fn end_phase_early(id: TaskId, now: BlockNumberFor<T>) {
		if let Some(mut task) = Tasks::<T>::get(id) {
			let next = now.saturating_add(One::one());
			if task.next_due != Some(next) && Self::schedule(id, &mut task, next).is_ok() {
				Tasks::<T>::insert(id, task);
			}
		}
	}

	/// `on_initialize`: advances the tasks due at `now` within the hook's weight budget.
	pub(crate) fn process_due(now: BlockNumberFor<T>) -> Weight {
		let mut used = T::WeightInfo::on_initialize_idle();
		let due = DueAt::<T>::take(now);
		if due.is_empty() {
			return used;
		}
		// Read once per block: no transition below changes it.
		let paused = ProtocolPaused::<T>::get();
		let budget = T::MaxHookWeight::get();
		let mut advanced = 0u32;
		for id in due {
			// Reading the task and its round is part of every transition's benchmark.
			let Some(mut task) = Tasks::<T>::get(id) else {
				used.saturating_accrue(T::DbWeight::get().reads(1));
				continue;
			};
			if task.next_due != Some(now) {
				// Stale entry (cannot happen while unscheduling removes entries eagerly).
				used.saturating_accrue(T::DbWeight::get().reads(1));
				continue;
			}
			task.next_due = None;
			ScheduledCount::<T>::mutate(|count| *count = count.saturating_sub(1));
			let round = Rounds::<T>::get(id);
			let step = Self::transition_weight(&task, round.as_ref(), paused);
			if advanced > 0 && used.saturating_add(step).any_gt(budget) {
				Self::schedule_or_report(id, &mut task, now.saturating_add(One::one()));
				Tasks::<T>::insert(id, task);
				used.saturating_accrue(T::DbWeight::get().reads_writes(3, 4));
				continue;
			}
			advanced += 1;
			used.saturating_accrue(step);
			Self::advance(id, task, round, now, paused);
		}
		used
	}

	/// The benchmarked weight of the transition `task` is due for (`paused`: the protocol is).
	///
	/// Completing a task frees a slot that the best queued task takes; a settlement closing
	/// under the pause halts the task instead.
	pub(crate) fn transition_weight(
		task: &TaskInfo<T>,
		round: Option<&RoundState<T>>,
		paused: bool,
	) -> Weight {
		if Self::halts_when_due(task, round, paused) {
			return T::WeightInfo::halt_task(round.map_or(0, |round| round.trainers));
		}
		let after_closing = T::WeightInfo::activate_queued(T::MaxQueuedTasks::get())
			.max(T::WeightInfo::halt_task(0));
		let Some(round) = round else {
			return T::WeightInfo::start_round(task.roster.total())
				.max(T::WeightInfo::complete_task().saturating_add(after_closing));
		};
		let validators = round.validators.len() as u32;
		match round.phase {
			Phase::Training { .. } => T::WeightInfo::close_training(),
			Phase::Commit { .. } => T::WeightInfo::close_commit(),
			Phase::Reveal { .. } => T::WeightInfo::close_reveal(round.submitted, validators),
			Phase::Aggregation { .. } => T::WeightInfo::close_aggregation(),
			Phase::SettlingTrainers { next } => T::WeightInfo::settle_trainers(
				round
					.trainers
					.saturating_sub(next)
					.min(T::SettlementBatch::get()),
			),
			Phase::SettlingValidators => {
				T::WeightInfo::settle_validators(validators).saturating_add(after_closing)
			}
		}
	}
}
