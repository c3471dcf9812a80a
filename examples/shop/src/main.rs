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
        match (arg.as_str(), args.next().map(|v| v.parse::<u16>())) {
            ("--port", Some(Ok(port))) => options.port = port,
            _ => {
                eprintln!("usage: shop [--port N]   (default 3000; 0 picks a free port)");
                return ExitCode::from(2);
            }
        }
    }
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
    println!("Payments go to the embedded sandbox; Ctrl-C stops both.");
    tokio::select! {
        () = running.wait() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    ExitCode::SUCCESS
}
