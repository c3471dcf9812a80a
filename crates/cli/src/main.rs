//! `paygate`: the command for the people who check, refund and reconcile payments.

// A command-line tool: printing is its job.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod args;
mod config_check;
mod demo;
mod exit;
mod journal;
mod man;
mod ops;
mod providers;
mod qr;
mod reconcile;
mod registry;
mod sandbox;
mod webhook;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use args::{Cli, Command, ConfigCommand, LogFormat, WebhookCommand};
use ops::Out;

#[tokio::main]
async fn main() -> ExitCode {
    quiet_on_closed_stdout();
    let cli = match Cli::from_arg_matches(&command().get_matches()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    logging(cli.verbose, cli.log_format);
    let out = Out { json: cli.json };
    let code = match &cli.command {
        Command::Demo => demo::run(out).await,
        Command::Sandbox(args) => sandbox::run(out, args).await,
        Command::Completions { shell } => {
            let mut command = command();
            clap_complete::generate(*shell, &mut command, "paygate", &mut std::io::stdout());
            exit::OK
        }
        // (Without --help's exit-status footer: the manual has its own EXIT STATUS.)
        Command::Man { dir } => match man::write(Cli::command(), dir.as_deref()) {
            Ok(()) => exit::OK,
            Err(e) => {
                eprintln!("paygate man: {e}");
                exit::CHECK_FAILED
            }
        },
        command => {
            let config = registry::config_path(cli.config.as_deref());
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
                    | Command::Webhook(
                        WebhookCommand::List(_)
                            | WebhookCommand::Show(_)
                            | WebhookCommand::Replay(_)
                    )
            );
            let target = match command {
                Command::Status(t) | Command::Void(t) | Command::Cancel(t) => {
                    Some(t.gateway.as_str())
                }
                Command::Refund(a) => Some(a.target.gateway.as_str()),
                Command::RefundStatus(a) => Some(a.target.gateway.as_str()),
                Command::Capture(a) => Some(a.target.gateway.as_str()),
                Command::Create(a) => Some(a.gateway.as_str()),
                Command::PaymentLink(c) => Some(c.gateway()),
                Command::Webhook(WebhookCommand::Verify(a)) => Some(a.gateway.as_str()),
                Command::Reconcile(a) => Some(a.gateway.as_str()),
                _ => None,
            };
            let inspecting = matches!(command, Command::Capabilities | Command::Config(_));
            let loaded = registry::registry(&config, &journal, journaled, target, inspecting).await;
            let (registry, broken) = match loaded {
                Ok(r) => r,
                Err(e) => return exit::exit(out.error(command.name(), &e)),
            };
            // Gateways a command that works on all of them cannot use: said, not hidden.
            if !matches!(command, Command::Capabilities | Command::Config(_)) {
                for e in &broken {
                    eprintln!("paygate: warning: {e}");
                }
            }
            // A write sent around the journal must not touch an order it holds unresolved.
            let bypassing = match command {
                Command::Refund(a) if cli.no_journal => {
                    Some((paygate::Operation::Refund, &a.target))
                }
                Command::Void(t) if cli.no_journal => Some((paygate::Operation::Void, t)),
                Command::Cancel(t) if cli.no_journal => Some((paygate::Operation::Cancel, t)),
                Command::Capture(a) if cli.no_journal => {
                    Some((paygate::Operation::Capture, &a.target))
                }
                _ => None,
            };
            if let Some((operation, target)) = bypassing
                && let Err(e) = registry::refuse_around_unresolved(
                    &config,
                    &registry,
                    operation,
                    &target.gateway,
                    &target.order_id,
                )
                .await
            {
                return exit::exit(out.error(command.name(), &e));
            }
            match command {
                Command::Status(t) => ops::status(&registry, out, t).await,
                Command::Refund(a) => ops::refund(&registry, out, a).await,
                Command::RefundStatus(a) => ops::refund_status(&registry, out, a).await,
                Command::Void(t) => ops::void_or_cancel(&registry, out, t, false).await,
                Command::Cancel(t) => ops::void_or_cancel(&registry, out, t, true).await,
                Command::Capture(a) => ops::capture(&registry, out, a).await,
                Command::Create(a) => ops::create(&registry, out, a).await,
                Command::PaymentLink(c) => {
                    providers::payment_link(&registry, &config, out, c).await
                }
                Command::Webhook(WebhookCommand::Verify(a)) => {
                    webhook::webhook_verify(&registry, out, a)
                }
                Command::Webhook(WebhookCommand::List(a)) => webhook::list(&registry, out, a).await,
                Command::Webhook(WebhookCommand::Show(a)) => webhook::show(&registry, out, a).await,
                Command::Webhook(WebhookCommand::Replay(a)) => {
                    webhook::replay(&registry, out, a).await
                }
                Command::Capabilities => config_check::capabilities(&registry, &broken, out),
                Command::Config(ConfigCommand::Check) => {
                    config_check::check(&config, &registry, &broken, out)
                }
                Command::Reconcile(a) => reconcile::run(&registry, out, a).await,
                Command::Journal(c) => journal::run(&registry, out, c).await,
                Command::Demo
                | Command::Sandbox(_)
                | Command::Completions { .. }
                | Command::Man { .. } => exit::OK,
            }
        }
    };
    exit::exit(code)
}

/// `paygate status … | head -1`: when standard output's reader has gone, printing fails
/// with a broken pipe; the command then stops quietly with [`exit::STDOUT_CLOSED`] (as a
/// shell reports a process its pipe's SIGPIPE ended), never with a panic's message and
/// backtrace. Any other panic is reported as usual.
fn quiet_on_closed_stdout() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        // (`println!` says "failed printing to stdout: Broken pipe"; other writers name the
        // error kind, `BrokenPipe`.)
        if message.contains("Broken pipe") || message.contains("BrokenPipe") {
            std::process::exit(i32::from(exit::STDOUT_CLOSED));
        }
        report(info);
    }));
}

/// The command line's definition, with the exit codes as `--help`'s footer.
fn command() -> clap::Command {
    Cli::command().after_long_help(exit::help_footer())
}

/// paygate's own crates, what `-v`, `-vv` and `-vvv` log (dependencies only with
/// `RUST_LOG`): a directive's target matches every target it begins, so `paygate` covers
/// `paygate_core`, each provider crate, the journal and this command.
const OUR_TARGET: &str = "paygate";

/// Installs a subscriber writing to standard error when asked: `RUST_LOG`, else for
/// paygate's own crates `-v` (info: one line per request and per operation, with its
/// duration), `-vv` (debug: each attempt), `-vvv` (trace); nothing otherwise.
fn logging(verbose: u8, format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let ours = |level: &str| EnvFilter::new(format!("{OUR_TARGET}={level}"));
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.trim().is_empty() => EnvFilter::new(directives),
        _ => match verbose {
            0 => return,
            1 => ours("info"),
            2 => ours("debug"),
            _ => ours("trace"),
        },
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false);
    let installed = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    if let Err(e) = installed {
        eprintln!("paygate: cannot install the log subscriber: {e}");
    }
}
