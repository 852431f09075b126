//! Types of the Compute Enclave login API, shared by `login-client` and
//! `login-server`.
//!
//! Everything here is generated from `openapi/login.yaml` by
//! `cargo xtask codegen` (see `generated.rs`). The password of
//! [`CreateSessionDetails`] is a secret newtype: its `Debug` and `Display`
//! print `[REDACTED]`, and [`CreateSessionDetailsPassword::expose_secret`]
//! reads it.

#[rustfmt::skip]
#[allow(clippy::all)]
mod generated;

pub use generated::*;
