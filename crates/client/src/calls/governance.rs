//! Governance: the calls only governance may make, council motions, referenda and (on
//! development chains) sudo.

use crate::{
	client::{Client, Receipt},
	convert,
	error::{ClientError, DispatchFailure, Result},
	runtime::{self, runtime_types as rt},
	signer::Signer,
	types::{AccountId, Balance, Eligibility, LicenceTermsSpec, Perbill, TaskId},
};
use serde::{Deserialize, Serialize};
use subxt::{utils::H256, Metadata};

/// The longest call a referendum carries inline; longer ones are noted as preimages first.
const MAX_INLINE_PROPOSAL: usize = 128;

/// A call only governance may make. Dispatch it with a council motion
/// ([`Client::run_council_motion`]), a referendum on its [`Track`]
/// ([`Client::submit_referendum`]) or, on development chains, [`Client::sudo`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GovernanceCall {
	/// Approve a proposed task.
	ApproveTask(TaskId),
	/// Pause an active task.
	PauseTask(TaskId),
	/// Resume a paused task.
	ResumeTask(TaskId),
	/// Cancel a task and refund its pool.
	CancelTask(TaskId),
	/// Replace a task's eligibility (allow-list and jurisdictions).
	SetEligibility {
		/// The task.
		task: TaskId,
		/// The new eligibility.
		eligibility: Eligibility,
	},
	/// Replace a task's score thresholds.
	SetScoreThresholds {
		/// The task.
		task: TaskId,
		/// Acceptance threshold.
		min_score: Perbill,
		/// Harm threshold, below `min_score`.
		harmful_score: Perbill,
	},
	/// Turn the protocol-wide safety switch on or off.
	SetProtocolPaused(bool),
	/// Replace a task's licence terms.
	SetLicenceTerms {
		/// The task.
		task: TaskId,
		/// The new terms.
		terms: LicenceTermsSpec,
	},
}

/// The referendum track whose origin may dispatch a [`GovernanceCall`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Track {
	/// Root: anything.
	Root,
	/// Approve, pause, resume or cancel tasks.
	TaskApproval,
	/// Protocol-wide parameters.
	ProtocolParameters,
	/// Licence terms, jurisdictions and eligible clients.
	Licensing,
}

impl GovernanceCall {
	/// The track a referendum for this call runs on.
	pub fn track(&self) -> Track {
		match self {
			GovernanceCall::ApproveTask(_)
			| GovernanceCall::PauseTask(_)
			| GovernanceCall::ResumeTask(_)
			| GovernanceCall::CancelTask(_) => Track::TaskApproval,
			GovernanceCall::SetEligibility { .. } | GovernanceCall::SetLicenceTerms { .. } => {
				Track::Licensing
			}
			GovernanceCall::SetScoreThresholds { .. } => Track::ProtocolParameters,
			GovernanceCall::SetProtocolPaused(_) => Track::Root,
		}
	}

	/// The call as the runtime's `RuntimeCall`.
	pub fn to_runtime_call(&self) -> runtime::Call {
		use rt::pallet_training::pallet::Call as Training;
		match self {
			GovernanceCall::ApproveTask(task) => {
				runtime::Call::Training(Training::approve_task { task: *task })
			}
			GovernanceCall::PauseTask(task) => {
				runtime::Call::Training(Training::pause_task { task: *task })
			}
			GovernanceCall::ResumeTask(task) => {
				runtime::Call::Training(Training::resume_task { task: *task })
			}
			GovernanceCall::CancelTask(task) => {
				runtime::Call::Training(Training::cancel_task { task: *task })
			}
			GovernanceCall::SetEligibility { task, eligibility } => {
				runtime::Call::Training(Training::set_eligibility {
					task: *task,
					eligibility: convert::eligibility_to_chain(eligibility),
				})
			}
			GovernanceCall::SetScoreThresholds {
				task,
				min_score,
				harmful_score,
			} => runtime::Call::Training(Training::set_score_thresholds {
				task: *task,
				min_score: *min_score,
				harmful_score: *harmful_score,
			}),
			GovernanceCall::SetProtocolPaused(paused) => {
				runtime::Call::Training(Training::set_protocol_paused { paused: *paused })
			}
			GovernanceCall::SetLicenceTerms { task, terms } => {
				runtime::Call::Licensing(rt::pallet_licensing::pallet::Call::set_terms {
					task: *task,
					terms: Box::new(convert::licence_terms_to_chain(terms)),
				})
			}
		}
	}
}

