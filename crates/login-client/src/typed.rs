//! The typed client's hand-written half: configuration, request ids, retries
//! and raw responses. `generated_typed.rs` adds one method per operation and
//! the success and error types that keep every documented status and header.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use progenitor_client::ClientInfo as _;

/// The default total timeout, as progenitor's.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// A client whose methods return typed outcomes for every documented status.
/// The progenitor client it wraps stays reachable through [`Self::progenitor`].
#[derive(Clone, Debug)]
pub struct TypedClient {
    inner: crate::Client,
    retry: Option<RetryPolicy>,
    request_id: Option<String>,
}

impl TypedClient {
    /// A client with default settings and no retries.
    pub fn new(base_url: &str) -> Result<Self, BuildError> {
        Self::builder(base_url).build()
    }

    pub fn builder(base_url: &str) -> TypedClientBuilder {
        TypedClientBuilder {
            base_url: base_url.trim_end_matches('/').to_owned(),
            connect_timeout: None,
            timeout: DEFAULT_TIMEOUT,
            user_agent: concat!("login-client/", env!("CARGO_PKG_VERSION")).to_owned(),
            retry: None,
            headers: HeaderMap::new(),
        }
    }

    /// The generated progenitor client, sharing this client's connection pool.
    pub fn progenitor(&self) -> &crate::Client {
        &self.inner
    }

    /// A copy that sends `id` as the request id of its next call's first
    /// attempt (retries get fresh ids).
    pub fn with_request_id(&self, id: impl Into<String>) -> Self {
        Self {
            request_id: Some(id.into()),
            ..self.clone()
        }
    }

    /// Sends one operation, with retries per the policy; each attempt gets a
    /// new request id. Used by the generated methods.
    #[doc(hidden)]
    pub async fn execute<B, S, E>(
        &self,
        method: reqwest::Method,
        path: &str,
        request_id_header: &'static str,
        body: &B,
        decode: fn(Result<RawResponse, reqwest::Error>) -> Result<S, E>,
    ) -> Result<S, E>
    where
        B: serde::Serialize + ?Sized,
        E: Retryable,
    {
        let started = Instant::now();
        let url = format!("{}{path}", self.inner.baseurl());
        let mut attempt = 1;
        loop {
            let request_id = match (&self.request_id, attempt) {
                (Some(id), 1) => id.clone(),
                _ => new_request_id(),
            };
            let sent = self
                .inner
                .client()
                .request(method.clone(), &url)
                .header(request_id_header, request_id)
                .header(http::header::ACCEPT, "application/json")
                .json(body)
                .send()
                .await;
            let raw = match sent {
                Ok(response) => RawResponse::read(response).await,
                Err(e) => Err(e),
            };
            let outcome = decode(raw);
            let Some(policy) = &self.retry else {
                return outcome;
            };
            let retry = matches!(&outcome, Err(e) if is_retryable(e.retry_hint()));
            if !retry || attempt >= policy.max_attempts {
                return outcome;
            }
            let delay = policy.delay(attempt);
            if started.elapsed() + delay > policy.max_elapsed {
                return outcome;
            }
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }
}

/// A fresh request id: 32 hex digits.
pub fn new_request_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

#[derive(Debug)]
pub struct TypedClientBuilder {
    base_url: String,
    connect_timeout: Option<Duration>,
    timeout: Duration,
    user_agent: String,
    retry: Option<RetryPolicy>,
    headers: HeaderMap,
}

impl TypedClientBuilder {
    /// Time to establish a connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Time for a whole attempt, response body included.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Retries per `policy`; off unless set.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// A header sent on every request (for example Prism's `Prefer`).
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    pub fn build(self) -> Result<TypedClient, BuildError> {
        let mut builder = reqwest::Client::builder()
            .timeout(self.timeout)
            .user_agent(self.user_agent)
            .default_headers(self.headers);
        if let Some(connect) = self.connect_timeout {
            builder = builder.connect_timeout(connect);
        }
        let http = builder.build().map_err(BuildError)?;
        Ok(TypedClient {
            inner: crate::Client::new_with_client(&self.base_url, http),
            retry: self.retry,
            request_id: None,
        })
    }
}

/// The HTTP client could not be built (for example, no TLS backend).
#[derive(Debug)]
pub struct BuildError(reqwest::Error);

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot build the HTTP client: {}", self.0)
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// Retries modelled on the OCI SDKs' default policy: 409 `IncorrectState`,
/// 429, 500 to 504 except 501, and connection failures are retried, with
/// exponential backoff and full jitter, up to a number of attempts and a
/// total time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// No retry starts after this much time since the first attempt.
    pub max_elapsed: Duration,
    /// The backoff before the second attempt, doubled each time.
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            max_elapsed: Duration::from_secs(600),
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// `attempts` attempts in all, other settings default.
    pub fn attempts(attempts: u32) -> Self {
        Self {
            max_attempts: attempts.max(1),
            ..Self::default()
        }
    }

    /// Full jitter: uniform in [0, min(max_delay, base * 2^(attempt-1))].
    fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << (attempt - 1).min(20))
            .min(self.max_delay);
        ceiling.mul_f64(fastrand::f64())
    }
}

/// What a failure says about retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryHint<'a> {
    /// A response with this status and, if the body had one, error code.
    Response(StatusCode, Option<&'a str>),
    /// No response; `connect` when the connection could not be made.
    NoResponse { connect: bool },
}

/// Failures the retry policy can classify; implemented by generated errors.
pub trait Retryable {
    fn retry_hint(&self) -> RetryHint<'_>;
}

/// The OCI SDKs' rule.
pub fn is_retryable(hint: RetryHint<'_>) -> bool {
    match hint {
        RetryHint::Response(status, code) => match status.as_u16() {
            409 => code == Some("IncorrectState"),
            429 | 500 | 502 | 503 | 504 => true,
            _ => false,
        },
        RetryHint::NoResponse { connect } => connect,
    }
}

/// A response as received, before decoding.
#[derive(Debug)]
pub struct RawResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl RawResponse {
    async fn read(response: reqwest::Response) -> Result<Self, reqwest::Error> {
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await?;
        Ok(Self {
            status,
            headers,
            body,
        })
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    /// The body as the spec's `T` for this status; a body of another shape
    /// makes the whole response unexpected (it is kept).
    pub fn body<T: serde::de::DeserializeOwned>(&self) -> Result<T, Box<UnexpectedResponse>> {
        serde_json::from_slice(&self.body).map_err(|e| {
            self.unexpected(format!(
                "the {} body does not match the spec: {e}",
                self.status.as_u16()
            ))
        })
    }

    pub fn unexpected(&self, reason: impl Into<String>) -> Box<UnexpectedResponse> {
        Box::new(UnexpectedResponse {
            status: self.status,
            headers: self.headers.clone(),
            body: self.body.clone(),
            reason: reason.into(),
        })
    }
}

/// A response the spec does not describe: an undocumented status, or a
/// documented one whose body has the wrong shape. Everything is kept.
#[derive(Debug)]
pub struct UnexpectedResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub reason: String,
}

impl UnexpectedResponse {
    pub fn request_id(&self, header: &str) -> Option<&str> {
        self.headers.get(header).and_then(|v| v.to_str().ok())
    }
}

impl std::fmt::Display for UnexpectedResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unexpected response {}: {}", self.status, self.reason)
    }
}
