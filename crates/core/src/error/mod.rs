//! The error taxonomy: every failure falls in one class a caller can act on.
//!
//! | class | what happened | what to do |
//! |---|---|---|
//! | [`Error::InvalidInput`], [`Error::Config`] | rejected before anything was sent | fix the input or configuration |
//! | [`Error::InvalidState`] | the payment, as read before the write, does not allow it; nothing was sent | read the payment; do something else |
//! | [`Error::Provider`] | the provider answered and said no | read [`ProviderErrorKind`] |
//! | [`Error::Transport`] | the network failed; [`Delivery`] says whether the request left | retry if [`Error::is_retryable`], reconcile if [`Error::outcome_unknown`] |
//! | [`Error::UnexpectedBody`] | an answer came that is not the provider's format (proxy HTML pages, truncated JSON) | as transport |
//! | [`Error::Unsupported`] | the gateway has no such operation | use another path |
//! | [`Error::WebhookRejected`] | a callback failed verification | answer the sender with an error; do not act on it |
//! | [`Error::Journal`] | a write journal stopped the write before sending it, or holds this key's earlier outcome | read [`JournalErrorKind`] |

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use crate::operation::Operation;

mod journal;
pub use journal::{JournalError, JournalErrorKind};

/// Result with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every failure of the library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input was rejected before anything was sent.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The field at fault, e.g. `"refund.amount"` or `"order_id"`.
        field: Cow<'static, str>,
        /// Why, in words a person can act on.
        reason: String,
    },
    /// The payment, as read before a write, is not in a state that allows the write: nothing
    /// was sent (e.g. refunding a payment that is pending or already fully refunded).
    #[error(
        "{provider} {operation} of order {order_id} not sent: {reason} (the payment is {status})"
    )]
    InvalidState {
        /// Provider name.
        provider: &'static str,
        /// The write that was not sent.
        operation: Operation,
        /// The order.
        order_id: String,
        /// The payment's unified status as read, e.g. `pending` or `refunded (REFUNDED)`.
        status: String,
        /// Why the state does not allow the write.
        reason: String,
    },
    /// Configuration was rejected (at construction, before anything was sent).
    #[error("configuration error at {key}: {reason}")]
    Config {
        /// Where: e.g. `gateways.payway-usd.api_key`.
        key: String,
        /// Why. Never contains a configured value.
        reason: String,
    },
    /// The provider answered and refused.
    #[error(transparent)]
    Provider(Box<ProviderError>),
    /// The network failed.
    #[error(transparent)]
    Transport(Box<TransportError>),
    /// An answer arrived that is not in the provider's format.
    #[error(transparent)]
    UnexpectedBody(Box<UnexpectedBody>),
    /// The gateway has no such operation.
    #[error("{provider} does not support {operation}")]
    Unsupported {
        /// Provider name.
        provider: &'static str,
        /// The operation asked for.
        operation: Operation,
    },
    /// A webhook failed verification or could not be read.
    #[error("{provider} webhook rejected: {reason}")]
    WebhookRejected {
        /// Provider name.
        provider: &'static str,
        /// Why.
        reason: WebhookRejection,
    },
    /// A write journal stopped a write before sending it, or holds the outcome of this key's
    /// earlier write (nothing was sent this time).
    #[error(transparent)]
    Journal(Box<JournalError>),
}

/// The class of an [`Error`], for exit codes, metrics and matching without fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorClass {
    /// [`Error::InvalidInput`].
    InvalidInput,
    /// [`Error::Config`].
    Config,
    /// [`Error::InvalidState`].
    InvalidState,
    /// [`Error::Provider`].
    Provider,
    /// [`Error::Transport`] with [`Delivery::NotSent`].
    NotSent,
    /// A write whose outcome is unknown (transport or unreadable answer after sending).
    OutcomeUnknown,
    /// [`Error::Transport`] on a read, after sending.
    Transport,
    /// [`Error::UnexpectedBody`] (on a read).
    UnexpectedBody,
    /// [`Error::Unsupported`].
    Unsupported,
    /// [`Error::WebhookRejected`].
    WebhookRejected,
    /// [`JournalErrorKind::Unavailable`]: nothing was sent.
    JournalUnavailable,
    /// [`JournalErrorKind::InProgress`]: nothing was sent.
    InProgress,
}

