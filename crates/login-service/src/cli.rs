//! `login-service`: serve the API, or administer tenancies and users.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::credentials::{self, HashCost, Passwords};
use crate::service::{LoginService, Policy, unix_now};
use crate::store::{SqliteStore, Store, UserChange};

#[derive(Parser)]
#[command(
    name = "login-service",
    version,
    about = "Reference Compute Enclave login service on SQLite",
    long_about = "Reference Compute Enclave login service: serves POST /20160918/login from the \
                  generated login-server trait, with tenancies, users and sessions in a SQLite file.\n\n\
                  Every option can also be set by the environment variable shown with it."
)]
pub struct Cli {
    /// SQLite database file; created with its schema on first use.
    #[arg(long, global = true, env = "LOGIN_DB", default_value = "login.db")]
    db: PathBuf,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the login API until SIGINT or SIGTERM.
    Serve(ServeArgs),
    /// Manage tenancies.
    #[command(subcommand)]
    Tenancy(TenancyCommand),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, env = "LOGIN_BIND", default_value = "127.0.0.1:8080")]
    bind: std::net::SocketAddr,
    /// How long a session lasts (e.g. `1h`, `30m`).
    #[arg(long, env = "LOGIN_SESSION_LIFETIME", default_value = "1h", value_parser = humantime::parse_duration)]
    session_lifetime: Duration,
    /// Consecutive failed logins that lock a user.
    #[arg(long, env = "LOGIN_LOCKOUT_THRESHOLD", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    lockout_threshold: u32,
    /// How long a lock lasts.
    #[arg(long, env = "LOGIN_LOCKOUT_DURATION", default_value = "15m", value_parser = humantime::parse_duration)]
    lockout_duration: Duration,
    // The help names the spec's limit through the generated constant.
    #[arg(
        long,
        env = "LOGIN_REQUEST_BODY_MAX_BYTES",
        value_parser = clap::value_parser!(u64).range(1..),
        help = format!(
            "Largest request body read, in bytes [default: the spec's `x-body-max-bytes`, {}]; \
             a larger one gets the spec's 400",
            login_server::CREATE_SESSION_BODY_MAX_BYTES
        )
    )]
    request_body_max_bytes: Option<u64>,
    #[command(flatten)]
    cost: CostArgs,
    /// Log level.
    #[arg(long, env = "LOGIN_LOG_LEVEL", value_enum, default_value_t = LogLevel::Info)]
    log_level: LogLevel,
    /// Log format: `terminal` for people, `json` (bunyan) for machines.
    #[arg(long, env = "LOGIN_LOG_FORMAT", value_enum, default_value_t = LogFormat::Terminal)]
    log_format: LogFormat,
}

/// argon2id cost for new hashes (verification uses each hash's own).
#[derive(Args)]
struct CostArgs {
    /// argon2id memory in KiB.
    #[arg(long, env = "LOGIN_ARGON2_MEMORY_KIB", default_value_t = HashCost::default().memory_kib)]
    argon2_memory_kib: u32,
    /// argon2id iterations.
    #[arg(long, env = "LOGIN_ARGON2_ITERATIONS", default_value_t = HashCost::default().iterations)]
    argon2_iterations: u32,
    /// argon2id lanes.
    #[arg(long, env = "LOGIN_ARGON2_PARALLELISM", default_value_t = HashCost::default().parallelism)]
    argon2_parallelism: u32,
}

