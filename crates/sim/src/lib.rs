//! Federated-learning simulator (being built: see crates/train for local training).
