//! The login itself: the generated trait, implemented on a [`Store`].

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use login_server::types::{CreateSessionDetails, CreateSessionDetailsPassword, Error, Session};
use login_server::{ComputeEnclaveLoginApi, CreateSessionResponse, OperationContext};

use crate::credentials::{self, Passwords};
use crate::store::{Lookup, SessionRecord, Store, StoreError};

/// Login policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub session_lifetime: Duration,
    /// Consecutive failures that lock a user.
    pub lockout_threshold: u32,
    pub lockout_duration: Duration,
    /// Largest request body read; `None` keeps the spec's `x-body-max-bytes`.
    pub request_body_max_bytes: Option<usize>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            session_lifetime: Duration::from_secs(3600),
            lockout_threshold: 5,
            lockout_duration: Duration::from_secs(15 * 60),
            request_body_max_bytes: None,
        }
    }
}

pub struct LoginService {
    store: Arc<dyn Store>,
    passwords: Arc<Passwords>,
    policy: Policy,
    /// One thread per core for password hashing: a burst of logins queues
    /// here instead of occupying async workers or growing the blocking pool
    /// (each thread that runs argon2 keeps its memory blocks around).
    hashing: rayon::ThreadPool,
}

impl LoginService {
    pub fn new(
        store: Arc<dyn Store>,
        passwords: Passwords,
        policy: Policy,
    ) -> Result<Self, String> {
        let hashing = rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("argon2-{i}"))
            .build()
            .map_err(|e| format!("starting the hashing threads: {e}"))?;
        Ok(Self {
            store,
            passwords: Arc::new(passwords),
            policy,
            hashing,
        })
    }

    /// Runs a store call off the async workers.
    async fn store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || f(store.as_ref()))
            .await
            .unwrap_or_else(|e| Err(StoreError::Task(e.to_string())))
    }

    /// Verifies a password on the hashing threads. The password stays in its
    /// generated newtype, which zeroes it when dropped.
    async fn verify(&self, password: CreateSessionDetailsPassword, phc: Option<String>) -> bool {
        let passwords = Arc::clone(&self.passwords);
        let (done, result) = tokio::sync::oneshot::channel();
        self.hashing.spawn(move || {
            let _ = done.send(passwords.verify(password.expose_secret(), phc.as_deref()));
        });
        result.await.unwrap_or(false)
    }

    async fn login(
        &self,
        ctx: &OperationContext,
        body: CreateSessionDetails,
    ) -> Result<CreateSessionResponse, StoreError> {
        let CreateSessionDetails {
            password,
            tenancy,
            username,
        } = body;
        let lookup = self.store(move |s| s.lookup(&tenancy, &username)).await?;
        let now = unix_now();

        let user = match lookup {
            Lookup::NoTenancy => {
                slog::info!(ctx.log, "login refused: no such tenancy");
                return Ok(CreateSessionResponse::NotFound {
                    body: error(
                        "NotAuthorizedOrNotFound",
                        "Authorization failed or requested resource not found.",
                    ),
                });
            }
            Lookup::NoUser { .. } => {
                // Same work and answer as a wrong password.
                self.verify(password, None).await;
                slog::info!(ctx.log, "login refused: wrong credentials");
                return Ok(not_authenticated());
            }
            Lookup::User(user) => user,
        };
        if user.disabled {
            slog::info!(ctx.log, "login refused: user disabled"; "user_id" => &user.id);
            return Ok(incorrect_state("The user is disabled."));
        }
        if user.locked_until.is_some_and(|until| until > now) {
            slog::info!(ctx.log, "login refused: user locked"; "user_id" => &user.id);
            return Ok(incorrect_state(
                "The user is locked after too many failed logins; try again later.",
            ));
        }

        if !self
            .verify(password, Some(user.password_hash.clone()))
            .await
        {
            let threshold = self.policy.lockout_threshold;
            let until = now + self.policy.lockout_duration.as_secs() as i64;
            let id = user.id.clone();
            let failures = self
                .store(move |s| s.record_failure(&id, threshold, now, until))
                .await?;
            slog::info!(ctx.log, "login refused: wrong credentials"; "user_id" => &user.id, "failures" => failures);
            return Ok(not_authenticated());
        }

        let token = credentials::new_token();
        let session = SessionRecord {
            token_sha256: credentials::token_sha256(&token),
            user_id: user.id.clone(),
            version: 1,
            created_at: now,
            expires_at: now + self.policy.session_lifetime.as_secs() as i64,
        };
        let etag = format!(
            "\"{}-{}\"",
            hex_prefix(&session.token_sha256),
            session.version
        );
        self.store(move |s| s.create_session(&session)).await?;
        slog::info!(ctx.log, "session created"; "user_id" => &user.id);
        Ok(CreateSessionResponse::Ok {
            body: Session {
                tenancy_id: Some(user.tenancy_id),
                token: Some(token),
                user_id: Some(user.id),
            },
            etag: Some(etag),
        })
    }
}

impl ComputeEnclaveLoginApi for LoginService {
    fn request_body_max_bytes(&self, _: &str, spec_limit: usize) -> usize {
        self.policy.request_body_max_bytes.unwrap_or(spec_limit)
    }

    async fn create_session(
        &self,
        ctx: &OperationContext,
        body: CreateSessionDetails,
    ) -> CreateSessionResponse {
        self.login(ctx, body).await.unwrap_or_else(|e| {
            slog::error!(ctx.log, "login failed in the store"; "error" => %e);
            CreateSessionResponse::InternalServerError {
                body: error(
                    "InternalServerError",
                    &format!(
                        "Internal error; quote request id {} to support.",
                        ctx.request_id
                    ),
                ),
            }
        })
    }
}

fn error(code: &str, message: &str) -> Error {
    Error {
        code: code.to_owned(),
        message: message.to_owned(),
    }
}

fn not_authenticated() -> CreateSessionResponse {
    CreateSessionResponse::Unauthorized {
        body: error("NotAuthenticated", "The username or password is wrong."),
    }
}

fn incorrect_state(message: &str) -> CreateSessionResponse {
    CreateSessionResponse::Conflict {
        body: error("IncorrectState", message),
    }
}

/// The session's id in its etag: the start of the token's hash, never the token.
fn hex_prefix(hash: &[u8; 32]) -> String {
    hash[..8].iter().map(|b| format!("{b:02x}")).collect()
}

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
