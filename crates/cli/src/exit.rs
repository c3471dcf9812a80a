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
