//! End-to-end simulations: a synthetic MNIST-layout data set that always exists, and real
//! MNIST when it is installed (required in CI).

use clap::Parser;
use decentralml_sim::{Mode, SimulateArgs};
use decentralml_train::data::{self, DatasetName};
use std::path::{Path, PathBuf};

#[derive(Parser)]
struct Cli {
	#[command(flatten)]
	args: SimulateArgs,
}

fn args(list: &[&str]) -> SimulateArgs {
	let mut argv = vec!["simulate", "--quiet", "--log-every", "0"];
	argv.extend_from_slice(list);
	Cli::parse_from(argv).args
}

/// [`args`] for a run that reads `data_dir` and writes into `out`.
fn args_in(data_dir: &Path, out: &Path, list: &[&str]) -> SimulateArgs {
	let mut argv = vec![
		"--data-dir",
		data_dir.to_str().unwrap(),
		"--out",
		out.to_str().unwrap(),
	];
	argv.extend_from_slice(list);
	args(&argv)
}

/// Writes an IDX image file and label file.
fn write_idx(folder: &Path, prefix: &str, images: &[u8], labels: &[u8]) {
	let count = labels.len() as u32;
	let mut bytes = vec![0, 0, 8, 3];
	for d in [count, 28, 28] {
		bytes.extend_from_slice(&d.to_be_bytes());
	}
	bytes.extend_from_slice(images);
	std::fs::write(folder.join(format!("{prefix}-images-idx3-ubyte")), bytes).unwrap();
	let mut bytes = vec![0, 0, 8, 1];
	bytes.extend_from_slice(&count.to_be_bytes());
	bytes.extend_from_slice(labels);
	std::fs::write(folder.join(format!("{prefix}-labels-idx1-ubyte")), bytes).unwrap();
}

/// A data folder whose "MNIST" has ten classes of noisy horizontal bars (class c lights row
/// 2c + 3), so a short run can learn it.
fn synthetic_data_dir(root: &Path) -> PathBuf {
	let folder = root.join("mnist");
	std::fs::create_dir_all(&folder).unwrap();
	for (prefix, count) in [("train", 2000usize), ("t10k", 500)] {
		let mut images = vec![0u8; count * 784];
		let mut labels = Vec::with_capacity(count);
		for i in 0..count {
			let class = (i * 7 + i / 10) % 10;
			let image = &mut images[i * 784..(i + 1) * 784];
			for x in 0..28 {
				image[(2 * class + 3) * 28 + x] = 255;
				// Deterministic speckle noise.
				image[(i * 31 + x * 17) % 784] = 90;
			}
			labels.push(class as u8);
		}
		write_idx(&folder, prefix, &images, &labels);
	}
	root.to_path_buf()
}

/// Logistic regression over 10 clients holding label shards, 3 of them a round.
const SMALL_SHARDED_RUN: &[&str] = &[
	"--model",
	"logreg",
	"--clients",
	"10",
	"--fraction",
	"0.3",
	"--partition",
	"shards",
];

#[test]
fn fedavg_on_synthetic_data_learns_and_writes_outputs() {
	let dir = tempfile::tempdir().unwrap();
	let data_dir = synthetic_data_dir(dir.path());
	let out = dir.path().join("out");
	let list = [
		SMALL_SHARDED_RUN,
		&[
			"--rounds",
			"3",
			"--strategy",
			"fedavgm:lr=1.0,momentum=0.5",
			"--target-accuracy",
			"0.9",
		],
	]
	.concat();
	let report = decentralml_sim::run(args_in(&data_dir, &out, &list)).unwrap();
	assert_eq!(report.records.len(), 3);
	assert_eq!(report.records[0].clients, 3);
	assert!(report.best_accuracy > 0.9, "{:?}", report.records);
	assert!(report.rounds_to_target.is_some());
	let csv = std::fs::read_to_string(&report.csv_path).unwrap();
	assert_eq!(csv.lines().count(), 4);
	assert!(std::fs::read_to_string(&report.svg_path)
		.unwrap()
		.starts_with("<svg"));
}

/// The CSV without its wall-clock column, which no two runs share.
fn csv_without_seconds(path: &Path) -> Vec<String> {
	std::fs::read_to_string(path)
		.unwrap()
		.lines()
		.map(|line| {
			let mut fields: Vec<&str> = line.split(',').collect();
			fields.remove(4);
			fields.join(",")
		})
		.collect()
}

