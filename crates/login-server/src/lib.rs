//! The server side of the Compute Enclave login API, on dropshot.
//!
//! `generated.rs` comes from `openapi/login.yaml` by `cargo xtask codegen`:
//! the [`ComputeEnclaveLoginApi`] trait to implement, one response enum per
//! operation with a variant per documented status, and [`api_description`].
//! `runtime.rs` is the hand-written wire layer the generated code uses.
//!
//! ```no_run
//! use login_server::types::{CreateSessionDetails, Error};
//! use login_server::{ComputeEnclaveLoginApi, CreateSessionResponse, OperationContext};
//!
//! struct MyService;
//!
//! impl ComputeEnclaveLoginApi for MyService {
//!     async fn create_session(
//!         &self,
//!         ctx: &OperationContext,
//!         body: CreateSessionDetails,
//!     ) -> CreateSessionResponse {
//!         slog::info!(ctx.log, "login"; "user" => &*body.username);
//!         CreateSessionResponse::Unauthorized {
//!             body: Error {
//!                 code: "NotAuthenticated".into(),
//!                 message: "wrong credentials".into(),
//!             },
//!         }
//!     }
//! }
//!
//! # async fn serve() -> Result<(), Box<dyn std::error::Error>> {
//! let log = slog::Logger::root(slog::Discard, slog::o!());
//! let api = login_server::api_description::<MyService>()?;
//! let server = dropshot::ServerBuilder::new(api, MyService, log).start()?;
//! server.await?;
//! # Ok(())
//! # }
//! ```

#[rustfmt::skip]
mod generated;
pub mod runtime;

pub use generated::*;
pub use login_types as types;
pub use runtime::OperationContext;
