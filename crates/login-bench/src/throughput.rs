//! Login throughput of the real `login-service` binary at the default
//! argon2id cost, against the bound of cores / one verification's time.

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use login_service::credentials::{HashCost, Passwords};

use crate::load;
use crate::servers::MALFORMED;

pub struct Throughput {
    /// The fastest single verification.
    pub verify: Duration,
    pub cores: usize,
    /// The storms, each between two measurements of its bound.
    pub rounds: Vec<Round>,
    pub login_failures: usize,
    /// Of the malformed requests of every round.
    pub malformed_p99: Duration,
    pub malformed_count: usize,
    pub peak_rss_kib: u64,
}

/// One login storm.
pub struct Round {
    pub logins_per_sec: f64,
    /// Verifications per second with every core verifying back to back, the
    /// mean of the runs just before and just after this storm: the ceiling
    /// of a login storm on this machine as it is at the time.
    pub bound: f64,
    /// Share of the cores the service's hashing threads had.
    pub hashing_share: f64,
}

impl Round {
    pub fn share_of_bound(&self) -> f64 {
        self.logins_per_sec / self.bound
    }
}

impl Throughput {
    /// Cores / the fastest verification: what no noise slows down.
    pub fn ideal_bound(&self) -> f64 {
        self.cores as f64 / self.verify.as_secs_f64()
    }
}

/// A default-cost hash of the bench password, and a check of it.
fn verifier() -> impl Fn() + Sync {
    const PASSWORD: &str = "correct horse battery staple";
    let passwords = Passwords::new(HashCost::default()).expect("default cost");
    let phc = passwords.hash(PASSWORD).expect("hash");
    move || assert!(passwords.verify(PASSWORD, Some(&phc)))
}

/// Verifications per second of `threads` threads verifying back to back at
/// the default cost for `duration`: one verification's time as it is when
/// every core hashes at once (turbo, memory bandwidth and neighbours as they
/// are during a storm), in the bound's form.
pub fn sustained_rate(threads: usize, duration: Duration) -> f64 {
    let verify = verifier();
    let start = Instant::now();
    let end = start + duration;
    let done: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| {
                scope.spawn(|| {
                    let mut count = 0;
                    while Instant::now() < end {
                        verify();
                        count += 1;
                    }
                    count
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("verifier"))
            .sum()
    });
    done as f64 / start.elapsed().as_secs_f64()
}

/// Fastest of `samples` verifications at the default cost, on one thread.
/// Noise on a shared machine only adds time, so the minimum is the best
/// estimate of the work itself.
pub fn verify_time(samples: usize) -> Duration {
    let verify = verifier();
    (0..samples.max(1))
        .map(|_| {
            let start = Instant::now();
            verify();
            start.elapsed()
        })
        .min()
        .expect("at least one sample")
}

struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn admin(bin: &Path, db: &Path, args: &[&str], stdin: &str) {
    let mut child = Command::new(bin)
        .arg("--db")
        .arg(db)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("login-service");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write");
    assert!(
        child.wait().expect("wait").success(),
        "login-service {args:?}"
    );
}

fn peak_rss_kib(pid: u32) -> u64 {
    procfs::process::Process::new(pid as i32)
        .and_then(|p| p.status())
        .ok()
        .and_then(|s| s.vmhwm)
        .unwrap_or(0)
}