#[test]
fn an_interrupted_run_resumed_gives_the_uninterrupted_results() {
	let dir = tempfile::tempdir().unwrap();
	let data_dir = synthetic_data_dir(dir.path());
	let run = |out: &str, extra: &[&str]| {
		let out = dir.path().join(out);
		let mut list = SMALL_SHARDED_RUN.to_vec();
		list.extend_from_slice(&[
			"--name",
			"run",
			// FedAvgM keeps server state (momentum) that the checkpoint must carry.
			"--strategy",
			"fedavgm:lr=1.0,momentum=0.9",
			"--eval-examples",
			"300",
		]);
		list.extend_from_slice(extra);
		decentralml_sim::run(args_in(&data_dir, &out, &list))
	};
	let whole = run("whole", &["--rounds", "4"]).unwrap();
	let first = run("parts", &["--rounds", "2"]).unwrap();
	assert_eq!(first.records.len(), 2);
	let rest = run("parts", &["--rounds", "4", "--resume"]).unwrap();
	assert_eq!(rest.records.len(), 4);
	for (a, b) in whole.records.iter().zip(&rest.records) {
		assert_eq!((a.round, a.accuracy, a.loss), (b.round, b.accuracy, b.loss));
		assert_eq!((a.examples, a.train_loss), (b.examples, b.train_loss));
	}
	assert_eq!(
		csv_without_seconds(&whole.csv_path),
		csv_without_seconds(&rest.csv_path)
	);
	// The report's wall time covers every round, the ones before the resumption included.
	let again = run("parts", &["--rounds", "4", "--resume"]).unwrap();
	assert_eq!(again.records.len(), 4);
	let rounds: f64 = again.records.iter().map(|r| r.seconds).sum();
	assert!(
		(again.seconds - rounds).abs() < 1e-6 && rounds > 0.0,
		"{} s reported, {rounds} s in the rounds",
		again.seconds
	);
	// Other settings cannot continue this checkpoint.
	let err = run("parts", &["--rounds", "6", "--resume", "--seed", "1"]).unwrap_err();
	let text = format!("{err:#}");
	assert!(
		text.contains("other settings") && text.contains("seed 1"),
		"{text}"
	);
	// Without a checkpoint, --resume starts from round 1.
	let fresh = run("fresh", &["--rounds", "1", "--resume"]).unwrap();
	assert_eq!(fresh.records[0].accuracy, whole.records[0].accuracy);
}

#[test]
fn clients_trained_side_by_side_give_the_sequential_results() {
	let dir = tempfile::tempdir().unwrap();
	let data_dir = synthetic_data_dir(dir.path());
	let run = |mode: Mode, workers: &str| {
		let out = dir.path().join(format!("{mode:?}-{workers}"));
		let mut a = args_in(
			&data_dir,
			&out,
			&[
				"--model",
				"2nn",
				"--clients",
				"6",
				"--fraction",
				"0.5",
				"--rounds",
				"2",
				"--partition",
				"dirichlet:0.5",
				"--strategy",
				"fedavgm:lr=1.0,momentum=0.9",
				"--eval-examples",
				"300",
				"--parallel-clients",
				workers,
			],
		);
		a.mode = mode;
		decentralml_sim::run(a).unwrap()
	};
	for mode in [Mode::Fl, Mode::Proxyfl] {
		let one = run(mode, "1");
		let three = run(mode, "3");
		assert_eq!(one.records.len(), 2);
		for (a, b) in one.records.iter().zip(&three.records) {
			assert_eq!(
				(a.accuracy, a.loss, a.train_loss),
				(b.accuracy, b.loss, b.train_loss)
			);
		}
		assert_eq!(
			csv_without_seconds(&one.csv_path),
			csv_without_seconds(&three.csv_path)
		);
	}
	let err = decentralml_sim::run(args_in(
		&data_dir,
		&dir.path().join("refused"),
		&["--parallel-clients", "0"],
	))
	.unwrap_err();
	assert!(format!("{err:#}").contains("--parallel-clients must be at least 1"));
	assert!(
		!dir.path().join("refused").exists(),
		"a refused run writes nothing"
	);
}

#[test]
fn proxyfl_on_synthetic_data_learns() {
	let dir = tempfile::tempdir().unwrap();
	let data_dir = synthetic_data_dir(dir.path());
	let mut a = args_in(
		&data_dir,
		&dir.path().join("out"),
		&[
			"--model",
			"logreg",
			"--clients",
			"4",
			"--rounds",
			"2",
			"--partition",
			"dirichlet:1.0",
			"--dp-clip",
			"1.0",
			"--dp-noise",
			"0.5",
			"--eval-examples",
			"200",
		],
	);
	a.mode = Mode::Proxyfl;
	let report = decentralml_sim::run(a).unwrap();
	assert_eq!(report.records.len(), 2);
	assert_eq!(report.records[0].clients, 4);
	assert!(report.best_accuracy > 0.7, "{:?}", report.records);
}

#[test]
fn missing_data_says_what_to_run() {
	let dir = tempfile::tempdir().unwrap();
	let err =
		decentralml_sim::run(args(&["--data-dir", dir.path().to_str().unwrap()])).unwrap_err();
	let text = format!("{err:#}");
	assert!(text.contains("scripts/fetch-data.sh"), "{text}");
}

/// MNIST from the installed data folder; skipped with a notice when absent, except in CI
/// (`CI=true`), where it must be installed.
fn mnist_dir() -> Option<PathBuf> {
	let dir = data::data_dir();
	if data::load(DatasetName::Mnist, &dir).is_ok() {
		return Some(dir);
	}
	if std::env::var("CI").is_ok_and(|v| v == "true") {
		panic!("CI=true and MNIST is not installed: run scripts/fetch-data.sh");
	}
	eprintln!(
		"notice: MNIST is not installed (scripts/fetch-data.sh); skipping the MNIST simulation"
	);
	None
}

#[test]
fn short_mnist_run_beats_chance_by_far() {
	let Some(data_dir) = mnist_dir() else { return };
	let dir = tempfile::tempdir().unwrap();
	let report = decentralml_sim::run(args_in(
		&data_dir,
		dir.path(),
		&[
			"--model",
			"2nn",
			"--clients",
			"30",
			"--fraction",
			"0.1",
			"--rounds",
			"3",
			"--eval-examples",
			"2000",
		],
	))
	.unwrap();
	let first = report.records[0].accuracy;
	let last = report.records[2].accuracy;
	assert!(last > 0.8, "accuracy after 3 rounds: {:?}", report.records);
	assert!(last >= first - 0.02, "{:?}", report.records);
}
