//! Requests and results of the unified [`crate::PaymentGateway`] operations.

mod checkout;
mod payment;
mod raw;
mod writes;

pub use checkout::{CaptureMode, Checkout, CreatePayment, Customer, LineItem, NextAction};
pub use payment::Payment;
pub use raw::{NativeResponse, RawResponse, check_echo, received_money};
pub use writes::{
    CancelRequest, CaptureRequest, Refund, RefundRequest, RefundStatusRequest, VoidRequest,
};
