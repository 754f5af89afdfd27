//! The protocol-wide safety switch.
//!
//! [`Config::EmergencyOrigin`] pauses the whole protocol with `set_protocol_paused(true)`.
//! Calls that advance training (approving, resuming, joining, submitting, scoring,
//! aggregating, attesting) then fail with `ProtocolPaused`, while those that let people and
//! governance get out (leaving, withdrawing bonds, pausing, cancelling, proposing) still work.
//! Tasks are halted lazily, when the hook next meets them: a settling round finishes its
//! settlement (the payments are owed) and no next round starts; any other round is aborted
//! without rewards or slashes. A halted task leaves the active set without a queued task
//! taking its slot, is listed in [`HaltedTasks`] and becomes `Paused`.
//!
//! `set_protocol_paused(false)` resumes every halted task (active again, first round at the
//! next block) and then fills the free slots from the queue.

use crate::{
	active_set::Activation, Config, Error, Event, HaltedTasks, Pallet, ProtocolPaused, RoundState,
	TaskId, TaskInfo, TaskStatus, Tasks,
};
use frame_support::pallet_prelude::*;

/// What unpausing the protocol did, for the weight.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub(crate) struct Unpause {
	/// Halted tasks visited.
	pub halted: u32,
	/// Queued tasks activated into the slots left free.
	pub activation: Activation,
}

impl<T: Config> Pallet<T> {
	/// Fails with `ProtocolPaused` while the safety switch is on.
	pub(crate) fn ensure_protocol_running() -> Result<(), Error<T>> {
		ensure!(!ProtocolPaused::<T>::get(), Error::<T>::ProtocolPaused);
		Ok(())
	}

	/// Whether the hook halts `task` instead of advancing it: the protocol is paused and the
	/// task is active without a settling round.
	pub(crate) fn halts_when_due(
		task: &TaskInfo<T>,
		round: Option<&RoundState<T>>,
		paused: bool,
	) -> bool {
		paused
			&& task.status == TaskStatus::Active
			&& !round.is_some_and(|round| round.phase.is_settling())
	}

	/// Halts an active task: aborts its round, takes it out of the active set (no queued task
	/// takes the slot) and records it in [`HaltedTasks`] as `Paused`. Returns the aborted
	/// round's trainer count.
	pub(crate) fn halt(id: TaskId, task: &mut TaskInfo<T>) -> u32 {
		Self::unschedule(id, task);
		let trainers = Self::abort_round(id, task);
		Self::leave_active_set(id);
		task.status = TaskStatus::Paused;
		// Halted tasks come from the active set, which has the same bound, and nothing enters
		// it while the protocol is paused, so the list has room. Were it full, the task would
		// stay paused until governance resumes it.
		let _listed = HaltedTasks::<T>::try_append(id).is_ok();
		Self::deposit_event(Event::TaskHalted { task: id });
		trainers
	}

	/// Turns the safety switch on or off; see the module docs.
	pub(crate) fn do_set_protocol_paused(paused: bool) -> Result<Unpause, DispatchError> {
		if paused {
			ensure!(
				!ProtocolPaused::<T>::get(),
				Error::<T>::ProtocolAlreadyPaused
			);
			ProtocolPaused::<T>::put(true);
			Self::deposit_event(Event::ProtocolPaused);
			return Ok(Unpause::default());
		}
		ensure!(ProtocolPaused::<T>::get(), Error::<T>::ProtocolNotPaused);
		ProtocolPaused::<T>::put(false);
		let halted = HaltedTasks::<T>::take();
		let mut resumed = 0u32;
		for id in halted.iter().copied() {
			if Self::resume_halted(id) {
				resumed = resumed.saturating_add(1);
			}
		}
		let activation = Self::fill_free_slots();
		Self::deposit_event(Event::ProtocolUnpaused {
			resumed,
			activated: activation.activated,
		});
		Ok(Unpause {
			halted: halted.len() as u32,
			activation,
		})
	}

	/// Puts a halted task back into the active set; returns whether it went there.
	///
	/// While paused nothing enters the active set, so the halted tasks fit back in. Should one
	/// not fit, it waits in the queue or, with the queue full too, stays paused for governance.
	fn resume_halted(id: TaskId) -> bool {
		let Some(mut task) = Tasks::<T>::get(id) else {
			return false;
		};
		if task.status != TaskStatus::Paused {
			return false;
		}
		let resumed = Self::activate(id, &mut task);
		if resumed {
			Self::deposit_event(Event::TaskResumed { task: id });
		} else if crate::QueuedTasks::<T>::try_append(id).is_ok() {
			task.status = TaskStatus::Queued;
			Self::deposit_event(Event::TaskQueued { task: id });
		}
		Tasks::<T>::insert(id, task);
		resumed
	}
}
