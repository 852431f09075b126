//! Benchmarks run by `cargo xtask bench`: the generated server's overhead
//! against plain dropshot and raw hyper, and `login-service`'s login
//! throughput against its hashing bound. Each prints a Markdown table;
//! every figure is compared with a baseline measured in the same run.

pub mod load;
pub mod servers;
pub mod throughput;

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

/// How long and how hard to load.
#[derive(Debug, Clone)]
pub struct Settings {
    pub connections: usize,
    /// Rounds over the three servers, in rotating order; the median counts.
    pub rounds: usize,
    pub warmup: Duration,
    pub duration: Duration,
    /// Requests per second of the paced runs that measure server CPU.
    pub paced_rate: f64,
    /// Users and concurrent logins for the throughput run.
    pub users: usize,
    pub login_connections: usize,
    /// Login storms, each between two measurements of the bound.
    pub login_rounds: usize,
    pub login_duration: Duration,
}

impl Settings {
    pub fn full() -> Self {
        Self {
            connections: 16,
            rounds: 5,
            warmup: Duration::from_secs(1),
            duration: Duration::from_secs(3),
            paced_rate: 8000.0,
            users: 16,
            login_connections: 16,
            login_rounds: 3,
            login_duration: Duration::from_secs(5),
        }
    }

    pub fn quick() -> Self {
        Self {
            connections: 8,
            rounds: 3,
            warmup: Duration::from_millis(300),
            duration: Duration::from_secs(1),
            paced_rate: 8000.0,
            users: 8,
            login_connections: 8,
            login_rounds: 3,
            login_duration: Duration::from_secs(2),
        }
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Name of the threads of the runtime the compared servers run on, so that
/// their CPU time can be told apart from the load client's.
const SERVER_THREAD: &str = "bench-server";

/// Time this process's server threads have spent on a CPU so far.
fn server_cpu() -> Duration {
    threads_cpu_time(procfs::process::Process::myself(), |name| {
        name == SERVER_THREAD
    })
}

/// Time the threads of `process` whose name `matches` have spent on a CPU,
/// to the nanosecond (the scheduler's own account, not 10 ms ticks).
fn threads_cpu_time(
    process: procfs::ProcResult<procfs::process::Process>,
    matches: impl Fn(&str) -> bool,
) -> Duration {
    let nanos: u64 = process
        .and_then(|p| p.tasks())
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|task| task.stat().is_ok_and(|stat| matches(&stat.comm)))
        .filter_map(|task| task.schedstat().ok())
        .map(|s| s.sum_exec_runtime)
        .sum();
    Duration::from_nanos(nanos)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    }
}

/// One server's runs of one request shape.
#[derive(Default)]
struct Runs {
    stats: Vec<load::Stats>,
    /// Server CPU time per answered request at the paced rate, one per round.
    cpu: Vec<Duration>,
    paced_unexpected: usize,
}

