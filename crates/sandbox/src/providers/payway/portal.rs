//! The merchant-portal writes: refund, pre-auth completion and cancellation.

use super::verify::{PayoutShare, merchant_auth, verify};
use super::*;

pub(super) async fn refund(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let auth =
        match verify(&shared, REFUND, &headers, &body).and_then(|f| merchant_auth(&shared, &f)) {
            Ok(a) => a,
            Err(r) => return r,
        };
    let Some(amount) = auth.refund_amount else {
        return error(
            StatusCode::BAD_REQUEST,
            "PTL04",
            "Parameter validation required",
        );
    };
    match shared
        .ledger()
        .refund(Provider::Payway, &auth.tran_id, amount, shared.now())
    {
        Ok((order, _)) => J::O(vec![
            ("grand_total", J::num(order.captured)),
            ("total_refunded", J::num(order.refunded())),
            ("currency", J::s(&order.currency)),
            ("transaction_status", J::s("REFUNDED")),
            ("status", status("00", "Success!", None)),
        ])
        .respond(StatusCode::OK),
        Err(Refusal::TooMuch) => error(
            StatusCode::FORBIDDEN,
            "PTL37",
            "Refund amount is greater than the original amount",
        ),
        Err(Refusal::BadAmount) => {
            error(StatusCode::BAD_REQUEST, "PTL186", "Invalid amount format")
        }
        Err(_) => error(
            StatusCode::FORBIDDEN,
            "PTL36",
            "Transaction not found or is invalid",
        ),
    }
}

pub(super) async fn complete(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let auth =
        match verify(&shared, COMPLETE, &headers, &body).and_then(|f| merchant_auth(&shared, &f)) {
            Ok(a) => a,
            Err(r) => return r,
        };
    let Some(amount) = auth.complete_amount else {
        return error(
            StatusCode::BAD_REQUEST,
            "PTL04",
            "Parameter validation required",
        );
    };
    if let Some(refused) = check_payouts(auth.payout.as_deref(), amount) {
        return refused;
    }
    match shared
        .ledger()
        .capture(Provider::Payway, &auth.tran_id, amount, shared.now())
    {
        Ok(order) => J::O(vec![
            ("grand_total", J::num(order.captured)),
            ("currency", J::s(&order.currency)),
            ("transaction_status", J::s("COMPLETED")),
            ("status", status("00", "Transaction successful", None)),
        ])
        .respond(StatusCode::OK),
        Err(Refusal::NotFound) => error(
            StatusCode::FORBIDDEN,
            "PTL36",
            "Invalid transaction. Ensure that the transaction ID is correct.",
        ),
        Err(Refusal::TooMuch) => error(StatusCode::FORBIDDEN, "PTL60", "Amount is over the limit"),
        Err(_) => error(
            StatusCode::FORBIDDEN,
            "PTL59",
            "Unable to complete the pre-authorization",
        ),
    }
}

/// A completion's payouts: at most 10, each to a named account for a positive amount,
/// together at most the completed amount. PayWay documents no portal code for these; the
/// sandbox answers `PTL05` (invalid format) for a malformed list and `PTL60` (over the limit)
/// when the shares exceed the amount.
fn check_payouts(payouts: Option<&[PayoutShare]>, amount: Decimal) -> Option<Response> {
    let payouts = payouts?;
    let invalid = || error(StatusCode::BAD_REQUEST, "PTL05", "Parameter invalid format");
    if payouts.is_empty() || payouts.len() > 10 {
        return Some(invalid());
    }
    let mut sum = Decimal::ZERO;
    for share in payouts {
        match share.amt {
            Some(amt) if amt > Decimal::ZERO && !share.acc.trim().is_empty() => {
                match sum.checked_add(amt) {
                    Some(total) => sum = total,
                    None => return Some(invalid()),
                }
            }
            _ => return Some(invalid()),
        }
    }
    (sum > amount).then(|| error(StatusCode::FORBIDDEN, "PTL60", "Amount is over the limit"))
}

pub(super) async fn cancel_hold(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let auth =
        match verify(&shared, CANCEL, &headers, &body).and_then(|f| merchant_auth(&shared, &f)) {
            Ok(a) => a,
            Err(r) => return r,
        };
    let held = shared
        .ledger()
        .get(Provider::Payway, &auth.tran_id)
        .map(|o| o.stage);
    match held {
        Ok(Stage::Authorized) => {}
        Ok(_) => {
            return error(
                StatusCode::FORBIDDEN,
                "PTL170",
                "Unable to cancel pre-authorization: transaction status is invalid",
            );
        }
        Err(_) => {
            return error(
                StatusCode::FORBIDDEN,
                "PTL36",
                "Invalid transaction. Ensure that the transaction ID is correct.",
            );
        }
    }
    match shared
        .ledger()
        .void(Provider::Payway, &auth.tran_id, shared.now())
    {
        Ok(order) => J::O(vec![
            ("grand_total", J::num(order.amount)),
            ("currency", J::s(&order.currency)),
            ("transaction_status", J::s("CANCELLED")),
            ("status", status("00", "Success!", None)),
        ])
        .respond(StatusCode::OK),
        Err(_) => error(
            StatusCode::FORBIDDEN,
            "PTL59",
            "Unable to cancel the pre-authorization",
        ),
    }
}
