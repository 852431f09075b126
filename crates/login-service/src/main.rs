use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = login_service::cli::Cli::parse();
    login_service::cli::run(cli)
}
