//! `login-bench`: server overhead and login throughput, as Markdown on stdout.
//! Run it through `cargo xtask bench`, which builds it in release mode.

use std::path::PathBuf;

use clap::Parser;

#[derive(Parser)]
#[command(about = "Server overhead and login throughput benchmarks")]
struct Cli {
    /// Shorter runs (the whole `cargo xtask bench --quick` stays under 5 minutes).
    #[arg(long)]
    quick: bool,
    /// The login-service binary [default: next to this one].
    #[arg(long)]
    service_bin: Option<PathBuf>,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let cli = Cli::parse();
    let settings = if cli.quick {
        login_bench::Settings::quick()
    } else {
        login_bench::Settings::full()
    };
    let service_bin = cli.service_bin.unwrap_or_else(|| {
        std::env::current_exe()
            .expect("own path")
            .with_file_name("login-service")
    });
    println!("{}", login_bench::overhead(&settings).await);
    println!(
        "{}",
        login_bench::login_throughput(&service_bin, &settings).await
    );
}
