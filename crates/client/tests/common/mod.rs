//! Starting a development node for the integration tests.

use decentralml_localnet::{NodeConfig, NodeProcess};
use std::path::PathBuf;

/// The `decentralml` binary: `$DECENTRALML_BIN`, else `$CARGO_TARGET_DIR/debug/decentralml`,
/// else the `debug` directory this test binary was built into.
pub fn node_binary() -> PathBuf {
	if let Some(path) = std::env::var_os("DECENTRALML_BIN") {
		return PathBuf::from(path);
	}
	if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
		return PathBuf::from(dir).join("debug").join("decentralml");
	}
	// target/debug/deps/<test> → target/debug/decentralml
	std::env::current_exe()
		.ok()
		.and_then(|exe| {
			exe.parent()?
				.parent()
				.map(|debug| debug.join("decentralml"))
		})
		.unwrap_or_else(|| PathBuf::from("decentralml"))
}

/// A fresh `--dev` node with 500 ms blocks, or `None` (after a notice) when the binary has
/// not been built. Under `CI=true` a missing binary fails the test instead.
pub async fn dev_node(logs: &std::path::Path) -> Option<NodeProcess> {
	let binary = node_binary();
	if !binary.exists() {
		let message = format!(
			"the node binary {} is missing: build it with `cargo build -p decentralml` or set \
			 DECENTRALML_BIN",
			binary.display()
		);
		if std::env::var("CI").is_ok_and(|ci| ci == "true") {
			panic!("{message}");
		}
		eprintln!("skipping: {message}");
		return None;
	}
	let mut config = NodeConfig::dev(logs);
	config.block_time_ms = Some(500);
	Some(
		NodeProcess::start(&binary, config)
			.await
			.expect("the dev node starts"),
	)
}
