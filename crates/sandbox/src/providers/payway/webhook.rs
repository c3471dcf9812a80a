//! The pushback PayWay sends when a payment is made.

use super::handlers::payment_status;
use super::verify::hmac_b64;
use super::*;

/// The pushback of a payment made through a payment link: no signature anywhere, `status` the
/// number 0, the link's `merchant_ref_no` (captured live).
fn link_pushback(order: &SimOrder) -> SimulatedWebhook {
    let body = J::O(vec![
        ("tran_id", J::s(&order.id)),
        ("status", J::int(0)),
        ("merchant_ref_no", J::s(&order.merchant_ref)),
    ])
    .text();
    SimulatedWebhook {
        body,
        headers: vec![
            (
                "content-type".into(),
                "application/json; charset=utf-8".into(),
            ),
            ("user-agent".into(), "PayWayApp/3.0".into()),
        ],
    }
}

/// The pushback, signed in the newer `X-PAYWAY-HMAC-SHA512` header: base64 HMAC-SHA512 of
/// the values in ascending key order. It carries `payment_status_code` and `payment_status`
/// as PayWay's KHQR webhook does, so that a hold reads as PRE-AUTH, not as a payment.
pub(super) fn webhook(shared: &Shared, order: &SimOrder) -> SimulatedWebhook {
    if order.link_id.is_some() {
        return link_pushback(order);
    }
    let apv = format!("{:06}", order.transaction_id % 1_000_000);
    let (code, word) = payment_status(order);
    let code_text = code.to_string();
    // ksort order: apv, payment_status, payment_status_code, return_params, status, tran_id.
    let sorted = [
        apv.as_str(),
        word,
        code_text.as_str(),
        "",
        "0",
        order.id.as_str(),
    ];
    let signature = hmac_b64(&shared.credentials.payway.api_key, &sorted.concat());
    let body = J::O(vec![
        ("tran_id", J::s(&order.id)),
        ("apv", J::s(&apv)),
        ("status", J::s("0")),
        ("return_params", J::s("")),
        ("payment_status_code", J::int(code)),
        ("payment_status", J::s(word)),
    ])
    .text();
    SimulatedWebhook {
        body,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("x-payway-hmac-sha512".into(), signature),
        ],
    }
}