impl ErrorClass {
    /// A short stable name, e.g. `"outcome-unknown"`.
    pub fn name(&self) -> &'static str {
        match self {
            ErrorClass::InvalidInput => "invalid-input",
            ErrorClass::Config => "config",
            ErrorClass::InvalidState => "invalid-state",
            ErrorClass::Provider => "provider",
            ErrorClass::NotSent => "not-sent",
            ErrorClass::OutcomeUnknown => "outcome-unknown",
            ErrorClass::Transport => "transport",
            ErrorClass::UnexpectedBody => "unexpected-body",
            ErrorClass::Unsupported => "unsupported",
            ErrorClass::WebhookRejected => "webhook-rejected",
            ErrorClass::JournalUnavailable => "journal-unavailable",
            ErrorClass::InProgress => "in-progress",
        }
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Error {
    /// An [`Error::InvalidInput`].
    pub fn invalid(field: impl Into<Cow<'static, str>>, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// An [`Error::Config`]. `key` names where (never the value).
    pub fn config(key: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Config {
            key: key.into(),
            reason: reason.into(),
        }
    }

    /// An [`Error::Unsupported`].
    pub fn unsupported(provider: &'static str, operation: Operation) -> Self {
        Error::Unsupported {
            provider,
            operation,
        }
    }

    /// An [`Error::WebhookRejected`].
    pub fn webhook(provider: &'static str, reason: WebhookRejection) -> Self {
        Error::WebhookRejected { provider, reason }
    }

    /// The class of this error.
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::InvalidInput { .. } => ErrorClass::InvalidInput,
            Error::Config { .. } => ErrorClass::Config,
            Error::InvalidState { .. } => ErrorClass::InvalidState,
            Error::Provider(_) if self.outcome_unknown() => ErrorClass::OutcomeUnknown,
            Error::Provider(_) => ErrorClass::Provider,
            Error::Transport(t) => match t.delivery {
                Delivery::NotSent => ErrorClass::NotSent,
                Delivery::OutcomeUnknown if t.operation.is_write() => ErrorClass::OutcomeUnknown,
                Delivery::OutcomeUnknown => ErrorClass::Transport,
            },
            Error::UnexpectedBody(b) if b.operation.is_write() => ErrorClass::OutcomeUnknown,
            Error::UnexpectedBody(_) => ErrorClass::UnexpectedBody,
            Error::Unsupported { .. } => ErrorClass::Unsupported,
            Error::WebhookRejected { .. } => ErrorClass::WebhookRejected,
            Error::Journal(j) => match j.kind {
                JournalErrorKind::Unavailable => ErrorClass::JournalUnavailable,
                JournalErrorKind::InProgress => ErrorClass::InProgress,
                JournalErrorKind::Unresolved | JournalErrorKind::Conflict => {
                    ErrorClass::OutcomeUnknown
                }
                JournalErrorKind::Refused => ErrorClass::Provider,
                JournalErrorKind::LeaseExpired => ErrorClass::NotSent,
            },
        }
    }

