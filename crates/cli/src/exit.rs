//! Exit codes: one per error class, so scripts can act on them.

use std::process::ExitCode;

use paygate::{Error, ErrorClass};

/// Everything went as asked.
pub(crate) const OK: u8 = 0;
/// A check found a problem (a demo step misbehaved, reconcile found mismatches).
pub(crate) const CHECK_FAILED: u8 = 1;
/// Input was rejected before anything was sent (also: the payment's state does not allow the
/// write).
pub(crate) const INVALID_INPUT: u8 = 3;
/// The configuration is wrong.
pub(crate) const CONFIG: u8 = 4;
/// The provider said no.
pub(crate) const PROVIDER: u8 = 5;
/// A write may or may not have happened: reconcile before doing anything else.
pub(crate) const OUTCOME_UNKNOWN: u8 = 6;
/// The network failed (nothing changed).
pub(crate) const TRANSPORT: u8 = 7;
/// The answer was not in the provider's format (nothing changed).
pub(crate) const UNEXPECTED_BODY: u8 = 8;
/// The gateway has no such operation.
pub(crate) const UNSUPPORTED: u8 = 9;
/// The webhook was rejected.
pub(crate) const WEBHOOK_REJECTED: u8 = 10;
/// The operator did not confirm.
pub(crate) const NOT_CONFIRMED: u8 = 11;
/// Another write on the same order is in flight or unresolved: nothing was sent.
pub(crate) const IN_PROGRESS: u8 = 12;
/// The write journal could not be read or written: nothing was sent.
pub(crate) const JOURNAL_UNAVAILABLE: u8 = 13;

/// Command-line usage was wrong (clap's own code).
pub(crate) const USAGE: u8 = 2;
/// Stopped by Ctrl-C (128 + SIGINT).
pub(crate) const INTERRUPTED: u8 = 130;
/// Standard output's reader went away (128 + SIGPIPE, as a shell reports a pipe's end).
pub(crate) const STDOUT_CLOSED: u8 = 141;

/// Every exit code and what it means, in order: the one table `--help`'s footer, the
/// manual's EXIT STATUS, docs/cli-json.md and the README are checked against.
pub(crate) const EXIT_CODES: [(u8, &str); 16] = [
    (OK, "done"),
    (
        CHECK_FAILED,
        "a check found problems (demo step, reconcile mismatch)",
    ),
    (USAGE, "usage"),
    (
        INVALID_INPUT,
        "invalid input, or a state that does not allow the write (nothing sent)",
    ),
    (CONFIG, "configuration"),
    (PROVIDER, "the provider said no"),
    (
        OUTCOME_UNKNOWN,
        "outcome unknown (reconcile before anything else)",
    ),
    (TRANSPORT, "network failure (nothing changed)"),
    (UNEXPECTED_BODY, "answer not in the provider's format"),
    (UNSUPPORTED, "unsupported"),
    (WEBHOOK_REJECTED, "webhook rejected"),
    (NOT_CONFIRMED, "refund not confirmed"),
    (
        IN_PROGRESS,
        "another write on the order is in flight or unresolved (nothing sent)",
    ),
    (
        JOURNAL_UNAVAILABLE,
        "the write journal is unavailable (nothing sent)",
    ),
    (
        INTERRUPTED,
        "stopped by Ctrl-C (reconcile: summary written, output whole)",
    ),
    (
        STDOUT_CLOSED,
        "standard output's reader went away (a pipe closed early): stopped quietly",
    ),
];

/// The exit codes as `--help`'s footer shows them.
pub(crate) fn help_footer() -> String {
    let mut text = String::from("Exit status:\n");
    for (code, meaning) in EXIT_CODES {
        text.push_str(&format!("  {code:>3}  {meaning}\n"));
    }
    text
}

/// The exit codes as a manual page section (roff).
pub(crate) fn man_section() -> String {
    let mut roff = String::from(".SH \"EXIT STATUS\"\n");
    for (code, meaning) in EXIT_CODES {
        roff.push_str(&format!(".TP\n{code}\n{}\n", meaning.replace('\\', "\\\\")));
    }
    roff
}

/// The exit code of an error.
pub(crate) fn code(error: &Error) -> u8 {
    match error.class() {
        ErrorClass::InvalidInput | ErrorClass::InvalidState => INVALID_INPUT,
        ErrorClass::Config => CONFIG,
        ErrorClass::Provider => PROVIDER,
        ErrorClass::OutcomeUnknown => OUTCOME_UNKNOWN,
        ErrorClass::NotSent | ErrorClass::Transport => TRANSPORT,
        ErrorClass::UnexpectedBody => UNEXPECTED_BODY,
        ErrorClass::Unsupported => UNSUPPORTED,
        ErrorClass::WebhookRejected => WEBHOOK_REJECTED,
        ErrorClass::InProgress => IN_PROGRESS,
        ErrorClass::JournalUnavailable => JOURNAL_UNAVAILABLE,
        _ => PROVIDER,
    }
}

/// As an [`ExitCode`].
pub(crate) fn exit(code: u8) -> ExitCode {
    ExitCode::from(code)
}
