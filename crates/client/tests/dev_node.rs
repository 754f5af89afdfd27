//! The SDK against a real `decentralml node --dev`: a task proposed, approved by a council
//! motion, joined, and one whole round played (update, commit and reveal with the locally
//! computed commitment, aggregate, attestation), with decoded pallet errors, the event stream
//! and a referendum.

mod common;

use decentralml_client::{
	score_commitment, Client, ContentId, GovernanceCall, Jurisdiction, Perbill, Phase,
	ProtocolEvent, ProtocolEventKind, ReferendumVote, Role, RoundOutcome, RoundView, Signer,
	TaskId, TaskSpec, TaskStatus, UNIT,
};
use decentralml_primitives::{AggregationConfig, StrategyConfig};
use futures::StreamExt;
use std::time::{Duration, Instant};

/// CIDs of "hello\n", "update\n" and "aggregate\n": the chain only checks their form.
const MODEL: &str = "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am";
const UPDATE: &str = "bafkreihhdd7i2yy3vxjzz5to4bfh7fdsyaipiuynxvsjwllevswokcb3tq";
const AGGREGATE: &str = "bafkreifvqwevs3u2jsnpdy7c3inmehcjrgz2xmhk6y73tmrkw7yqz4mh2e";

/// One trainer, one validator, one aggregator and one round; phases are long enough for
/// finalized-block round trips and end early once everyone has acted.
fn one_round_spec() -> TaskSpec {
	let model: ContentId = MODEL.parse().expect("a valid CID");
	let mut spec = TaskSpec::new(
		model.clone(),
		model,
		AggregationConfig::plain(StrategyConfig::FedAvg),
	);
	spec.rounds = 1;
	spec.trainers_per_round = 1;
	spec.min_updates = 1;
	spec.validators_per_round = 1;
	spec.phases.training = 40;
	spec.phases.commit = 30;
	spec.phases.reveal = 30;
	spec.phases.aggregation = 30;
	spec
}

fn dev(name: &str) -> Signer {
	Signer::from_suri(&format!("//{name}")).expect("a dev seed")
}

/// Polls the round of `task` until `ready` holds.
async fn wait_for_round(
	client: &Client,
	task: TaskId,
	what: &str,
	ready: impl Fn(&RoundView) -> bool,
) -> RoundView {
	let deadline = Instant::now() + Duration::from_secs(90);
	loop {
		if let Some(round) = client.round(task).await.expect("reading the round") {
			if ready(&round) {
				return round;
			}
		}
		assert!(Instant::now() < deadline, "timed out waiting for {what}");
		tokio::time::sleep(Duration::from_millis(250)).await;
	}
}

