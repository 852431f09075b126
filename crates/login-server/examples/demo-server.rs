//! A minimal in-memory implementation of the generated trait, for conformance
//! runs against the generated server alone: it accepts the spec example's
//! credentials (alice / acme) and nothing else.
//!
//! `cargo run -p login-server --example demo-server -- 127.0.0.1:0` prints
//! `listening on ADDR` once ready.

use login_server::types::{CreateSessionDetails, Error, Session};
use login_server::{ComputeEnclaveLoginApi, CreateSessionResponse, OperationContext};

struct Demo;

fn error(code: &str, message: &str) -> Error {
    Error {
        code: code.to_owned(),
        message: message.to_owned(),
    }
}

impl ComputeEnclaveLoginApi for Demo {
    async fn create_session(
        &self,
        ctx: &OperationContext,
        body: CreateSessionDetails,
    ) -> CreateSessionResponse {
        if &*body.tenancy != "acme" {
            return CreateSessionResponse::NotFound {
                body: error("NotAuthorizedOrNotFound", "no such tenancy"),
            };
        }
        if &*body.username == "alice"
            && body.password.expose_secret() == "correct horse battery staple"
        {
            return CreateSessionResponse::Ok {
                body: Session {
                    tenancy_id: Some("ocid1.tenancy.demo..acme".to_owned()),
                    token: Some(format!("demo-token-{}", ctx.request_id)),
                    user_id: Some("ocid1.user.demo..alice".to_owned()),
                },
                etag: Some(format!("\"{}\"", ctx.request_id)),
            };
        }
        CreateSessionResponse::Unauthorized {
            body: error("NotAuthenticated", "the username or password is wrong"),
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let api = login_server::api_description::<Demo>()?;
    let log = dropshot::ConfigLogging::StderrTerminal {
        level: dropshot::ConfigLoggingLevel::Warn,
    }
    .to_logger("demo-server")?;
    let config = dropshot::ConfigDropshot {
        bind_address: bind.parse()?,
        ..Default::default()
    };
    let server = dropshot::ServerBuilder::new(api, Demo, log)
        .config(config)
        .start()?;
    println!("listening on {}", server.local_addr());
    server.await?;
    Ok(())
}
