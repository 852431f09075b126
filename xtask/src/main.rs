//! `cargo xtask`: the workspace's developer commands.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xtask::codegen;

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Developer commands of the login API workspace"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate the types, client and server crates' code from openapi/login.yaml.
    Codegen {
        /// Write nothing; fail, listing each stale file with a diff, when the
        /// committed code differs from what the spec gives.
        #[arg(long)]
        check: bool,
    },
}

fn workspace_root() -> PathBuf {
    // xtask/ sits directly under the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask has a parent")
        .to_path_buf()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = workspace_root();
    match cli.command {
        Command::Codegen { check } => run_codegen(&root, check),
    }
}

fn run_codegen(root: &Path, check: bool) -> ExitCode {
    let spec_path = root.join(codegen::SPEC_PATH);
    let text = match std::fs::read_to_string(&spec_path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", spec_path.display());
            return ExitCode::FAILURE;
        }
    };
    let files = match codegen::generate(&text) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: {}: {e}", codegen::SPEC_PATH);
            return ExitCode::FAILURE;
        }
    };
    if check {
        let stale = codegen::stale_files(root, &files);
        if stale.is_empty() {
            println!("generated code is up to date with {}", codegen::SPEC_PATH);
            return ExitCode::SUCCESS;
        }
        for file in &stale {
            eprintln!("stale: {}\n{}\n", file.path.display(), file.diff);
        }
        eprintln!(
            "{} generated file(s) differ from the spec; run `cargo xtask codegen` and commit the result",
            stale.len()
        );
        return ExitCode::FAILURE;
    }
    match codegen::write(root, &files) {
        Ok(written) if written.is_empty() => println!("generated code is already up to date"),
        Ok(written) => {
            for path in written {
                println!("wrote {}", path.display());
            }
        }
        Err(e) => {
            eprintln!("error: writing generated code: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
