//! Answers of native-only endpoints: no unified operation reaches them, so no recorded fixture
//! does either. Input: [which, status, body…]: the body answers the `which`th parser with the
//! `status`th HTTP status. Property: a result or a typed error, never a panic; a parsed QR
//! carries its payload, a created payment link its id and URL, a started account link a QR or
//! deep link, a taken token payment the `tran_id` asked for.

#![no_main]

use libfuzzer_sys::fuzz_target;
use paygate::finpay::ops::open_payment::{
    OpenPaymentWriteCall, parse_open_payment, parse_open_payment_delete,
};
use paygate::payway::ops::generate_qr::parse_generate_qr;
use paygate::payway::ops::payment_link::{parse_create, parse_detail, parse_void};
use paygate::payway::ops::token_link::parse_account_link;
use paygate::payway::ops::token_management::{TokenDetailsCall, TokenRemoveCall, TokenRenewCall};
use paygate::payway::ops::token_payment::parse_token_payment;
use paygate::payway::ops::transactions_by_ref::parse_transactions_by_ref;
use paygate::payway::{ConsumerTokenId, LinkRequestId, PaymentToken};
use paygate::transport::{Call, HttpResponse};

const STATUSES: &[u16] = &[200, 400, 403, 404, 429, 500, 502];

/// An echo names `expected` or nothing, as core's echo check reads it: surrounding blanks
/// ignored, blank as absent.
fn names_only(echoed: Option<&str>, expected: &str) -> bool {
    echoed
        .map(str::trim)
        .is_none_or(|e| e.is_empty() || e == expected)
}

/// PayWay's generate-qr: a success carries the QR's payload.
fn payway_generate_qr(response: &HttpResponse) {
    if let Ok(qr) = parse_generate_qr(response) {
        assert!(qr.body.qr_string.is_some_and(|q| !q.is_empty()));
    }
}

/// PayWay's payment-link/create: a success carries the link's id and URL.
fn payway_payment_link_create(response: &HttpResponse) {
    if let Ok(link) = parse_create(response) {
        let data = link
            .body
            .data
            .unwrap_or_else(|| panic!("a created link without data"));
        assert!(data.id.is_some_and(|id| !id.is_empty()));
        assert!(data.payment_link.is_some_and(|url| !url.is_empty()));
    }
}

/// PayWay's payment-link/detail.
fn payway_payment_link_detail(response: &HttpResponse) {
    let _ = parse_detail(response);
}

/// PayWay's payment-link/void.
fn payway_payment_link_void(response: &HttpResponse) {
    let _ = parse_void(response);
}

/// PayWay's get-transactions-by-mc-ref: every row read is under the reference asked for.
fn payway_transactions_by_ref(response: &HttpResponse) {
    let Ok(reference) = paygate::payway::MerchantRef::new("INV-42") else {
        return;
    };
    if let Ok(list) = parse_transactions_by_ref(response, &reference) {
        for row in list.body.data {
            assert!(names_only(row.merchant_ref.as_deref(), "INV-42"));
        }
    }
}

/// PayWay's link-account: a success carries a QR or a deep link to approve.
fn payway_account_link(response: &HttpResponse) {
    if let Ok(link) = parse_account_link(response) {
        let data = link
            .body
            .data
            .unwrap_or_else(|| panic!("a started link without data"));
        let qr = data.qr_string.is_some_and(|q| !q.is_empty());
        let deeplink = data.deeplink.is_some_and(|l| !l.is_empty());
        assert!(qr || deeplink);
    }
}

/// PayWay's payment with a saved token: a success is about the payment asked for.
fn payway_token_payment(response: &HttpResponse) {
    let Ok(tran_id) = paygate::OrderId::new("SUB-0001") else {
        return;
    };
    if let Ok(taken) = parse_token_payment(response, &tran_id) {
        assert!(names_only(taken.body.status.tran_id.as_deref(), "SUB-0001"));
    }
}

/// PayWay's token management: get-token-details, renew and remove.
fn payway_token_management(response: &HttpResponse) {
    let (Ok(ctid), Ok(pwt), Ok(request_id)) = (
        ConsumerTokenId::new("cust-0001"),
        PaymentToken::new("pwt-test-0001"),
        LinkRequestId::new("link-0001"),
    ) else {
        return;
    };
    let request_id = &request_id;
    let _ = TokenDetailsCall { request_id }.read_response(response);
    let _ = TokenRenewCall {
        ctid: &ctid,
        pwt: &pwt,
        request_id,
    }
    .read_response(response);
    let _ = TokenRemoveCall {
        ctid: &ctid,
        pwt: &pwt,
    }
    .read_response(response);
}

/// Finpay's open-payment check and delete, and register and update: a registration read as
/// a success names the account asked for (or none).
fn finpay_open_payment(response: &HttpResponse) {
    let _ = parse_open_payment(response);
    let _ = parse_open_payment_delete(response);
    let (Ok(channel), Ok(code)) = (
        paygate::finpay::VirtualAccountChannel::new("vabca"),
        paygate::finpay::PaymentCode::new("8804483313131312"),
    ) else {
        return;
    };
    let account = paygate::finpay::OpenPaymentAccount::new(
        channel,
        code,
        paygate::finpay::wire::Customer::default(),
    );
    for update in [false, true] {
        let call = OpenPaymentWriteCall {
            account: &account,
            update,
        };
        if let Ok(answer) = call.read_response(response) {
            let named = answer
                .body
                .data
                .and_then(|d| d.source_of_funds)
                .and_then(|s| s.payment_code);
            assert!(names_only(named.as_deref(), "8804483313131312"));
        }
    }
}

/// One entry per native-only parser.
const PARSERS: &[fn(&HttpResponse)] = &[
    payway_generate_qr,
    payway_payment_link_create,
    payway_payment_link_detail,
    payway_payment_link_void,
    payway_transactions_by_ref,
    payway_account_link,
    payway_token_payment,
    payway_token_management,
    finpay_open_payment,
];

fuzz_target!(|data: &[u8]| {
    let [which, status, body @ ..] = data else {
        return;
    };
    let status = STATUSES[usize::from(*status) % STATUSES.len()];
    let response = HttpResponse::json(status, body.to_vec());
    PARSERS[usize::from(*which) % PARSERS.len()](&response);
});