#[tokio::test]
async fn a_task_runs_a_whole_round_through_the_sdk() -> anyhow::Result<()> {
	let logs = tempfile::tempdir()?;
	let Some(node) = common::dev_node(logs.path()).await else {
		return Ok(());
	};
	let client = Client::connect(node.rpc_url()).await?;
	let events = tokio::spawn(collect_events(client.clone()));

	let (alice, dave, eve, ferdie) = (dev("Alice"), dev("Dave"), dev("Eve"), dev("Ferdie"));
	let spec = one_round_spec();
	let task = client
		.clone()
		.with_signer(alice.clone())
		.propose_task(&spec)
		.await?;
	assert_eq!(client.expect_task(task).await?.status, TaskStatus::Proposed);

	// Participants join while the task is proposed.
	let germany: Jurisdiction = "DE".parse()?;
	let trainer = client.clone().with_signer(dave.clone());
	let validator = client.clone().with_signer(eve.clone());
	let aggregator = client.clone().with_signer(ferdie.clone());
	trainer
		.join(
			task,
			Role::Trainer,
			spec.min_bonds.trainer,
			germany,
			[1; 32],
		)
		.await?;
	validator
		.join(
			task,
			Role::Validator,
			spec.min_bonds.validator,
			germany,
			[2; 32],
		)
		.await?;
	aggregator
		.join(
			task,
			Role::Aggregator,
			spec.min_bonds.aggregator,
			germany,
			[3; 32],
		)
		.await?;

	// A pallet error comes back named and explained from the metadata.
	let twice = trainer
		.join(
			task,
			Role::Trainer,
			spec.min_bonds.trainer,
			germany,
			[1; 32],
		)
		.await
		.expect_err("joining twice fails");
	assert!(
		twice.is_pallet_error("Training", "AlreadyJoined"),
		"{twice}"
	);
	assert_eq!(
		twice
			.dispatch_failure()
			.expect("a dispatch failure")
			.to_string(),
		"Training::AlreadyJoined: The account already participates in this task."
	);

	// Two of the three council members approve the task.
	client
		.approve_task_by_council(task, &[alice.clone(), dev("Bob")])
		.await?;
	let status = client.expect_task(task).await?.status;
	assert!(
		matches!(status, TaskStatus::Active | TaskStatus::Queued),
		"approved task is {status}"
	);

	// Training: the only trainer submits its update.
	let round = wait_for_round(&client, task, "the training phase", |r| {
		matches!(r.phase, Phase::Training { .. })
	})
	.await;
	assert_eq!(round.trainers, vec![dave.account_id()]);
	assert_eq!(round.aggregator, ferdie.account_id());
	let not_yet = validator
		.reveal_scores(task, round.index, &[Perbill::from_percent(80)], &[0; 32])
		.await
		.expect_err("revealing during training fails");
	assert!(
		not_yet.is_pallet_error("Training", "NotRevealPhase"),
		"{not_yet}"
	);
	let update: ContentId = UPDATE.parse()?;
	trainer
		.submit_update(task, round.index, &update, 600)
		.await?;

	// Commit with the locally computed commitment, then reveal: the chain accepts the reveal
	// only if its own hash of the scores and salt matches, byte for byte.
	let round = wait_for_round(&client, task, "the commit phase", |r| {
		matches!(r.phase, Phase::Commit { .. })
	})
	.await;
	assert_eq!(round.updates.len(), 1);
	assert_eq!(round.updates[0].trainer, dave.account_id());
	assert_eq!(round.updates[0].cid, update);
	assert_eq!(round.updates[0].examples, 600);
	let scores = [Perbill::from_percent(80)];
	let salt = decentralml_client::random_salt()?;
	validator
		.commit_to_scores(task, round.index, &scores, &salt)
		.await?;
	let round = wait_for_round(&client, task, "the reveal phase", |r| {
		matches!(r.phase, Phase::Reveal { .. })
	})
	.await;
	let seat = round
		.validator_seat(&eve.account_id())
		.expect("Eve holds a seat");
	assert_eq!(
		seat.commitment,
		Some(score_commitment(
			task,
			round.index,
			&eve.account_id(),
			&scores,
			&salt
		))
	);
	validator
		.reveal_scores(task, round.index, &scores, &salt)
		.await?;

	// Aggregation: the aggregator submits, the validator attests the same CID: quorum.
	let round = wait_for_round(&client, task, "the aggregation phase", |r| {
		matches!(r.phase, Phase::Aggregation { .. })
	})
	.await;
	assert_eq!(round.accepted.len(), 1);
	assert_eq!(round.accepted[0].score, Perbill::from_percent(80));
	assert_eq!(round.accepted[0].cid, update);
	let aggregate: ContentId = AGGREGATE.parse()?;
	aggregator
		.submit_aggregate(task, round.index, &aggregate, None)
		.await?;
	let quorum = validator
		.attest_aggregate(task, round.index, &aggregate)
		.await?;
	assert!(quorum, "the only validator's attestation is a quorum");

	// The round closes into the history with the new model, and rewards are paid.
	let record = wait_for_record(&client, task).await;
	assert_eq!(
		record.outcome,
		RoundOutcome::Succeeded {
			model: aggregate.clone(),
			state: None
		}
	);
	assert!(record.paid > 0, "a successful round pays");
	assert!(client.earned(task, &dave.account_id()).await? > 0);
	assert_eq!(client.expect_task(task).await?.model, aggregate);

	// The event stream saw the round from start to close.
	let seen = tokio::time::timeout(Duration::from_secs(30), events).await??;
	let names: Vec<String> = seen.iter().map(training_event_name).collect();
	for expected in [
		"TaskApproved",
		"RoundStarted",
		"UpdateSubmitted",
		"QuorumReached",
		"RoundClosed",
	] {
		assert!(
			names.iter().any(|n| n == expected),
			"no {expected} in {names:?}"
		);
	}

	referendum_round_trip(&client, &spec).await
}

