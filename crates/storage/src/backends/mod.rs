//! Storage backends. Each stores a blob under its CID (`<prefix>/<cid>`).

pub mod ipfs;
pub mod local;
pub mod memory;
pub mod object;

/// Checks whether an I/O error means "no such file".
pub(crate) fn is_not_found(error: &std::io::Error) -> bool {
	error.kind() == std::io::ErrorKind::NotFound
}
