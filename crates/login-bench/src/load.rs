//! A closed-loop HTTP load generator: N connections, each sending one request
//! after another for a fixed time, every latency recorded.

use std::time::{Duration, Instant};

/// One request shape.
#[derive(Clone)]
pub struct Request {
    pub url: String,
    pub body: &'static str,
}

#[derive(Debug, Clone)]
pub struct Stats {
    /// Requests started after the warm-up.
    pub requests: usize,
    /// Every request answered, warm-up included.
    pub answered: usize,
    pub elapsed: Duration,
    pub p50: Duration,
    pub p99: Duration,
    /// Responses whose status differs from the expected one.
    pub unexpected: usize,
}

impl Stats {
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

/// Runs `connections` loops for `warmup + duration`; only requests started
/// after the warm-up count. With a `rate` (requests per second, all
/// connections together) each connection paces itself instead of sending as
/// fast as it is answered.
pub async fn run(
    request: Request,
    expect: u16,
    connections: usize,
    warmup: Duration,
    duration: Duration,
    rate: Option<f64>,
) -> Stats {
    let start = Instant::now();
    let measure_from = start + warmup;
    let end = measure_from + duration;
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let request = request.clone();
            tokio::spawn(async move {
                let client = reqwest::Client::builder()
                    .pool_max_idle_per_host(1)
                    .http1_only()
                    .build()
                    .expect("client");
                let mut latencies = Vec::new();
                let mut unexpected = 0;
                let mut answered = 0;
                let mut pace = rate.map(|rate| {
                    let mut ticker =
                        tokio::time::interval(Duration::from_secs_f64(connections as f64 / rate));
                    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                    ticker
                });
                loop {
                    if let Some(ticker) = &mut pace {
                        ticker.tick().await;
                    }
                    let sent = Instant::now();
                    if sent >= end {
                        break;
                    }
                    let response = client
                        .post(&request.url)
                        .header("content-type", "application/json")
                        .body(request.body)
                        .send()
                        .await;
                    let ok = match response {
                        Ok(r) => {
                            let status = r.status().as_u16();
                            let _ = r.bytes().await;
                            status == expect
                        }
                        Err(_) => false,
                    };
                    answered += 1;
                    if sent >= measure_from {
                        latencies.push(sent.elapsed());
                        unexpected += usize::from(!ok);
                    }
                }
                (latencies, unexpected, answered)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut unexpected = 0;
    let mut answered = 0;
    for task in tasks {
        let (latencies, bad, count) = task.await.expect("load task");
        all.extend(latencies);
        unexpected += bad;
        answered += count;
    }
    all.sort_unstable();
    Stats {
        requests: all.len(),
        answered,
        elapsed: duration,
        p50: percentile(&all, 0.50),
        p99: percentile(&all, 0.99),
        unexpected,
    }
}
