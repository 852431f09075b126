//! Every failure before the implementation runs gets the spec's status,
//! `application/json`, the `Error` body and `opc-request-id`; never
//! dropshot's own body.

mod common;

use common::{login_url, start};

const PASSWORD: &str = "pa55-word-never-echoed";

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: serde_json::Value,
}

async fn send(
    method: reqwest::Method,
    url: &str,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
    request_id: Option<&str>,
) -> Answer {
    let mut request = reqwest::Client::new().request(method, url).body(body);
    if let Some(ct) = content_type {
        request = request.header("content-type", ct);
    }
    if let Some(id) = request_id {
        request = request.header("opc-request-id", id);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    Answer {
        status,
        headers,
        body,
    }
}

async fn post_json(url: &str, body: &str) -> Answer {
    send(
        reqwest::Method::POST,
        url,
        Some("application/json"),
        body.to_owned(),
        None,
    )
    .await
}

/// The spec's error shape: status, JSON, `{code, message}` only, a request id.
fn assert_error(answer: &Answer, status: u16, code: &str) -> String {
    assert_eq!(answer.status, status, "{:?}", answer.body);
    assert_eq!(answer.headers["content-type"], "application/json");
    let id = answer.headers["opc-request-id"].to_str().unwrap();
    assert!(!id.is_empty());
    assert_eq!(answer.body["code"], code, "{:?}", answer.body);
    let object = answer.body.as_object().expect("an object body");
    let mut keys: Vec<_> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["code", "message"], "only the spec's fields");
    let message = answer.body["message"].as_str().unwrap().to_owned();
    assert!(
        !message.contains(PASSWORD),
        "message echoes the password: {message}"
    );
    message
}

#[tokio::test]
async fn bad_bodies_get_the_specs_400() {
    let (server, _) = start();
    let url = login_url(&server);
    let cases: &[(&str, &str, &str)] = &[
        (
            "malformed JSON",
            r#"{"username": "alice", "#,
            "CannotParseRequest",
        ),
        ("empty body", "", "CannotParseRequest"),
        ("array", r#"["alice", "pw", "acme"]"#, "InvalidParameter"),
        ("string", r#""alice""#, "InvalidParameter"),
        ("null", "null", "InvalidParameter"),
        (
            "missing field",
            r#"{"username": "alice", "tenancy": "acme"}"#,
            "MissingParameter",
        ),
        (
            "mistyped field",
            &format!(r#"{{"username": 5, "password": "{PASSWORD}", "tenancy": "acme"}}"#),
            "InvalidParameter",
        ),
        (
            "mistyped password",
            r#"{"username": "alice", "password": 73310042, "tenancy": "acme"}"#,
            "InvalidParameter",
        ),
        (
            "empty string",
            &format!(r#"{{"username": "", "password": "{PASSWORD}", "tenancy": "acme"}}"#),
            "InvalidParameter",
        ),
        (
            "too long",
            &format!(
                r#"{{"username": "{}", "password": "{PASSWORD}", "tenancy": "acme"}}"#,
                "u".repeat(256)
            ),
            "InvalidParameter",
        ),
    ];
    for (what, body, code) in cases {
        let answer = post_json(&url, body).await;
        let message = assert_error(&answer, 400, code);
        assert!(
            !message.contains("73310042"),
            "{what}: echoes the value: {message}"
        );
        match *what {
            "missing field" => assert_eq!(message, "`password` is required"),
            "mistyped field" => assert_eq!(message, "`username` must be a string"),
            "empty string" => assert_eq!(message, "`username` must not be empty"),
            "too long" => assert_eq!(message, "`username` must be at most 255 characters long"),
            "array" => assert_eq!(
                message,
                "the request body must be a JSON object, not an array"
            ),
            _ => {}
        }
    }
    server.close().await.unwrap();
}

#[tokio::test]
async fn content_type_and_size_failures_get_the_specs_400() {
    let (server, _) = start();
    let url = login_url(&server);
    let valid = format!(r#"{{"username": "alice", "password": "{PASSWORD}", "tenancy": "acme"}}"#);

    let missing = send(reqwest::Method::POST, &url, None, valid.clone(), None).await;
    assert_error(&missing, 400, "InvalidParameter");
    let wrong = send(
        reqwest::Method::POST,
        &url,
        Some("text/plain"),
        valid.clone(),
        None,
    )
    .await;
    assert_error(&wrong, 400, "InvalidParameter");
    let with_charset = send(
        reqwest::Method::POST,
        &url,
        Some("application/json; charset=utf-8"),
        valid.clone(),
        None,
    )
    .await;
    // Parameters on the media type are fine: this one reaches the
    // implementation, which answers a wrong password with 401.
    assert_eq!(with_charset.status, 401);

    // The spec's x-body-max-bytes.
    let limit = login_server::CREATE_SESSION_BODY_MAX_BYTES;
    let padded = format!(
        r#"{{"username": "alice", "password": "{PASSWORD}", "tenancy": "acme", "pad": "{}"}}"#,
        "x".repeat(limit)
    );
    let big = post_json(&url, &padded).await;
    let message = assert_error(&big, 400, "CannotParseRequest");
    assert_eq!(
        message,
        format!("the request body is larger than {limit} bytes")
    );
    server.close().await.unwrap();
}

#[tokio::test]
async fn other_methods_get_405_with_allow_and_the_error_body() {
    let (server, _) = start();
    let url = login_url(&server);
    for method in ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let answer = send(method.clone(), &url, None, "", None).await;
        assert_error(&answer, 405, "MethodNotAllowed");
        assert_eq!(answer.headers["allow"], "POST", "{method}");
    }
    let head = send(reqwest::Method::HEAD, &url, None, "", None).await;
    assert_eq!(head.status, 405);
    assert_eq!(head.headers["allow"], "POST");
    assert!(head.headers.contains_key("opc-request-id"));
    server.close().await.unwrap();
}

#[tokio::test]
async fn request_id_is_echoed_when_valid_and_replaced_otherwise() {
    let (server, _) = start();
    let url = login_url(&server);
    let body = "{}".to_owned();
    let id_of = |a: &Answer| a.headers["opc-request-id"].to_str().unwrap().to_owned();

    let valid = "Abc-123_xyz";
    let echoed = send(
        reqwest::Method::POST,
        &url,
        Some("application/json"),
        body.clone(),
        Some(valid),
    )
    .await;
    assert_eq!(id_of(&echoed), valid);
    let longest = "a".repeat(98);
    let echoed = send(
        reqwest::Method::POST,
        &url,
        Some("application/json"),
        body.clone(),
        Some(&longest),
    )
    .await;
    assert_eq!(id_of(&echoed), longest);

    let mut assigned = std::collections::HashSet::new();
    for bad in ["has space", "semi;colon", "slash/", &"a".repeat(99), ""] {
        let answer = send(
            reqwest::Method::POST,
            &url,
            Some("application/json"),
            body.clone(),
            Some(bad),
        )
        .await;
        let id = id_of(&answer);
        assert_ne!(id, bad);
        assert!(login_server::runtime::is_valid_request_id(&id), "{id}");
        assigned.insert(id);
    }
    let none = send(
        reqwest::Method::POST,
        &url,
        Some("application/json"),
        body.clone(),
        None,
    )
    .await;
    assigned.insert(id_of(&none));
    assert_eq!(assigned.len(), 6, "each assigned id is unique");
    server.close().await.unwrap();
}