/// An open council motion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Motion {
	/// The motion's index.
	pub index: u32,
	/// The proposal's hash.
	pub hash: [u8; 32],
	/// Ayes needed.
	pub threshold: u32,
}

/// How a motion ended when closed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MotionOutcome {
	/// Approved and dispatched; `Err` holds the dispatched call's failure.
	Executed(std::result::Result<(), DispatchFailure>),
	/// Rejected.
	Disapproved,
}

/// A vote in a referendum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReferendumVote {
	/// For (`true`) or against.
	pub aye: bool,
	/// Conviction 0 (0.1× the vote, no lock) to 6 (6×, the longest lock).
	pub conviction: u8,
	/// The balance voted with (locked for the conviction's period).
	pub balance: Balance,
}

impl Client {
	/// The council's members.
	pub async fn council_members(&self) -> Result<Vec<AccountId>> {
		let at = self.at_finalized().await?;
		at.storage()
			.entry(runtime::storage().council().members())
			.map_err(|e| ClientError::subxt("reading the council members", e))?
			.fetch(())
			.await
			.map_err(|e| ClientError::subxt("reading the council members", e))?
			.decode()
			.map_err(|e| ClientError::subxt("decoding the council members", e))
	}

	/// Proposes `call` as a council motion needing `threshold` ayes; the proposer's aye counts.
	/// With a threshold of 1 the call is dispatched at once.
	pub async fn council_propose(&self, call: &GovernanceCall, threshold: u32) -> Result<Motion> {
		let proposal = call.to_runtime_call();
		let length = self.encoded_len(&proposal)?;
		let payload = runtime::transactions()
			.council()
			.propose(threshold, proposal, length);
		let receipt = self.submit(&payload).await?;
		if let Some(executed) = receipt.find_first::<runtime::council::events::Executed>()? {
			self.executed_result(&receipt.call, &executed.result)?;
		}
		let proposed = receipt.expect_event::<runtime::council::events::Proposed>();
		match proposed {
			Ok(event) => Ok(Motion {
				index: event.proposal_index,
				hash: event.proposal_hash.0,
				threshold: event.threshold,
			}),
			// A threshold of one executes without opening a motion.
			Err(_) if threshold <= 1 => Ok(Motion {
				index: u32::MAX,
				hash: [0; 32],
				threshold,
			}),
			Err(e) => Err(e),
		}
	}

	/// Votes on an open council motion.
	pub async fn council_vote(&self, motion: &Motion, approve: bool) -> Result<Receipt> {
		let payload =
			runtime::transactions()
				.council()
				.vote(H256(motion.hash), motion.index, approve);
		self.submit(&payload).await
	}

	/// Closes a council motion that has enough votes either way, dispatching `call` if
	/// approved. `call` must be the motion's call (its length bounds the close).
	pub async fn council_close(
		&self,
		motion: &Motion,
		call: &GovernanceCall,
	) -> Result<MotionOutcome> {
		let length = self.encoded_len(&call.to_runtime_call())?;
		let weight_bound = self
			.at_finalized()
			.await?
			.constants()
			.entry(runtime::constants().council().max_proposal_weight())
			.map_err(|e| ClientError::subxt("reading the council's proposal weight bound", e))?;
		let payload = runtime::transactions().council().close(
			H256(motion.hash),
			motion.index,
			weight_bound,
			length,
		);
		let receipt = self.submit(&payload).await?;
		if let Some(executed) = receipt.find_first::<runtime::council::events::Executed>()? {
			let result = self.executed_result(&receipt.call, &executed.result);
			return Ok(MotionOutcome::Executed(result.map_err(|e| match e {
				ClientError::Dispatch { failure, .. } => failure,
				other => DispatchFailure {
					pallet: "Council".into(),
					error: "Executed".into(),
					docs: other.to_string(),
				},
			})));
		}
		if receipt
			.find_first::<runtime::council::events::Disapproved>()?
			.is_some()
		{
			return Ok(MotionOutcome::Disapproved);
		}
		Err(ClientError::MissingEvent {
			call: receipt.call,
			event: "council.Executed or council.Disapproved".into(),
		})
	}

