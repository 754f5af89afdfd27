//! Compiles the runtime to wasm (`wasm32v1-none`) for the node to execute, unless
//! `SKIP_WASM_BUILD` is set (native checks and tests do not need the blob).
fn main() {
	#[cfg(feature = "std")]
	substrate_wasm_builder::WasmBuilder::build_using_defaults();
}
