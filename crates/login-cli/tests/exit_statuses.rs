//! `login-cli`'s exit statuses that need no mock: usage errors, network
//! failures, and a response the spec does not describe.

use std::io::{Read as _, Write as _};
use std::process::{Command, Output, Stdio};

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_login-cli"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn login(endpoint: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "login",
        "--endpoint",
        endpoint,
        "--tenancy",
        "acme",
        "--username",
        "alice",
        "--password-stdin",
    ];
    args.extend(extra);
    run(&args, "pw\n")
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(
        run(&["login", "--endpoint", "http://x"], "").status.code(),
        Some(2),
        "missing flags"
    );
    let empty_password = run(
        &[
            "login",
            "--endpoint",
            "http://x",
            "--tenancy",
            "a",
            "--username",
            "u",
            "--password-stdin",
        ],
        "\n",
    );
    assert_eq!(empty_password.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&empty_password.stderr).contains("the password must not be empty")
    );
}

#[test]
fn network_failure_exits_8() {
    let refused = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let out = login(&format!("http://{refused}"), &[]);
    assert_eq!(out.status.code(), Some(8));
    assert!(String::from_utf8_lossy(&out.stderr).contains("could not reach the service"));
}

/// A server that answers every request with `response`, verbatim.
fn canned(response: &'static str) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(response.as_bytes());
        }
    });
    format!("http://{addr}")
}

#[test]
fn undescribed_responses_exit_9_or_7() {
    let teapot = canned(
        "HTTP/1.1 418 I'm a teapot\r\ncontent-type: application/json\r\nopc-request-id: tea-1\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
    );
    let out = login(&teapot, &["--json"]);
    assert_eq!(out.status.code(), Some(9));
    let report: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(report["status"], 418);
    assert_eq!(report["opcRequestId"], "tea-1");

    let gateway =
        canned("HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    assert_eq!(login(&gateway, &[]).status.code(), Some(7), "another 5xx");
}
