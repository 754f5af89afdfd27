//! Federated-learning core library (work in progress).
