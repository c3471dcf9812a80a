//! Requests and results of the unified [`crate::PaymentGateway`] operations.

mod checkout;
mod list;
mod payment;
mod raw;
mod writes;

pub use checkout::{CaptureMode, Checkout, CreatePayment, Customer, LineItem, NextAction};
pub use list::{ListLimits, ListPaymentsRequest, PaymentPage};
pub use payment::Payment;
pub use raw::{NativeResponse, RawResponse, check_echo, received_money};
pub use writes::{
    CancelRequest, CaptureRequest, Refund, RefundRecord, RefundRequest, RefundStatusRequest,
    VoidRequest,
};
