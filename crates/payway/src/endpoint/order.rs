//! The hashed fields of each endpoint, in hash order.

/// `check-transaction-2`. The docs' text says `merchant_id, tran_id`; the official PHP
/// sample and every working client hash `req_time` first, which we follow.
pub const CHECK_TRANSACTION: &[&str] = &["req_time", "merchant_id", "tran_id"];
/// `transaction-detail`.
pub const TRANSACTION_DETAIL: &[&str] = &["req_time", "merchant_id", "tran_id"];
/// `close-transaction`.
pub const CLOSE_TRANSACTION: &[&str] = &["req_time", "merchant_id", "tran_id"];
/// `transaction-list-2`: all nine values, plain concatenation (the official sample's
/// `$to_date + $from_amount` is a typo the server rejects).
pub const TRANSACTION_LIST: &[&str] = &[
    "req_time",
    "merchant_id",
    "from_date",
    "to_date",
    "from_amount",
    "to_amount",
    "status",
    "page",
    "pagination",
];
/// `exchange-rate`.
pub const EXCHANGE_RATE: &[&str] = &["req_time", "merchant_id"];
/// `online-transaction/refund`.
pub const REFUND: &[&str] = &["request_time", "merchant_id", "merchant_auth"];
/// `online-transaction/pre-auth-completion`: `merchant_auth` first (official pages and
/// a live probe; several SDKs get this wrong).
pub const PRE_AUTH_COMPLETION: &[&str] = &["merchant_auth", "request_time", "merchant_id"];
/// `online-transaction/pre-auth-cancellation`: a different order again.
pub const PRE_AUTH_CANCELLATION: &[&str] = &["merchant_id", "merchant_auth", "request_time"];
/// `generate-qr` (the QR API): 19 fields, `qr_image_template` last (PayWay's QR API page).
pub const GENERATE_QR: &[&str] = &[
    "req_time",
    "merchant_id",
    "tran_id",
    "amount",
    "items",
    "first_name",
    "last_name",
    "email",
    "phone",
    "purchase_type",
    "payment_option",
    "callback_url",
    "return_deeplink",
    "currency",
    "custom_fields",
    "return_params",
    "payout",
    "lifetime",
    "qr_image_template",
];
/// `payment-link/create`, `/detail` and `/void` (the last undocumented, probed live):
/// the merchant-portal trio.
pub const PAYMENT_LINK: &[&str] = &["request_time", "merchant_id", "merchant_auth"];
/// `get-transactions-by-mc-ref` (PayWay's "Get transactions" page).
pub const TRANSACTIONS_BY_REF: &[&str] = &["req_time", "merchant_id", "merchant_ref"];
/// `purchase`: the 24 fields of PayWay's page (`view_type` and `payment_gate` are sent but
/// not hashed) and the three of a purchase that saves the payer's credentials, `ctid` signed
/// right after `items` and `token_flag`, `frequency` last. PayWay's page omits `ctid`; an
/// independent SDK found live that the server signs it there. Empty, the three add nothing:
/// a plain purchase's hash is the 24 fields'.
pub const PURCHASE: &[&str] = &[
    "req_time",
    "merchant_id",
    "tran_id",
    "amount",
    "items",
    "ctid",
    "shipping",
    "firstname",
    "lastname",
    "email",
    "phone",
    "type",
    "payment_option",
    "return_url",
    "cancel_url",
    "continue_success_url",
    "return_deeplink",
    "currency",
    "custom_fields",
    "return_params",
    "payout",
    "lifetime",
    "additional_params",
    "google_pay_token",
    "skip_success_page",
    "token_flag",
    "frequency",
];
/// `aof/link-account` (credentials on file; each v3 order below was accepted by PayWay's
/// sandbox, where the older orders of independent SDKs are refused as a wrong hash).
pub const ACCOUNT_LINK: &[&str] = &[
    "merchant_id",
    "request_time",
    "ctid",
    "return_deeplink",
    "callback_url",
    "request_id",
    "token_flag",
    "currency",
];
/// `cof/link-card`: `frequency` and `amount` are hash positions even when not sent.
pub const CARD_LINK: &[&str] = &[
    "merchant_id",
    "request_time",
    "ctid",
    "callback_url",
    "request_id",
    "token_flag",
    "frequency",
    "amount",
    "currency",
    "continue_success_url",
];
/// `v3/purchase/payment-credential`: a payment with a saved token (no `request_id`).
pub const TOKEN_PAYMENT: &[&str] = &[
    "request_time",
    "merchant_id",
    "tran_id",
    "amount",
    "currency",
    "items",
    "ctid",
    "pwt",
    "first_name",
    "last_name",
    "email",
    "phone",
    "purchase_type",
    "callback_url",
    "custom_fields",
    "return_params",
    "payout",
    "token_flag",
    "shipping_fee",
];
/// `token-management/get-token-details`: no `ctid` or `pwt`; the link's `request_id`
/// names the token.
pub const TOKEN_DETAILS: &[&str] = &["merchant_id", "request_time", "request_id"];
/// `token-management/renew-expired-account-token`.
pub const TOKEN_RENEW: &[&str] = &["ctid", "request_time", "pwt", "merchant_id", "request_id"];
/// `token-management/remove-token` (no `request_id`).
pub const TOKEN_REMOVE: &[&str] = &["merchant_id", "ctid", "request_time", "pwt"];
