//! A scripted implementation of the generated trait, served by dropshot on
//! 127.0.0.1 port 0, shared by the integration tests.

#![allow(dead_code)]

use login_client::types::{CreateSessionDetails, Error, Session};
use login_server::{ComputeEnclaveLoginApi, CreateSessionResponse, OperationContext};

/// An implementation whose answer is picked by the username, so that each
/// documented status has a cause.
pub struct Scripted;

pub fn error(code: &str, message: &str) -> Error {
    Error {
        code: code.to_owned(),
        message: message.to_owned(),
    }
}

impl ComputeEnclaveLoginApi for Scripted {
    async fn create_session(
        &self,
        ctx: &OperationContext,
        body: CreateSessionDetails,
    ) -> CreateSessionResponse {
        match &*body.username {
            "alice" if body.password.expose_secret() == "s3cret" => CreateSessionResponse::Ok {
                body: Session {
                    tenancy_id: Some(format!("ocid1.tenancy.test..{}", &*body.tenancy)),
                    token: Some("token-1".to_owned()),
                    user_id: Some("ocid1.user.test..alice".to_owned()),
                },
                etag: Some(format!("\"{}\"", ctx.request_id)),
            },
            "alice" => CreateSessionResponse::Unauthorized {
                body: error("NotAuthenticated", "wrong credentials"),
            },
            "bad" => CreateSessionResponse::BadRequest {
                body: error("InvalidParameter", "rejected by the implementation"),
            },
            "ghost" => CreateSessionResponse::NotFound {
                body: error("NotAuthorizedOrNotFound", "no such tenancy"),
            },
            "locked" => CreateSessionResponse::Conflict {
                body: error("IncorrectState", "user is locked"),
            },
            _ => CreateSessionResponse::InternalServerError {
                body: error("InternalServerError", "store failed"),
            },
        }
    }
}

pub fn start() -> (dropshot::HttpServer<Scripted>, login_client::Client) {
    let api = login_server::api_description::<Scripted>().expect("description registers");
    let log = slog::Logger::root(slog::Discard, slog::o!());
    let config = dropshot::ConfigDropshot {
        bind_address: "127.0.0.1:0".parse().unwrap(),
        ..Default::default()
    };
    let server = dropshot::ServerBuilder::new(api, Scripted, log)
        .config(config)
        .start()
        .expect("server starts");
    let client = login_client::Client::new(&format!("http://{}", server.local_addr()));
    (server, client)
}

/// The login URL of a running server.
pub fn login_url(server: &dropshot::HttpServer<Scripted>) -> String {
    format!("http://{}/20160918/login", server.local_addr())
}
