//! The real `login-service` binary on a real SQLite file in a temp dir,
//! called over HTTP with the generated client.

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use login_client::types::CreateSessionDetails;
use login_client::{Client, ClientInfo as _};

const BIN: &str = env!("CARGO_BIN_EXE_login-service");
/// Cheap argon2 so the suite stays fast; the default cost is benchmarked.
const CHEAP: [&str; 4] = ["--argon2-memory-kib", "256", "--argon2-iterations", "1"];
const PASSWORD: &str = "Tr0ub4dor&3-horse";

struct Dir {
    _tmp: tempfile::TempDir,
    db: PathBuf,
    log: PathBuf,
}

impl Dir {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("login.db");
        let log = tmp.path().join("service.log");
        Self { _tmp: tmp, db, log }
    }

    /// Runs an admin command; returns its stdout.
    fn admin(&self, args: &[&str], stdin: Option<&str>) -> String {
        let mut child = Command::new(BIN)
            .arg("--db")
            .arg(&self.db)
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
            .write_all(stdin.unwrap_or("").as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn add_user(&self, tenancy: &str, username: &str) -> String {
        let mut args = vec![
            "user",
            "add",
            "--tenancy",
            tenancy,
            "--username",
            username,
            "--password-stdin",
        ];
        args.extend(CHEAP);
        self.admin(&args, Some(&format!("{PASSWORD}\n")))
            .trim()
            .to_owned()
    }

    fn serve(&self, extra: &[&str]) -> Service {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let mut child = Command::new(BIN)
            .arg("--db")
            .arg(&self.db)
            .args([
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--log-format",
                "json",
                "--log-level",
                "debug",
            ])
            .args(CHEAP)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .expect("listening line")
            .to_owned();
        Service {
            child,
            client: Client::new(&format!("http://{addr}")),
        }
    }
}

struct Service {
    child: Child,
    client: Client,
}

impl Service {
    /// SIGTERM, then wait: a graceful stop must exit 0.
    fn stop(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = self.child.wait().unwrap();
        assert!(exit.success(), "service exited with {exit}");
    }
}

fn details(tenancy: &str, username: &str, password: &str) -> CreateSessionDetails {
    CreateSessionDetails {
        username: username.try_into().unwrap(),
        password: password.try_into().unwrap(),
        tenancy: tenancy.try_into().unwrap(),
    }
}

/// Logs in; returns the status, and the error code or the token.
async fn login(client: &Client, tenancy: &str, username: &str, password: &str) -> (u16, String) {
    match client
        .create_session(None, &details(tenancy, username, password))
        .await
    {
        Ok(r) => (r.status().as_u16(), r.into_inner().token.unwrap()),
        Err(login_client::Error::ErrorResponse(r)) => (r.status().as_u16(), r.into_inner().code),
        Err(e) => panic!("transport: {e}"),
    }
}

fn sqlite(db: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(db).unwrap()
}

#[tokio::test]
async fn every_documented_status_has_a_real_cause() {
    let dir = Dir::new();
    let tenancy_id = dir
        .admin(&["tenancy", "add", "acme"], None)
        .trim()
        .to_owned();
    let user_id = dir.add_user("acme", "alice");
    dir.add_user("acme", "bob");
    dir.admin(
        &["user", "disable", "--tenancy", "acme", "--username", "bob"],
        None,
    );
    let service = dir.serve(&[]);
    let client = &service.client;

    let ok = client
        .create_session(Some("req-ok-1"), &details("acme", "alice", PASSWORD))
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["opc-request-id"], "req-ok-1");
    let etag = ok.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.ends_with("-1\""), "{etag}");
    let session = ok.into_inner();
    assert_eq!(session.tenancy_id.as_deref(), Some(tenancy_id.as_str()));
    assert_eq!(session.user_id.as_deref(), Some(user_id.as_str()));
    assert!(
        tenancy_id.starts_with("ocid1.tenancy.oc1..") && user_id.starts_with("ocid1.user.oc1..")
    );

    assert_eq!(
        login(client, "acme", "alice", "wrong").await,
        (401, "NotAuthenticated".into())
    );
    assert_eq!(
        login(client, "acme", "mallory", PASSWORD).await,
        (401, "NotAuthenticated".into())
    );
    assert_eq!(
        login(client, "nowhere", "alice", PASSWORD).await,
        (404, "NotAuthorizedOrNotFound".into())
    );
    assert_eq!(
        login(client, "acme", "bob", PASSWORD).await,
        (409, "IncorrectState".into())
    );

    // 400: a body the spec forbids, sent raw.
    let raw = reqwest_post(client.baseurl(), r#"{"username":"alice","tenancy":"acme"}"#).await;
    assert_eq!(raw, (400, "MissingParameter".into()));

    // 500: the store fails under the service (its sessions table is gone).
    sqlite(&dir.db)
        .execute_batch("DROP TABLE sessions")
        .unwrap();
    let err = client
        .create_session(Some("req-500"), &details("acme", "alice", PASSWORD))
        .await
        .unwrap_err();
    let login_client::Error::ErrorResponse(r) = err else {
        panic!("{err:?}")
    };
    assert_eq!(r.status(), 500);
    assert_eq!(r.code, "InternalServerError");
    assert!(
        r.message.contains("req-500") && !r.message.contains("sessions"),
        "generic: {}",
        r.message
    );
    service.stop();
    let log = std::fs::read_to_string(&dir.log).unwrap();
    assert!(
        log.contains("no such table: sessions") && log.contains("req-500"),
        "detail logged with the id"
    );
}

