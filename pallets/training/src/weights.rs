//! Weights of the training pallet's calls and hook transitions.
//!
//! The implementation for `()` holds **hand-estimated placeholders** (base compute plus
//! RocksDB reads and writes counted from the code) for mock runtimes and tests. The DecentralML
//! runtime charges measured weights: `runtime/src/weights/pallet_training.rs`, generated from
//! `benchmarking.rs` by `scripts/benchmark-weights.sh pallet_training`.
//!
//! Any implementation of [`WeightInfo`] fed to [`crate::capacity::largest_round`] gives the
//! largest round a block carries (the runtime's test `capacity` does so with the measured ones).
//!
//! Components: `n` roster size, `k` trainers in the round (or scores revealed), `v` validators
//! in the round, `b` trainers settled in one batch, `a` allow-list length, `h` halted tasks,
//! `q` queued tasks.
//!
//! Calls and transitions that free a slot of the active set (`pause_task`, `cancel_task`,
//! completing a task) add `activate_queued(MaxQueuedTasks)` at the call site; the unpause adds
//! the cost of filling every free slot.

use frame_support::weights::{constants::RocksDbWeight, Weight};

/// Weight functions needed by the pallet.
pub trait WeightInfo {
	/// `propose_task`.
	fn propose_task() -> Weight;
	/// `approve_task` into the active set.
	fn approve_task() -> Weight;
	/// `pause_task`, aborting a round with `k` selected trainers (without the activation of a
	/// queued task).
	fn pause_task(k: u32) -> Weight;
	/// `resume_task` into the active set.
	fn resume_task() -> Weight;
	/// `cancel_task`, aborting a round with `k` selected trainers (without the activation of a
	/// queued task).
	fn cancel_task(k: u32) -> Weight;
	/// `set_eligibility` with an allow-list of `a` accounts.
	fn set_eligibility(a: u32) -> Weight;
	/// `set_score_thresholds`.
	fn set_score_thresholds() -> Weight;
	/// `set_protocol_paused(false)` resuming `h` halted tasks (without filling the rest of the
	/// active set from the queue); pausing costs at most `h = 0`.
	fn set_protocol_paused(h: u32) -> Weight;
	/// Filling one free slot of the active set from a queue of `q` tasks: reading their
	/// priorities, ranking them and activating the best.
	fn activate_queued(q: u32) -> Weight;
	/// Halting an active task when it comes due while the protocol is paused, aborting a round
	/// with `k` selected trainers.
	fn halt_task(k: u32) -> Weight;
	/// `join` into a roster of `n`.
	fn join(n: u32) -> Weight;
	/// `leave` from a roster of `n`.
	fn leave(n: u32) -> Weight;
	/// `withdraw_bond`.
	fn withdraw_bond() -> Weight;
	/// `submit_update` in a round of `k` trainers.
	fn submit_update(k: u32) -> Weight;
	/// `commit_scores`.
	fn commit_scores() -> Weight;
	/// `reveal_scores` of `k` scores.
	fn reveal_scores(k: u32) -> Weight;
	/// `submit_aggregate`.
	fn submit_aggregate() -> Weight;
	/// `attest_aggregate`, including reaching the quorum.
	fn attest_aggregate() -> Weight;
	/// `on_initialize` with nothing due.
	fn on_initialize_idle() -> Weight;
	/// Starting a round: selection over `n` registered participants.
	fn start_round(n: u32) -> Weight;
	/// Completing a task whose pool ran dry (refund and roster removal).
	fn complete_task() -> Weight;
	/// Closing the training phase.
	fn close_training() -> Weight;
	/// Closing the commit phase.
	fn close_commit() -> Weight;
	/// Closing the reveal phase: consensus over `k` updates and `v` reveals.
	fn close_reveal(k: u32, v: u32) -> Weight;
	/// Closing the aggregation phase without a quorum.
	fn close_aggregation() -> Weight;
	/// Settling a batch of `b` trainers.
	fn settle_trainers(b: u32) -> Weight;
	/// Settling `v` validators and the aggregator, closing the round and completing the task.
	fn settle_validators(v: u32) -> Weight;
}

/// Microseconds of compute as weight (1 µs = 10^6 ps).
const fn micros(us: u64) -> Weight {
	Weight::from_parts(us * 1_000_000, 0)
}

