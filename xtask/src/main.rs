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
        /// The spec to read [default: openapi/login.yaml in the workspace].
        #[arg(long, value_name = "PATH")]
        spec: Option<PathBuf>,
        /// The directory the crates/ paths are written under [default: the workspace root].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Print the OpenAPI document that the generated server renders.
    Openapi {
        /// Compare it with openapi/login.yaml instead, forgiving only the
        /// allow-listed dropshot normalizations; fail on any other difference.
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
        Command::Codegen { check, spec, out } => {
            let spec = spec.unwrap_or_else(|| root.join(codegen::SPEC_PATH));
            run_codegen(&spec, &out.unwrap_or(root), check)
        }
        Command::Openapi { check } => run_openapi(&root, check),
    }
}

fn run_codegen(spec_path: &Path, root: &Path, check: bool) -> ExitCode {
    let text = match std::fs::read_to_string(spec_path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", spec_path.display());
            return ExitCode::FAILURE;
        }
    };
    // A generator panic is reported as an error below, not as a backtrace.
    std::panic::set_hook(Box::new(|_| {}));
    let generated = codegen::generate(&text);
    let _ = std::panic::take_hook();
    let files = match generated {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: {}: {e}", spec_path.display());
            return ExitCode::FAILURE;
        }
    };
    if check {
        let stale = codegen::stale_files(root, &files);
        if stale.is_empty() {
            println!("generated code is up to date with {}", spec_path.display());
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

/// Renders the document through `login-server`'s `print-openapi` example, so
/// that this binary stays free of dropshot.
fn run_openapi(root: &Path, check: bool) -> ExitCode {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = std::process::Command::new(cargo)
        .current_dir(root)
        .args([
            "run",
            "--quiet",
            "--package",
            "login-server",
            "--example",
            "print-openapi",
        ])
        .stderr(std::process::Stdio::inherit())
        .output();
    let rendered: serde_json::Value = match output {
        Ok(out) if out.status.success() => match serde_json::from_slice(&out.stdout) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("error: print-openapi printed something other than JSON: {e}");
                return ExitCode::FAILURE;
            }
        },
        Ok(out) => {
            eprintln!("error: print-openapi failed ({})", out.status);
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("error: cannot run cargo: {e}");
            return ExitCode::FAILURE;
        }
    };
    if !check {
        println!(
            "{}",
            serde_json::to_string_pretty(&rendered["document"]).expect("JSON")
        );
        return ExitCode::SUCCESS;
    }
    let statuses = serde_json::from_value(rendered["statuses"].clone()).unwrap_or_default();
    let spec_path = root.join(codegen::SPEC_PATH);
    let text = match std::fs::read_to_string(&spec_path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", spec_path.display());
            return ExitCode::FAILURE;
        }
    };
    match xtask::roundtrip::compare(&text, &rendered["document"], &statuses) {
        Ok(differences) if differences.is_empty() => {
            println!(
                "the rendered document matches {} (allow-listed: {})",
                codegen::SPEC_PATH,
                xtask::roundtrip::ALLOW_LIST
                    .iter()
                    .map(|(name, _)| *name)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            ExitCode::SUCCESS
        }
        Ok(differences) => {
            for d in &differences {
                eprintln!("differs: {d}");
            }
            eprintln!(
                "{} difference(s) between {} and the rendered document",
                differences.len(),
                codegen::SPEC_PATH
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {}: {e}", codegen::SPEC_PATH);
            ExitCode::FAILURE
        }
    }
}
