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
    /// Users and concurrent logins for the throughput run.
    pub users: usize,
    pub login_connections: usize,
    pub login_duration: Duration,
}

impl Settings {
    pub fn full() -> Self {
        Self {
            connections: 16,
            rounds: 5,
            warmup: Duration::from_secs(1),
            duration: Duration::from_secs(3),
            users: 16,
            login_connections: 16,
            login_duration: Duration::from_secs(10),
        }
    }

    pub fn quick() -> Self {
        Self {
            connections: 8,
            rounds: 3,
            warmup: Duration::from_millis(300),
            duration: Duration::from_secs(1),
            users: 8,
            login_connections: 8,
            login_duration: Duration::from_secs(4),
        }
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Generated server vs plain dropshot vs raw hyper, for a 200 and a 400.
pub async fn overhead(settings: &Settings) -> String {
    let generated = servers::generated();
    let plain = servers::plain_dropshot();
    let hyper = servers::raw_hyper().await;
    let targets = [
        ("generated (login-server)", generated.local_addr()),
        ("plain dropshot, hand-written endpoint", plain.local_addr()),
        ("raw hyper, fixed bytes", hyper),
    ];
    let mut out = format!(
        "### Server overhead\n\n{} connections; per server, the median of {} runs of {:?} (after {:?} warm-up), \
         the servers taking turns; loopback; load client in the same process.\n\n\
         | server | request | req/s | p50 | p99 | req/s vs plain dropshot | req/s vs raw hyper |\n\
         | --- | --- | ---: | ---: | ---: | ---: | ---: |\n",
        settings.connections, settings.rounds, settings.duration, settings.warmup
    );
    let mut summary = String::new();
    for (case, body, status) in [
        ("200 (valid body)", servers::VALID, 200),
        ("400 (malformed body)", servers::MALFORMED, 400),
    ] {
        let mut runs: Vec<Vec<load::Stats>> = vec![Vec::new(); targets.len()];
        for round in 0..settings.rounds.max(1) {
            for i in 0..targets.len() {
                let t = (i + round) % targets.len();
                let request = load::Request {
                    url: format!("http://{}/20160918/login", targets[t].1),
                    body,
                };
                runs[t].push(
                    load::run(
                        request,
                        status,
                        settings.connections,
                        settings.warmup,
                        settings.duration,
                    )
                    .await,
                );
            }
        }
        let stats: Vec<load::Stats> = runs
            .into_iter()
            .map(|mut r| {
                r.sort_by(|a, b| a.rps().total_cmp(&b.rps()));
                r.swap_remove(r.len() / 2)
            })
            .collect();
        let (dropshot_rps, hyper_rps) = (stats[1].rps(), stats[2].rps());
        for ((name, _), s) in targets.iter().zip(&stats) {
            let _ = writeln!(
                out,
                "| {name} | {case} | {:.0} | {} | {} | {:.2} | {:.2} |{}",
                s.rps(),
                ms(s.p50),
                ms(s.p99),
                s.rps() / dropshot_rps,
                s.rps() / hyper_rps,
                if s.unexpected > 0 {
                    format!(" {} unexpected statuses", s.unexpected)
                } else {
                    String::new()
                },
            );
        }
        let cost = 1.0 - stats[0].rps() / dropshot_rps;
        let _ = writeln!(
            summary,
            "- {case}: the generated layer costs {:.1}% of plain dropshot's throughput (target: at most 10%); \
             it runs at {:.2}x raw hyper.",
            cost * 100.0,
            stats[0].rps() / hyper_rps
        );
    }
    let _ = generated.close().await;
    let _ = plain.close().await;
    format!("{out}\n{summary}")
}

/// `login-service` under a login storm at the default argon2id cost.
pub async fn login_throughput(service_bin: &Path, settings: &Settings) -> String {
    let t = throughput::run(
        service_bin,
        settings.users,
        settings.login_connections,
        settings.login_duration,
    )
    .await;
    let bound = t.bound();
    format!(
        "### Login throughput of login-service\n\n\
         Default argon2id cost (19 MiB, 2 iterations, 1 lane); {} concurrent logins over {} users for {:?}; \
         meanwhile one malformed request every 10 ms.\n\n\
         | measure | value | target |\n| --- | ---: | --- |\n\
         | one verification, one core (fastest, before and after the storm) | {} | |\n\
         | one verification, every core verifying at once (fastest) | {} | |\n\
         | bound: {} cores / one verification | {:.1} logins/s | |\n\
         | bound with every core verifying at once | {:.1} logins/s | |\n\
         | logins/s | {:.1} ({:.0}% of the bound, {:.0}% of the all-cores bound) | at least 85% |\n\
         | failed logins | {} | 0 |\n\
         | p99 of malformed requests during the storm | {} ({} requests) | under 20 ms |\n\
         | peak memory of the service (VmHWM) | {:.1} MiB | |\n",
        settings.login_connections,
        settings.users,
        settings.login_duration,
        ms(t.verify),
        ms(t.verify_all_cores),
        t.cores,
        bound,
        t.cores as f64 / t.verify_all_cores.as_secs_f64(),
        t.logins_per_sec,
        100.0 * t.logins_per_sec / bound,
        100.0 * t.logins_per_sec * t.verify_all_cores.as_secs_f64() / t.cores as f64,
        t.login_failures,
        ms(t.malformed_p99),
        t.malformed_count,
        t.peak_rss_kib as f64 / 1024.0,
    )
}
