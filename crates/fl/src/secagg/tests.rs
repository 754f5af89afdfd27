//! The whole protocol run in-process: K clients, a sparse random graph, dropouts.

use super::*;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use std::collections::BTreeSet;

/// Where clients stop responding.
#[derive(Default)]
struct Dropouts {
	/// Shared keys, then sent no masked input.
	after_sharing: BTreeSet<u32>,
	/// Sent a masked input, then no unmasking response.
	after_masking: BTreeSet<u32>,
}

struct Run {
	output: Result<SecAggOutput, SecAggError>,
	inputs: Vec<Vec<f32>>,
	masked: Vec<MaskedInput>,
}

fn params(n: u32, degree: u32, threshold: u32, len: usize) -> SecAggParams {
	SecAggParams {
		session: [5; 32],
		num_clients: n,
		degree,
		threshold,
		graph_seed: [6; 32],
		quantizer: Quantizer {
			range: 8.0,
			levels: 1 << 22,
		},
		modulus_bits: 32,
		vector_len: len,
	}
}

fn run(params: SecAggParams, dropouts: &Dropouts, seed: u64) -> Run {
	let mut rng = ChaCha20Rng::seed_from_u64(seed);
	let n = params.num_clients;
	let inputs: Vec<Vec<f32>> = (0..n)
		.map(|_| {
			(0..params.vector_len)
				.map(|_| (rng.next_u32() as f32 / u32::MAX as f32) * 4.0 - 2.0)
				.collect()
		})
		.collect();
	let mut server = SecAggServer::new(params).unwrap();
	let mut clients = Vec::new();
	for id in 0..n {
		let (client, advert) = SecAggClient::new(params, id, &mut rng).unwrap();
		server.receive_advertisement(advert).unwrap();
		clients.push(client);
	}
	server.close_advertising().unwrap();
	for client in &mut clients {
		let keys = server.neighbour_keys(client.id()).unwrap();
		let shares = client.share_keys(&keys, &mut rng).unwrap();
		server.receive_shares(shares).unwrap();
	}
	server.close_sharing().unwrap();
	let mut masked = Vec::new();
	for client in &mut clients {
		if dropouts.after_sharing.contains(&client.id()) {
			continue;
		}
		let shares = server.shares_for(client.id()).unwrap();
		let input = client
			.mask_input(&shares, &inputs[client.id() as usize])
			.unwrap();
		masked.push(input.clone());
		server.receive_masked_input(input).unwrap();
	}
	let request = match server.close_masking() {
		Ok(request) => request,
		Err(e) => {
			return Run {
				output: Err(e),
				inputs,
				masked,
			}
		}
	};
	for client in &mut clients {
		let id = client.id();
		if dropouts.after_sharing.contains(&id) || dropouts.after_masking.contains(&id) {
			continue;
		}
		let response = client.unmask(&request).unwrap();
		server.receive_unmask_response(response).unwrap();
	}
	Run {
		output: server.finish(),
		inputs,
		masked,
	}
}

/// Checks the sum against the survivors' true sum within the quantisation bound.
fn check_sum(run: &Run, params: &SecAggParams) {
	let output = run.output.as_ref().unwrap();
	let bound = output.contributors.len() as f64 * params.quantizer.max_error() * (1.0 + 1e-9);
	for (i, s) in output.sum.iter().enumerate() {
		let exact: f64 = output
			.contributors
			.iter()
			.map(|&c| f64::from(run.inputs[c as usize][i]))
			.sum();
		assert!(
			(s - exact).abs() <= bound,
			"element {i}: {s} vs {exact} (bound {bound})"
		);
	}
}

#[test]
fn no_dropouts_sum_is_exact_up_to_quantisation() {
	let p = params(10, 4, 3, 200);
	let run = run(p, &Dropouts::default(), 1);
	check_sum(&run, &p);
	assert_eq!(
		run.output.unwrap().contributors,
		(0..10).collect::<Vec<_>>()
	);
}

