//! `cargo xtask provider-names [--check]`: which non-test source files name a provider outside
//! its own crate and its sandbox module — the measure `docs/adding-a-provider.md` gives.
//!
//! Counted: the `.rs` files under `crates/`, `tests/src/` and `xtask/src/`, except
//! `crates/<provider>/`, `crates/sandbox/src/providers/<provider>/`,
//! `crates/cli/src/providers/<provider>/` and test, bench and example directories. In each file, code up to its first top-level `#[cfg(test)]`, without
//! comment lines. A line names a provider when one of its words is a provider's name: words
//! split at every non-alphanumeric character and at lower-to-upper case changes, compared
//! without case (so `PaywayConfig` and `"payway"` name PayWay; `paygate` names none).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use paygate::sandbox::Provider;

use crate::{fail, root};

/// The most files outside their own code that may name a provider: the five provider lists
/// (the CLI's only names providers that have native commands).
const MOST_FILES: usize = 5;

/// The words of `line`, lowercased.
fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in line.chars() {
        if !c.is_ascii_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        word.push(c.to_ascii_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// How many code lines of `text` name a provider.
fn naming_lines(text: &str, names: &[&str]) -> usize {
    text.lines()
        .take_while(|line| !line.starts_with("#[cfg(test)]"))
        .filter(|line| !line.trim_start().starts_with("//"))
        .filter(|line| words(line).iter().any(|w| names.contains(&w.as_str())))
        .count()
}

fn source_files(dir: &Path, skip: &[PathBuf], found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if skip.contains(&path)
            || ["target", "tests", "benches", "examples"]
                .contains(&name.to_str().unwrap_or_default())
        {
            continue;
        }
        if path.is_dir() {
            source_files(&path, skip, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

pub(crate) fn task(mode: Option<&str>) -> ExitCode {
    let root = root();
    let names = Provider::ALL.map(Provider::name);
    let mut skip = Vec::new();
    for name in names {
        skip.push(root.join("crates").join(name));
        skip.push(root.join("crates/sandbox/src/providers").join(name));
        skip.push(root.join("crates/cli/src/providers").join(name));
    }
    let mut files = Vec::new();
    source_files(&root.join("crates"), &skip, &mut files);
    source_files(&root.join("tests/src"), &skip, &mut files);
    source_files(&root.join("xtask/src"), &skip, &mut files);
    files.sort();
    let mut naming = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let lines = naming_lines(&text, &names);
        if lines > 0 {
            let shown = file
                .strip_prefix(&root)
                .unwrap_or(file)
                .display()
                .to_string();
            naming.push((shown, lines));
        }
    }
    println!(
        "{} of {} non-test source files outside the provider crates and sandbox modules name a provider:",
        naming.len(),
        files.len()
    );
    for (file, lines) in &naming {
        println!("  {file}: {lines} lines");
    }
    match mode {
        Some("--check") if naming.len() > MOST_FILES => fail(&[format!(
            "more than {MOST_FILES} files name a provider: put what they need in a provider list (docs/adding-a-provider.md)"
        )]),
        None | Some("--check") => ExitCode::SUCCESS,
        Some(other) => fail(&[format!("unknown option {other}; use --check")]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_at_case_changes_and_punctuation() {
        assert_eq!(
            words("PaywayConfig::new(\"payg\")"),
            ["payway", "config", "new", "payg"]
        );
        assert_eq!(
            words("paygate_payg PAYGATE_LIVE"),
            ["paygate", "payg", "paygate", "live"]
        );
    }

    #[test]
    fn comments_and_test_modules_are_not_counted() {
        let names = ["payway"];
        let text = "// payway\nlet a = PaywayX;\n  /// payway\n#[cfg(test)]\nmod t { payway }\n";
        assert_eq!(naming_lines(text, &names), 1);
        assert_eq!(naming_lines("let paygate = 1;", &["payg"]), 0);
    }
}
