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
    /// Run the benchmarks; print the table and write it under bench/.
    Bench {
        /// Shorter runs, no cold build: under 5 minutes.
        #[arg(long)]
        quick: bool,
    },
    /// Print the synthetic spec the code generation benchmark uses.
    SyntheticSpec {
        #[arg(default_value_t = 300)]
        operations: usize,
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
        Command::SyntheticSpec { operations } => {
            print!("{}", xtask::bench::synthetic_spec(operations));
            ExitCode::SUCCESS
        }
        Command::Bench { quick } => match run_bench(&root, quick) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
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

fn command_output(program: &str, args: &[&str]) -> String {
    std::process::Command::new(program)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// The machine, for the report's header.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .unwrap_or("unknown CPU")
        .trim()
        .to_owned();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory_kib: u64 = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0);
    format!(
        "{cores} cores ({model}), {:.0} GiB, {}, {}",
        memory_kib as f64 / 1024.0 / 1024.0,
        command_output("rustc", &["-V"]),
        command_output("uname", &["-sr"]),
    )
}

fn run_bench(root: &Path, quick: bool) -> Result<(), String> {
    let started = std::time::Instant::now();
    let codegen_settings = if quick {
        xtask::bench::CodegenSettings {
            generation_iterations: 5,
            command_iterations: 3,
            baseline_iterations: 1,
        }
    } else {
        xtask::bench::CodegenSettings {
            generation_iterations: 21,
            command_iterations: 11,
            baseline_iterations: 3,
        }
    };
    eprintln!("bench: code generation");
    let codegen_table = xtask::bench::codegen_section(root, &codegen_settings)?;

    eprintln!("bench: building login-bench and login-service (release)");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = std::process::Command::new(&cargo)
        .current_dir(root)
        .args([
            "build",
            "--quiet",
            "--release",
            "--package",
            "login-bench",
            "--package",
            "login-service",
        ])
        .status()
        .map_err(|e| format!("cargo build: {e}"))?;
    if !status.success() {
        return Err("building the benchmarks failed".to_owned());
    }
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    eprintln!("bench: server overhead and login throughput");
    let mut bench = std::process::Command::new(target.join("release/login-bench"));
    if quick {
        bench.arg("--quick");
    }
    let output = bench
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("login-bench: {e}"))?;
    if !output.status.success() {
        return Err(format!("login-bench failed: {}", output.status));
    }
    let runtime_tables = String::from_utf8_lossy(&output.stdout).into_owned();

    let build_table = if quick {
        "### Build time\n\nSkipped by `--quick` (a cold build alone takes minutes); run `cargo xtask bench`.\n".to_owned()
    } else {
        eprintln!("bench: cold build and rebuild in a copy of the tree");
        xtask::bench::build_section(root)?
    };

    let command = if quick {
        "cargo xtask bench --quick"
    } else {
        "cargo xtask bench"
    };
    let report = format!(
        "# Benchmarks\n\nMeasured by `{command}` on {}; took {:.0} s. Shared, noisy machine: read the ratios, \
         which compare runs made side by side, rather than the absolute times.\n\n{codegen_table}\n{runtime_tables}\n{build_table}",
        machine(),
        started.elapsed().as_secs_f64(),
    );
    println!("{report}");
    let dir = root.join("bench");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let file = dir.join(if quick {
        "results-quick.md"
    } else {
        "results.md"
    });
    std::fs::write(&file, &report).map_err(|e| format!("{}: {e}", file.display()))?;
    eprintln!("bench: wrote {}", file.display());
    Ok(())
}
