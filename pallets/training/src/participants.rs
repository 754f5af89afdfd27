//! Joining, leaving and withdrawing bonds.

use crate::{
	is_jurisdiction, BalanceOf, Config, Error, Event, Jurisdiction, Pallet, Participant,
	ParticipantStatus, Participants, Role, Roster, TaskId, Tasks, X25519PublicKey,
	INITIAL_REPUTATION,
};
use frame_support::{pallet_prelude::*, traits::Get};
use sp_runtime::Saturating;

impl<T: Config> Pallet<T> {
	/// Registers `who` in `role` and holds its bond; returns the role's roster size.
	pub(crate) fn do_join(
		who: T::AccountId,
		id: TaskId,
		role: Role,
		bond: BalanceOf<T>,
		jurisdiction: Jurisdiction,
		encryption_key: X25519PublicKey,
	) -> Result<u32, DispatchError> {
		Self::ensure_protocol_running()?;
		let mut task = Tasks::<T>::get(id).ok_or(Error::<T>::TaskNotFound)?;
		ensure!(task.status.accepts_participants(), Error::<T>::TaskNotOpen);
		ensure!(
			!Participants::<T>::contains_key(id, &who),
			Error::<T>::AlreadyJoined
		);
		ensure!(
			is_jurisdiction(&jurisdiction),
			Error::<T>::InvalidJurisdiction
		);
		let eligibility = &task.params.eligibility;
		if let Some(allowed) = &eligibility.allow_list {
			ensure!(allowed.contains(&who), Error::<T>::NotAllowListed);
		}
		if let Some(codes) = &eligibility.jurisdictions {
			ensure!(
				codes.contains(&jurisdiction),
				Error::<T>::JurisdictionNotAllowed
			);
		}
		// The all-zero key is X25519's identity point: encrypting to it protects nothing.
		ensure!(
			encryption_key != [0u8; 32],
			Error::<T>::InvalidEncryptionKey
		);
		ensure!(
			bond >= task.params.min_bonds.of(role),
			Error::<T>::BondTooLow
		);

		let roster_size = Roster::<T>::decode_len(id, role).unwrap_or(0) as u32;
		ensure!(roster_size < T::MaxRoster::get(), Error::<T>::RosterFull);
		Self::hold_bond(&task.params.asset, &who, bond)?;
		Roster::<T>::try_mutate(id, role, |roster| roster.try_push(who.clone()))
			.map_err(|_| Error::<T>::RosterFull)?;
		Participants::<T>::insert(
			id,
			&who,
			Participant {
				role,
				bond,
				jurisdiction,
				encryption_key,
				reputation: INITIAL_REPUTATION,
				status: ParticipantStatus::Active,
			},
		);
		let count = task.roster.get_mut(role);
		*count = count.saturating_add(1);
		Tasks::<T>::insert(id, task);
		Self::deposit_event(Event::Joined {
			task: id,
			who,
			role,
			bond,
			jurisdiction,
		});
		Ok(roster_size.saturating_add(1))
	}

	/// Takes `who` off the roster and starts the cool-down; returns the old roster size.
	pub(crate) fn do_leave(who: T::AccountId, id: TaskId) -> Result<u32, DispatchError> {
		let mut participant = Participants::<T>::get(id, &who).ok_or(Error::<T>::NotParticipant)?;
		ensure!(
			participant.status == ParticipantStatus::Active,
			Error::<T>::AlreadyLeaving
		);
		let mut task = Tasks::<T>::get(id).ok_or(Error::<T>::TaskNotFound)?;
		ensure!(
			!Self::is_seated(id, &who, &participant),
			Error::<T>::SelectedInCurrentRound
		);

		let role = participant.role;
		let mut roster_size = 0;
		Roster::<T>::mutate_exists(id, role, |roster| {
			if let Some(members) = roster {
				roster_size = members.len() as u32;
				members.retain(|member| member != &who);
				if members.is_empty() {
					*roster = None;
				}
			}
		});
		if !task.status.is_finished() {
			let count = task.roster.get_mut(role);
			*count = count.saturating_sub(1);
			Tasks::<T>::insert(id, task);
		}
		let unlock_at =
			frame_system::Pallet::<T>::block_number().saturating_add(T::LeaveCooldown::get());
		participant.status = ParticipantStatus::Leaving { unlock_at };
		Participants::<T>::insert(id, &who, participant);
		Self::deposit_event(Event::Left {
			task: id,
			who,
			unlock_at,
		});
		Ok(roster_size)
	}

	/// Releases `who`'s bond and forgets its registration.
	pub(crate) fn do_withdraw(who: T::AccountId, id: TaskId) -> DispatchResult {
		let participant = Participants::<T>::get(id, &who).ok_or(Error::<T>::NotParticipant)?;
		let task = Tasks::<T>::get(id).ok_or(Error::<T>::TaskNotFound)?;
		if !task.status.is_finished() {
			match participant.status {
				ParticipantStatus::Active => return Err(Error::<T>::StillBonded.into()),
				ParticipantStatus::Leaving { unlock_at } => ensure!(
					frame_system::Pallet::<T>::block_number() >= unlock_at,
					Error::<T>::CooldownNotOver
				),
			}
		}
		let amount = Self::release_bond(&task.params.asset, &who, participant.bond)?;
		Participants::<T>::remove(id, &who);
		Self::deposit_event(Event::BondWithdrawn {
			task: id,
			who,
			amount,
		});
		Ok(())
	}
}
