//! `paygate`: the command for the people who check, refund and reconcile payments.

// A command-line tool: printing is its job.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod args;
mod demo;
mod exit;
mod journal;
mod ops;
mod reconcile;
mod registry;
mod sandbox;
mod webhook;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command, WebhookCommand};
use ops::Out;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Out { json: cli.json };
    let code = match &cli.command {
        Command::Demo => demo::run(out).await,
        Command::Sandbox(args) => sandbox::run(out, args).await,
        command => {
            let journal = match (&cli.journal, cli.no_journal) {
                (_, true) => registry::JournalChoice::Off,
                (Some(url), false) => registry::JournalChoice::Url(url.clone()),
                (None, false) => registry::JournalChoice::Default,
            };
            // Writes and the journal commands go through the journal; reads need none.
            let journaled = matches!(
                command,
                Command::Refund(_)
                    | Command::Void(_)
                    | Command::Cancel(_)
                    | Command::Capture(_)
                    | Command::Create(_)
                    | Command::Journal(_)
            );
            let registry = match registry::registry(&cli.config, &journal, journaled).await {
                Ok(r) => r,
                Err(e) => return exit::exit(out.error("config", &e)),
            };
            match command {
                Command::Status(t) => ops::status(&registry, out, t).await,
                Command::Refund(a) => ops::refund(&registry, out, a).await,
                Command::RefundStatus(a) => ops::refund_status(&registry, out, a).await,
                Command::Void(t) => ops::void_or_cancel(&registry, out, t, false).await,
                Command::Cancel(t) => ops::void_or_cancel(&registry, out, t, true).await,
                Command::Capture(a) => ops::capture(&registry, out, a).await,
                Command::Create(a) => ops::create(&registry, out, a).await,
                Command::Webhook(WebhookCommand::Verify(a)) => {
                    webhook::webhook_verify(&registry, out, a)
                }
                Command::Capabilities => ops::capabilities(&registry, out),
                Command::Reconcile(a) => reconcile::run(&registry, out, a).await,
                Command::Journal(c) => journal::run(&registry, out, c).await,
                Command::Demo | Command::Sandbox(_) => exit::OK,
            }
        }
    };
    exit::exit(code)
}
