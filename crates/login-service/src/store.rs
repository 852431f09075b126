//! Where tenancies, users and sessions live.
//!
//! [`Store`] is the seam: the embedded default is [`SqliteStore`], a single
//! file; a shared database behind the same trait can back several instances.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};
use rusqlite_migration::{M, Migrations};

/// A store failure; the detail goes to the log, never to the caller.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("schema migration: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("store task: {0}")]
    Task(String),
}

/// A user as the login needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: String,
    pub tenancy_id: String,
    pub username: String,
    pub password_hash: String,
    pub failed_logins: u32,
    /// Unix seconds; locked while in the future.
    pub locked_until: Option<i64>,
    pub disabled: bool,
}

/// What a login finds for a tenancy name and username.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    NoTenancy,
    NoUser { tenancy_id: String },
    User(UserRecord),
}

/// A stored session; the token itself is never stored, only its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub token_sha256: [u8; 32],
    pub user_id: String,
    pub version: i64,
    pub created_at: i64,
    pub expires_at: i64,
}

/// Administrative state changes of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserChange {
    Lock { until: i64 },
    Unlock,
    Disable,
    Enable,
}

pub trait Store: Send + Sync + 'static {
    fn lookup(&self, tenancy: &str, username: &str) -> Result<Lookup, StoreError>;
    /// Counts a failed login; locks the user until `lock_until` when the
    /// count reaches `threshold`. A lock that ended before `now` starts the
    /// count again. Returns the new count.
    fn record_failure(
        &self,
        user_id: &str,
        threshold: u32,
        now: i64,
        lock_until: i64,
    ) -> Result<u32, StoreError>;
    /// Stores a session and resets the user's failure count, atomically.
    fn create_session(&self, session: &SessionRecord) -> Result<(), StoreError>;
    fn find_session(&self, token_sha256: &[u8; 32]) -> Result<Option<SessionRecord>, StoreError>;

    fn add_tenancy(&self, id: &str, name: &str, now: i64) -> Result<(), StoreError>;
    fn add_user(
        &self,
        id: &str,
        tenancy: &str,
        username: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<(), StoreError>;
    fn change_user(
        &self,
        tenancy: &str,
        username: &str,
        change: UserChange,
    ) -> Result<(), StoreError>;
    fn list_users(&self, tenancy: &str) -> Result<Vec<UserRecord>, StoreError>;
}

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![M::up(
        "CREATE TABLE tenancies (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE users (
            id TEXT PRIMARY KEY,
            tenancy_id TEXT NOT NULL REFERENCES tenancies(id),
            username TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            failed_logins INTEGER NOT NULL DEFAULT 0,
            locked_until INTEGER,
            disabled INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            UNIQUE (tenancy_id, username)
        );
        CREATE TABLE sessions (
            token_sha256 BLOB PRIMARY KEY,
            user_id TEXT NOT NULL REFERENCES users(id),
            version INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL
        );
        CREATE INDEX sessions_by_user ON sessions(user_id);",
    )])
}

/// The embedded store: one SQLite file, WAL, foreign keys on, schema
/// versioned by migrations.
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrations().to_latest(&mut conn)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent:
        // each change is one statement or one transaction.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Checkpoints the WAL into the main file; call before exiting.
    pub fn close(self) -> Result<(), StoreError> {
        let conn = self.conn.into_inner().unwrap_or_else(|p| p.into_inner());
        conn.pragma_update(None, "wal_checkpoint", "TRUNCATE")?;
        conn.close().map_err(|(_, e)| e)?;
        Ok(())
    }
}

