//! The strictness table: every documented rule on a request field of every endpoint the SDK
//! sends, with its source and the refusal the provider documents for breaking it. The
//! simulator reads it on each request, once the credentials and the signature are checked and
//! before the handler creates anything, so that the sandbox refuses all that the providers'
//! documents refuse and cannot share a client's mistake.
//!
//! Where documents disagree, a row takes the strictest reading and says so in `note`.
//! Semantic rules (an amount against the payment, a state) stay with the endpoint's handler;
//! the table holds what one field, read alone, must be.

use serde_json::Value;

use crate::Provider;

mod guard;

pub(crate) use guard::{BODY_LIMIT, guard};

/// One documented rule on one request field.
#[derive(Debug, Clone, Copy)]
pub struct FieldRule {
    /// The provider.
    pub provider: Provider,
    /// The request path, as the provider's page names it (path parameters as `{name}`).
    pub endpoint: &'static str,
    /// The field: a form or JSON field, a dotted path for one inside another (`order.amount`;
    /// `merchant_auth.<name>` for one inside an encrypted `merchant_auth`), a file part's
    /// name, or `{name}` for a path parameter.
    pub field: &'static str,
    /// What the field must be.
    pub rule: Rule,
    /// What the provider documents answering a request that breaks it.
    pub refusal: DocumentedRefusal,
    /// Where the rule is written (the provider's page, or the research note that cites it).
    pub source: &'static str,
    /// Disagreements between sources, and which reading the row takes; empty when none.
    pub note: &'static str,
    /// Whether the SDK refuses input breaking the rule before sending.
    pub sdk: SdkCheck,
}

/// What a field must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rule {
    /// Present, not `null`, not empty.
    Required,
    /// At most this many characters (when present).
    MaxChars(usize),
    /// One of these values (when present), compared exactly.
    OneOf(&'static [&'static str]),
    /// A whole number in this range, inclusive (when present).
    IntegerIn(i64, i64),
    /// Of this format (when present).
    Format(Format),
    /// A file part whose name ends in one of these extensions (case-insensitive).
    FileExtension(&'static [&'static str]),
    /// A file part of at most this many bytes.
    FileMaxBytes(usize),
    /// A file part whose bytes are of one of these types (`png`, `jpeg`: their signatures).
    FileType(&'static [&'static str]),
}

/// A field format the documents name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// ASCII digits only.
    Digits,
    /// ASCII letters and digits only.
    Alphanumeric,
    /// Letters, digits, `-` and `_`.
    AlphanumericDashUnderscore,
    /// `local@domain.tld`, no spaces.
    Email,
    /// `+` then digits.
    PlusDigits,
    /// Standard base64 (padding required).
    Base64,
    /// A decimal number: digits, optionally `.` and digits.
    Decimal,
    /// A decimal number of at most two decimal places (`decimal(18,2)`).
    Decimal2,
    /// `YYYY-MM-DD HH:MM:SS`.
    DateTime,
}

/// A refusal as the provider documents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentedRefusal {
    /// The HTTP status.
    pub http: u16,
    /// The provider's code (as its answers carry it: `status.code`, `responseCode`, `Code`).
    pub code: &'static str,
    /// Its message.
    pub message: &'static str,
}

/// Whether the SDK checks a rule before sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SdkCheck {
    /// Refused before sending, as an invalid-input error naming the field.
    Refuses,
    /// Cannot be broken through the SDK: its type only holds valid values, or it always
    /// fills the field itself.
    ByConstruction,
    /// Sent as given; the provider refuses it.
    Not,
}

/// Every row, provider by provider (each provider's rows are in its sandbox module,
/// `strictness.rs`), endpoint by endpoint.
pub fn rules() -> impl Iterator<Item = &'static FieldRule> {
    Provider::ALL
        .into_iter()
        .flat_map(|provider| provider.simulated().strictness_rules().iter())
}

/// The JSON pointer of a dotted field path (`order.amount` → `/order/amount`).
fn pointer(field: &str) -> String {
    field.split('.').flat_map(|part| ["/", part]).collect()
}

