//! The three servers compared in the overhead benchmark, each answering
//! `POST /20160918/login` with the same bytes for a valid body.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use login_server::types::{CreateSessionDetails, Session};
use login_server::{ComputeEnclaveLoginApi, CreateSessionResponse, OperationContext};

pub const VALID: &str =
    r#"{"username":"alice","password":"correct horse battery staple","tenancy":"acme"}"#;
pub const MALFORMED: &str = r#"{"username":"alice","password":"#;

fn session() -> Session {
    Session {
        tenancy_id: Some("ocid1.tenancy.oc1..bench".to_owned()),
        token: Some("bench-token".to_owned()),
        user_id: Some("ocid1.user.oc1..bench".to_owned()),
    }
}

fn quiet_log() -> slog::Logger {
    slog::Logger::root(slog::Discard, slog::o!())
}

fn config() -> dropshot::ConfigDropshot {
    dropshot::ConfigDropshot {
        bind_address: "127.0.0.1:0".parse().expect("address"),
        default_request_body_max_bytes: login_server::CREATE_SESSION_BODY_MAX_BYTES,
        ..Default::default()
    }
}

/// The generated layer, with a trivial in-memory implementation.
pub struct Trivial;

impl ComputeEnclaveLoginApi for Trivial {
    async fn create_session(
        &self,
        _: &OperationContext,
        _: CreateSessionDetails,
    ) -> CreateSessionResponse {
        CreateSessionResponse::Ok {
            body: session(),
            etag: Some("\"bench-1\"".to_owned()),
        }
    }
}

pub fn generated() -> dropshot::HttpServer<Trivial> {
    let api = login_server::api_description::<Trivial>().expect("description");
    dropshot::ServerBuilder::new(api, Trivial, quiet_log())
        .config(config())
        .start()
        .expect("generated server")
}

/// Plain dropshot with a hand-written endpoint: the baseline for the cost of
/// the generated layer.
#[derive(serde::Serialize, schemars::JsonSchema)]
struct Headers {
    etag: String,
    #[serde(rename = "opc-request-id")]
    opc_request_id: String,
}

#[dropshot::endpoint { method = POST, path = "/20160918/login" }]
async fn hand_written(
    rqctx: dropshot::RequestContext<()>,
    _body: dropshot::TypedBody<CreateSessionDetails>,
) -> Result<
    dropshot::HttpResponseHeaders<dropshot::HttpResponseOk<Session>, Headers>,
    dropshot::HttpError,
> {
    Ok(dropshot::HttpResponseHeaders::new(
        dropshot::HttpResponseOk(session()),
        Headers {
            etag: "\"bench-1\"".to_owned(),
            opc_request_id: rqctx.request_id.clone(),
        },
    ))
}

pub fn plain_dropshot() -> dropshot::HttpServer<()> {
    let mut api = dropshot::ApiDescription::new();
    api.register(hand_written).expect("endpoint");
    dropshot::ServerBuilder::new(api, (), quiet_log())
        .config(config())
        .start()
        .expect("dropshot server")
}

/// Raw hyper: reads and parses the body, answers fixed bytes.
pub async fn raw_hyper() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let ok_body = Bytes::from(serde_json::to_vec(&session()).expect("json"));
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let ok_body = ok_body.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |request: hyper::Request<hyper::body::Incoming>| {
                        let ok_body = ok_body.clone();
                        async move {
                            let bytes = request
                                .into_body()
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            let valid =
                                serde_json::from_slice::<CreateSessionDetails>(&bytes).is_ok();
                            let (status, body) = if valid {
                                (200, ok_body)
                            } else {
                                (
                                    400,
                                    Bytes::from_static(
                                        br#"{"code":"CannotParseRequest","message":"bad body"}"#,
                                    ),
                                )
                            };
                            let mut builder = http::Response::builder()
                                .status(status)
                                .header("content-type", "application/json")
                                .header("opc-request-id", "0123456789abcdef0123456789abcdef");
                            if valid {
                                builder = builder.header("etag", "\"bench-1\"");
                            }
                            Ok::<_, Infallible>(builder.body(Full::new(body)).expect("response"))
                        }
                    },
                );
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .await;
            });
        }
    });
    addr
}
