//! Content-addressed storage (work in progress).
