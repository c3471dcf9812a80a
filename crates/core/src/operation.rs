//! What a request or an error is about: the operation, and whether it reads or writes.

use std::fmt;

/// Whether an operation only reads provider state or may change it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Effect {
    /// Reading state: safe to repeat.
    Read,
    /// Changing state (money may move): never repeated once it may have reached the provider.
    Write,
}

/// The operation a request or an error belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// Create a payment / checkout session.
    CreatePayment,
    /// Read a payment's status.
    PaymentStatus,
    /// Refund (full or partial).
    Refund,
    /// Read a refund's status.
    RefundStatus,
    /// Void an authorization or an unsettled payment.
    Void,
    /// Cancel an unpaid order.
    Cancel,
    /// Capture (complete) a pre-authorization.
    Capture,
    /// Verify and parse a webhook / callback (local, nothing is sent).
    Webhook,
    /// List the payments of a period.
    ListPayments,
    /// A provider-native operation the unified trait has no word for.
    Native {
        /// The provider's name for it, e.g. `"transaction-list-2"`.
        name: &'static str,
        /// Whether it reads or writes.
        effect: Effect,
    },
}

impl Operation {
    /// A short stable name (`"refund"`, `"payment-status"`, or the native name).
    pub fn name(&self) -> &'static str {
        match self {
            Operation::CreatePayment => "create-payment",
            Operation::PaymentStatus => "payment-status",
            Operation::Refund => "refund",
            Operation::RefundStatus => "refund-status",
            Operation::Void => "void",
            Operation::Cancel => "cancel",
            Operation::Capture => "capture",
            Operation::Webhook => "webhook",
            Operation::ListPayments => "list-payments",
            Operation::Native { name, .. } => name,
        }
    }

    /// Whether the operation reads or writes provider state.
    pub fn effect(&self) -> Effect {
        match self {
            Operation::PaymentStatus
            | Operation::RefundStatus
            | Operation::Webhook
            | Operation::ListPayments => Effect::Read,
            Operation::CreatePayment
            | Operation::Refund
            | Operation::Void
            | Operation::Cancel
            | Operation::Capture => Effect::Write,
            Operation::Native { effect, .. } => *effect,
        }
    }

    /// True for operations that may move money or change state.
    pub fn is_write(&self) -> bool {
        self.effect() == Effect::Write
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
