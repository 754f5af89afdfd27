//! Clients of a round trained side by side.
//!
//! Local training with small batches (the FedAvg paper's B = 10) leaves most of a multi-core
//! machine idle when one client at a time uses every core: the matrices are too small to split
//! well. Training several clients at once, each on its own few threads, does more work per
//! second (on 2 cores, two single-threaded MNIST CNN clients do 1.6 times the work of one
//! two-threaded client). Every client's result depends only on its inputs and seed, and results
//! come back in client order, so the run's figures do not depend on the number of workers.

use crate::args::{DeviceKind, SimulateArgs};
use anyhow::Context;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Workers that each train one client at a time on their own thread pool.
pub(crate) struct ClientPool {
	/// One thread pool per worker; empty when clients run one after the other on the
	/// process-wide pool (every core for each client).
	workers: Vec<rayon::ThreadPool>,
}

impl ClientPool {
	/// `workers` clients at a time, with the machine's cores shared evenly among them.
	/// One worker (or none) trains one client at a time on every core.
	pub(crate) fn new(workers: usize) -> anyhow::Result<Self> {
		if workers <= 1 {
			return Ok(ClientPool {
				workers: Vec::new(),
			});
		}
		let threads = (available_cores() / workers).max(1);
		let workers = (0..workers)
			.map(|i| {
				rayon::ThreadPoolBuilder::new()
					.num_threads(threads)
					.thread_name(move |t| format!("client-{i}-{t}"))
					.build()
					.with_context(|| format!("starting the thread pool of client worker {i}"))
			})
			.collect::<anyhow::Result<_>>()?;
		Ok(ClientPool { workers })
	}

	/// The pool for rounds of `per_round` clients: `--parallel-clients`, by default one worker
	/// per core (at most one per client of a round) on the CPU, and one on a GPU.
	pub(crate) fn for_run(args: &SimulateArgs, per_round: usize) -> anyhow::Result<Self> {
		let workers = match (args.parallel_clients, args.device) {
			(Some(n), _) => n,
			(None, DeviceKind::Cpu) => available_cores(),
			(None, DeviceKind::Wgpu) => 1,
		};
		Self::new(workers.clamp(1, per_round.max(1)))
	}

	/// Clients trained at the same time.
	#[cfg(test)]
	pub(crate) fn workers(&self) -> usize {
		self.workers.len().max(1)
	}

	/// `work` applied to every item, the results in the items' order. After a failure no new
	/// item starts, and the error of the first failed item (in item order) is returned.
	pub(crate) fn map<I, T, F>(&self, items: &[I], work: F) -> anyhow::Result<Vec<T>>
	where
		I: Sync,
		T: Send,
		F: Fn(&I) -> anyhow::Result<T> + Sync,
	{
		if self.workers.is_empty() || items.len() <= 1 {
			return items.iter().map(&work).collect();
		}
		let slots: Vec<Mutex<Option<anyhow::Result<T>>>> =
			items.iter().map(|_| Mutex::new(None)).collect();
		let next = AtomicUsize::new(0);
		let failed = AtomicBool::new(false);
		std::thread::scope(|scope| {
			for pool in self.workers.iter().take(items.len()) {
				let (slots, next, failed, work) = (&slots, &next, &failed, &work);
				scope.spawn(move || loop {
					let i = next.fetch_add(1, Ordering::Relaxed);
					if i >= items.len() || failed.load(Ordering::Relaxed) {
						break;
					}
					let result = pool.install(|| work(&items[i]));
					failed.fetch_or(result.is_err(), Ordering::Relaxed);
					*lock(&slots[i]) = Some(result);
				});
			}
		});
		// Items start in order, so the ones never started come after every started one, and
		// they were skipped because a started one failed: its error is met first.
		let mut results = Vec::with_capacity(items.len());
		for slot in slots {
			let outcome = slot
				.into_inner()
				.unwrap_or_else(|poisoned| poisoned.into_inner());
			match outcome {
				Some(result) => results.push(result?),
				None => anyhow::bail!("a client was skipped without an earlier failure"),
			}
		}
		Ok(results)
	}
}

fn lock<T>(slot: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
	slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn available_cores() -> usize {
	std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn results_come_back_in_item_order_whatever_the_workers() {
		let items: Vec<u64> = (0..23).collect();
		let expected: Vec<u64> = items.iter().map(|i| i * i).collect();
		for workers in [1, 2, 3, 8] {
			let pool = ClientPool::new(workers).unwrap();
			assert_eq!(pool.workers(), workers);
			let squares = pool.map(&items, |i| Ok(i * i)).unwrap();
			assert_eq!(squares, expected, "{workers} workers");
		}
	}

	#[test]
	fn each_worker_runs_its_items_on_its_own_pool() {
		let pool = ClientPool::new(2).unwrap();
		let threads = pool
			.map(&[0, 1, 2, 3], |_| Ok(rayon::current_num_threads()))
			.unwrap();
		let expected = (available_cores() / 2).max(1);
		assert!(threads.iter().all(|&t| t == expected), "{threads:?}");
	}

	#[test]
	fn the_first_failure_in_item_order_is_reported() {
		for workers in [1, 3] {
			let pool = ClientPool::new(workers).unwrap();
			let err = pool
				.map(&[0, 1, 2, 3, 4], |&i| match i {
					2 => anyhow::bail!("client {i} diverged"),
					_ => Ok(i),
				})
				.unwrap_err();
			assert!(
				format!("{err:#}").contains("client 2 diverged"),
				"{workers} workers: {err:#}"
			);
		}
	}
}