/// A field's text as the table reads it: `None` when absent, `null` or empty; a number or an
/// object as its JSON text.
fn text(fields: &Value, field: &str) -> Option<String> {
    match fields.pointer(&pointer(field))? {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// The first of the endpoint's rows that `fields` break, in table order. A row on a field
/// inside another (`merchant_auth.tran_id`) does not apply when that one is present but no
/// object (a `merchant_auth` that does not decrypt): the handler refuses it as the provider
/// does (`PTL05`).
pub(crate) fn first_broken(
    provider: Provider,
    endpoint: &str,
    fields: &Value,
) -> Option<&'static FieldRule> {
    rules()
        .filter(|r| r.provider == provider && r.endpoint == endpoint)
        .filter(|r| {
            r.field.rsplit_once('.').is_none_or(|(parent, _)| {
                fields
                    .pointer(&pointer(parent))
                    .is_none_or(|v| v.is_object() || v.is_null())
            })
        })
        .find(|r| !r.rule.holds(text(fields, r.field).as_deref()))
}

impl Rule {
    /// True when `value` (`None`: absent) keeps the rule.
    pub fn holds(&self, value: Option<&str>) -> bool {
        let Some(value) = value else {
            return !matches!(self, Rule::Required);
        };
        match self {
            Rule::Required => true,
            Rule::MaxChars(max) => value.chars().count() <= *max,
            Rule::OneOf(values) => values.contains(&value),
            Rule::IntegerIn(min, max) => value
                .parse::<i64>()
                .is_ok_and(|n| (*min..=*max).contains(&n)),
            Rule::Format(format) => format.holds(value),
            Rule::FileExtension(extensions) => {
                let name = file_part(value).0;
                name.rsplit_once('.')
                    .is_some_and(|(_, ext)| extensions.iter().any(|e| e.eq_ignore_ascii_case(ext)))
            }
            Rule::FileMaxBytes(max) => file_part(value).1.is_some_and(|n| n <= *max),
            Rule::FileType(types) => file_part(value).2.is_some_and(|t| types.contains(&t)),
        }
    }

    /// Values that break this rule alone, one per way to break it (`None`: the field left
    /// out or `null`).
    pub fn breaking_values(&self) -> Vec<Option<String>> {
        match self {
            Rule::Required => vec![None],
            Rule::MaxChars(max) => vec![Some("A".repeat(max + 1))],
            Rule::OneOf(values) => vec![Some(unlisted(values))],
            Rule::IntegerIn(min, max) => vec![
                Some(min.saturating_sub(1).to_string()),
                Some(max.saturating_add(1).to_string()),
            ],
            Rule::Format(format) => vec![Some(format.breaking_value().to_owned())],
            Rule::FileExtension(_) => vec![Some("image.gif (64 bytes, png)".to_owned())],
            Rule::FileMaxBytes(max) => vec![Some(format!("image.png ({} bytes, png)", max + 1))],
            Rule::FileType(_) => vec![Some("image.png (64 bytes, gif)".to_owned())],
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = |items: &[&str]| {
            items
                .iter()
                .map(|i| format!("`{i}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Rule::Required => f.write_str("required"),
            Rule::MaxChars(n) => write!(f, "at most {n} characters"),
            Rule::OneOf(values) => write!(f, "one of {}", list(values)),
            Rule::IntegerIn(min, max) => write!(f, "a whole number from {min} to {max}"),
            Rule::Format(format) => write!(f, "{format}"),
            Rule::FileExtension(extensions) => {
                write!(f, "a file named .{}", extensions.join(", ."))
            }
            Rule::FileMaxBytes(n) => write!(f, "a file of at most {n} bytes"),
            Rule::FileType(types) => write!(f, "a file whose bytes are {}", types.join(" or ")),
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Digits => "digits only",
            Format::Alphanumeric => "letters and digits only",
            Format::AlphanumericDashUnderscore => "letters, digits, `-` and `_`",
            Format::Email => "an email address",
            Format::PlusDigits => "`+` and digits (E.164)",
            Format::Base64 => "base64",
            Format::Decimal => "a decimal number",
            Format::Decimal2 => "a decimal number of at most 2 decimal places",
            Format::DateTime => "`YYYY-MM-DD HH:MM:SS`",
        })
    }
}

/// A value of the listed values' shape that is not listed: the first with its last
/// character changed (so that no length rule on the field breaks with it).
fn unlisted(values: &[&str]) -> String {
    let first = values.first().copied().unwrap_or("");
    let stem: String = first
        .chars()
        .take(first.chars().count().saturating_sub(1))
        .collect();
    ['x', 'z', 'q', '9']
        .iter()
        .map(|last| format!("{stem}{last}"))
        .find(|candidate| !values.contains(&candidate.as_str()))
        .unwrap_or_else(|| "not_listed".to_owned())
}

/// A file part as the simulator records it: `name (N bytes, type)`, the type read from the
/// bytes' signature (`png`, `jpeg`, `gif` or `other`).
fn file_part(value: &str) -> (&str, Option<usize>, Option<&str>) {
    let Some((name, rest)) = value.rsplit_once(" (") else {
        return (value, None, None);
    };
    let rest = rest.strip_suffix(')').unwrap_or(rest);
    let (size, kind) = rest.split_once(" bytes, ").unwrap_or((rest, ""));
    let size = size.strip_suffix(" bytes").unwrap_or(size);
    (
        name,
        size.parse().ok(),
        Some(kind).filter(|k| !k.is_empty()),
    )
}

impl Format {
    fn holds(self, value: &str) -> bool {
        let all = |f: fn(char) -> bool| value.chars().all(f);
        match self {
            Format::Digits => all(|c| c.is_ascii_digit()),
            Format::Alphanumeric => all(|c| c.is_ascii_alphanumeric()),
            Format::AlphanumericDashUnderscore => {
                all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            }
            Format::Email => {
                let Some((local, domain)) = value.split_once('@') else {
                    return false;
                };
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
                    && all(|c| !c.is_whitespace())
            }
            Format::PlusDigits => value
                .strip_prefix('+')
                .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit())),
            Format::Base64 => {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD
                    .decode(value)
                    .is_ok()
            }
            Format::Decimal => {
                let (whole, fraction) = value.split_once('.').unwrap_or((value, "0"));
                !whole.is_empty()
                    && !fraction.is_empty()
                    && whole.chars().all(|c| c.is_ascii_digit())
                    && fraction.chars().all(|c| c.is_ascii_digit())
            }
            Format::Decimal2 => {
                Format::Decimal.holds(value)
                    && value
                        .split_once('.')
                        .is_none_or(|(_, fraction)| fraction.len() <= 2)
            }
            Format::DateTime => time::PrimitiveDateTime::parse(
                value,
                time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"),
            )
            .is_ok(),
        }
    }

    fn breaking_value(self) -> &'static str {
        match self {
            Format::Digits => "12a4",
            Format::Alphanumeric => "A-B",
            Format::AlphanumericDashUnderscore => "A.B",
            Format::Email => "not-an-email",
            Format::PlusDigits => "0812345678",
            Format::Base64 => "not base64!",
            Format::Decimal => "1,5",
            Format::Decimal2 => "1.005",
            Format::DateTime => "2025/01/31 10:00",
        }
    }
}

#[cfg(test)]
mod tests;
