//! `cargo xtask bench`: code generation speed and build time here; server
//! overhead and login throughput in `login-bench` (built in release mode).
//! Every figure comes with a baseline measured in the same run.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::codegen;

/// A synthetic spec with `operations` operations in the login spec's style:
/// varied request schemas, shared error responses and headers.
pub fn synthetic_spec(operations: usize) -> String {
    let mut out = String::from(
        "openapi: 3.0.3\ninfo:\n  title: Synthetic API\n  version: 1.0.0\n\
         x-request-id-header: opc-request-id\npaths:\n",
    );
    for i in 0..operations {
        let _ = write!(
            out,
            "  /v1/resource{i}:\n    post:\n      operationId: CreateResource{i}\n      summary: Create resource {i}\n\
             \x20     requestBody:\n        required: true\n        content:\n          application/json:\n\
             \x20           schema:\n              $ref: '#/components/schemas/Resource{i}Details'\n\
             \x20     responses:\n        '200':\n          description: Created.\n          headers:\n\
             \x20           etag:\n              $ref: '#/components/headers/ETag'\n\
             \x20           opc-request-id:\n              $ref: '#/components/headers/OpcRequestId'\n\
             \x20         content:\n            application/json:\n              schema:\n\
             \x20               $ref: '#/components/schemas/Resource{i}'\n"
        );
        for (code, name) in [
            ("400", "BadRequest"),
            ("401", "Unauthorized"),
            ("404", "NotFound"),
            ("409", "Conflict"),
            ("500", "InternalServerError"),
        ] {
            let _ = write!(
                out,
                "        '{code}':\n          $ref: '#/components/responses/{name}'\n"
            );
        }
    }
    out.push_str("components:\n  schemas:\n");
    for i in 0..operations {
        let extra = match i % 3 {
            0 => {
                "        count:\n          type: integer\n          format: int64\n          minimum: 0\n"
            }
            1 => {
                "        tags:\n          type: array\n          items:\n            type: string\n"
            }
            _ => {
                "        enabled:\n          type: boolean\n        kind:\n          type: string\n          enum: [small, large]\n"
            }
        };
        let _ = write!(
            out,
            "    Resource{i}Details:\n      type: object\n      required: [name]\n      properties:\n\
             \x20       name:\n          type: string\n          minLength: 1\n          maxLength: 100\n\
             \x20       description:\n          type: string\n{extra}\
             \x20   Resource{i}:\n      type: object\n      properties:\n        id:\n          type: string\n\
             \x20       name:\n          type: string\n{extra}"
        );
    }
    out.push_str(
        "    Error:\n      type: object\n      required: [code, message]\n      properties:\n\
         \x20       code:\n          type: string\n        message:\n          type: string\n\
         \x20 headers:\n    ETag:\n      schema:\n        type: string\n    OpcRequestId:\n      schema:\n        type: string\n\
         \x20 responses:\n",
    );
    for name in [
        "BadRequest",
        "Unauthorized",
        "NotFound",
        "Conflict",
        "InternalServerError",
    ] {
        let _ = write!(
            out,
            "    {name}:\n      description: {name}\n      headers:\n        opc-request-id:\n\
             \x20         $ref: '#/components/headers/OpcRequestId'\n      content:\n        application/json:\n\
             \x20         schema:\n            $ref: '#/components/schemas/Error'\n"
        );
    }
    out
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Median time of the generation step in this process: parse, generate,
/// format and write every file.
pub fn time_generation(spec_text: &str, iterations: usize) -> Result<Duration, String> {
    let out = tempdir()?;
    let samples = (0..iterations.max(1))
        .map(|_| {
            let start = Instant::now();
            let files = codegen::generate(spec_text).map_err(|e| e.to_string())?;
            codegen::write(&out, &files).map_err(|e| e.to_string())?;
            // Rewrite on every iteration, as a real run does.
            std::fs::remove_dir_all(out.join("crates")).map_err(|e| e.to_string())?;
            Ok(start.elapsed())
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(median(samples))
}

/// Median wall time of a whole command.
fn time_command(mut make: impl FnMut() -> Command, iterations: usize) -> Result<Duration, String> {
    let samples = (0..iterations.max(1))
        .map(|_| {
            let mut command = make();
            let start = Instant::now();
            let status = command
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map_err(|e| format!("{command:?}: {e}"))?;
            let elapsed = start.elapsed();
            if !status.success() {
                return Err(format!("{command:?} failed: {status}"));
            }
            Ok(elapsed)
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(median(samples))
}

fn tempdir() -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!(
        "xtask-bench-{}-{}",
        std::process::id(),
        fastish_id()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    Ok(dir)
}

fn fastish_id() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// OpenAPI Generator's CLI, if installed (PyPI `openapi-generator-cli`).
fn openapi_generator(root: &Path) -> Option<PathBuf> {
    let local = root.join(".ci-tools/venv/bin/openapi-generator-cli");
    if local.exists() {
        return Some(local);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("openapi-generator-cli"))
            .find(|p| p.exists())
    })
}

/// How many times to repeat each measurement.
pub struct CodegenSettings {
    pub generation_iterations: usize,
    pub command_iterations: usize,
    pub baseline_iterations: usize,
}

/// The code generation table: in-process generation, the whole command, and
/// OpenAPI Generator's `rust-server` on the same specs.
pub fn codegen_section(root: &Path, settings: &CodegenSettings) -> Result<String, String> {
    let work = tempdir()?;
    let login =
        std::fs::read_to_string(root.join(codegen::SPEC_PATH)).map_err(|e| e.to_string())?;
    let synthetic = synthetic_spec(300);
    let baseline = openapi_generator(root);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());

    let mut out = String::from(
        "### Code generation\n\n\
         | spec | operations | generation step (in process) | `cargo xtask codegen` | OpenAPI Generator `rust-server` | speed-up of `cargo xtask codegen` |\n\
         | --- | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for (name, text, operations) in [
        ("openapi/login.yaml", &login, 1usize),
        ("synthetic", &synthetic, 300),
    ] {
        let spec_path = work.join(format!("{operations}.yaml"));
        std::fs::write(&spec_path, text).map_err(|e| e.to_string())?;
        let generation = time_generation(text, settings.generation_iterations)?;
        let out_dir = work.join(format!("out-{operations}"));
        let whole = time_command(
            || {
                let mut c = Command::new(&cargo);
                c.current_dir(root)
                    .args(["xtask", "codegen", "--spec"])
                    .arg(&spec_path)
                    .arg("--out")
                    .arg(&out_dir);
                c
            },
            settings.command_iterations,
        )?;
        let (baseline_text, ratio) = match &baseline {
            Some(bin) => {
                let dir = work.join(format!("ogc-{operations}"));
                let t = time_command(
                    || {
                        let mut c = Command::new(bin);
                        c.args(["generate", "-g", "rust-server", "-i"])
                            .arg(&spec_path)
                            .arg("-o")
                            .arg(&dir);
                        c
                    },
                    settings.baseline_iterations,
                )?;
                (
                    ms(t),
                    format!("{:.0}x", t.as_secs_f64() / whole.as_secs_f64()),
                )
            }
            None => ("not installed".to_owned(), "n/a".to_owned()),
        };
        let _ = writeln!(
            out,
            "| {name} | {operations} | {} | {} | {baseline_text} | {ratio} |",
            ms(generation),
            ms(whole)
        );
    }
    let _ = std::fs::remove_dir_all(&work);
    let cargo_start = time_command(
        || {
            let mut c = Command::new(&cargo);
            c.current_dir(root).args(["xtask", "--help"]);
            c
        },
        settings.command_iterations,
    )?;
    let _ = writeln!(
        out,
        "\ncargo's own start, `cargo xtask --help` (the floor under every `cargo xtask` command): {}.\n",
        ms(cargo_start)
    );
    let _ = writeln!(
        out,
        "Medians of {} in-process runs, {} whole-command runs (xtask already built, cargo's start included) and {} \
         baseline runs{}. Targets: generation under 100 ms for the login spec, growing linearly with operations; \
         the whole command at least 20x faster than the baseline.",
        settings.generation_iterations,
        settings.command_iterations,
        settings.baseline_iterations,
        if baseline.is_none() {
            "; the baseline is PyPI's `openapi-generator-cli`, not installed here (`bash .ci/install-tools` and \
             `.ci-tools/venv/bin/pip install openapi-generator-cli`)"
        } else {
            ""
        }
    );
    Ok(out)
}

/// Cold `cargo build --workspace` of a copy of the tree in its own target
/// directory, then regenerate and rebuild after a one-line description
/// change in the spec.
pub fn build_section(root: &Path) -> Result<String, String> {
    let copy = tempdir()?.join("workspace");
    let files = Command::new("git")
        .current_dir(root)
        .args(["ls-files", "-z"])
        .output()
        .map_err(|e| format!("git ls-files: {e}"))?;
    for file in files.stdout.split(|b| *b == 0).filter(|f| !f.is_empty()) {
        let rel = Path::new(std::str::from_utf8(file).map_err(|e| e.to_string())?);
        let dest = copy.join(rel);
        std::fs::create_dir_all(dest.parent().expect("a parent")).map_err(|e| e.to_string())?;
        std::fs::copy(root.join(rel), &dest).map_err(|e| format!("{}: {e}", rel.display()))?;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let run = |args: &[&str]| -> Result<Duration, String> {
        time_command(
            || {
                let mut c = Command::new(&cargo);
                c.current_dir(&copy)
                    .env("CARGO_TARGET_DIR", copy.join("target"))
                    .args(args);
                c
            },
            1,
        )
    };
    let cold = run(&["build", "--workspace", "--timings"])?;
    let slowest = slowest_units(&copy.join("target/cargo-timings/cargo-timing.html"), 5);

    // A user has run the generator before: build it (with its own feature
    // set) outside the timed rebuild.
    run(&["xtask", "codegen", "--check"])?;

    let spec_path = copy.join(codegen::SPEC_PATH);
    let spec = std::fs::read_to_string(&spec_path).map_err(|e| e.to_string())?;
    let edited = spec.replacen(
        "description: Start a new session for the user.",
        "description: Start a new session for the user (edited).",
        1,
    );
    if edited == spec {
        return Err("the benchmark's spec edit did not apply".to_owned());
    }
    std::fs::write(&spec_path, edited).map_err(|e| e.to_string())?;
    let regenerate = run(&["xtask", "codegen"])?;
    let rebuild = run(&["build", "--workspace"])?;
    let _ = std::fs::remove_dir_all(copy.parent().expect("temp dir"));

    Ok(format!(
        "### Build time\n\n\
         | build | time | target |\n| --- | ---: | --- |\n\
         | cold `cargo build --workspace` (dependencies downloaded, empty target dir) | {:.0} s | |\n\
         | one-line description change: `cargo xtask codegen` + `cargo build --workspace` | {:.1} s ({:.1} s + {:.1} s) | under 10 s |\n\n\
         Slowest units of the cold build: {slowest}.\n",
        cold.as_secs_f64(),
        (regenerate + rebuild).as_secs_f64(),
        regenerate.as_secs_f64(),
        rebuild.as_secs_f64(),
    ))
}

/// The slowest compilation units in a `cargo build --timings` report.
fn slowest_units(html: &Path, count: usize) -> String {
    let Ok(text) = std::fs::read_to_string(html) else {
        return "unknown (no timings report)".to_owned();
    };
    let Some(start) = text.find("const UNIT_DATA = ") else {
        return "unknown (timings report format)".to_owned();
    };
    let rest = &text[start + "const UNIT_DATA = ".len()..];
    let json = rest.split(";\n").next().unwrap_or_default();
    let Ok(serde_json::Value::Array(units)) = serde_json::from_str::<serde_json::Value>(json)
    else {
        return "unknown (timings report format)".to_owned();
    };
    let mut units: Vec<(String, f64)> = units
        .iter()
        .filter_map(|u| {
            let name = format!(
                "{} {}",
                u["name"].as_str()?,
                u["target"].as_str().unwrap_or_default().trim()
            );
            Some((name.trim().to_owned(), u["duration"].as_f64()?))
        })
        .collect();
    units.sort_by(|a, b| b.1.total_cmp(&a.1));
    units
        .iter()
        .take(count)
        .map(|(name, secs)| format!("{name} ({secs:.0} s)"))
        .collect::<Vec<_>>()
        .join(", ")
}
