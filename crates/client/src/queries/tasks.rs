//! Tasks, their history and their participants.

use super::{read, read_all};
use crate::{
	client::Client,
	convert,
	error::{ClientError, Result},
	runtime,
	types::{
		AccountId, Balance, ParticipantView, RoundIndex, RoundRecord, TaskId, TaskStatus,
		TaskSummary,
	},
};

impl Client {
	/// Every task ever proposed, by id.
	pub async fn tasks(&self) -> Result<Vec<TaskSummary>> {
		let at = self.at_finalized().await?;
		let mut tasks: Vec<TaskSummary> =
			read_all(&at, runtime::storage().training().tasks(), (), "the tasks")
				.await?
				.into_iter()
				.map(|((id,), info)| convert::task_summary_from_chain(id, &info))
				.collect();
		tasks.sort_by_key(|task| task.id);
		Ok(tasks)
	}

	/// The tasks with `status`, by id.
	pub async fn tasks_with_status(&self, status: TaskStatus) -> Result<Vec<TaskSummary>> {
		let mut tasks = self.tasks().await?;
		tasks.retain(|task| task.status == status);
		Ok(tasks)
	}

	/// Task `id`, if it exists.
	pub async fn task(&self, id: TaskId) -> Result<Option<TaskSummary>> {
		let at = self.at_finalized().await?;
		let info = read(
			&at,
			runtime::storage().training().tasks(),
			(id,),
			&format!("task {id}"),
		)
		.await?;
		Ok(info.map(|info| convert::task_summary_from_chain(id, &info)))
	}

	/// Task `id`, which must exist.
	pub async fn expect_task(&self, id: TaskId) -> Result<TaskSummary> {
		self.task(id)
			.await?
			.ok_or_else(|| ClientError::not_found(format!("task {id}")))
	}

	/// The id the next proposed task will get.
	pub async fn next_task_id(&self) -> Result<TaskId> {
		let at = self.at_finalized().await?;
		let next = read(
			&at,
			runtime::storage().training().next_task_id(),
			(),
			"the next task id",
		)
		.await?;
		Ok(next.unwrap_or_default())
	}

	/// The record of `task`'s closed round `round`, if it closed.
	pub async fn round_record(
		&self,
		task: TaskId,
		round: RoundIndex,
	) -> Result<Option<RoundRecord>> {
		let at = self.at_finalized().await?;
		let record = read(
			&at,
			runtime::storage().training().history(),
			(task, round),
			&format!("the history of task {task} round {round}"),
		)
		.await?;
		Ok(record.map(|record| convert::record_from_chain(round, &record)))
	}

	/// Every closed round of `task`, in round order.
	pub async fn history(&self, task: TaskId) -> Result<Vec<RoundRecord>> {
		let at = self.at_finalized().await?;
		let mut records: Vec<RoundRecord> = read_all(
			&at,
			runtime::storage().training().history(),
			(task,),
			&format!("the history of task {task}"),
		)
		.await?
		.into_iter()
		.map(|((_, round), record)| convert::record_from_chain(round, &record))
		.collect();
		records.sort_by_key(|record| record.round);
		Ok(records)
	}

	/// `who`'s registration in `task`, if any.
	pub async fn participant(
		&self,
		task: TaskId,
		who: &AccountId,
	) -> Result<Option<ParticipantView>> {
		let at = self.at_finalized().await?;
		let participant = read(
			&at,
			runtime::storage().training().participants(),
			(task, *who),
			&format!("participant {who} of task {task}"),
		)
		.await?;
		Ok(participant.map(|p| convert::participant_from_chain(task, *who, &p)))
	}

	/// Every participant of `task`.
	pub async fn participants(&self, task: TaskId) -> Result<Vec<ParticipantView>> {
		let at = self.at_finalized().await?;
		Ok(read_all(
			&at,
			runtime::storage().training().participants(),
			(task,),
			&format!("the participants of task {task}"),
		)
		.await?
		.into_iter()
		.map(|((_, who), p)| convert::participant_from_chain(task, who, &p))
		.collect())
	}

	/// The rewards `who` has earned in `task` so far, all roles and rounds together (the
	/// basis of its share of licence revenue).
	pub async fn earned(&self, task: TaskId, who: &AccountId) -> Result<Balance> {
		let at = self.at_finalized().await?;
		let earned = read(
			&at,
			runtime::storage().training().earned(),
			(task, *who),
			&format!("the earnings of {who} in task {task}"),
		)
		.await?;
		Ok(earned.unwrap_or_default())
	}

	/// Whether the protocol-wide safety switch is on.
	pub async fn protocol_paused(&self) -> Result<bool> {
		let at = self.at_finalized().await?;
		let paused = read(
			&at,
			runtime::storage().training().protocol_paused(),
			(),
			"the protocol's safety switch",
		)
		.await?;
		Ok(paused.unwrap_or_default())
	}
}
