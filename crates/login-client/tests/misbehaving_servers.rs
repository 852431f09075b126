//! The typed client against servers that break the spec or the connection,
//! and its retry policy against a counting server.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use dropshot::{RequestContext, UntypedBody};
use login_client::types::CreateSessionDetails;
use login_client::{CreateSessionError, RetryPolicy, TypedClient};

/// Answers each request with the next scripted (status, body) and records
/// the request ids it was sent.
struct Script {
    answers: Mutex<VecDeque<(u16, &'static str)>>,
    request_ids: Mutex<Vec<String>>,
}

#[dropshot::endpoint { method = POST, path = "/20160918/login" }]
async fn scripted(
    rqctx: RequestContext<Script>,
    _body: UntypedBody,
) -> Result<http::Response<dropshot::Body>, dropshot::HttpError> {
    let script = rqctx.context();
    let id = rqctx
        .request
        .headers()
        .get("opc-request-id")
        .map(|v| v.to_str().unwrap().to_owned());
    script
        .request_ids
        .lock()
        .unwrap()
        .push(id.unwrap_or_default());
    let (status, body) = script
        .answers
        .lock()
        .unwrap()
        .pop_front()
        .expect("a scripted answer");
    Ok(http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("opc-request-id", "srv-1")
        .body(body.into())
        .unwrap())
}

fn serve(answers: &[(u16, &'static str)]) -> dropshot::HttpServer<Script> {
    let mut api = dropshot::ApiDescription::new();
    api.register(scripted).unwrap();
    let script = Script {
        answers: Mutex::new(answers.iter().copied().collect()),
        request_ids: Mutex::new(Vec::new()),
    };
    let config = dropshot::ConfigDropshot {
        bind_address: "127.0.0.1:0".parse().unwrap(),
        ..Default::default()
    };
    dropshot::ServerBuilder::new(api, script, slog::Logger::root(slog::Discard, slog::o!()))
        .config(config)
        .start()
        .unwrap()
}

fn details() -> CreateSessionDetails {
    CreateSessionDetails {
        username: "alice".try_into().unwrap(),
        password: "pw".try_into().unwrap(),
        tenancy: "acme".try_into().unwrap(),
    }
}

fn url(server: &dropshot::HttpServer<Script>) -> String {
    format!("http://{}", server.local_addr())
}

const ERROR: &str = r#"{"code":"X","message":"m"}"#;
const CONFLICT_STATE: &str = r#"{"code":"IncorrectState","message":"busy"}"#;
const CONFLICT_OTHER: &str = r#"{"code":"Conflict","message":"no"}"#;
const SESSION: &str = r#"{"token":"t"}"#;

#[tokio::test]
async fn undocumented_status_keeps_status_headers_and_body() {
    let server = serve(&[(418, r#"{"teapot":true}"#)]);
    let err = TypedClient::new(&url(&server))
        .unwrap()
        .create_session(&details())
        .await
        .unwrap_err();
    let CreateSessionError::UnexpectedResponse(r) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(r.status, 418);
    assert_eq!(r.headers["opc-request-id"], "srv-1");
    assert_eq!(&r.body[..], br#"{"teapot":true}"#);
    assert_eq!(err.request_id(), Some("srv-1"));
    assert!(
        err.to_string()
            .contains("the spec does not document this status"),
        "{err}"
    );
}

#[tokio::test]
async fn documented_status_with_the_wrong_body_shape() {
    let server = serve(&[(401, r#"{"error":"nope"}"#), (200, "[1,2]")]);
    let client = TypedClient::new(&url(&server)).unwrap();
    for status in [401, 200] {
        let err = client.create_session(&details()).await.unwrap_err();
        let CreateSessionError::UnexpectedResponse(r) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(r.status, status);
        assert!(
            r.reason
                .contains(&format!("the {status} body does not match the spec")),
            "{}",
            r.reason
        );
    }
}

#[tokio::test]
async fn a_closed_connection_is_a_transport_error() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            drop(socket);
        }
    });
    let err = TypedClient::new(&format!("http://{addr}"))
        .unwrap()
        .create_session(&details())
        .await
        .unwrap_err();
    assert!(matches!(err, CreateSessionError::Transport(_)), "{err:?}");
    assert!(std::error::Error::source(&err).is_some());
    assert_eq!(err.status(), None);
}

#[tokio::test]
async fn a_slow_server_is_a_timeout() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (_socket, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(5)).await;
    });
    let client = TypedClient::builder(&format!("http://{addr}"))
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = client.create_session(&details()).await.unwrap_err();
    assert!(matches!(err, CreateSessionError::Timeout(_)), "{err:?}");
}

fn quick(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts: attempts,
        max_elapsed: Duration::from_secs(10),
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
    }
}

/// Sends one call; returns how many requests the server saw, with their ids.
async fn attempts(
    answers: &[(u16, &'static str)],
    policy: Option<RetryPolicy>,
) -> (Vec<String>, bool) {
    let server = serve(answers);
    let mut builder = TypedClient::builder(&url(&server));
    if let Some(policy) = policy {
        builder = builder.retry(policy);
    }
    let ok = builder
        .build()
        .unwrap()
        .create_session(&details())
        .await
        .is_ok();
    let ids = server.app_private().request_ids.lock().unwrap().clone();
    (ids, ok)
}

#[tokio::test]
async fn retries_exactly_the_retryable_statuses() {
    for (status, body) in [
        (409, CONFLICT_STATE),
        (429, ERROR),
        (500, ERROR),
        (502, ERROR),
        (503, ERROR),
        (504, ERROR),
    ] {
        let (ids, ok) = attempts(&[(status, body), (200, SESSION)], Some(quick(3))).await;
        assert_eq!((ids.len(), ok), (2, true), "{status} is retried");
    }
    for (status, body) in [
        (400, ERROR),
        (401, ERROR),
        (404, ERROR),
        (409, CONFLICT_OTHER),
        (501, ERROR),
    ] {
        let (ids, ok) = attempts(&[(status, body), (200, SESSION)], Some(quick(3))).await;
        assert_eq!((ids.len(), ok), (1, false), "{status} is not retried");
    }
}

#[tokio::test]
async fn retry_is_off_by_default_and_stops_at_the_limit() {
    let (ids, ok) = attempts(&[(503, ERROR), (200, SESSION)], None).await;
    assert_eq!((ids.len(), ok), (1, false), "off by default");

    let (ids, ok) = attempts(&[(503, ERROR); 4], Some(quick(4))).await;
    assert_eq!(
        (ids.len(), ok),
        (4, false),
        "4 attempts, then the last failure"
    );
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), 4, "a new request id per attempt: {ids:?}");
    assert!(ids.iter().all(|id| id.len() == 32));
}

#[tokio::test]
async fn retries_connection_failures() {
    // Refused until a server comes up on the port a little later.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let client = TypedClient::builder(&format!("http://{addr}"))
        .retry(RetryPolicy {
            max_attempts: 20,
            max_elapsed: Duration::from_secs(10),
            base_delay: Duration::from_millis(50),
            max_delay: Duration::from_millis(100),
        })
        .build()
        .unwrap();
    let late_server = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(30)).await;
        let mut api = dropshot::ApiDescription::new();
        api.register(scripted).unwrap();
        let script = Script {
            answers: Mutex::new([(200, SESSION)].into_iter().collect()),
            request_ids: Mutex::new(Vec::new()),
        };
        let config = dropshot::ConfigDropshot {
            bind_address: addr,
            ..Default::default()
        };
        // In an Option: a bare server is itself a future.
        Some(
            dropshot::ServerBuilder::new(
                api,
                script,
                slog::Logger::root(slog::Discard, slog::o!()),
            )
            .config(config)
            .start()
            .unwrap(),
        )
    });
    let ok = client
        .create_session(&details())
        .await
        .expect("a later attempt connects");
    assert_eq!(ok.body.token.as_deref(), Some("t"));
    late_server.await.unwrap().unwrap().close().await.unwrap();

    // Without retries, the refusal is a transport error.
    let refused = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let err = TypedClient::new(&format!("http://{refused}"))
        .unwrap()
        .create_session(&details())
        .await
        .unwrap_err();
    assert!(
        matches!(err, CreateSessionError::Transport(ref e) if e.is_connect()),
        "{err:?}"
    );
}
