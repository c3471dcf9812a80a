//! `cargo run -p shop [-- --port N]`: the example shop against the embedded sandbox.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .init();
    let mut options = shop::ShopOptions::default();
    let given = std::env::var("SHOP_ADMIN_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    options.admin_password = given.clone();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--port", Some(port)) if port.parse::<u16>().is_ok() => {
                options.port = port.parse().unwrap_or(options.port);
            }
            ("--data-dir", Some(dir)) => options.data_dir = dir.into(),
            _ => {
                eprintln!(
                    "usage: shop [--port N] [--data-dir DIR]   (port 3000 unless given, 0 picks a free one; data in target/shop-data unless given)"
                );
                return ExitCode::from(2);
            }
        }
    }
    let data_dir = options.data_dir.clone();
    let running = match shop::start(options).await {
        Ok(running) => running,
        Err(e) => {
            eprintln!("shop: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "The shop is at {}/  (admin: {}/admin)",
        running.url(),
        running.url()
    );
    match given {
        Some(_) => println!("Admin password: the one SHOP_ADMIN_PASSWORD gives."),
        None => println!(
            "Admin password (made now; set SHOP_ADMIN_PASSWORD to choose one): {}",
            running.admin_password()
        ),
    }
    println!(
        "Orders and the write journal: {} (kept across restarts).",
        data_dir.join("shop.db").display()
    );
    println!(
        "Payments go to the embedded sandbox (it forgets its own orders when it stops); Ctrl-C stops both."
    );
    tokio::select! {
        () = running.wait() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    ExitCode::SUCCESS
}
