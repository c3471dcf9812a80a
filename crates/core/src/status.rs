//! One status model for every provider. Receiving is tolerant: a code we do not know becomes
//! `Unknown(raw)`, never a decode error.

use std::fmt;

use serde::{Serialize, Serializer};

/// Where a payment stands.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PaymentStatus {
    /// Created, waiting for the customer.
    Pending,
    /// Funds held (pre-authorization), waiting for capture or void.
    Authorized,
    /// Paid in full (captured).
    Paid,
    /// Paid, and part of it refunded.
    PartiallyRefunded,
    /// Paid, and all of it refunded.
    Refunded,
    /// Authorization or payment voided before settlement.
    Voided,
    /// Cancelled before payment.
    Cancelled,
    /// Declined or failed.
    Declined,
    /// Not paid in time.
    Expired,
    /// A provider status this crate does not know, kept verbatim.
    Unknown(String),
}

impl PaymentStatus {
    /// True when the payment will not change by itself any more. `Pending`, `Authorized` and
    /// `Unknown` may still change; a `Paid` payment can still be refunded, but only by you.
    pub fn is_final(&self) -> bool {
        !matches!(
            self,
            PaymentStatus::Pending | PaymentStatus::Authorized | PaymentStatus::Unknown(_)
        )
    }

    /// True when money was taken (paid, or refunded in part or whole afterwards).
    pub fn is_paid(&self) -> bool {
        matches!(
            self,
            PaymentStatus::Paid | PaymentStatus::PartiallyRefunded | PaymentStatus::Refunded
        )
    }

    /// The status named by [`PaymentStatus::as_str`]; any other name is `Unknown(name)`.
    pub fn from_name(name: &str) -> PaymentStatus {
        match name {
            "pending" => PaymentStatus::Pending,
            "authorized" => PaymentStatus::Authorized,
            "paid" => PaymentStatus::Paid,
            "partially_refunded" => PaymentStatus::PartiallyRefunded,
            "refunded" => PaymentStatus::Refunded,
            "voided" => PaymentStatus::Voided,
            "cancelled" => PaymentStatus::Cancelled,
            "declined" => PaymentStatus::Declined,
            "expired" => PaymentStatus::Expired,
            other => PaymentStatus::Unknown(other.to_owned()),
        }
    }

    /// A stable snake_case name: `"partially_refunded"`, `"unknown"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            PaymentStatus::Pending => "pending",
            PaymentStatus::Authorized => "authorized",
            PaymentStatus::Paid => "paid",
            PaymentStatus::PartiallyRefunded => "partially_refunded",
            PaymentStatus::Refunded => "refunded",
            PaymentStatus::Voided => "voided",
            PaymentStatus::Cancelled => "cancelled",
            PaymentStatus::Declined => "declined",
            PaymentStatus::Expired => "expired",
            PaymentStatus::Unknown(_) => "unknown",
        }
    }
}

impl fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PaymentStatus::Unknown(raw) => write!(f, "unknown ({raw})"),
            other => f.write_str(other.as_str()),
        }
    }
}

impl Serialize for PaymentStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Where a refund stands.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RefundStatus {
    /// Accepted, money not yet returned.
    Pending,
    /// Money returned.
    Succeeded,
    /// Refused or failed.
    Failed,
    /// A provider status this crate does not know, kept verbatim.
    Unknown(String),
}

impl RefundStatus {
    /// True when the refund will not change any more.
    pub fn is_final(&self) -> bool {
        matches!(self, RefundStatus::Succeeded | RefundStatus::Failed)
    }

    /// The status named by [`RefundStatus::as_str`]; any other name is `Unknown(name)`.
    pub fn from_name(name: &str) -> RefundStatus {
        match name {
            "pending" => RefundStatus::Pending,
            "succeeded" => RefundStatus::Succeeded,
            "failed" => RefundStatus::Failed,
            other => RefundStatus::Unknown(other.to_owned()),
        }
    }

    /// A stable snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            RefundStatus::Pending => "pending",
            RefundStatus::Succeeded => "succeeded",
            RefundStatus::Failed => "failed",
            RefundStatus::Unknown(_) => "unknown",
        }
    }
}

impl fmt::Display for RefundStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefundStatus::Unknown(raw) => write!(f, "unknown ({raw})"),
            other => f.write_str(other.as_str()),
        }
    }
}

impl Serialize for RefundStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back() {
        for status in [
            PaymentStatus::Pending,
            PaymentStatus::Authorized,
            PaymentStatus::Paid,
            PaymentStatus::PartiallyRefunded,
            PaymentStatus::Refunded,
            PaymentStatus::Voided,
            PaymentStatus::Cancelled,
            PaymentStatus::Declined,
            PaymentStatus::Expired,
        ] {
            assert_eq!(PaymentStatus::from_name(status.as_str()), status);
        }
        for status in [
            RefundStatus::Pending,
            RefundStatus::Succeeded,
            RefundStatus::Failed,
        ] {
            assert_eq!(RefundStatus::from_name(status.as_str()), status);
        }
        assert_eq!(
            PaymentStatus::from_name("on_hold"),
            PaymentStatus::Unknown("on_hold".into())
        );
    }

    #[test]
    fn finality() {
        assert!(!PaymentStatus::Pending.is_final());
        assert!(!PaymentStatus::Authorized.is_final());
        assert!(!PaymentStatus::Unknown("X".into()).is_final());
        for s in [
            PaymentStatus::Paid,
            PaymentStatus::PartiallyRefunded,
            PaymentStatus::Refunded,
            PaymentStatus::Voided,
            PaymentStatus::Cancelled,
            PaymentStatus::Declined,
            PaymentStatus::Expired,
        ] {
            assert!(s.is_final(), "{s}");
        }
        assert!(RefundStatus::Succeeded.is_final());
        assert!(RefundStatus::Failed.is_final());
        assert!(!RefundStatus::Pending.is_final());
        assert!(!RefundStatus::Unknown("9".into()).is_final());
    }

    #[test]
    fn unknown_keeps_the_raw_code() {
        let s = PaymentStatus::Unknown("ON_HOLD".into());
        assert_eq!(s.to_string(), "unknown (ON_HOLD)");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"unknown\"");
        assert_eq!(
            serde_json::to_string(&PaymentStatus::PartiallyRefunded).unwrap(),
            "\"partially_refunded\""
        );
        assert_eq!(RefundStatus::Unknown("7".into()).to_string(), "unknown (7)");
    }

    #[test]
    fn paid_states() {
        assert!(PaymentStatus::PartiallyRefunded.is_paid());
        assert!(!PaymentStatus::Authorized.is_paid());
        assert!(!PaymentStatus::Voided.is_paid());
    }
}
