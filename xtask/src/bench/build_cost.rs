//! Clean release builds of an app on the facade, per provider feature.

use super::*;

/// Clean release builds of a small app on the facade: one provider vs all three.
#[allow(clippy::float_arithmetic, clippy::cast_precision_loss)]
pub(super) fn build_cost(dir: &Path) -> Result<(), String> {
    println!();
    println!("build cost: clean `cargo build --release` of an app on the facade");
    println!("| features | crates compiled | clean build | binary size |");
    println!("|---|---:|---:|---:|");
    let facade = root().join("crates/paygate");
    let names = paygate::shipped_providers().map(|p| p.name());
    let quoted = |name: &str| format!("{name:?}");
    let mut builds: Vec<(String, String)> = names
        .iter()
        .map(|name| ((*name).to_owned(), quoted(name)))
        .collect();
    builds.push((format!("all {}", names.len()), names.map(quoted).join(", ")));
    for (label, features) in builds {
        let app = dir.join(format!("app-{}", label.replace(' ', "-")));
        let _ = std::fs::remove_dir_all(&app);
        std::fs::create_dir_all(app.join("src")).map_err(|e| e.to_string())?;
        std::fs::write(
            app.join("Cargo.toml"),
            format!(
                "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
                 [dependencies]\npaygate = {{ path = {:?}, default-features = false, features = [{features}] }}\n\
                 tokio = {{ version = \"1\", features = [\"rt\", \"macros\"] }}\n\n[workspace]\n",
                facade.display().to_string()
            ),
        )
        .map_err(|e| e.to_string())?;
        std::fs::write(
            app.join("src/main.rs"),
            "#[tokio::main(flavor = \"current_thread\")]\nasync fn main() {\n    \
             let path = std::env::args().nth(1).unwrap_or_else(|| \"paygate.toml\".into());\n    \
             let registry = paygate::GatewayRegistry::from_toml_file(path).unwrap();\n    \
             for (name, gateway) in registry.iter() {\n        \
             let id = paygate::OrderId::new(\"A1\").unwrap();\n        \
             println!(\"{name}: {:?}\", gateway.payment_status(&id).await.map(|p| p.status));\n    }\n}\n",
        )
        .map_err(|e| e.to_string())?;
        let _ = std::fs::copy(root().join("Cargo.lock"), app.join("Cargo.lock"));
        let fetched = cargo()
            .args(["fetch", "--quiet"])
            .current_dir(&app)
            .status()
            .map_err(|e| e.to_string())?;
        if !fetched.success() {
            return Err(format!("cargo fetch failed for {label}"));
        }
        let tree = cargo()
            .args([
                "tree",
                "-e",
                "normal,build",
                "--prefix",
                "none",
                "--no-dedupe",
            ])
            .current_dir(&app)
            .output()
            .map_err(|e| e.to_string())?;
        let mut crates: Vec<String> = String::from_utf8_lossy(&tree.stdout)
            .lines()
            .map(|l| l.trim_end_matches(" (*)").to_owned())
            .collect();
        crates.sort();
        crates.dedup();
        let started = Instant::now();
        let built = cargo()
            .args(["build", "--release", "--quiet", "-j", "2"])
            .current_dir(&app)
            .env("CARGO_TARGET_DIR", app.join("target"))
            .status()
            .map_err(|e| e.to_string())?;
        let wall = started.elapsed();
        if !built.success() {
            return Err(format!("the {label} app did not build"));
        }
        let size = std::fs::metadata(app.join("target/release/app"))
            .map_err(|e| e.to_string())?
            .len();
        println!(
            "| {label} | {} | {:.0} s | {:.1} MiB |",
            crates.len(),
            wall.as_secs_f64(),
            size as f64 / (1024.0 * 1024.0)
        );
        let _ = std::fs::remove_dir_all(&app);
    }
    Ok(())
}