    /// True when sending the very same request again is safe and may succeed.
    ///
    /// Writes are retryable only when the request provably never left this machine
    /// ([`Delivery::NotSent`]) or the provider said it was rate limited (and so did not act).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport(t) => match t.delivery {
                Delivery::NotSent => t.cause != TransportCause::InvalidRequest,
                Delivery::OutcomeUnknown => {
                    !t.operation.is_write() && t.cause != TransportCause::BodyTooLarge
                }
            },
            Error::Provider(p) => match p.kind {
                ProviderErrorKind::RateLimited { .. } => true,
                ProviderErrorKind::Server => !p.operation.is_write(),
                _ => false,
            },
            Error::UnexpectedBody(b) => {
                !b.operation.is_write() && matches!(b.http_status, 429 | 502 | 503 | 504)
            }
            // Nothing was sent; the same call may pass once the journal or the order is free.
            Error::Journal(j) => matches!(
                j.kind,
                JournalErrorKind::Unavailable
                    | JournalErrorKind::InProgress
                    | JournalErrorKind::LeaseExpired
            ),
            _ => false,
        }
    }

    /// True when a write may or may not have taken effect: read the payment's status before
    /// doing anything else, and never simply send the write again.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Error::Transport(t) => t.delivery == Delivery::OutcomeUnknown && t.operation.is_write(),
            Error::UnexpectedBody(b) => b.operation.is_write(),
            Error::Provider(p) => p.is_unsure(),
            Error::Journal(j) => matches!(
                j.kind,
                JournalErrorKind::Unresolved | JournalErrorKind::Conflict
            ),
            _ => false,
        }
    }

    /// How long the provider asked us to wait, when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Provider(p) => match p.kind {
                ProviderErrorKind::RateLimited { retry_after } => retry_after,
                _ => None,
            },
            Error::UnexpectedBody(b) => b.retry_after,
            _ => None,
        }
    }

    /// The operation this error belongs to, when it came from one.
    pub fn operation(&self) -> Option<Operation> {
        match self {
            Error::Provider(p) => Some(p.operation),
            Error::Transport(t) => Some(t.operation),
            Error::UnexpectedBody(b) => Some(b.operation),
            Error::Unsupported { operation, .. } => Some(*operation),
            Error::WebhookRejected { .. } => Some(Operation::Webhook),
            Error::Journal(j) => j.operation,
            _ => None,
        }
    }

    /// The provider error, if the provider said no.
    pub fn as_provider(&self) -> Option<&ProviderError> {
        match self {
            Error::Provider(p) => Some(p),
            _ => None,
        }
    }
}

impl From<ProviderError> for Error {
    fn from(e: ProviderError) -> Self {
        Error::Provider(Box::new(e))
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        Error::Transport(Box::new(e))
    }
}

impl From<UnexpectedBody> for Error {
    fn from(e: UnexpectedBody) -> Self {
        Error::UnexpectedBody(Box::new(e))
    }
}

/// What kind of "no" the provider said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProviderErrorKind {
    /// Credentials, signature or whitelisting refused.
    Auth,
    /// The order / transaction does not exist (for this merchant).
    NotFound,
    /// The payment is not in a state that allows the operation (e.g. refund of an unpaid order).
    InvalidState,
    /// Too many requests. The provider did not act on this one.
    RateLimited {
        /// How long to wait, when the provider said.
        retry_after: Option<Duration>,
    },
    /// The provider rejected a field of the request.
    Validation,
    /// The provider had an internal error.
    Server,
    /// Not a refusal the SDK recognises. The providers' parsers report an unrecognised code
    /// as an [`UnexpectedBody`] instead; should this kind reach a write anyway (code outside
    /// this workspace building one), the write counts as an unknown outcome, never as
    /// refused.
    Other,
}

impl ProviderErrorKind {
    fn hint(&self, write: bool) -> String {
        match self {
            ProviderErrorKind::Auth => {
                "check the credentials and environment configured for this gateway".into()
            }
            ProviderErrorKind::NotFound => {
                "check the id, and that it belongs to this merchant account and environment".into()
            }
            ProviderErrorKind::InvalidState => {
                "the payment is not in a state that allows this; read its status first".into()
            }
            ProviderErrorKind::RateLimited {
                retry_after: Some(d),
            } => {
                format!(
                    "slow down: the provider did not act on this request; retry after {}s",
                    d.as_secs()
                )
            }
            ProviderErrorKind::RateLimited { retry_after: None } => {
                "slow down: the provider did not act on this request; retry later".into()
            }
            ProviderErrorKind::Validation => {
                "fix the request field the provider's message names".into()
            }
            ProviderErrorKind::Server if write => {
                "the provider failed internally; the outcome is unknown — read the payment status before retrying".into()
            }
            ProviderErrorKind::Server => {
                "the provider failed internally; retry later".into()
            }
            ProviderErrorKind::Other if write => {
                "the answer is not a refusal the SDK recognises: the outcome is unknown — read the payment status before doing anything else, do not resend".into()
            }
            ProviderErrorKind::Other => "see the provider code and message".into(),
        }
    }
}