impl CostArgs {
    fn passwords(&self) -> Result<Passwords, String> {
        Passwords::new(HashCost {
            memory_kib: self.argon2_memory_kib,
            iterations: self.argon2_iterations,
            parallelism: self.argon2_parallelism,
        })
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Terminal,
    Json,
}

#[derive(Subcommand)]
enum TenancyCommand {
    /// Add a tenancy; prints its OCID.
    Add { name: String },
}

#[derive(Args)]
struct UserRef {
    #[arg(long)]
    tenancy: String,
    #[arg(long)]
    username: String,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; asks for the password without echo. Prints the user's OCID.
    Add {
        #[command(flatten)]
        user: UserRef,
        /// Read the password from standard input instead of the terminal.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        cost: CostArgs,
    },
    /// Lock a user for the lockout duration.
    Lock {
        #[command(flatten)]
        user: UserRef,
        #[arg(long, default_value = "15m", value_parser = humantime::parse_duration)]
        duration: Duration,
    },
    /// Unlock a user and reset the failure count.
    Unlock(UserRef),
    /// Disable a user: logins get 409 until enabled.
    Disable(UserRef),
    /// Enable a disabled user.
    Enable(UserRef),
    /// List the users of a tenancy.
    List {
        #[arg(long)]
        tenancy: String,
    },
}

pub fn run(cli: Cli) -> ExitCode {
    match execute(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn open(db: &std::path::Path) -> Result<SqliteStore, String> {
    SqliteStore::open(db).map_err(|e| format!("{}: {e}", db.display()))
}

fn execute(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve(args) => serve(&cli.db, args),
        Command::Tenancy(TenancyCommand::Add { name }) => {
            let id = credentials::new_ocid("tenancy");
            open(&cli.db)?
                .add_tenancy(&id, &name, unix_now())
                .map_err(|e| e.to_string())?;
            println!("{id}");
            Ok(())
        }
        Command::User(command) => user(&cli.db, command),
    }
}

fn user(db: &std::path::Path, command: UserCommand) -> Result<(), String> {
    let store = open(db)?;
    let (user, change) = match command {
        UserCommand::Add {
            user,
            password_stdin,
            cost,
        } => {
            let password = read_password(password_stdin)?;
            if password.is_empty() || password.chars().count() > 255 {
                return Err("the password must be 1 to 255 characters long".to_owned());
            }
            let hash = cost.passwords()?.hash(&password)?;
            let id = credentials::new_ocid("user");
            store
                .add_user(&id, &user.tenancy, &user.username, &hash, unix_now())
                .map_err(|e| e.to_string())?;
            println!("{id}");
            return Ok(());
        }
        UserCommand::List { tenancy } => {
            let users = store.list_users(&tenancy).map_err(|e| e.to_string())?;
            println!("{:<24} {:<10} {:>8}  ID", "USERNAME", "STATE", "FAILURES");
            let now = unix_now();
            for u in users {
                let state = match (u.disabled, u.locked_until.is_some_and(|t| t > now)) {
                    (true, _) => "disabled",
                    (false, true) => "locked",
                    (false, false) => "active",
                };
                println!(
                    "{:<24} {:<10} {:>8}  {}",
                    u.username, state, u.failed_logins, u.id
                );
            }
            return Ok(());
        }
        UserCommand::Lock { user, duration } => (
            user,
            UserChange::Lock {
                until: unix_now() + duration.as_secs() as i64,
            },
        ),
        UserCommand::Unlock(user) => (user, UserChange::Unlock),
        UserCommand::Disable(user) => (user, UserChange::Disable),
        UserCommand::Enable(user) => (user, UserChange::Enable),
    };
    store
        .change_user(&user.tenancy, &user.username, change)
        .map_err(|e| e.to_string())
}

fn read_password(from_stdin: bool) -> Result<String, String> {
    if from_stdin {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("reading standard input: {e}"))?;
        // One trailing newline is the terminator, not part of the password.
        let text = text.strip_suffix('\n').unwrap_or(&text);
        Ok(text.strip_suffix('\r').unwrap_or(text).to_owned())
    } else {
        rpassword::prompt_password("Password: ").map_err(|e| format!("reading the password: {e}"))
    }
}

fn logger(level: LogLevel, format: LogFormat) -> slog::Logger {
    use slog::Drain as _;
    let level = match level {
        LogLevel::Debug => slog::Level::Debug,
        LogLevel::Info => slog::Level::Info,
        LogLevel::Warn => slog::Level::Warning,
        LogLevel::Error => slog::Level::Error,
    };
    let drain = match format {
        LogFormat::Terminal => {
            let decorator = slog_term::TermDecorator::new().stderr().build();
            slog_async::Async::new(slog_term::FullFormat::new(decorator).build().fuse())
                .build()
                .fuse()
        }
        LogFormat::Json => {
            let json = slog_bunyan::with_name("login-service", std::io::stderr())
                .build()
                .fuse();
            slog_async::Async::new(json).build().fuse()
        }
    };
    slog::Logger::root(drain.filter_level(level).fuse(), slog::o!())
}

fn serve(db: &std::path::Path, args: ServeArgs) -> Result<(), String> {
    let passwords = args.cost.passwords()?;
    let store = Arc::new(open(db)?);
    let policy = Policy {
        session_lifetime: args.session_lifetime,
        lockout_threshold: args.lockout_threshold,
        lockout_duration: args.lockout_duration,
        request_body_max_bytes: args.request_body_max_bytes.map(|n| n as usize),
    };
    let log = logger(args.log_level, args.log_format);
    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("starting tokio: {e}"))?;
    runtime.block_on(async {
        let service = LoginService::new(Arc::clone(&store) as Arc<dyn Store>, passwords, policy)?;
        let api = login_server::api_description::<LoginService>().map_err(|e| e.to_string())?;
        let config = dropshot::ConfigDropshot {
            bind_address: args.bind,
            ..Default::default()
        };
        let server = dropshot::ServerBuilder::new(api, service, log.clone())
            .config(config)
            .start()
            .map_err(|e| format!("starting the server on {}: {e}", args.bind))?;
        slog::info!(log, "listening"; "address" => %server.local_addr(), "db" => %db.display());
        println!("listening on {}", server.local_addr());

        let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(|e| format!("installing the SIGTERM handler: {e}"))?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
            result = server.wait_for_shutdown() => return result.map_err(|e| format!("server: {e}")),
        }
        slog::info!(log, "shutting down: finishing in-flight requests");
        server.close().await.map_err(|e| format!("closing the server: {e}"))
    })?;
    drop(runtime);
    // The service (and its store handle) went with the server; close the file.
    let store = Arc::into_inner(store).ok_or("the store is still in use after shutdown")?;
    store.close().map_err(|e| e.to_string())?;
    slog::info!(log, "stopped");
    Ok(())
}
