//! Helpers shared by the integration tests.

/// Whether MNIST is installed; without it the test is skipped (or fails under `CI=true`).
pub fn mnist_available() -> bool {
	let dir = decentralml_train::data::data_dir().join("mnist");
	if dir.join("train-images-idx3-ubyte.gz").exists()
		|| dir.join("train-images-idx3-ubyte").exists()
	{
		return true;
	}
	let message = format!(
		"MNIST is missing from {}: run scripts/fetch-data.sh",
		dir.display()
	);
	if std::env::var("CI").is_ok_and(|ci| ci == "true") {
		panic!("{message}");
	}
	eprintln!("skipping: {message}");
	false
}