/// The provider answered and refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProviderError {
    /// Provider name.
    pub provider: &'static str,
    /// The operation refused.
    pub operation: Operation,
    /// The HTTP status of the answer, if it came over HTTP.
    pub http_status: Option<u16>,
    /// The provider's own code (e.g. `PTL36`, `4040100`).
    pub code: Option<String>,
    /// The provider's message.
    pub message: String,
    /// What kind of refusal.
    pub kind: ProviderErrorKind,
}

impl ProviderError {
    /// True on a write whose answer does not prove that nothing was done: the provider failed
    /// internally ([`ProviderErrorKind::Server`]) or said something the SDK does not recognise
    /// ([`ProviderErrorKind::Other`]).
    pub fn is_unsure(&self) -> bool {
        self.operation.is_write()
            && matches!(
                self.kind,
                ProviderErrorKind::Server | ProviderErrorKind::Other
            )
    }

    /// A provider error without HTTP status or code; add them with the setters.
    pub fn new(
        provider: &'static str,
        operation: Operation,
        kind: ProviderErrorKind,
        message: impl Into<String>,
    ) -> Self {
        ProviderError {
            provider,
            operation,
            http_status: None,
            code: None,
            message: message.into(),
            kind,
        }
    }

    /// The one answer of every provider to a refund status asked of an order that has no
    /// refund: not found, on [`Operation::RefundStatus`], whatever the provider read to know.
    pub fn no_refund(provider: &'static str, order_id: &str, detail: impl fmt::Display) -> Self {
        ProviderError::new(
            provider,
            Operation::RefundStatus,
            ProviderErrorKind::NotFound,
            format!("no refund of order {order_id} ({detail})"),
        )
    }

    /// Sets the HTTP status.
    pub fn with_http_status(mut self, status: u16) -> Self {
        self.http_status = Some(status);
        self
    }

    /// Sets the provider code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_unsure() {
            write!(
                f,
                "{} answered {} without a clear refusal",
                self.provider, self.operation
            )?;
        } else {
            write!(f, "{} refused {}", self.provider, self.operation)?;
        }
        match (&self.http_status, &self.code) {
            (Some(s), Some(c)) => write!(f, " (HTTP {s}, code {c})")?,
            (Some(s), None) => write!(f, " (HTTP {s})")?,
            (None, Some(c)) => write!(f, " (code {c})")?,
            (None, None) => {}
        }
        let message = crate::redact::excerpt(self.message.as_bytes(), 300);
        if !message.is_empty() {
            write!(f, ": {message}")?;
        }
        write!(f, " — {}", self.kind.hint(self.operation.is_write()))
    }
}

impl std::error::Error for ProviderError {}

/// Whether a failed request left this machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Delivery {
    /// Provably never sent (no connection was made, or the request could not be built).
    NotSent,
    /// It may have reached the provider: for a write, the outcome is unknown.
    OutcomeUnknown,
}

/// What went wrong in the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportCause {
    /// The connection could not be made (refused, DNS, TLS handshake).
    Connect,
    /// The connection was not made within the connect timeout.
    ConnectTimeout,
    /// The answer did not arrive within the total timeout.
    Timeout,
    /// The connection broke after the request was written.
    ConnectionClosed,
    /// The answer was larger than the configured cap.
    BodyTooLarge,
    /// The request could not be built (e.g. a header value was rejected).
    InvalidRequest,
    /// Any other I/O failure.
    Io,
}

impl TransportCause {
    fn describe(&self) -> &'static str {
        match self {
            TransportCause::Connect => "could not connect",
            TransportCause::ConnectTimeout => "connect timed out",
            TransportCause::Timeout => "no answer within the timeout",
            TransportCause::ConnectionClosed => "connection closed before the answer",
            TransportCause::BodyTooLarge => "answer larger than the configured cap",
            TransportCause::InvalidRequest => "request could not be built",
            TransportCause::Io => "I/O failure",
        }
    }
}

/// A failure below HTTP, as reported by a [`crate::transport::Transport`] (no provider context yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportFailure {
    /// Whether the request may have left.
    pub delivery: Delivery,
    /// What went wrong.
    pub cause: TransportCause,
    /// Technical detail (never contains headers or bodies).
    pub detail: String,
}

