//! Streaming a local file as a [`BlobStream`], reading ahead on a blocking thread so that disk
//! reads overlap with the CID verification of the previous piece.

use crate::{store::IO_BUFFER_SIZE, BlobStream, Error, Result};
use bytes::Bytes;
use std::{io::Read, path::PathBuf};
use tokio::sync::mpsc;

/// Pieces read ahead of the consumer.
const READ_AHEAD: usize = 4;

/// Streams `file` in pieces of [`IO_BUFFER_SIZE`]; errors name `path`. Must be called within a
/// tokio runtime. The reading thread stops as soon as the stream is dropped.
pub(crate) fn read_ahead(file: std::fs::File, path: PathBuf) -> BlobStream {
	let (sender, mut receiver) = mpsc::channel::<Result<Bytes>>(READ_AHEAD);
	tokio::task::spawn_blocking(move || read_loop(file, &path, &sender));
	Box::pin(futures::stream::poll_fn(move |cx| receiver.poll_recv(cx)))
}

fn read_loop(
	mut file: std::fs::File,
	path: &std::path::Path,
	sender: &mpsc::Sender<Result<Bytes>>,
) {
	loop {
		let mut buf = vec![0u8; IO_BUFFER_SIZE];
		let mut filled = 0;
		while filled < buf.len() {
			match file.read(&mut buf[filled..]) {
				Ok(0) => break,
				Ok(n) => filled += n,
				Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
				Err(e) => {
					let _ = sender.blocking_send(Err(Error::io("reading", path, e)));
					return;
				}
			}
		}
		if filled == 0 {
			return;
		}
		buf.truncate(filled);
		if sender.blocking_send(Ok(Bytes::from(buf))).is_err() {
			return; // the consumer is gone
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use futures::StreamExt;

	#[tokio::test]
	async fn streams_the_whole_file_in_order() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("blob");
		let data: Vec<u8> = (0..(2 * IO_BUFFER_SIZE + 77))
			.map(|i| (i % 253) as u8)
			.collect();
		std::fs::write(&path, &data).unwrap();
		let file = std::fs::File::open(&path).unwrap();
		let mut stream = read_ahead(file, path);
		let mut out = Vec::new();
		while let Some(piece) = stream.next().await {
			out.extend_from_slice(&piece.unwrap());
		}
		assert_eq!(out, data);
	}
}
