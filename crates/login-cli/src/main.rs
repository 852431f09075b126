//! `login-cli`: log in to a Compute Enclave login service from a shell.

use std::io::Read as _;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use login_client::types::{CreateSessionDetails, CreateSessionDetailsPassword};
use login_client::{CreateSessionError, RetryPolicy, TypedClient};

const EXIT_STATUSES: &str = "\
Exit status:
  0  success: the session is printed as JSON on stdout
  2  usage error (bad flags or values)
  3  400 Bad Request
  4  401 Unauthorized
  5  404 Not Found
  6  409 Conflict
  7  500 Internal Server Error, or another 5xx
  8  network failure or timeout
  9  a response the spec does not describe";

#[derive(Parser)]
#[command(name = "login-cli", version, about = "Client of the Compute Enclave login API", after_help = EXIT_STATUSES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a session (POST /20160918/login) and print it as JSON.
    ///
    /// The password is read from the terminal without echo, or from standard
    /// input with --password-stdin. On failure, the status, error code,
    /// message and opc-request-id go to stderr.
    #[command(after_help = EXIT_STATUSES)]
    Login(LoginArgs),
}

#[derive(clap::Args)]
struct LoginArgs {
    /// Base URL of the service, e.g. http://127.0.0.1:8080.
    #[arg(long, env = "LOGIN_ENDPOINT")]
    endpoint: String,
    /// Tenancy to log in to.
    #[arg(long)]
    tenancy: String,
    /// User name.
    #[arg(long)]
    username: String,
    /// Read the password from standard input (one trailing newline is dropped).
    #[arg(long)]
    password_stdin: bool,
    /// Print errors as JSON on stderr.
    #[arg(long)]
    json: bool,
    /// Total time for each attempt (e.g. 15s, 500ms).
    #[arg(long, default_value = "15s", value_parser = humantime::parse_duration)]
    timeout: Duration,
    /// Time to establish a connection.
    #[arg(long, default_value = "5s", value_parser = humantime::parse_duration)]
    connect_timeout: Duration,
    /// Retries after the first attempt, on 409 IncorrectState, 429, 500-504
    /// except 501 and connection failures, with exponential backoff.
    #[arg(long, default_value_t = 0)]
    retries: u32,
    /// The opc-request-id of the first attempt (default: a fresh one).
    #[arg(long)]
    request_id: Option<String>,
    /// An extra request header, `Name: value` (repeatable).
    #[arg(long = "header", value_name = "NAME: VALUE", value_parser = parse_header)]
    headers: Vec<(http::HeaderName, http::HeaderValue)>,
}

fn parse_header(text: &str) -> Result<(http::HeaderName, http::HeaderValue), String> {
    let (name, value) = text.split_once(':').ok_or("expected `Name: value`")?;
    let name = http::HeaderName::try_from(name.trim()).map_err(|e| e.to_string())?;
    let value = http::HeaderValue::try_from(value.trim()).map_err(|e| e.to_string())?;
    Ok((name, value))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let Command::Login(args) = cli.command;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    match runtime {
        Ok(runtime) => ExitCode::from(runtime.block_on(login(args))),
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage(message: String) -> u8 {
    eprintln!("error: {message}");
    2
}

async fn login(args: LoginArgs) -> u8 {
    let password = match read_password(args.password_stdin) {
        Ok(p) => p,
        Err(e) => return usage(e),
    };
    let details = match build_details(&args, password) {
        Ok(d) => d,
        Err(e) => return usage(e),
    };
    let mut builder = TypedClient::builder(&args.endpoint)
        .timeout(args.timeout)
        .connect_timeout(args.connect_timeout)
        .user_agent(concat!("login-cli/", env!("CARGO_PKG_VERSION")));
    if args.retries > 0 {
        builder = builder.retry(RetryPolicy::attempts(args.retries + 1));
    }
    for (name, value) in args.headers.iter().cloned() {
        builder = builder.header(name, value);
    }
    let client = match builder.build() {
        Ok(c) => c,
        Err(e) => return usage(e.to_string()),
    };
    let client = match &args.request_id {
        Some(id) => client.with_request_id(id),
        None => client,
    };
    match client.create_session(&details).await {
        Ok(success) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&success.body).expect("a session serializes")
            );
            0
        }
        Err(e) => {
            report(&e, args.json);
            exit_status(&e)
        }
    }
}

fn build_details(args: &LoginArgs, password: String) -> Result<CreateSessionDetails, String> {
    Ok(CreateSessionDetails {
        username: args
            .username
            .as_str()
            .try_into()
            .map_err(|e| format!("--username {e}"))?,
        tenancy: args
            .tenancy
            .as_str()
            .try_into()
            .map_err(|e| format!("--tenancy {e}"))?,
        password: CreateSessionDetailsPassword::try_from(password)
            .map_err(|e| format!("the password {e}"))?,
    })
}

fn read_password(from_stdin: bool) -> Result<String, String> {
    if from_stdin {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("reading the password from standard input: {e}"))?;
        // Trimmed in place: a copy would leave the password behind, unzeroed.
        if text.ends_with('\n') {
            text.pop();
        }
        if text.ends_with('\r') {
            text.pop();
        }
        Ok(text)
    } else {
        rpassword::prompt_password("Password: ").map_err(|e| {
            format!("reading the password from the terminal: {e} (use --password-stdin without a terminal)")
        })
    }
}

/// The documented exit status for each outcome.
fn exit_status(e: &CreateSessionError) -> u8 {
    match e {
        CreateSessionError::BadRequest { .. } => 3,
        CreateSessionError::Unauthorized { .. } => 4,
        CreateSessionError::NotFound { .. } => 5,
        CreateSessionError::Conflict { .. } => 6,
        CreateSessionError::InternalServerError { .. } => 7,
        CreateSessionError::Transport(_) | CreateSessionError::Timeout(_) => 8,
        CreateSessionError::UnexpectedResponse(r) if r.status.is_server_error() => 7,
        CreateSessionError::UnexpectedResponse(_) => 9,
    }
}

fn report(e: &CreateSessionError, json: bool) {
    if json {
        let body = e.error_body();
        let value = serde_json::json!({
            "status": e.status().map(|s| s.as_u16()),
            "code": body.map(|b| b.code.as_str()),
            "message": body.map_or_else(|| e.to_string(), |b| b.message.clone()),
            "opcRequestId": e.request_id(),
        });
        eprintln!("{value}");
    } else {
        eprintln!("error: {e}");
    }
}
