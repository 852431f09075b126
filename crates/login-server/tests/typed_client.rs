//! The generated typed client against the generated server on loopback: each
//! documented status decodes into its own variant, with body and headers.

mod common;

use common::{error, start};
use login_client::types::CreateSessionDetails;
use login_client::{CreateSessionError, TypedClient};

fn details(username: &str, password: &str) -> CreateSessionDetails {
    CreateSessionDetails {
        username: username.try_into().unwrap(),
        password: password.try_into().unwrap(),
        tenancy: "acme".try_into().unwrap(),
    }
}

fn typed(server: &dropshot::HttpServer<common::Scripted>) -> TypedClient {
    TypedClient::new(&format!("http://{}", server.local_addr())).unwrap()
}

#[tokio::test]
async fn success_has_body_and_typed_headers() {
    let (server, _) = start();
    let client = typed(&server).with_request_id("typed-ok-1");
    let ok = client
        .create_session(&details("alice", "s3cret"))
        .await
        .unwrap();
    assert_eq!(ok.opc_request_id.as_deref(), Some("typed-ok-1"));
    assert_eq!(ok.etag.as_deref(), Some("\"typed-ok-1\""));
    assert_eq!(ok.body.token.as_deref(), Some("token-1"));
    server.close().await.unwrap();
}

#[tokio::test]
async fn each_documented_status_is_its_own_variant() {
    let (server, _) = start();
    let client = typed(&server);
    let cases = [
        ("bad", 400, "InvalidParameter"),
        ("alice", 401, "NotAuthenticated"),
        ("ghost", 404, "NotAuthorizedOrNotFound"),
        ("locked", 409, "IncorrectState"),
        ("broken", 500, "InternalServerError"),
    ];
    for (username, status, code) in cases {
        let err = client
            .create_session(&details(username, "wrong"))
            .await
            .unwrap_err();
        let (body, request_id) = match &err {
            CreateSessionError::BadRequest {
                body,
                opc_request_id,
            } if status == 400 => (body, opc_request_id),
            CreateSessionError::Unauthorized {
                body,
                opc_request_id,
            } if status == 401 => (body, opc_request_id),
            CreateSessionError::NotFound {
                body,
                opc_request_id,
            } if status == 404 => (body, opc_request_id),
            CreateSessionError::Conflict {
                body,
                opc_request_id,
            } if status == 409 => (body, opc_request_id),
            CreateSessionError::InternalServerError {
                body,
                opc_request_id,
            } if status == 500 => (body, opc_request_id),
            other => panic!("{username}: wrong variant {other:?}"),
        };
        assert_eq!(body.code, code);
        let request_id = request_id
            .as_deref()
            .expect("the server sends a request id");
        assert_eq!(err.status().unwrap().as_u16(), status);
        assert_eq!(err.request_id(), Some(request_id));
        assert_eq!(err.error_body(), Some(body));
        // Reads like an OCI service error.
        assert_eq!(
            err.to_string(),
            format!(
                "CreateSession: {status} {code}: {} (opc-request-id: {request_id})",
                body.message
            )
        );
    }
    server.close().await.unwrap();
}

#[tokio::test]
async fn the_progenitor_client_stays_reachable() {
    let (server, _) = start();
    let client = typed(&server);
    let err = client
        .progenitor()
        .create_session(None, &details("ghost", "x"))
        .await
        .unwrap_err();
    let login_client::Error::ErrorResponse(r) = err else {
        panic!("{err:?}")
    };
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.into_inner(),
        error("NotAuthorizedOrNotFound", "no such tenancy")
    );
    server.close().await.unwrap();
}