#[test]
fn tolerated_dropouts_still_unmask() {
	// Degree 6, threshold 4: two clients drop after sharing and one more after masking, chosen
	// so that no client loses more than two of its six neighbours (the tolerated number).
	let p = params(16, 6, 4, 300);
	let graph = p.graph();
	let tolerated = |gone: &[u32]| {
		graph
			.iter()
			.all(|neighbours| neighbours.iter().filter(|j| gone.contains(j)).count() <= 2)
	};
	let (a, b, c) = (0..16u32)
		.flat_map(|a| (a + 1..16).flat_map(move |b| (0..16).map(move |c| (a, b, c))))
		.find(|&(a, b, c)| c != a && c != b && tolerated(&[a, b, c]))
		.unwrap();
	let dropouts = Dropouts {
		after_sharing: [a, b].into(),
		after_masking: [c].into(),
	};
	let run = run(p, &dropouts, 2);
	check_sum(&run, &p);
	let output = run.output.unwrap();
	assert_eq!(output.dropped, vec![a, b]);
	// Client c masked its input, so it is in the sum even though it did not help unmask.
	assert!(output.contributors.contains(&c));
	assert_eq!(output.contributors.len(), 14);
}

#[test]
fn complete_graph_behaves_like_secagg() {
	let p = params(6, 5, 3, 50);
	let dropouts = Dropouts {
		after_sharing: [0].into(),
		after_masking: [5].into(),
	};
	let run = run(p, &dropouts, 3);
	check_sum(&run, &p);
}

#[test]
fn too_many_dropouts_fail_naming_the_client() {
	// Degree 4, threshold 3: if a dropped client's neighbourhood loses two more responders, its
	// mask key has only two shares.
	let p = params(12, 4, 3, 20);
	let graph = p.graph();
	let dropped = 0u32;
	let gone: Vec<u32> = graph[dropped as usize].iter().take(2).copied().collect();
	let dropouts = Dropouts {
		after_sharing: [dropped].into(),
		after_masking: gone.iter().copied().collect(),
	};
	let run = run(p, &dropouts, 4);
	match run.output {
		Err(SecAggError::TooManyDropouts {
			available,
			threshold: 3,
			..
		}) => assert!(available < 3),
		other => panic!("expected TooManyDropouts, got {other:?}"),
	}
}

#[test]
fn too_few_survivors_fail_before_unmasking() {
	let p = params(5, 4, 4, 10);
	let dropouts = Dropouts {
		after_sharing: [0, 1].into(),
		..Default::default()
	};
	let run = run(p, &dropouts, 5);
	assert!(matches!(
		run.output,
		Err(SecAggError::TooManyDropouts {
			secret: "masked input",
			..
		})
	));
}

#[test]
fn the_server_only_sees_masked_vectors() {
	// Structural: `SecAggServer` has no method taking a plain vector, and `MaskedInput` has no
	// public constructor. Statistical: a masked vector shares almost no words with its quantised
	// input, and two clients with equal inputs send unrelated vectors.
	let p = params(8, 4, 3, 256);
	let run = run(p, &Dropouts::default(), 6);
	for masked in &run.masked {
		let input = &run.inputs[masked.client() as usize];
		let same = masked
			.values()
			.iter()
			.zip(input)
			.filter(|(m, x)| **m == p.quantizer.quantize(**x))
			.count();
		assert!(
			same <= 2,
			"client {}: {same} words unmasked",
			masked.client()
		);
	}
	let mut rng = ChaCha20Rng::seed_from_u64(7);
	let mut server = SecAggServer::new(p).unwrap();
	let mut clients: Vec<SecAggClient> = (0..8)
		.map(|id| {
			let (c, a) = SecAggClient::new(p, id, &mut rng).unwrap();
			server.receive_advertisement(a).unwrap();
			c
		})
		.collect();
	server.close_advertising().unwrap();
	for c in &mut clients {
		let keys = server.neighbour_keys(c.id()).unwrap();
		server
			.receive_shares(c.share_keys(&keys, &mut rng).unwrap())
			.unwrap();
	}
	server.close_sharing().unwrap();
	let zeros = vec![0.0f32; 256];
	let a = clients[0]
		.mask_input(&server.shares_for(0).unwrap(), &zeros)
		.unwrap();
	let b = clients[1]
		.mask_input(&server.shares_for(1).unwrap(), &zeros)
		.unwrap();
	let equal = a
		.values()
		.iter()
		.zip(b.values())
		.filter(|(x, y)| x == y)
		.count();
	assert!(equal <= 2);
}

