//! The `decentralml` binary: a thin entry point over the `decentralml` library.

fn main() -> anyhow::Result<()> {
	decentralml::cli::run()
}