impl TransportFailure {
    /// A failure before anything was sent.
    pub fn not_sent(cause: TransportCause, detail: impl Into<String>) -> Self {
        TransportFailure {
            delivery: Delivery::NotSent,
            cause,
            detail: detail.into(),
        }
    }

    /// A failure after the request may have left.
    pub fn outcome_unknown(cause: TransportCause, detail: impl Into<String>) -> Self {
        TransportFailure {
            delivery: Delivery::OutcomeUnknown,
            cause,
            detail: detail.into(),
        }
    }
}

/// The network failed during an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransportError {
    /// Provider name.
    pub provider: &'static str,
    /// The operation.
    pub operation: Operation,
    /// Whether the request may have left.
    pub delivery: Delivery,
    /// What went wrong.
    pub cause: TransportCause,
    /// Technical detail (never contains headers or bodies).
    pub detail: String,
    /// How many attempts were made.
    pub attempts: u32,
}

impl TransportError {
    /// Adds provider context to a [`TransportFailure`].
    pub fn from_failure(
        provider: &'static str,
        operation: Operation,
        failure: TransportFailure,
        attempts: u32,
    ) -> Self {
        TransportError {
            provider,
            operation,
            delivery: failure.delivery,
            cause: failure.cause,
            detail: failure.detail,
            attempts,
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {} ({}), after {} attempt{}",
            self.provider,
            self.operation,
            self.cause.describe(),
            self.detail,
            self.attempts,
            if self.attempts == 1 { "" } else { "s" }
        )?;
        match (self.delivery, self.operation.is_write()) {
            (Delivery::NotSent, _) => {
                f.write_str(" — the request was never sent; it is safe to try again")
            }
            (Delivery::OutcomeUnknown, true) => f.write_str(
                " — the request may have reached the provider: the outcome is unknown; read the payment status before doing anything else, do not resend",
            ),
            (Delivery::OutcomeUnknown, false) => {
                f.write_str(" — nothing changed; it is safe to try again later")
            }
        }
    }
}

impl std::error::Error for TransportError {}

/// An answer that is not in the provider's format: proxy error pages, truncated or foreign JSON,
/// a code that is neither a documented success nor a documented refusal, an answer about
/// another order. On a write it is an unknown outcome.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnexpectedBody {
    /// Provider name.
    pub provider: &'static str,
    /// The operation.
    pub operation: Operation,
    /// The HTTP status of the answer.
    pub http_status: u16,
    /// Its `Content-Type`, if any.
    pub content_type: Option<String>,
    /// A short excerpt of the body, control characters removed and token-like runs redacted.
    pub excerpt: String,
    /// What was wrong with it, e.g. the decode error.
    pub reason: String,
    /// `Retry-After`, when the answer carried one.
    pub retry_after: Option<Duration>,
    /// The whole body as received, kept so an unknown outcome can be settled from it. Never
    /// shown by `Display` or `Debug` (it can hold customer data).
    pub body: bytes::Bytes,
}

/// Shows the body's length only.
impl fmt::Debug for UnexpectedBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnexpectedBody")
            .field("provider", &self.provider)
            .field("operation", &self.operation)
            .field("http_status", &self.http_status)
            .field("content_type", &self.content_type)
            .field("excerpt", &self.excerpt)
            .field("reason", &self.reason)
            .field("retry_after", &self.retry_after)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl fmt::Display for UnexpectedBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: unexpected answer, HTTP {} ({}): {}",
            self.provider,
            self.operation,
            self.http_status,
            self.content_type.as_deref().unwrap_or("no content type"),
            self.reason
        )?;
        if !self.excerpt.is_empty() {
            write!(f, "; body starts {:?}", self.excerpt)?;
        }
        let json = self
            .content_type
            .as_deref()
            .is_some_and(|ct| ct.to_ascii_lowercase().contains("json"));
        if self.operation.is_write() {
            f.write_str(" — the request reached the provider's side: the outcome is unknown; read the payment status before doing anything else, do not resend")
        } else if json && self.http_status < 500 {
            f.write_str(" — the provider's JSON is not in the documented shape; nothing changed")
        } else {
            f.write_str(" — often a proxy or outage page; try again later")
        }
    }
}