async fn reqwest_post(base: &str, body: &str) -> (u16, String) {
    let (status, body) = post_json(base, body).await;
    (status, body["code"].as_str().unwrap().to_owned())
}

/// Posts `body` as it is; returns the status and the JSON answer.
async fn post_json(base: &str, body: &str) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .post(format!("{base}/20160918/login"))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// The credentials of `alice`, padded with whitespace to `size` bytes.
fn padded_login(size: usize) -> String {
    let body = format!(r#"{{"username":"alice","password":"{PASSWORD}","tenancy":"acme"}}"#);
    format!("{body}{}", " ".repeat(size.saturating_sub(body.len())))
}

/// `body` gets the spec's 400, naming `limit`.
async fn assert_too_large(service: &Service, body: &str, limit: usize) {
    let (status, reply) = post_json(service.client.baseurl(), body).await;
    assert_eq!(
        (status, reply["code"].as_str()),
        (400, Some("CannotParseRequest"))
    );
    let message = reply["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("larger than {limit} bytes")),
        "{reply}"
    );
}

#[tokio::test]
async fn request_body_limit_is_the_specs_unless_configured() {
    let dir = Dir::new();
    dir.admin(&["tenancy", "add", "acme"], None);
    dir.add_user("acme", "alice");
    let spec_limit = login_server::CREATE_SESSION_BODY_MAX_BYTES;
    let over_spec = padded_login(spec_limit + 1);

    // The spec's `x-body-max-bytes` by default.
    let service = dir.serve(&[]);
    assert_too_large(&service, &over_spec, spec_limit).await;
    service.stop();

    // Raised: the same body logs in.
    let raised = (2 * spec_limit).to_string();
    let service = dir.serve(&["--request-body-max-bytes", &raised]);
    let (status, body) = post_json(service.client.baseurl(), &over_spec).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["token"].is_string(), "{body}");
    service.stop();

    // Lowered: even a plain login is too large.
    let service = dir.serve(&["--request-body-max-bytes", "32"]);
    assert_too_large(&service, &padded_login(0), 32).await;
    service.stop();
}