/// Starts `bin` on a fresh database with `users` users, then `rounds` times
/// drives `connections` concurrent valid logins for `duration` while timing
/// malformed requests sent one after another, measuring the bound before the
/// first storm and after each.
pub async fn run(
    bin: &Path,
    users: usize,
    connections: usize,
    rounds: usize,
    duration: Duration,
) -> Throughput {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let samples = if duration < Duration::from_secs(2) {
        3
    } else {
        10
    };
    let sustain_for = duration / 2;
    let bound = || tokio::task::block_in_place(|| sustained_rate(cores, sustain_for));
    let verify = verify_time(samples);
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bench.db");
    admin(bin, &db, &["tenancy", "add", "acme"], "");
    for i in 0..users {
        let name = format!("user{i}");
        admin(
            bin,
            &db,
            &[
                "user",
                "add",
                "--tenancy",
                "acme",
                "--username",
                &name,
                "--password-stdin",
            ],
            "pw-bench\n",
        );
    }
    let mut child = Command::new(bin)
        .arg("--db")
        .arg(&db)
        .args(["serve", "--bind", "127.0.0.1:0", "--log-level", "error"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("login-service serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("listening line");
    let pid = child.id();
    let service = Service(child);
    let url = format!(
        "http://{}/20160918/login",
        line.trim().trim_start_matches("listening on ")
    );

    let mut before = bound();
    let (mut results, mut failures, mut probe) = (Vec::new(), 0, Vec::new());
    for _ in 0..rounds.max(1) {
        let storm = storm(&url, pid, users, connections, duration).await;
        let after = bound();
        results.push(Round {
            logins_per_sec: storm.ok as f64 / duration.as_secs_f64(),
            bound: (before + after) / 2.0,
            hashing_share: storm.hashing_cpu.as_secs_f64()
                / (storm.wall.as_secs_f64() * cores as f64),
        });
        failures += storm.failed;
        probe.extend(storm.probe);
        before = after;
    }
    probe.sort_unstable();
    let peak_rss_kib = peak_rss_kib(pid);
    drop(service);
    Throughput {
        verify: verify.min(verify_time(samples)),
        cores,
        rounds: results,
        login_failures: failures,
        malformed_p99: load::percentile(&probe, 0.99),
        malformed_count: probe.len(),
        peak_rss_kib,
    }
}

struct Storm {
    ok: usize,
    failed: usize,
    /// Latencies of the malformed requests.
    probe: Vec<Duration>,
    wall: Duration,
    hashing_cpu: Duration,
}

/// `connections` loops of valid logins for a warm-up and `duration`; only
/// the logins after the warm-up count.
async fn storm(url: &str, pid: u32, users: usize, connections: usize, duration: Duration) -> Storm {
    let warmup = Duration::from_millis(500);
    let start = Instant::now();
    let end = start + warmup + duration;
    let logins: Vec<_> = (0..connections)
        .map(|c| {
            let url = url.to_owned();
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                let (mut ok, mut failed, mut i) = (0usize, 0usize, c);
                while Instant::now() < end {
                    let body = format!(
                        r#"{{"username":"user{}","password":"pw-bench","tenancy":"acme"}}"#,
                        i % users
                    );
                    let status = client
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await
                        .map(|r| r.status().as_u16());
                    if Instant::now() >= start + warmup && Instant::now() < end {
                        if matches!(status, Ok(200)) {
                            ok += 1
                        } else {
                            failed += 1
                        }
                    }
                    i += connections;
                }
                (ok, failed)
            })
        })
        .collect();

    let probe_client = reqwest::Client::new();
    let mut probe = Vec::new();
    tokio::time::sleep(warmup).await;
    let (measured_from, hashing_before) = (Instant::now(), hashing_cpu_time(pid));
    while Instant::now() < end {
        let sent = Instant::now();
        let status = probe_client
            .post(url)
            .header("content-type", "application/json")
            .body(MALFORMED)
            .send()
            .await
            .map(|r| r.status().as_u16());
        assert_eq!(status.ok(), Some(400), "a malformed body gets 400");
        probe.push(sent.elapsed());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let wall = measured_from.elapsed();
    let hashing_cpu = hashing_cpu_time(pid).saturating_sub(hashing_before);

    let (mut ok, mut failed) = (0, 0);
    for task in logins {
        let (o, f) = task.await.expect("storm task");
        ok += o;
        failed += f;
    }
    Storm {
        ok,
        failed,
        probe,
        wall,
        hashing_cpu,
    }
}

/// CPU time the service's hashing threads (`argon2-*`) have used so far.
fn hashing_cpu_time(pid: u32) -> Duration {
    crate::threads_cpu_time(procfs::process::Process::new(pid as i32), |name| {
        name.starts_with("argon2-")
    })
}
