//! Free loopback ports for nodes whose port must be known before they start.

use anyhow::{Context, Result};
use std::net::TcpListener;

/// A TCP port on 127.0.0.1 that was free a moment ago. The operating system picks it from its
/// ephemeral range, which it hands out round-robin, so a port just released is rarely reused
/// at once.
pub fn free_port() -> Result<u16> {
	let listener = TcpListener::bind("127.0.0.1:0").context("binding a free port on 127.0.0.1")?;
	Ok(listener
		.local_addr()
		.context("reading the bound address")?
		.port())
}

#[cfg(test)]
mod tests {
	#[test]
	fn free_port_is_bindable() {
		let port = super::free_port().unwrap();
		assert_ne!(port, 0);
		std::net::TcpListener::bind(("127.0.0.1", port)).expect("port should still be free");
	}
}
