//! Which queued tasks enter the active set first.
//!
//! The active set holds at most `MaxActiveTasks` tasks. Approved tasks beyond it wait in a
//! queue, and whenever a slot frees up the queued task with the highest [`TaskPriority`] takes
//! it; equal priorities go to the lowest (oldest) task id. Priorities are read when a slot is
//! filled, not when a task is queued, so backing added while a task waits counts.
//!
//! ```
//! use pallet_training::priority::activation_order;
//!
//! // Tasks 4, 7 and 9 wait with priorities 10, 30 and 30; two slots are free.
//! assert_eq!(activation_order(vec![(4, 10), (9, 30), (7, 30)], 2), vec![7, 9]);
//! ```

use crate::TaskId;
use alloc::vec::Vec;

/// How strongly a task deserves a slot in the active set.
///
/// The runtime plugs in the backing pallet: backers stake tokens on a task to raise it.
pub trait TaskPriority {
	/// The priority of `task`; higher is activated first.
	fn priority(task: TaskId) -> u128;
}

/// Every task has priority 0: the queue is served oldest task first.
impl TaskPriority for () {
	fn priority(_task: TaskId) -> u128 {
		0
	}
}

/// The `slots` candidates `(task, priority)` to activate, best first: highest priority, ties
/// broken by the lowest task id.
pub fn activation_order(mut candidates: Vec<(TaskId, u128)>, slots: usize) -> Vec<TaskId> {
	candidates.sort_unstable_by(|(a_id, a_priority), (b_id, b_priority)| {
		b_priority.cmp(a_priority).then(a_id.cmp(b_id))
	});
	candidates
		.into_iter()
		.take(slots)
		.map(|(task, _)| task)
		.collect()
}

#[cfg(test)]
mod tests {
	use super::*;
	use alloc::collections::BTreeMap;
	use proptest::prelude::*;

	/// Whether `a` must be activated before `b`.
	fn ranks_before(a: (TaskId, u128), b: (TaskId, u128)) -> bool {
		a.1 > b.1 || (a.1 == b.1 && a.0 < b.0)
	}

	#[test]
	fn ties_go_to_the_lowest_id() {
		assert_eq!(
			activation_order(vec![(3, 5), (1, 5), (2, 5)], 3),
			vec![1, 2, 3]
		);
	}

	#[test]
	fn no_slot_or_no_candidate_activates_nothing() {
		assert!(activation_order(vec![(1, 9)], 0).is_empty());
		assert!(activation_order(Vec::new(), 4).is_empty());
	}

	#[test]
	fn the_unit_priority_is_zero() {
		assert_eq!(<() as TaskPriority>::priority(42), 0);
	}

	proptest! {
		#[test]
		fn the_chosen_outrank_the_rest_and_are_in_order(
			priorities in proptest::collection::btree_map(0u32..1_000, 0u128..8, 0..40),
			slots in 0usize..50,
		) {
			let candidates: Vec<(TaskId, u128)> = priorities.clone().into_iter().collect();
			let chosen = activation_order(candidates.clone(), slots);
			prop_assert_eq!(chosen.len(), slots.min(candidates.len()));
			let with_priority = |task: &TaskId| (*task, priorities[task]);
			for pair in chosen.windows(2) {
				prop_assert!(ranks_before(with_priority(&pair[0]), with_priority(&pair[1])));
			}
			let chosen_set: BTreeMap<TaskId, ()> = chosen.iter().map(|t| (*t, ())).collect();
			if let Some(last) = chosen.last() {
				for candidate in candidates.iter().filter(|(t, _)| !chosen_set.contains_key(t)) {
					prop_assert!(ranks_before(with_priority(last), *candidate));
				}
			}
		}
	}
}
