//! Compiles the runtime to wasm (`wasm32v1-none`) for the node to execute, unless
//! `SKIP_WASM_BUILD` is set (native checks and tests do not need the blob).
fn main() {
	#[cfg(feature = "std")]
	{
		// The workspace compiles the benchmarks natively for its tests (one feature set for the
		// node and the tests), but the wasm the chain runs must not offer the benchmark runtime
		// API: it enters the blob only with `wasm-benchmarks`. The wasm builder forwards every
		// feature it sees in the `CARGO_FEATURE_*` variables, so hide this one from it.
		if std::env::var_os("CARGO_FEATURE_WASM_BENCHMARKS").is_none() {
			std::env::remove_var("CARGO_FEATURE_RUNTIME_BENCHMARKS");
		}
		substrate_wasm_builder::WasmBuilder::build_using_defaults();
	}
}
