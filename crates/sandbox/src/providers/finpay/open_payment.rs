//! Open payments: an open virtual account's check and delete (the account itself comes from
//! `Sandbox::open_account`, standing in for the register endpoint no source documents).

use super::*;
use crate::links::SimOpenAccount;

fn account_json(account: &SimOpenAccount) -> J {
    J::O(vec![
        (
            "customer",
            J::O(vec![
                ("id", J::s(&account.customer_id)),
                ("email", J::s(&account.email)),
                ("firstName", J::s(&account.first_name)),
                ("lastName", J::s(&account.last_name)),
                ("mobilePhone", J::s(&account.mobile_phone)),
            ]),
        ),
        (
            "sourceOfFunds",
            J::O(vec![
                ("type", J::s(&account.channel)),
                ("paymentCode", J::s(&account.payment_code)),
            ]),
        ),
    ])
}

pub(super) async fn open_payment_check(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((channel, code)): Path<(String, String)>,
) -> Response {
    if !authorized(&shared, &headers) {
        return unauthorized();
    }
    let found = shared
        .open_accounts()
        .get(Provider::Finpay, &channel, &code)
        .cloned();
    match found {
        Ok(account) => J::O(vec![
            ("responseCode", J::s("2000000")),
            ("responseMessage", J::s("Success")),
            ("data", account_json(&account)),
            ("processingTime", J::N("0.01".into())),
        ])
        .respond(StatusCode::OK),
        Err(r) => refused(r),
    }
}

pub(super) async fn open_payment_delete(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((channel, code)): Path<(String, String)>,
) -> Response {
    if !authorized(&shared, &headers) {
        return unauthorized();
    }
    let deleted = shared
        .open_accounts()
        .delete(Provider::Finpay, &channel, &code);
    match deleted {
        Ok(_) => answer(StatusCode::OK, "2000000", "Success"),
        Err(r) => refused(r),
    }
}
