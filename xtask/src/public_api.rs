//! `cargo xtask public-api [--check]`: the public API of every published library crate, one
//! item a line, in `public-api/<crate>.txt`; `--check` fails when the code and the files
//! disagree, so a change to the API is a reviewed change to those files.
//!
//! The lists come from rustdoc's JSON output, read by the `public-api` crate (blanket
//! implementations left out; auto traits kept: losing `Send` breaks users). rustdoc writes JSON
//! only behind `-Z unstable-options`, which the stable toolchain accepts with
//! `RUSTC_BOOTSTRAP=1` (as `cargo fuzz -s none` does); the JSON format must be the one the
//! `public-api` version in Cargo.lock reads (format 57: Rust 1.95). It builds in its own
//! target directory so the bootstrap flag never invalidates the normal build. `#[doc(hidden)]`
//! items are not in the lists: they are no promise.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use crate::{fail, root};

/// The checked-in lists.
fn lists_dir() -> PathBuf {
    root().join("public-api")
}

/// The workspace's published library crates (`publish` not set to `false`), from cargo
/// metadata.
fn published_libraries() -> Result<Vec<String>, String> {
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .current_dir(root())
        .output()
        .map_err(|e| format!("cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("cargo metadata: {e}"))?;
    let packages = metadata
        .get("packages")
        .and_then(|p| p.as_array())
        .cloned()
        .unwrap_or_default();
    let mut names = Vec::new();
    for package in packages {
        // `publish` is null when publishing anywhere is allowed, a list of registries otherwise
        // (an empty list is `publish = false`).
        let published = match package.get("publish").unwrap_or(&serde_json::Value::Null) {
            serde_json::Value::Null => true,
            serde_json::Value::Array(registries) => !registries.is_empty(),
            _ => false,
        };
        let is_library = package
            .get("targets")
            .and_then(|t| t.as_array())
            .is_some_and(|targets| {
                targets.iter().any(|t| {
                    t.get("kind")
                        .and_then(|k| k.as_array())
                        .is_some_and(|kinds| kinds.iter().any(|k| k == "lib"))
                })
            });
        if let (true, true, Some(name)) = (
            published,
            is_library,
            package.get("name").and_then(|n| n.as_str()),
        ) {
            names.push(name.to_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// One crate's API: the lines of its list and how many public items it declares.
struct CrateApi {
    lines: Vec<String>,
    items: usize,
}

/// rustdoc's JSON for `package`, all features on.
fn rustdoc_json(package: &str, target_dir: &Path) -> Result<PathBuf, String> {
    let status = Command::new(env!("CARGO"))
        .args([
            "rustdoc",
            "--quiet",
            "--lib",
            "--all-features",
            "-p",
            package,
        ])
        .arg("--target-dir")
        .arg(target_dir)
        .args(["--", "-Z", "unstable-options", "--output-format", "json"])
        .env("RUSTC_BOOTSTRAP", "1")
        .current_dir(root())
        .status()
        .map_err(|e| format!("cargo rustdoc -p {package}: {e}"))?;
    if !status.success() {
        return Err(format!("cargo rustdoc -p {package} failed ({status})"));
    }
    Ok(target_dir
        .join("doc")
        .join(format!("{}.json", package.replace('-', "_"))))
}

/// Items the crate itself declares public and rustdoc shows: what a user can name. Trait
/// implementations' members are not counted (rustdoc gives them no visibility of their own),
/// nor enum variants (their enum is).
fn count_public_items(json: &serde_json::Value) -> usize {
    let index = json.get("index").and_then(|i| i.as_object());
    index.map_or(0, |index| {
        index
            .values()
            .filter(|item| {
                item.get("crate_id").is_some_and(|c| c == 0)
                    && item.get("visibility").is_some_and(|v| v == "public")
            })
            .count()
    })
}

fn crate_api(package: &str, target_dir: &Path) -> Result<CrateApi, String> {
    let path = rustdoc_json(package, target_dir)?;
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let json: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    let api = public_api::Builder::from_rustdoc_json(&path)
        .omit_blanket_impls(true)
        .build()
        .map_err(|e| format!("{package}: {e}"))?;
    Ok(CrateApi {
        lines: api.items().map(|item| item.to_string()).collect(),
        items: count_public_items(&json),
    })
}

fn list_path(package: &str) -> PathBuf {
    lists_dir().join(format!("{package}.txt"))
}

fn render(lines: &[String]) -> String {
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

/// What `--check` reports for one crate: lines the code has and the file lacks (`+`), and the
/// reverse (`-`).
fn drift(package: &str, current: &[String]) -> Vec<String> {
    let recorded = std::fs::read_to_string(list_path(package)).unwrap_or_default();
    let recorded: BTreeSet<&str> = recorded.lines().collect();
    let current_set: BTreeSet<&str> = current.iter().map(String::as_str).collect();
    let mut report = Vec::new();
    for line in current_set.difference(&recorded) {
        report.push(format!("  + {line}"));
    }
    for line in recorded.difference(&current_set) {
        report.push(format!("  - {line}"));
    }
    report
}

pub(crate) fn task(mode: Option<&str>) -> ExitCode {
    let check = match mode {
        None => false,
        Some("--check") => true,
        Some(other) => return fail(&[format!("unknown option {other}; use --check")]),
    };
    let packages = match published_libraries() {
        Ok(p) => p,
        Err(e) => return fail(&[e]),
    };
    let target_dir = root().join("target").join("public-api");
    let mut problems = Vec::new();
    let (mut total_lines, mut total_items) = (0, 0);
    for package in &packages {
        let api = match crate_api(package, &target_dir) {
            Ok(api) => api,
            Err(e) => return fail(&[e]),
        };
        println!(
            "{package}: {} public items, {} lines",
            api.items,
            api.lines.len()
        );
        total_lines += api.lines.len();
        total_items += api.items;
        if check {
            let report = drift(package, &api.lines);
            if !report.is_empty() {
                problems.push(format!(
                    "{package}: the public API differs from public-api/{package}.txt:"
                ));
                problems.extend(report);
            }
        } else {
            let path = list_path(package);
            let written = std::fs::create_dir_all(lists_dir())
                .and_then(|()| std::fs::write(&path, render(&api.lines)));
            if let Err(e) = written {
                return fail(&[format!("{}: {e}", path.display())]);
            }
        }
    }
    println!(
        "{} crates: {total_items} public items, {total_lines} lines",
        packages.len()
    );
    if problems.is_empty() {
        return ExitCode::SUCCESS;
    }
    problems.push(
        "If the change is meant, run `cargo xtask public-api` and commit public-api/.".into(),
    );
    fail(&problems)
}
