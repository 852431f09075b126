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
    pub requests: usize,
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
/// after the warm-up count.
pub async fn run(
    request: Request,
    expect: u16,
    connections: usize,
    warmup: Duration,
    duration: Duration,
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
                loop {
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
                    if sent >= measure_from {
                        latencies.push(sent.elapsed());
                        unexpected += usize::from(!ok);
                    }
                }
                (latencies, unexpected)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut unexpected = 0;
    for task in tasks {
        let (latencies, bad) = task.await.expect("load task");
        all.extend(latencies);
        unexpected += bad;
    }
    all.sort_unstable();
    Stats {
        requests: all.len(),
        elapsed: duration,
        p50: percentile(&all, 0.50),
        p99: percentile(&all, 0.99),
        unexpected,
    }
}