impl std::error::Error for UnexpectedBody {}

/// Why a webhook was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookRejection {
    /// The signature (field or header) is absent though the provider always signs.
    #[error("signature missing ({0})")]
    MissingSignature(&'static str),
    /// The signature does not match the body under the configured key.
    #[error("signature does not match the body (tampered body or wrong key)")]
    BadSignature,
    /// The body is not what the provider sends.
    #[error("malformed body: {0}")]
    Malformed(String),
    /// A field the event needs is absent.
    #[error("required field {0} missing")]
    MissingField(&'static str),
    /// The event is older than the accepted window (replay).
    #[error("stale event: {age_secs}s old, accepted window {window_secs}s")]
    Stale {
        /// Age of the event.
        age_secs: u64,
        /// The accepted window.
        window_secs: u64,
    },
    /// The event does not match what the provider reports for the order.
    #[error("event does not match the order: {0}")]
    Mismatch(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::Effect;
    use crate::transport::HttpResponse;

    const READ: Operation = Operation::PaymentStatus;
    const WRITE: Operation = Operation::Refund;

    fn transport(operation: Operation, delivery: Delivery, cause: TransportCause) -> Error {
        TransportError::from_failure(
            "test",
            operation,
            TransportFailure {
                delivery,
                cause,
                detail: "x".into(),
            },
            1,
        )
        .into()
    }

    fn provider(operation: Operation, kind: ProviderErrorKind) -> Error {
        ProviderError::new("test", operation, kind, "no").into()
    }

    fn unexpected(operation: Operation, status: u16) -> Error {
        UnexpectedBody::new(
            "test",
            operation,
            &HttpResponse::new(status, "<html>"),
            "not JSON",
        )
        .into()
    }

    /// (error, class, is_retryable, outcome_unknown) for every class and both effects.
    #[test]
    fn classification_matrix() {
        use ErrorClass as C;
        let cases: Vec<(Error, ErrorClass, bool, bool)> = vec![
            (
                Error::invalid("amount", "bad"),
                C::InvalidInput,
                false,
                false,
            ),
            (
                Error::config("gateways.a.key", "bad"),
                C::Config,
                false,
                false,
            ),
            (
                transport(READ, Delivery::NotSent, TransportCause::Connect),
                C::NotSent,
                true,
                false,
            ),
            (
                transport(WRITE, Delivery::NotSent, TransportCause::Connect),
                C::NotSent,
                true,
                false,
            ),
            (
                transport(WRITE, Delivery::NotSent, TransportCause::ConnectTimeout),
                C::NotSent,
                true,
                false,
            ),
            (
                transport(WRITE, Delivery::NotSent, TransportCause::InvalidRequest),
                C::NotSent,
                false,
                false,
            ),
            (
                transport(READ, Delivery::OutcomeUnknown, TransportCause::Timeout),
                C::Transport,
                true,
                false,
            ),
            (
                transport(WRITE, Delivery::OutcomeUnknown, TransportCause::Timeout),
                C::OutcomeUnknown,
                false,
                true,
            ),
            (
                transport(
                    WRITE,
                    Delivery::OutcomeUnknown,
                    TransportCause::ConnectionClosed,
                ),
                C::OutcomeUnknown,
                false,
                true,
            ),
            (
                transport(READ, Delivery::OutcomeUnknown, TransportCause::BodyTooLarge),
                C::Transport,
                false,
                false,
            ),
            (
                provider(READ, ProviderErrorKind::Auth),
                C::Provider,
                false,
                false,
            ),
            (
                provider(WRITE, ProviderErrorKind::NotFound),
                C::Provider,
                false,
                false,
            ),
            (
                provider(WRITE, ProviderErrorKind::InvalidState),
                C::Provider,
                false,
                false,
            ),
            (
                provider(WRITE, ProviderErrorKind::Validation),
                C::Provider,
                false,
                false,
            ),
            (
                provider(READ, ProviderErrorKind::RateLimited { retry_after: None }),
                C::Provider,
                true,
                false,
            ),
            (
                provider(WRITE, ProviderErrorKind::RateLimited { retry_after: None }),
                C::Provider,
                true,
                false,
            ),
            (
                provider(READ, ProviderErrorKind::Server),
                C::Provider,
                true,
                false,
            ),
            (
                provider(WRITE, ProviderErrorKind::Server),
                C::OutcomeUnknown,
                false,
                true,
            ),
            (
                provider(READ, ProviderErrorKind::Other),
                C::Provider,
                false,
                false,
            ),
            // Not a recognised refusal on a write: the safety net makes it an unknown outcome.
            (
                provider(WRITE, ProviderErrorKind::Other),
                C::OutcomeUnknown,
                false,
                true,
            ),
            (unexpected(READ, 502), C::UnexpectedBody, true, false),
            (unexpected(READ, 503), C::UnexpectedBody, true, false),
            (unexpected(READ, 500), C::UnexpectedBody, false, false),
            (unexpected(READ, 200), C::UnexpectedBody, false, false),
            (unexpected(WRITE, 502), C::OutcomeUnknown, false, true),
            (unexpected(WRITE, 200), C::OutcomeUnknown, false, true),
            (
                Error::unsupported("test", Operation::Void),
                C::Unsupported,
                false,
                false,
            ),
            (
                Error::webhook("test", WebhookRejection::BadSignature),
                C::WebhookRejected,
                false,
                false,
            ),
        ];
        for (error, class, retryable, unknown) in cases {
            assert_eq!(error.class(), class, "{error}");
            assert_eq!(error.is_retryable(), retryable, "retryable: {error}");
            assert_eq!(error.outcome_unknown(), unknown, "outcome unknown: {error}");
        }
    }

    #[test]
    fn messages_tell_a_person_what_to_do() {
        let e = provider(WRITE, ProviderErrorKind::InvalidState);
        assert_eq!(
            e.to_string(),
            "test refused refund: no — the payment is not in a state that allows this; read its status first"
        );
        let e: Error = ProviderError::new(
            "payway",
            WRITE,
            ProviderErrorKind::NotFound,
            "Transaction not found or is invalid",
        )
        .with_http_status(403)
        .with_code("PTL36")
        .into();
        assert_eq!(
            e.to_string(),
            "payway refused refund (HTTP 403, code PTL36): Transaction not found or is invalid — check the id, and that it belongs to this merchant account and environment"
        );
        let e = transport(WRITE, Delivery::OutcomeUnknown, TransportCause::Timeout);
        assert_eq!(
            e.to_string(),
            "test refund: no answer within the timeout (x), after 1 attempt — the request may have reached the provider: the outcome is unknown; read the payment status before doing anything else, do not resend"
        );
        let e = unexpected(READ, 502);
        assert_eq!(
            e.to_string(),
            "test payment-status: unexpected answer, HTTP 502 (no content type): not JSON; body starts \"<html>\" — often a proxy or outage page; try again later"
        );
        assert_eq!(
            Error::webhook("finpay", WebhookRejection::BadSignature).to_string(),
            "finpay webhook rejected: signature does not match the body (tampered body or wrong key)"
        );
    }

    #[test]
    fn provider_messages_are_excerpted_and_redacted() {
        let e = ProviderError::new(
            "test",
            READ,
            ProviderErrorKind::Auth,
            "bad key c2VjcmV0LWtleS12YWx1ZS0xMjM0NTY3ODkw\nline two",
        );
        let text = e.to_string();
        assert!(!text.contains("c2VjcmV0"), "{text}");
        assert!(text.contains("bad key [redacted] line two"), "{text}");
    }

    #[test]
    fn operations_know_their_effect() {
        for op in [
            Operation::PaymentStatus,
            Operation::RefundStatus,
            Operation::Webhook,
        ] {
            assert!(!op.is_write(), "{op}");
        }
        for op in [
            Operation::CreatePayment,
            Operation::Refund,
            Operation::Void,
            Operation::Cancel,
            Operation::Capture,
        ] {
            assert!(op.is_write(), "{op}");
        }
        let list = Operation::Native {
            name: "transaction-list-2",
            effect: Effect::Read,
        };
        assert_eq!(list.to_string(), "transaction-list-2");
        assert!(!list.is_write());
    }
}