#[tokio::test]
async fn lockout_after_consecutive_failures_and_its_ends() {
    let dir = Dir::new();
    dir.admin(&["tenancy", "add", "acme"], None);
    dir.add_user("acme", "alice");
    let service = dir.serve(&["--lockout-threshold", "3", "--lockout-duration", "2s"]);
    let c = &service.client;

    // A success resets the count: 2 failures, success, 2 failures, no lock.
    for _ in 0..2 {
        assert_eq!(login(c, "acme", "alice", "wrong").await.0, 401);
    }
    assert_eq!(login(c, "acme", "alice", PASSWORD).await.0, 200);
    for _ in 0..2 {
        assert_eq!(login(c, "acme", "alice", "wrong").await.0, 401);
    }
    assert_eq!(login(c, "acme", "alice", PASSWORD).await.0, 200);

    // The third consecutive failure locks, even the right password.
    for _ in 0..3 {
        assert_eq!(login(c, "acme", "alice", "wrong").await.0, 401);
    }
    assert_eq!(
        login(c, "acme", "alice", PASSWORD).await,
        (409, "IncorrectState".into())
    );

    // An admin unlock ends it.
    dir.admin(
        &["user", "unlock", "--tenancy", "acme", "--username", "alice"],
        None,
    );
    assert_eq!(login(c, "acme", "alice", PASSWORD).await.0, 200);

    // So does the lock's expiry.
    for _ in 0..3 {
        login(c, "acme", "alice", "wrong").await;
    }
    assert_eq!(login(c, "acme", "alice", PASSWORD).await.0, 409);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(login(c, "acme", "alice", PASSWORD).await.0, 200);

    // After an expired lock the count starts again: one failure does not
    // lock anew.
    for _ in 0..3 {
        login(c, "acme", "alice", "wrong").await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(login(c, "acme", "alice", "wrong").await.0, 401);
    assert_eq!(login(c, "acme", "alice", PASSWORD).await.0, 200);
    service.stop();
}

#[tokio::test]
async fn users_and_sessions_survive_a_restart_and_no_secret_is_stored() {
    let dir = Dir::new();
    dir.admin(&["tenancy", "add", "acme"], None);
    dir.add_user("acme", "alice");
    let first = dir.serve(&[]);
    let (status, token_1) = login(&first.client, "acme", "alice", PASSWORD).await;
    assert_eq!(status, 200);
    first.stop();

    let second = dir.serve(&[]);
    let (status, token_2) = login(&second.client, "acme", "alice", PASSWORD).await;
    assert_eq!(status, 200);
    second.stop();

    let conn = sqlite(&dir.db);
    for token in [&token_1, &token_2] {
        let hash: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(token.as_bytes()).into();
        let count: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sessions WHERE token_sha256 = ?1",
                [hash.as_slice()],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(count, 1, "a session row for the token's hash");
    }
    drop(conn);
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir.db.parent().unwrap()).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("login.db")
        {
            bytes.extend(std::fs::read(path).unwrap());
        }
    }
    let haystack = String::from_utf8_lossy(&bytes);
    for secret in [PASSWORD, token_1.as_str(), token_2.as_str()] {
        assert!(
            !haystack.contains(secret),
            "a secret is stored in plain text"
        );
    }
    assert!(
        haystack.contains("$argon2id$v=19$"),
        "passwords are argon2id PHC strings"
    );

    let log = std::fs::read_to_string(&dir.log).unwrap();
    for secret in [PASSWORD, token_1.as_str(), token_2.as_str()] {
        assert!(!log.contains(secret), "a secret is in the log");
    }
    assert!(log.contains("session created"), "the log was captured");
}

#[tokio::test]
async fn two_hundred_concurrent_logins_across_twenty_users() {
    let dir = Dir::new();
    dir.admin(&["tenancy", "add", "acme"], None);
    for i in 0..20 {
        dir.add_user("acme", &format!("user{i:02}"));
    }
    let service = dir.serve(&[]);
    let client = service.client.clone();
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                login(&client, "acme", &format!("user{:02}", i % 20), PASSWORD).await
            })
        })
        .collect();
    let mut tokens = std::collections::HashSet::new();
    for task in tasks {
        let (status, token) = task.await.unwrap();
        assert_eq!(status, 200, "{token}");
        tokens.insert(token);
    }
    assert_eq!(tokens.len(), 200, "unique tokens");
    service.stop();
    let count: i64 = sqlite(&dir.db)
        .query_row("SELECT COUNT(*) FROM sessions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 200, "all persisted");
}
