//! `try_state` invariants, also checked at the end of every unit test.

use crate::{
	ActiveTasks, BalanceOf, Config, Contributors, DueAt, Earned, HaltedTasks, History, Pallet,
	ParticipantStatus, Participants, ProtocolPaused, QueuedTasks, Role, Roster, Rounds,
	ScheduledCount, SelectedTrainers, TaskId, TaskStatus, Tasks, Updates,
};
use alloc::{collections::BTreeMap, vec::Vec};
use codec::Encode;
use frame_support::{
	ensure,
	traits::{
		fungibles::{Inspect, InspectHold},
		Get,
	},
};
use sp_runtime::{Saturating, TryRuntimeError};

/// Recorded bonds summed per `(asset, account)`, keyed by the pair's encoding.
type BondTotals<T> = BTreeMap<
	Vec<u8>,
	(
		<T as Config>::AssetKind,
		<T as frame_system::Config>::AccountId,
		BalanceOf<T>,
	),
>;

/// What a task list's check reports for each way it can be wrong.
struct ListErrors {
	/// A task is listed twice.
	twice: &'static str,
	/// A listed task has another status.
	wrong_status: &'static str,
	/// A task of the list's status is not listed.
	missing: &'static str,
}

impl<T: Config> Pallet<T> {
	/// Checks every invariant of the pallet's storage.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		Self::check_bonds_match_holds()?;
		Self::check_pools()?;
		Self::check_due_queue()?;
		Self::check_rosters()?;
		Self::check_rounds()?;
		Self::check_active_set()?;
		Self::check_halted()?;
		Self::check_ledger()?;
		Ok(())
	}

	/// Funds held under the bond reason equal the recorded bonds, per asset and account.
	fn check_bonds_match_holds() -> Result<(), TryRuntimeError> {
		let mut bonded: BondTotals<T> = BTreeMap::new();
		for (task_id, who, participant) in Participants::<T>::iter() {
			let task = Tasks::<T>::get(task_id).ok_or("a participant's task does not exist")?;
			let asset = task.params.asset;
			let key = (&asset, &who).encode();
			let entry = bonded
				.entry(key)
				.or_insert((asset, who, Default::default()));
			entry.2 = entry.2.saturating_add(participant.bond);
		}
		for (asset, who, recorded) in bonded.into_values() {
			let held = T::AssetHolds::balance_on_hold(asset, &Self::bond_reason(), &who);
			ensure!(
				held == recorded,
				"funds held for bonds differ from the recorded bonds"
			);
		}
		Ok(())
	}

	/// Each task's recorded pool is covered by its pool account.
	fn check_pools() -> Result<(), TryRuntimeError> {
		for (task_id, task) in Tasks::<T>::iter() {
			let balance =
				T::Assets::balance(task.params.asset.clone(), &Self::pool_account(task_id));
			ensure!(
				task.pool <= balance,
				"a task's recorded pool exceeds its pool account"
			);
		}
		Ok(())
	}

	/// Every due entry points at a task scheduled for that block, and the count matches.
	fn check_due_queue() -> Result<(), TryRuntimeError> {
		let mut entries = 0u32;
		for (block, due) in DueAt::<T>::iter() {
			ensure!(
				due.len() as u32 <= T::MaxDuePerBlock::get(),
				"a due list exceeds its bound"
			);
			for id in due {
				let task = Tasks::<T>::get(id).ok_or("a due entry points at no task")?;
				ensure!(
					task.next_due == Some(block),
					"a due entry disagrees with its task"
				);
				entries += 1;
			}
		}
		let scheduled = Tasks::<T>::iter_values()
			.filter(|task| task.next_due.is_some())
			.count();
		ensure!(
			entries as usize == scheduled,
			"scheduled tasks and due entries differ"
		);
		ensure!(
			ScheduledCount::<T>::get() == entries,
			"the scheduled count is wrong"
		);
		Ok(())
	}

	/// Rosters list active participants of their role once, and their counts match.
	fn check_rosters() -> Result<(), TryRuntimeError> {
		for (task_id, task) in Tasks::<T>::iter() {
			let mut seen: Vec<T::AccountId> = Vec::new();
			for role in Role::ALL {
				let roster = Roster::<T>::get(task_id, role);
				ensure!(
					roster.len() as u32 == task.roster.get(role),
					"a roster count is wrong"
				);
				for who in roster {
					let participant = Participants::<T>::get(task_id, &who)
						.ok_or("a roster member is not a participant")?;
					ensure!(participant.role == role, "a roster member has another role");
					ensure!(
						participant.status == ParticipantStatus::Active,
						"a roster member has left"
					);
					ensure!(!seen.contains(&who), "a participant is listed twice");
					seen.push(who);
				}
			}
			if task.status.is_finished() {
				ensure!(task.roster.total() == 0, "a finished task keeps a roster");
			}
		}
		Ok(())
	}

	/// Rounds belong to running tasks; selected lists are sorted, unique and consistent.
	fn check_rounds() -> Result<(), TryRuntimeError> {
		for (task_id, round) in Rounds::<T>::iter() {
			let task = Tasks::<T>::get(task_id).ok_or("a round's task does not exist")?;
			ensure!(
				task.status == TaskStatus::Active
					|| (matches!(task.status, TaskStatus::Paused | TaskStatus::Queued)
						&& round.phase.is_settling()),
				"a round runs for a task that is neither active nor finishing its settlement"
			);
			let trainers = SelectedTrainers::<T>::get(task_id);
			ensure!(
				trainers.len() as u32 == round.trainers,
				"selected trainer count is wrong"
			);
			ensure!(
				trainers.windows(2).all(|pair| pair[0] < pair[1]),
				"selected trainers are not sorted and unique"
			);
			ensure!(
				round
					.validators
					.windows(2)
					.all(|pair| pair[0].who < pair[1].who),
				"selected validators are not sorted and unique"
			);
			let updates = Updates::<T>::get(task_id);
			ensure!(
				updates.len() as u32 == round.submitted,
				"submitted update count is wrong"
			);
			ensure!(
				updates
					.windows(2)
					.all(|pair| pair[0].trainer < pair[1].trainer),
				"updates are not in canonical order"
			);
			ensure!(
				updates.iter().all(|update| update.trainer < round.trainers),
				"an update points past the selected trainers"
			);
		}
		Ok(())
	}

	/// The active set and the queue list exactly the active and the queued tasks, once each,
	/// within their bounds; no slot stays free while tasks wait (unless the protocol is
	/// paused).
	fn check_active_set() -> Result<(), TryRuntimeError> {
		let active = ActiveTasks::<T>::get();
		let queued = QueuedTasks::<T>::get();
		ensure!(
			active.len() as u32 <= T::MaxActiveTasks::get(),
			"the active set exceeds its bound"
		);
		ensure!(
			queued.len() as u32 <= T::MaxQueuedTasks::get(),
			"the queue exceeds its bound"
		);
		ensure!(
			!active.iter().any(|task| queued.contains(task)),
			"a task is both active and queued"
		);
		Self::check_listed_with_status(
			&active,
			TaskStatus::Active,
			ListErrors {
				twice: "a task is twice in the active set",
				wrong_status: "a task in the active set is not active",
				missing: "an active task is missing from the active set",
			},
		)?;
		Self::check_listed_with_status(
			&queued,
			TaskStatus::Queued,
			ListErrors {
				twice: "a task is twice in the queue",
				wrong_status: "a task in the queue is not queued",
				missing: "a queued task is missing from the queue",
			},
		)?;
		ensure!(
			ProtocolPaused::<T>::get()
				|| queued.is_empty()
				|| active.len() as u32 == T::MaxActiveTasks::get(),
			"tasks wait in the queue while the active set has a free slot"
		);
		Ok(())
	}

	/// `listed` holds unique tasks of `status`, and every task of `status` is listed.
	fn check_listed_with_status(
		listed: &[TaskId],
		status: TaskStatus,
		errors: ListErrors,
	) -> Result<(), TryRuntimeError> {
		for (position, id) in listed.iter().enumerate() {
			ensure!(!listed[..position].contains(id), errors.twice);
			let task = Tasks::<T>::get(id).ok_or("a listed task does not exist")?;
			ensure!(task.status == status, errors.wrong_status);
		}
		let with_status = Tasks::<T>::iter_values()
			.filter(|task| task.status == status)
			.count();
		ensure!(with_status == listed.len(), errors.missing);
		Ok(())
	}

	/// Halted tasks are paused and listed once, only while the protocol is paused, and fit
	/// back into the active set.
	fn check_halted() -> Result<(), TryRuntimeError> {
		let halted = HaltedTasks::<T>::get();
		if !ProtocolPaused::<T>::get() {
			ensure!(
				halted.is_empty(),
				"tasks stay halted while the protocol runs"
			);
			return Ok(());
		}
		for (position, id) in halted.iter().enumerate() {
			ensure!(!halted[..position].contains(id), "a task is halted twice");
			let task = Tasks::<T>::get(id).ok_or("a halted task does not exist")?;
			ensure!(
				task.status == TaskStatus::Paused,
				"a halted task is not paused"
			);
		}
		let active = ActiveTasks::<T>::decode_len().unwrap_or(0) as u32;
		ensure!(
			active.saturating_add(halted.len() as u32) <= T::MaxActiveTasks::get(),
			"the halted tasks would not fit back into the active set"
		);
		Ok(())
	}

	/// Per task, the ledger's earnings sum to what the history (and the round being settled)
	/// records as paid; contributors are unique earners, and all earners are listed while the
	/// list has room.
	fn check_ledger() -> Result<(), TryRuntimeError> {
		for (task_id, _) in Tasks::<T>::iter() {
			let mut earned: BalanceOf<T> = Default::default();
			let mut earners = 0usize;
			for (_, amount) in Earned::<T>::iter_prefix(task_id) {
				earned = earned.saturating_add(amount);
				earners += 1;
			}
			let in_progress = Rounds::<T>::get(task_id)
				.map(|round| round.paid)
				.unwrap_or_default();
			let recorded = History::<T>::iter_prefix_values(task_id)
				.fold(in_progress, |sum, record| sum.saturating_add(record.paid));
			ensure!(
				earned == recorded,
				"the ledger's earnings differ from the paid totals in the history"
			);
			let listed = Contributors::<T>::get(task_id);
			for (position, who) in listed.iter().enumerate() {
				ensure!(
					!listed[..position].contains(who),
					"a contributor is listed twice"
				);
				ensure!(
					Earned::<T>::get(task_id, who) > Default::default(),
					"a listed contributor earned nothing"
				);
			}
			if (listed.len() as u32) < T::MaxContributors::get() {
				ensure!(
					listed.len() == earners,
					"an earner is missing from a contributor list with room"
				);
			}
		}
		Ok(())
	}
}
