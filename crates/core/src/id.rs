//! Validated identifiers. A value that could change the meaning of a URL path (`/`, `..`, `?`,
//! `#`, `%`, whitespace, control or non-ASCII characters) can never be constructed, so it can
//! never reach one.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Error;

/// The limits an identifier must meet. The defaults are the widest any provider needs; each
/// provider tightens them with [`IdRules::max_len`] and friends before sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdRules {
    max_len: usize,
    allow_dot: bool,
    allow_underscore: bool,
    allow_hyphen: bool,
}

impl IdRules {
    /// 1–64 characters of `[A-Za-z0-9._-]`, not starting with `.` and without `..`.
    pub const DEFAULT: IdRules = IdRules {
        max_len: 64,
        allow_dot: true,
        allow_underscore: true,
        allow_hyphen: true,
    };

    /// At most `max_len` characters.
    pub const fn max_len(mut self, max_len: usize) -> IdRules {
        self.max_len = max_len;
        self
    }

    /// Forbid `.`.
    pub const fn no_dot(mut self) -> IdRules {
        self.allow_dot = false;
        self
    }

    /// Forbid `_`.
    pub const fn no_underscore(mut self) -> IdRules {
        self.allow_underscore = false;
        self
    }

    /// Forbid `-`.
    pub const fn no_hyphen(mut self) -> IdRules {
        self.allow_hyphen = false;
        self
    }

    /// Checks `value` for the field named `field`.
    pub fn check(&self, field: &'static str, value: &str) -> Result<(), Error> {
        if value.is_empty() {
            return Err(Error::invalid(field, "must not be empty"));
        }
        let len = value.chars().count();
        if len > self.max_len {
            return Err(Error::invalid(
                field,
                format!("is {len} characters long; at most {} allowed", self.max_len),
            ));
        }
        if let Some((position, c)) = value.char_indices().find(|&(_, c)| !self.allows(c)) {
            let shown = if c.is_ascii_graphic() {
                format!("{c:?}")
            } else {
                format!("U+{:04X}", u32::from(c))
            };
            return Err(Error::invalid(
                field,
                format!(
                    "character {shown} at position {position} is not allowed; use {}",
                    self.describe()
                ),
            ));
        }
        if value.starts_with('.') || value.contains("..") {
            return Err(Error::invalid(
                field,
                "must not start with '.' or contain '..'",
            ));
        }
        Ok(())
    }

    fn allows(&self, c: char) -> bool {
        c.is_ascii_alphanumeric()
            || (c == '.' && self.allow_dot)
            || (c == '_' && self.allow_underscore)
            || (c == '-' && self.allow_hyphen)
    }

    fn describe(&self) -> String {
        let mut s = String::from("letters A-Z a-z and digits");
        for (allowed, c) in [
            (self.allow_hyphen, '-'),
            (self.allow_underscore, '_'),
            (self.allow_dot, '.'),
        ] {
            if allowed {
                s.push_str(&format!(" {c}"));
            }
        }
        s
    }
}

macro_rules! identifier {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Validates with [`IdRules::DEFAULT`].
            pub fn new(value: impl Into<String>) -> Result<Self, Error> {
                let value = value.into();
                IdRules::DEFAULT.check($field, &value)?;
                Ok($name(value))
            }

            /// Checks a provider's tighter rules.
            pub fn check(&self, rules: &IdRules) -> Result<(), Error> {
                rules.check($field, &self.0)
            }

            /// The identifier text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::new(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = Error;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                $name::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = Error;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                $name::new(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $name::new(s).map_err(serde::de::Error::custom)
            }
        }
    };
}

identifier!(
    /// The merchant's order id (PayWay `tran_id`, Finpay `order.id`, PayG `OrderKeyId`).
    OrderId,
    "order_id"
);
identifier!(
    /// A provider's transaction id (PayG `PaymentTransactionId`, …) when sent back to it.
    TransactionId,
    "transaction_id"
);
identifier!(
    /// The merchant's own reference for a refund, to tell several partial refunds apart.
    /// A write journal uses it as the refund's idempotency key.
    RefundReference,
    "refund_reference"
);
identifier!(
    /// The caller's key for one write (create, capture, void, cancel): a write journal sends a
    /// write under a given key at most once, across retries, processes and restarts.
    IdempotencyKey,
    "idempotency_key"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_ids() {
        for ok in [
            "A1",
            "ORDER-0001",
            "trx_2020.10.19",
            "17394277693",
            &"x".repeat(64),
        ] {
            assert!(OrderId::new(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_path_injection_and_url_metacharacters() {
        for bad in [
            "../etc/passwd",
            "a/b",
            "..",
            "a..b",
            ".hidden",
            "a?b=1",
            "a#frag",
            "a%2Fb",
            "a b",
            "a\tb",
            "a\nb",
            "a\0b",
            "a\u{7f}b",
            "a\\b",
            "a;b",
            "a&b",
            "a+b",
            "a:b",
        ] {
            let err = OrderId::new(bad).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidInput { field, .. } if field == "order_id"),
                "{bad:?}: {err}"
            );
        }
    }

    #[test]
    fn refuses_empty_overlong_and_non_ascii() {
        assert_eq!(
            OrderId::new("").unwrap_err().to_string(),
            "invalid order_id: must not be empty"
        );
        assert_eq!(
            OrderId::new("x".repeat(65)).unwrap_err().to_string(),
            "invalid order_id: is 65 characters long; at most 64 allowed"
        );
        let err = TransactionId::new("caf\u{e9}").unwrap_err().to_string();
        assert!(err.contains("U+00E9"), "{err}");
        assert!(err.starts_with("invalid transaction_id"), "{err}");
        // Full-width solidus looks like '/' but is not ASCII.
        assert!(RefundReference::new("a\u{ff0f}b").is_err());
    }

    #[test]
    fn providers_tighten_the_rules() {
        let id = OrderId::new("order.1").unwrap();
        let finpay = IdRules::DEFAULT.max_len(30).no_dot();
        let err = id.check(&finpay).unwrap_err().to_string();
        assert!(err.contains("'.'"), "{err}");
        let long = OrderId::new("a".repeat(31)).unwrap();
        assert!(long.check(&finpay).is_err());
        assert!(OrderId::new("a-b_c").unwrap().check(&finpay).is_ok());
    }

    #[test]
    fn serde_validates() {
        let id: OrderId = serde_json::from_str("\"A-1\"").unwrap();
        assert_eq!(id.as_str(), "A-1");
        assert!(serde_json::from_str::<OrderId>("\"a/b\"").is_err());
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"A-1\"");
    }
}