/// Placeholder estimates (see the module docs); regenerate from the benchmarks.
impl WeightInfo for () {
	fn propose_task() -> Weight {
		micros(60)
			.saturating_add(Weight::from_parts(0, 6_000))
			.saturating_add(RocksDbWeight::get().reads_writes(4, 5))
	}
	fn approve_task() -> Weight {
		micros(25).saturating_add(RocksDbWeight::get().reads_writes(5, 4))
	}
	fn pause_task(k: u32) -> Weight {
		micros(35)
			.saturating_add(RocksDbWeight::get().reads_writes(6, 7))
			.saturating_add(RocksDbWeight::get().writes(1).saturating_mul(k.into()))
	}
	fn resume_task() -> Weight {
		micros(25).saturating_add(RocksDbWeight::get().reads_writes(5, 4))
	}
	fn cancel_task(k: u32) -> Weight {
		micros(65)
			.saturating_add(RocksDbWeight::get().reads_writes(10, 12))
			.saturating_add(RocksDbWeight::get().writes(1).saturating_mul(k.into()))
	}
	fn set_eligibility(a: u32) -> Weight {
		micros(20)
			.saturating_add(Weight::from_parts(100_000, 32).saturating_mul(a.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(1, 1))
	}
	fn set_score_thresholds() -> Weight {
		micros(15).saturating_add(RocksDbWeight::get().reads_writes(1, 1))
	}
	fn set_protocol_paused(h: u32) -> Weight {
		micros(15)
			.saturating_add(RocksDbWeight::get().reads_writes(4, 3))
			.saturating_add(
				micros(15)
					.saturating_add(RocksDbWeight::get().reads_writes(3, 3))
					.saturating_mul(h.into()),
			)
	}
	fn activate_queued(q: u32) -> Weight {
		micros(20)
			.saturating_add(RocksDbWeight::get().reads_writes(6, 5))
			.saturating_add(
				micros(2)
					.saturating_add(RocksDbWeight::get().reads(1))
					.saturating_mul(q.into()),
			)
	}
	fn halt_task(k: u32) -> Weight {
		micros(35)
			.saturating_add(RocksDbWeight::get().reads_writes(5, 8))
			.saturating_add(RocksDbWeight::get().writes(1).saturating_mul(k.into()))
	}
	fn join(n: u32) -> Weight {
		micros(50)
			.saturating_add(Weight::from_parts(50_000, 32).saturating_mul(n.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(6, 5))
	}
	fn leave(n: u32) -> Weight {
		micros(60)
			.saturating_add(Weight::from_parts(100_000, 32).saturating_mul(n.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(5, 3))
	}
	fn withdraw_bond() -> Weight {
		micros(40).saturating_add(RocksDbWeight::get().reads_writes(4, 4))
	}
	fn submit_update(k: u32) -> Weight {
		micros(40)
			.saturating_add(Weight::from_parts(100_000, 48).saturating_mul(k.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(6, 4))
	}
	fn commit_scores() -> Weight {
		micros(30).saturating_add(RocksDbWeight::get().reads_writes(4, 1))
	}
	fn reveal_scores(k: u32) -> Weight {
		micros(30)
			.saturating_add(Weight::from_parts(30_000, 4).saturating_mul(k.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(3, 2))
	}
	fn submit_aggregate() -> Weight {
		micros(30).saturating_add(RocksDbWeight::get().reads_writes(3, 1))
	}
	fn attest_aggregate() -> Weight {
		micros(40).saturating_add(RocksDbWeight::get().reads_writes(5, 3))
	}
	fn on_initialize_idle() -> Weight {
		// The protocol-paused flag is only read when something is due (it is in every
		// transition's measurement).
		micros(3).saturating_add(RocksDbWeight::get().reads_writes(1, 1))
	}
	fn start_round(n: u32) -> Weight {
		micros(100)
			.saturating_add(RocksDbWeight::get().reads_writes(6, 5))
			.saturating_add(
				micros(3)
					.saturating_add(RocksDbWeight::get().reads(1))
					.saturating_mul(n.into()),
			)
	}
	fn complete_task() -> Weight {
		micros(80).saturating_add(RocksDbWeight::get().reads_writes(7, 9))
	}
	fn close_training() -> Weight {
		micros(20).saturating_add(RocksDbWeight::get().reads_writes(4, 4))
	}
	fn close_commit() -> Weight {
		micros(20).saturating_add(RocksDbWeight::get().reads_writes(3, 3))
	}
	fn close_reveal(k: u32, v: u32) -> Weight {
		micros(100)
			.saturating_add(RocksDbWeight::get().reads_writes(4, 6))
			.saturating_add(
				RocksDbWeight::get()
					.reads_writes(1, 1)
					.saturating_mul(v.into()),
			)
			.saturating_add(micros(1).saturating_mul(k.into()))
			.saturating_add(
				Weight::from_parts(200_000, 4)
					.saturating_mul(u64::from(k).saturating_mul(v.into())),
			)
	}
	fn close_aggregation() -> Weight {
		micros(20).saturating_add(RocksDbWeight::get().reads_writes(3, 4))
	}
	fn settle_trainers(b: u32) -> Weight {
		// Per trainer: the payment plus the ledger (its total and, on a first earning, the
		// contributor list).
		micros(50)
			.saturating_add(RocksDbWeight::get().reads_writes(6, 4))
			.saturating_add(
				micros(50)
					.saturating_add(RocksDbWeight::get().reads_writes(6, 7))
					.saturating_mul(b.into()),
			)
	}
	fn settle_validators(v: u32) -> Weight {
		micros(170)
			.saturating_add(RocksDbWeight::get().reads_writes(13, 15))
			.saturating_add(
				micros(50)
					.saturating_add(RocksDbWeight::get().reads_writes(6, 6))
					.saturating_mul(v.into()),
			)
	}
}
