//! The reference login service: the generated `ComputeEnclaveLoginApi`
//! implemented for real, on an embedded SQLite store.

pub mod cli;
pub mod credentials;
pub mod service;
pub mod store;
