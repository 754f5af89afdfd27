//! A real TCP proxy on loopback that forwards to a server until it is cut: then every open
//! connection is dropped and new ones are refused, exactly what a client sees when the server
//! process dies.

use std::{
	net::SocketAddr,
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc,
	},
};
use tokio::{
	net::{TcpListener, TcpStream},
	sync::watch,
};

/// A proxy in front of one upstream address.
pub struct CutProxy {
	addr: SocketAddr,
	cut: Arc<AtomicBool>,
	cut_signal: watch::Sender<bool>,
	accept_task: tokio::task::JoinHandle<()>,
}

impl CutProxy {
	/// Starts forwarding a fresh loopback port to the server of `upstream_url` (`http://h:p`).
	pub async fn start(upstream_url: &str) -> Self {
		let upstream: SocketAddr = upstream_url
			.trim_start_matches("http://")
			.trim_end_matches('/')
			.parse()
			.expect("upstream as http://ip:port");
		let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
		let addr = listener.local_addr().unwrap();
		let cut = Arc::new(AtomicBool::new(false));
		let (cut_signal, cut_watch) = watch::channel(false);
		let accept_cut = cut.clone();
		let accept_task = tokio::spawn(async move {
			loop {
				let Ok((client, _)) = listener.accept().await else {
					return;
				};
				if accept_cut.load(Ordering::SeqCst) {
					continue; // dropped at once: connection reset
				}
				tokio::spawn(forward(client, upstream, cut_watch.clone()));
			}
		});
		Self {
			addr,
			cut,
			cut_signal,
			accept_task,
		}
	}

	/// The proxy's URL, to give to the client under test.
	pub fn url(&self) -> String {
		format!("http://{}", self.addr)
	}

	/// A handle that cuts the proxy from any thread (e.g. from inside a reader).
	pub fn cutter(&self) -> impl Fn() + Send + Sync + 'static {
		let cut = self.cut.clone();
		let signal = self.cut_signal.clone();
		move || {
			cut.store(true, Ordering::SeqCst);
			let _ = signal.send(true);
		}
	}
}

impl Drop for CutProxy {
	fn drop(&mut self) {
		(self.cutter())();
		self.accept_task.abort();
	}
}

async fn forward(mut client: TcpStream, upstream: SocketAddr, mut cut: watch::Receiver<bool>) {
	let Ok(mut server) = TcpStream::connect(upstream).await else {
		return;
	};
	tokio::select! {
		_ = tokio::io::copy_bidirectional(&mut client, &mut server) => {},
		// Both sockets are dropped mid-message, as when the server process dies.
		_ = cut.wait_for(|cut| *cut) => {},
	}
}