/// Generated server vs plain dropshot vs raw hyper, for a 200 and a 400.
///
/// Throughput on a shared 2-core machine swings with the neighbours, so the
/// cost of the generated layer is judged on server CPU time per request,
/// compared within each round; throughput and latency are reported too.
pub async fn overhead(settings: &Settings) -> String {
    let server_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(SERVER_THREAD)
        .enable_all()
        .build()
        .expect("server runtime");
    let (generated, plain) = {
        let _servers = server_runtime.enter();
        (servers::generated(), servers::plain_dropshot())
    };
    let hyper = server_runtime
        .spawn(servers::raw_hyper())
        .await
        .expect("raw hyper server");
    let targets = [
        ("generated (login-server)", generated.local_addr()),
        ("plain dropshot, hand-written endpoint", plain.local_addr()),
        ("raw hyper, fixed bytes", hyper),
    ];
    let mut out = format!(
        "### Server overhead\n\n{} connections; per server, {} rounds, the servers taking turns; each round one \
         run as fast as the server answers (req/s, p50, p99) and one paced at {:.0} req/s (server CPU), each of \
         {:?} after {:?} warm-up; loopback. The servers run on their own 2-thread runtime, the load client on \
         another in the same process; server CPU is the time the server threads spent on a CPU (the scheduler's \
         account) divided by the requests they answered. Each figure is the median over the rounds; the CPU \
         ratio is the median of the per-round ratios. CPU per request is the measure of the generated layer's \
         cost: throughput on this shared machine swings by ±25% between identical runs.\n\n\
         | server | request | server CPU per request | CPU vs plain dropshot | req/s | p50 | p99 | req/s vs plain dropshot | req/s vs raw hyper |\n\
         | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
        settings.connections,
        settings.rounds,
        settings.paced_rate,
        settings.duration,
        settings.warmup
    );
    let mut summary = String::new();
    for (case, body, status) in [
        ("200 (valid body)", servers::VALID, 200),
        ("400 (malformed body)", servers::MALFORMED, 400),
    ] {
        let mut runs: Vec<Runs> = (0..targets.len()).map(|_| Runs::default()).collect();
        for round in 0..settings.rounds.max(1) {
            for i in 0..targets.len() {
                let t = (i + round) % targets.len();
                let request = load::Request {
                    url: format!("http://{}/20160918/login", targets[t].1),
                    body,
                };
                let stats = load::run(
                    request.clone(),
                    status,
                    settings.connections,
                    settings.warmup,
                    settings.duration,
                    None,
                )
                .await;
                // The same offered load for every server, so that CPU per
                // request compares work done, not how well requests batch.
                let before = server_cpu();
                let paced = load::run(
                    request,
                    status,
                    settings.connections,
                    settings.warmup,
                    settings.duration,
                    Some(settings.paced_rate),
                )
                .await;
                let cpu = server_cpu().saturating_sub(before);
                runs[t].cpu.push(cpu / paced.answered.max(1) as u32);
                runs[t].paced_unexpected += paced.unexpected;
                runs[t].stats.push(stats);
            }
        }
        let cpu_ratio = |i: usize| {
            median(
                runs[i]
                    .cpu
                    .iter()
                    .zip(&runs[1].cpu)
                    .map(|(a, b)| a.as_secs_f64() / b.as_secs_f64())
                    .collect(),
            )
        };
        let rps = |i: usize| median(runs[i].stats.iter().map(load::Stats::rps).collect());
        let (dropshot_rps, hyper_rps) = (rps(1), rps(2));
        for (i, (name, _)) in targets.iter().enumerate() {
            let p = |f: fn(&load::Stats) -> Duration| {
                ms(Duration::from_secs_f64(median(
                    runs[i].stats.iter().map(|s| f(s).as_secs_f64()).collect(),
                )))
            };
            let cpu = median(runs[i].cpu.iter().map(Duration::as_secs_f64).collect());
            let unexpected = runs[i].paced_unexpected
                + runs[i].stats.iter().map(|s| s.unexpected).sum::<usize>();
            let _ = writeln!(
                out,
                "| {name} | {case} | {:.1} µs | {:.2} | {:.0} | {} | {} | {:.2} | {:.2} |{}",
                cpu * 1e6,
                cpu_ratio(i),
                rps(i),
                p(|s| s.p50),
                p(|s| s.p99),
                rps(i) / dropshot_rps,
                rps(i) / hyper_rps,
                if unexpected > 0 {
                    format!(" {unexpected} unexpected statuses")
                } else {
                    String::new()
                },
            );
        }
        let _ = writeln!(
            summary,
            "- {case}: the generated layer costs {:+.1}% server CPU per request against plain dropshot \
             (target: at most +10%); its throughput is {:+.1}% against plain dropshot's, and it runs at {:.2}x raw \
             hyper's throughput and {:.2}x its CPU per request.",
            (cpu_ratio(0) - 1.0) * 100.0,
            (rps(0) / dropshot_rps - 1.0) * 100.0,
            rps(0) / hyper_rps,
            cpu_ratio(0) / cpu_ratio(2),
        );
    }
    let _ = generated.close().await;
    let _ = plain.close().await;
    server_runtime.shutdown_background();
    format!("{out}\n{summary}")
}

/// `login-service` under login storms at the default argon2id cost.
pub async fn login_throughput(service_bin: &Path, settings: &Settings) -> String {
    let t = throughput::run(
        service_bin,
        settings.users,
        settings.login_connections,
        settings.login_rounds,
        settings.login_duration,
    )
    .await;
    let of_rounds = |f: fn(&throughput::Round) -> f64| median(t.rounds.iter().map(f).collect());
    let (rate, bound) = (of_rounds(|r| r.logins_per_sec), of_rounds(|r| r.bound));
    let per_round = t
        .rounds
        .iter()
        .map(|r| format!("{:.0}%", 100.0 * r.share_of_bound()))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "### Login throughput of login-service\n\n\
         Default argon2id cost (19 MiB, 2 iterations, 1 lane); {} rounds of {} concurrent logins over {} users \
         for {:.1?}, each with one malformed request every 10 ms. Each round's bound is the rate of {} threads \
         verifying back to back in this process for {:.1?}, the mean of the runs just before and just after it: \
         {} cores / one verification's time, measured as the storm finds the machine (all cores hashing, the \
         neighbours' load). The fastest single verification gives the ideal bound, which no noise slows down. \
         Medians over the rounds.\n\n\
         | measure | value | target |\n| --- | ---: | --- |\n\
         | one verification, one core (fastest sample) | {} | |\n\
         | bound: every core verifying back to back | {:.1} logins/s ({} per verification per core) | |\n\
         | ideal bound: {} cores / fastest verification | {:.1} logins/s | |\n\
         | logins/s | {:.1} ({:.0}% of the ideal bound) | |\n\
         | logins/s against the bound | {:.0}% (rounds: {per_round}) | at least 85% |\n\
         | CPU share of the service's hashing threads during the storms | {:.0}% of {} cores | |\n\
         | failed logins | {} | 0 |\n\
         | p99 of malformed requests during the storms | {} ({} requests) | under 20 ms |\n\
         | peak memory of the service (VmHWM) | {:.1} MiB | |\n",
        t.rounds.len(),
        settings.login_connections,
        settings.users,
        settings.login_duration,
        t.cores,
        settings.login_duration / 2,
        t.cores,
        ms(t.verify),
        bound,
        ms(Duration::from_secs_f64(t.cores as f64 / bound)),
        t.cores,
        t.ideal_bound(),
        rate,
        100.0 * rate / t.ideal_bound(),
        100.0 * of_rounds(throughput::Round::share_of_bound),
        100.0 * of_rounds(|r| r.hashing_share),
        t.cores,
        t.login_failures,
        ms(t.malformed_p99),
        t.malformed_count,
        t.peak_rss_kib as f64 / 1024.0,
    )
}