#[test]
fn clients_refuse_inconsistent_unmask_requests() {
	let p = params(6, 5, 3, 4);
	let mut rng = ChaCha20Rng::seed_from_u64(8);
	let mut server = SecAggServer::new(p).unwrap();
	let mut clients: Vec<SecAggClient> = (0..6)
		.map(|id| {
			let (c, a) = SecAggClient::new(p, id, &mut rng).unwrap();
			server.receive_advertisement(a).unwrap();
			c
		})
		.collect();
	server.close_advertising().unwrap();
	for c in &mut clients {
		let keys = server.neighbour_keys(c.id()).unwrap();
		server
			.receive_shares(c.share_keys(&keys, &mut rng).unwrap())
			.unwrap();
	}
	server.close_sharing().unwrap();
	let shares = server.shares_for(0).unwrap();
	clients[0].mask_input(&shares, &[0.5; 4]).unwrap();
	// Asking for both the seed and the mask key of client 1 would unmask its input.
	let greedy = UnmaskRequest {
		survivors: vec![0, 1, 2, 3],
		dropped: vec![1],
	};
	assert!(matches!(
		clients[0].unmask(&greedy),
		Err(SecAggError::InconsistentRequest { client: 0, .. })
	));
	let without_me = UnmaskRequest {
		survivors: vec![1, 2, 3],
		dropped: vec![],
	};
	assert!(clients[0].unmask(&without_me).is_err());
}

#[test]
fn out_of_order_and_foreign_messages_are_rejected() {
	let p = params(6, 2, 2, 4);
	let mut rng = ChaCha20Rng::seed_from_u64(9);
	let mut server = SecAggServer::new(p).unwrap();
	let (mut client, advert) = SecAggClient::new(p, 0, &mut rng).unwrap();
	assert!(matches!(
		server.close_masking(),
		Err(SecAggError::WrongStage { .. })
	));
	server.receive_advertisement(advert.clone()).unwrap();
	assert!(matches!(
		server.receive_advertisement(advert),
		Err(SecAggError::DuplicateMessage { .. })
	));
	assert!(matches!(
		server.receive_advertisement(KeyAdvertisement {
			client: 99,
			encryption_key: [1; 32],
			mask_key: [1; 32]
		}),
		Err(SecAggError::UnknownClient(99))
	));
	// A key from a non-neighbour is refused by the client.
	let graph = p.graph();
	let stranger = (1..6).find(|j| !graph[0].contains(j)).unwrap();
	let (_, foreign) = SecAggClient::new(p, stranger, &mut rng).unwrap();
	assert!(matches!(
		client.share_keys(&[foreign], &mut rng),
		Err(SecAggError::NotNeighbour { .. })
	));
	assert!(matches!(
		client.unmask(&UnmaskRequest {
			survivors: vec![],
			dropped: vec![]
		}),
		Err(SecAggError::WrongStage { .. })
	));
}

#[test]
fn parameters_are_validated() {
	assert!(params(10, 4, 3, 8).validate().is_ok());
	assert!(params(1, 4, 3, 8).validate().is_err());
	assert!(params(10, 4, 5, 8).validate().is_err());
	assert!(params(10, 4, 0, 8).validate().is_err());
	let mut overflow = params(10, 4, 3, 8);
	overflow.quantizer.levels = u32::MAX / 8;
	assert!(matches!(
		overflow.validate(),
		Err(SecAggError::InvalidParameter {
			name: "modulus_bits",
			..
		})
	));
	let recommended = SecAggParams::recommended([0; 32], [0; 32], 1000, 10);
	assert!(recommended.validate().is_ok());
	assert_eq!(recommended.effective_degree(), 20);
	assert_eq!(recommended.threshold, 11);
	assert_eq!(
		SecAggParams::recommended([0; 32], [0; 32], 3, 10).effective_degree(),
		2
	);
}
