//! `try_state` invariants, also checked at the end of every unit test.

use crate::{
	BalanceOf, Config, DueAt, Pallet, ParticipantStatus, Participants, Role, Roster, Rounds,
	ScheduledCount, SelectedTrainers, TaskStatus, Tasks, Updates,
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

impl<T: Config> Pallet<T> {
	/// Checks every invariant of the pallet's storage.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		Self::check_bonds_match_holds()?;
		Self::check_pools()?;
		Self::check_due_queue()?;
		Self::check_rosters()?;
		Self::check_rounds()?;
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
				matches!(task.status, TaskStatus::Active | TaskStatus::Paused),
				"a round runs for a task that is not running"
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
}
