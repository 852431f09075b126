//! The generated server, served by dropshot on 127.0.0.1 port 0, called with
//! the generated client: every documented status, with its body and headers.

mod common;

use common::{error, start};
use login_client::types::{CreateSessionDetails, Session};

fn details(username: &str, password: &str) -> CreateSessionDetails {
    CreateSessionDetails {
        username: username.try_into().unwrap(),
        password: password.try_into().unwrap(),
        tenancy: "acme".try_into().unwrap(),
    }
}

#[tokio::test]
async fn success_carries_body_etag_and_request_id() {
    let (server, client) = start();
    let response = client
        .create_session(Some("caller-id-1"), &details("alice", "s3cret"))
        .await
        .expect("200");
    assert_eq!(response.status(), 200);
    let headers = response.headers();
    assert_eq!(headers["opc-request-id"], "caller-id-1");
    assert_eq!(headers["etag"], "\"caller-id-1\"");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(
        response.into_inner(),
        Session {
            tenancy_id: Some("ocid1.tenancy.test..acme".to_owned()),
            token: Some("token-1".to_owned()),
            user_id: Some("ocid1.user.test..alice".to_owned()),
        }
    );
    server.close().await.unwrap();
}

#[tokio::test]
async fn every_documented_error_status_reaches_the_client() {
    let (server, client) = start();
    let cases = [
        (
            "bad",
            400,
            "InvalidParameter",
            "rejected by the implementation",
        ),
        ("alice", 401, "NotAuthenticated", "wrong credentials"),
        ("ghost", 404, "NotAuthorizedOrNotFound", "no such tenancy"),
        ("locked", 409, "IncorrectState", "user is locked"),
        ("broken", 500, "InternalServerError", "store failed"),
    ];
    for (username, status, code, message) in cases {
        let err = client
            .create_session(None, &details(username, "wrong"))
            .await
            .expect_err(username);
        let login_client::Error::ErrorResponse(response) = err else {
            panic!("{username}: expected a documented error response, got {err:?}");
        };
        assert_eq!(response.status(), status, "{username}");
        let request_id = response.headers()["opc-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(!request_id.is_empty(), "{username}: request id assigned");
        assert_eq!(response.headers()["content-type"], "application/json");
        assert!(
            response.headers().get("etag").is_none(),
            "{username}: etag only on 200"
        );
        assert_eq!(response.into_inner(), error(code, message), "{username}");
    }
    server.close().await.unwrap();
}

#[tokio::test]
async fn malformed_body_gets_the_specs_400_not_dropshots() {
    let (server, _) = start();
    let url = format!("http://{}/20160918/login", server.local_addr());
    let response = reqwest::Client::new()
        .post(&url)
        .header("content-type", "application/json")
        .body(r#"{"username": "alice", "password": "#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.headers().contains_key("opc-request-id"));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "CannotParseRequest");
    assert!(body.get("request_id").is_none() && body.get("error_code").is_none());
    server.close().await.unwrap();
}

#[test]
fn rendered_document_keeps_operation_and_schemas() {
    let doc = login_server::openapi_document();
    let op = &doc["paths"]["/20160918/login"]["post"];
    assert_eq!(op["operationId"], "CreateSession");
    assert_eq!(op["summary"], "Create a Session");
    let schemas = &doc["components"]["schemas"];
    let password = &schemas["CreateSessionDetails"]["properties"]["password"];
    assert_eq!(password["format"], "password");
    assert_eq!(password["minLength"], 1);
    assert_eq!(password["maxLength"], 255);
    assert_eq!(
        schemas["Error"]["required"],
        serde_json::json!(["code", "message"])
    );
}
