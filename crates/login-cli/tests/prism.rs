//! The typed client and `login-cli` against Prism, a third-party mock server
//! built from the same spec, on loopback: every status Prism is told to give
//! (`Prefer: code=NNN`) decodes correctly and maps to the documented exit
//! status. `.ci/install-tools` installs Prism under `.ci-tools/`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use login_client::types::CreateSessionDetails;
use login_client::{CreateSessionError, TypedClient};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap()
        .to_path_buf()
}

struct Prism {
    child: Child,
    url: String,
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts Prism, or says why not: in CI (`CI` set) a missing Prism fails.
fn prism() -> Option<Prism> {
    let bin = std::env::var_os("PRISM_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".ci-tools/npm/node_modules/.bin/prism"));
    if !bin.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "Prism is not installed at {}",
            bin.display()
        );
        eprintln!(
            "skipped: no Prism at {}; run `bash .ci/install-tools`",
            bin.display()
        );
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(bin)
        .args(["mock", "--host", "127.0.0.1", "--port", &port.to_string()])
        .arg(root().join("openapi/login.yaml"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let prism = Prism {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "Prism did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(prism)
}

fn details() -> CreateSessionDetails {
    CreateSessionDetails {
        username: "alice".try_into().unwrap(),
        password: "correct horse battery staple".try_into().unwrap(),
        tenancy: "acme".try_into().unwrap(),
    }
}

fn forcing(url: &str, code: u16) -> TypedClient {
    TypedClient::builder(url)
        .header(
            http::HeaderName::from_static("prefer"),
            format!("code={code}").try_into().unwrap(),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn typed_client_decodes_every_status_prism_gives() {
    let Some(prism) = prism() else { return };
    let ok = forcing(&prism.url, 200)
        .create_session(&details())
        .await
        .expect("200");
    assert!(
        ok.body.token.is_some()
            || ok.body.user_id.is_some()
            || ok.body.tenancy_id.is_some()
            || ok.body == Default::default()
    );

    for status in [400u16, 401, 404, 409, 500] {
        let err = forcing(&prism.url, status)
            .create_session(&details())
            .await
            .unwrap_err();
        let variant_matches = matches!(
            (&err, status),
            (CreateSessionError::BadRequest { .. }, 400)
                | (CreateSessionError::Unauthorized { .. }, 401)
                | (CreateSessionError::NotFound { .. }, 404)
                | (CreateSessionError::Conflict { .. }, 409)
                | (CreateSessionError::InternalServerError { .. }, 500)
        );
        assert!(variant_matches, "{status}: {err:?}");
        assert_eq!(err.status().unwrap().as_u16(), status);
        assert!(
            err.error_body().is_some(),
            "{status}: the Error body decoded"
        );
    }
}

#[test]
fn login_cli_exit_statuses_follow_prism() {
    let Some(prism) = prism() else { return };
    for (status, exit) in [(200, 0), (400, 3), (401, 4), (404, 5), (409, 6), (500, 7)] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_login-cli"))
            .args([
                "login",
                "--endpoint",
                &prism.url,
                "--tenancy",
                "acme",
                "--username",
                "alice",
            ])
            .args([
                "--password-stdin",
                "--header",
                &format!("Prefer: code={status}"),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"correct horse battery staple\n")
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(exit),
            "Prefer: code={status}: {stderr}"
        );
        if status == 200 {
            let session: serde_json::Value =
                serde_json::from_slice(&out.stdout).expect("the session as JSON");
            assert!(session.is_object());
        } else {
            assert!(
                stderr.contains(&format!("CreateSession: {status} ")),
                "{stderr}"
            );
            assert!(stderr.contains("opc-request-id"), "{stderr}");
        }
    }
}