	/// Runs a whole council motion for `call` with the given members: the first proposes,
	/// then members vote aye (the proposer too) until two thirds of the council approve, and
	/// the last voter closes it.
	/// Fails with the dispatched call's decoded error if it failed.
	pub async fn run_council_motion(
		&self,
		call: &GovernanceCall,
		members: &[Signer],
	) -> Result<()> {
		let council = self.council_members().await?.len() as u32;
		// Two thirds of the council, rounded up: what `EnsureProportionAtLeast<2, 3>` needs.
		let threshold = (2 * council).div_ceil(3).max(1);
		if (members.len() as u32) < threshold {
			return Err(ClientError::invalid(
				"council members",
				format!(
					"{} signers given but {threshold} of the {council} council members must approve",
					members.len()
				),
			));
		}
		let proposer = self.clone().with_signer(members[0].clone());
		let motion = proposer.council_propose(call, threshold).await?;
		if threshold <= 1 {
			return Ok(());
		}
		// A motion starts with no votes, not even the proposer's.
		for member in &members[..threshold as usize] {
			self.clone()
				.with_signer(member.clone())
				.council_vote(&motion, true)
				.await?;
		}
		let closer = self
			.clone()
			.with_signer(members[threshold as usize - 1].clone());
		match closer.council_close(&motion, call).await? {
			MotionOutcome::Executed(Ok(())) => Ok(()),
			MotionOutcome::Executed(Err(failure)) => Err(ClientError::Dispatch {
				call: format!("council motion {call:?}"),
				failure,
			}),
			MotionOutcome::Disapproved => Err(ClientError::invalid(
				"council motion",
				format!("{call:?} was disapproved"),
			)),
		}
	}

	/// Approves a proposed task with a council motion of `members` (see
	/// [`Client::run_council_motion`]).
	pub async fn approve_task_by_council(&self, task: TaskId, members: &[Signer]) -> Result<()> {
		self.run_council_motion(&GovernanceCall::ApproveTask(task), members)
			.await
	}

	/// Dispatches `call` with the root origin through the sudo key (development chains only).
	pub async fn sudo(&self, call: &GovernanceCall) -> Result<Receipt> {
		let payload = runtime::transactions().sudo().sudo(call.to_runtime_call());
		let receipt = self.submit(&payload).await?;
		let sudid = receipt.expect_event::<runtime::sudo::events::Sudid>()?;
		self.executed_result(&receipt.call, &sudid.sudo_result)?;
		Ok(receipt)
	}

	/// Opens a referendum on `call`'s track with the call inline (or noted as a preimage when
	/// longer than 128 bytes), to be enacted as soon as it passes. Returns its index. The
	/// submitter pays the submission deposit; someone must still place the decision deposit
	/// ([`Client::place_decision_deposit`]).
	pub async fn submit_referendum(&self, call: &GovernanceCall) -> Result<u32> {
		let encoded = self.encode_runtime_call(&call.to_runtime_call())?;
		let proposal = if encoded.len() <= MAX_INLINE_PROPOSAL {
			rt::frame_support::traits::preimages::Bounded::Inline(encoded)
		} else {
			let hash = sp_crypto_hashing::blake2_256(&encoded);
			let len = encoded.len() as u32;
			self.submit(&runtime::transactions().preimage().note_preimage(encoded))
				.await?;
			rt::frame_support::traits::preimages::Bounded::Lookup {
				hash: H256(hash),
				len,
			}
		};
		let payload = runtime::transactions().referenda().submit(
			track_origin(call.track()),
			proposal,
			rt::frame_support::traits::schedule::DispatchTime::After(0),
		);
		let receipt = self.submit(&payload).await?;
		Ok(receipt
			.expect_event::<runtime::referenda::events::Submitted>()?
			.index)
	}

	/// Places the decision deposit of referendum `index`, letting it start deciding.
	pub async fn place_decision_deposit(&self, index: u32) -> Result<Receipt> {
		let payload = runtime::transactions()
			.referenda()
			.place_decision_deposit(index);
		self.submit(&payload).await
	}

