//! The server side of the Compute Enclave login API, on dropshot.
//!
//! `generated.rs` comes from `openapi/login.yaml` by `cargo xtask codegen`:
//! the [`ComputeEnclaveLoginApi`] trait to implement, one response enum per
//! operation with a variant per documented status, and [`api_description`].
//! `runtime.rs` is the hand-written wire layer the generated code uses.

#[rustfmt::skip]
mod generated;
pub mod runtime;

pub use generated::*;
pub use login_types as types;
pub use runtime::OperationContext;