/// Waits for round 0 of `task` to be recorded in the history.
async fn wait_for_record(client: &Client, task: TaskId) -> decentralml_client::RoundRecord {
	let deadline = Instant::now() + Duration::from_secs(90);
	loop {
		if let Some(record) = client.round_record(task, 0).await.expect("reading history") {
			return record;
		}
		assert!(Instant::now() < deadline, "round 0 never closed");
		tokio::time::sleep(Duration::from_millis(250)).await;
	}
}

/// Protocol events until a round closes.
async fn collect_events(client: Client) -> Vec<ProtocolEvent> {
	let mut stream = Box::pin(
		client
			.subscribe_protocol_events()
			.await
			.expect("subscribing to events"),
	);
	let mut seen = Vec::new();
	while let Some(event) = stream.next().await {
		let event = event.expect("a decodable event");
		let closed = training_event_name(&event) == "RoundClosed";
		seen.push(event);
		if closed {
			break;
		}
	}
	seen
}

/// The training event's variant name, or an empty string.
fn training_event_name(event: &ProtocolEvent) -> String {
	match &event.event {
		ProtocolEventKind::Training(e) => format!("{e:?}")
			.split([' ', '{', '('])
			.next()
			.unwrap_or_default()
			.to_string(),
		_ => String::new(),
	}
}

/// A referendum to approve a second task: submitted inline, decision deposit placed, voted.
async fn referendum_round_trip(client: &Client, spec: &TaskSpec) -> anyhow::Result<()> {
	let charlie = client.clone().with_signer(dev("Charlie"));
	let task = charlie.propose_task(spec).await?;
	let index = charlie
		.submit_referendum(&GovernanceCall::ApproveTask(task))
		.await?;
	client
		.clone()
		.with_signer(dev("Bob"))
		.place_decision_deposit(index)
		.await?;
	charlie
		.vote_referendum(
			index,
			ReferendumVote {
				aye: true,
				conviction: 1,
				balance: 10 * UNIT,
			},
		)
		.await?;
	let bad = charlie
		.vote_referendum(
			index + 100,
			ReferendumVote {
				aye: true,
				conviction: 1,
				balance: UNIT,
			},
		)
		.await
		.expect_err("voting in a referendum that does not exist fails");
	assert!(bad.dispatch_failure().is_some(), "{bad}");
	Ok(())
}

/// Several transactions of one account at once, through clones of one client: each gets its
/// own nonce and all are included (a node that has not yet counted the previous one in its
/// pool must not make the next a refused replacement).
#[tokio::test]
async fn concurrent_transactions_of_one_account_all_land() -> anyhow::Result<()> {
	let logs = tempfile::tempdir()?;
	let Some(node) = common::dev_node(logs.path()).await else {
		return Ok(());
	};
	let alice = Client::connect(node.rpc_url())
		.await?
		.with_signer(dev("Alice"));
	let recipients: Vec<_> = (0..6)
		.map(|i| Signer::from_suri(&format!("//nonce//{i}")).map(|s| s.account_id()))
		.collect::<Result<_, _>>()?;
	let transfers = recipients.iter().map(|to| {
		let alice = alice.clone();
		async move { alice.transfer(to, UNIT).await }
	});
	for result in futures::future::join_all(transfers).await {
		result?;
	}
	for to in &recipients {
		assert_eq!(alice.balance(to).await?.free, UNIT);
	}
	Ok(())
}