fn tenancy_id(conn: &Connection, name: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row("SELECT id FROM tenancies WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()?)
}

fn existing_tenancy_id(conn: &Connection, name: &str) -> Result<String, StoreError> {
    tenancy_id(conn, name)?.ok_or_else(|| StoreError::NotFound(format!("no tenancy `{name}`")))
}

const USER_COLUMNS: &str =
    "id, tenancy_id, username, password_hash, failed_logins, locked_until, disabled";

fn user_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<UserRecord> {
    Ok(UserRecord {
        id: row.get(0)?,
        tenancy_id: row.get(1)?,
        username: row.get(2)?,
        password_hash: row.get(3)?,
        failed_logins: row.get(4)?,
        locked_until: row.get(5)?,
        disabled: row.get(6)?,
    })
}

impl Store for SqliteStore {
    fn lookup(&self, tenancy: &str, username: &str) -> Result<Lookup, StoreError> {
        let conn = self.conn();
        let Some(tenancy_id) = tenancy_id(&conn, tenancy)? else {
            return Ok(Lookup::NoTenancy);
        };
        let user = conn
            .query_row(
                &format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE tenancy_id = ?1 AND username = ?2"
                ),
                params![tenancy_id, username],
                user_row,
            )
            .optional()?;
        Ok(match user {
            Some(user) => Lookup::User(user),
            None => Lookup::NoUser { tenancy_id },
        })
    }

    fn record_failure(
        &self,
        user_id: &str,
        threshold: u32,
        now: i64,
        lock_until: i64,
    ) -> Result<u32, StoreError> {
        let conn = self.conn();
        // SET expressions all read the row as it was; `count` is the new
        // count, which restarts at 1 once an earlier lock has ended.
        let count = "CASE WHEN locked_until <= ?3 THEN 1 ELSE failed_logins + 1 END";
        Ok(conn.query_row(
            &format!(
                "UPDATE users SET failed_logins = {count},
                    locked_until = CASE WHEN {count} >= ?2 THEN ?4
                        WHEN locked_until <= ?3 THEN NULL ELSE locked_until END
                 WHERE id = ?1 RETURNING failed_logins"
            ),
            params![user_id, threshold, now, lock_until],
            |r| r.get(0),
        )?)
    }

    fn create_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO sessions (token_sha256, user_id, version, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                session.token_sha256.as_slice(),
                session.user_id,
                session.version,
                session.created_at,
                session.expires_at
            ],
        )?;
        tx.execute(
            "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?1",
            [&session.user_id],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn find_session(&self, token_sha256: &[u8; 32]) -> Result<Option<SessionRecord>, StoreError> {
        let conn = self.conn();
        Ok(conn
            .query_row(
                "SELECT user_id, version, created_at, expires_at FROM sessions WHERE token_sha256 = ?1",
                [token_sha256.as_slice()],
                |r| {
                    Ok(SessionRecord {
                        token_sha256: *token_sha256,
                        user_id: r.get(0)?,
                        version: r.get(1)?,
                        created_at: r.get(2)?,
                        expires_at: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    fn add_tenancy(&self, id: &str, name: &str, now: i64) -> Result<(), StoreError> {
        let conn = self.conn();
        if tenancy_id(&conn, name)?.is_some() {
            return Err(StoreError::Conflict(format!(
                "tenancy `{name}` already exists"
            )));
        }
        conn.execute(
            "INSERT INTO tenancies (id, name, created_at) VALUES (?1, ?2, ?3)",
            params![id, name, now],
        )?;
        Ok(())
    }

    fn add_user(
        &self,
        id: &str,
        tenancy: &str,
        username: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        let tenancy_id = existing_tenancy_id(&conn, tenancy)?;
        let exists: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM users WHERE tenancy_id = ?1 AND username = ?2)",
            params![tenancy_id, username],
            |r| r.get(0),
        )?;
        if exists {
            return Err(StoreError::Conflict(format!(
                "user `{username}` already exists in `{tenancy}`"
            )));
        }
        conn.execute(
            "INSERT INTO users (id, tenancy_id, username, password_hash, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, tenancy_id, username, password_hash, now],
        )?;
        Ok(())
    }

    fn change_user(
        &self,
        tenancy: &str,
        username: &str,
        change: UserChange,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        let tenancy_id = existing_tenancy_id(&conn, tenancy)?;
        let (sql, until) = match change {
            UserChange::Lock { until } => ("UPDATE users SET locked_until = ?3", Some(until)),
            UserChange::Unlock => (
                "UPDATE users SET locked_until = NULL, failed_logins = 0",
                None,
            ),
            UserChange::Disable => ("UPDATE users SET disabled = 1", None),
            UserChange::Enable => ("UPDATE users SET disabled = 0", None),
        };
        let sql = format!("{sql} WHERE tenancy_id = ?1 AND username = ?2");
        let changed = match until {
            Some(until) => conn.execute(&sql, params![tenancy_id, username, until])?,
            None => conn.execute(&sql, params![tenancy_id, username])?,
        };
        if changed == 0 {
            return Err(StoreError::NotFound(format!(
                "no user `{username}` in `{tenancy}`"
            )));
        }
        Ok(())
    }

    fn list_users(&self, tenancy: &str) -> Result<Vec<UserRecord>, StoreError> {
        let conn = self.conn();
        let tenancy_id = existing_tenancy_id(&conn, tenancy)?;
        let mut statement = conn.prepare(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE tenancy_id = ?1 ORDER BY username"
        ))?;
        let users = statement
            .query_map([tenancy_id], user_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(users)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        migrations().validate().unwrap();
    }
}