	/// Votes in referendum `index`.
	pub async fn vote_referendum(&self, index: u32, vote: ReferendumVote) -> Result<Receipt> {
		if vote.conviction > 6 {
			return Err(ClientError::invalid(
				"conviction",
				format!("{} is above the highest conviction, 6", vote.conviction),
			));
		}
		// The runtime packs a standard vote in one byte: the top bit is aye, the rest the
		// conviction.
		let packed = (u8::from(vote.aye) << 7) | vote.conviction;
		let payload = runtime::transactions().conviction_voting().vote(
			index,
			rt::pallet_conviction_voting::vote::AccountVote::Standard {
				vote: rt::pallet_conviction_voting::vote::Vote(packed),
				balance: vote.balance,
			},
		);
		self.submit(&payload).await
	}

	/// The encoded length of a runtime call, which motions are bounded by.
	fn encoded_len(&self, call: &runtime::Call) -> Result<u32> {
		let bytes = self.encode_runtime_call(call)?;
		u32::try_from(bytes.len())
			.map_err(|_| ClientError::invalid("call", "longer than 4 GiB".to_string()))
	}

	/// A runtime call's SCALE encoding, through the metadata's type information.
	pub fn encode_runtime_call(&self, call: &runtime::Call) -> Result<Vec<u8>> {
		encode_as_runtime_call(call, crate::client::generated_metadata())
	}

	/// Turns the `Result` a motion or sudo reports into a decoded failure.
	fn executed_result(
		&self,
		call: &str,
		result: &std::result::Result<(), rt::sp_runtime::DispatchError>,
	) -> Result<()> {
		match result {
			Ok(()) => Ok(()),
			Err(error) => Err(ClientError::Dispatch {
				call: call.to_string(),
				failure: failure_from_runtime_error(error, crate::client::generated_metadata()),
			}),
		}
	}
}

/// Encodes a `RuntimeCall` value with the metadata's type information.
fn encode_as_runtime_call(call: &runtime::Call, metadata: &Metadata) -> Result<Vec<u8>> {
	use subxt::ext::scale_encode::EncodeAsType;
	let type_id = metadata.outer_enums().call_enum_ty();
	call.encode_as_type(type_id, metadata.types())
		.map_err(|e| ClientError::invalid("runtime call", e.to_string()))
}

/// Names a dispatch error reported inside an event (a motion's or sudo's result).
fn failure_from_runtime_error(
	error: &rt::sp_runtime::DispatchError,
	metadata: &Metadata,
) -> DispatchFailure {
	use rt::sp_runtime::DispatchError as E;
	if let E::Module(module) = error {
		let variant = metadata
			.pallet_by_error_index(module.index)
			.and_then(|pallet| {
				pallet
					.error_variant_by_index(module.error[0])
					.map(|variant| (pallet.name().to_string(), variant))
			});
		if let Some((pallet, variant)) = variant {
			return DispatchFailure {
				pallet,
				error: variant.name.clone(),
				docs: variant
					.docs
					.iter()
					.map(|line| line.trim())
					.filter(|line| !line.is_empty())
					.collect::<Vec<_>>()
					.join(" "),
			};
		}
	}
	let debug = format!("{error:?}");
	DispatchFailure {
		pallet: "DispatchError".into(),
		error: debug
			.split(['(', ' ', '{'])
			.next()
			.unwrap_or("Unknown")
			.to_string(),
		docs: debug,
	}
}

/// The origin a referendum on `track` dispatches with.
fn track_origin(track: Track) -> runtime::runtime_types::decentralml_runtime::OriginCaller {
	use rt::decentralml_runtime::{
		governance::origins::pallet_custom_origins::Origin, OriginCaller,
	};
	match track {
		Track::Root => OriginCaller::system(rt::frame_support::dispatch::RawOrigin::Root),
		Track::TaskApproval => OriginCaller::Origins(Origin::TaskApproval),
		Track::ProtocolParameters => OriginCaller::Origins(Origin::ProtocolParameters),
		Track::Licensing => OriginCaller::Origins(Origin::Licensing),
	}
}
