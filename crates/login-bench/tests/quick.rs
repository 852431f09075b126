//! The benchmarks at their smallest settings, so that they cannot rot: every
//! table comes out with its rows, and the servers answer as expected.

use std::path::PathBuf;
use std::time::Duration;

fn tiny() -> login_bench::Settings {
    login_bench::Settings {
        connections: 2,
        rounds: 1,
        warmup: Duration::from_millis(50),
        duration: Duration::from_millis(200),
        users: 2,
        login_connections: 2,
        login_rounds: 1,
        login_duration: Duration::from_millis(500),
        paced_rate: 1000.0,
    }
}

/// `login-service` from the same target directory; `cargo test --workspace`
/// builds it for its own integration tests.
fn service_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("login-service");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo test --workspace` (or `cargo build -p login-service`)",
        bin.display()
    );
    bin
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overhead_table_has_every_row() {
    let table = login_bench::overhead(&tiny()).await;
    for row in [
        "generated (login-server)",
        "plain dropshot, hand-written endpoint",
        "raw hyper, fixed bytes",
    ] {
        assert_eq!(
            table.matches(&format!("| {row} |")).count(),
            2,
            "{row} for 200 and 400:\n{table}"
        );
    }
    assert!(
        !table.contains("unexpected statuses"),
        "every server answered as expected:\n{table}"
    );
    assert!(table.contains("the generated layer costs"), "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throughput_table_has_every_row() {
    let table = login_bench::login_throughput(&service_bin(), &tiny()).await;
    for row in [
        "one verification, one core",
        "logins/s",
        "| failed logins | 0 |",
        "p99 of malformed requests",
        "peak memory",
    ] {
        assert!(table.contains(row), "{row}:\n{table}");
    }
}
