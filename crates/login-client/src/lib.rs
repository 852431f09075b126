//! A client of the Compute Enclave login API, generated with progenitor from
//! `openapi/login.yaml` by `cargo xtask codegen` (see `generated.rs`).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use login_client::{Client, types::CreateSessionDetails};
//!
//! let client = Client::new("http://127.0.0.1:8080");
//! let details = CreateSessionDetails {
//!     username: "alice".try_into()?,
//!     password: "correct horse battery staple".try_into()?,
//!     tenancy: "acme".try_into()?,
//! };
//! let session = client.create_session(None, &details).await?.into_inner();
//! println!("{:?}", session.token);
//! # Ok(())
//! # }
//! ```

#[rustfmt::skip]
#[allow(clippy::all)]
mod generated;
#[rustfmt::skip]
mod generated_typed;
pub mod typed;

pub use generated::*;
pub use generated_typed::*;
pub use typed::{RetryPolicy, TypedClient};
