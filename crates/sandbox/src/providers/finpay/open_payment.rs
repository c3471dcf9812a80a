//! Open payments: register and update (the body the client infers: `customer` and
//! `sourceOfFunds {type, paymentCode}`, the shape of the check answer), check and delete.
//! `Sandbox::open_account` opens one directly.

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
        Ok(account) => account_answer(&account),
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

/// The account a register or update body describes, or the `4000001` refusal naming the
/// field.
fn account_of(body: &[u8]) -> Result<SimOpenAccount, Response> {
    let invalid = |field: &str| {
        answer(
            StatusCode::BAD_REQUEST,
            "4000001",
            &format!("Invalid Field Format {field}"),
        )
    };
    let request: Value = serde_json::from_slice(body)
        .map_err(|_| answer(StatusCode::BAD_REQUEST, "4000000", "Bad Request"))?;
    let text = |pointer: &str| {
        request
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let channel = text("/sourceOfFunds/type");
    let bank = channel.strip_prefix("va").unwrap_or("");
    if bank.len() < 2 || !bank.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err(invalid("sourceOfFunds.type"));
    }
    let payment_code = text("/sourceOfFunds/paymentCode");
    if payment_code.is_empty()
        || payment_code.len() > 30
        || !payment_code.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(invalid("sourceOfFunds.paymentCode"));
    }
    let customer_id = text("/customer/id");
    if customer_id.trim().is_empty() {
        return Err(answer(
            StatusCode::BAD_REQUEST,
            "4000002",
            "Invalid Mandatory Field customer.id",
        ));
    }
    let mobile_phone = text("/customer/mobilePhone");
    if !mobile_phone.is_empty() && !mobile_phone.starts_with('+') {
        return Err(invalid("customer.mobilePhone"));
    }
    let mut account = SimOpenAccount::new(Provider::Finpay, channel, payment_code);
    account.customer_id = customer_id;
    account.email = text("/customer/email");
    account.first_name = text("/customer/firstName");
    account.last_name = text("/customer/lastName");
    account.mobile_phone = mobile_phone;
    Ok(account)
}

/// A register or update request: authorised, then its account read.
fn authorized_account(
    shared: &Shared,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<SimOpenAccount, Response> {
    if !authorized(shared, headers) {
        return Err(unauthorized());
    }
    account_of(body)
}

/// The account as check, register and update answer it.
fn account_answer(account: &SimOpenAccount) -> Response {
    J::O(vec![
        ("responseCode", J::s("2000000")),
        ("responseMessage", J::s("Success")),
        ("data", account_json(account)),
        ("processingTime", J::N("0.01".into())),
    ])
    .respond(StatusCode::OK)
}

/// Opens the account (`4090001` when its number is taken on its channel).
pub(super) async fn open_payment_register(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let account = match authorized_account(&shared, &headers, &body) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let opened = shared.open_accounts().open(account.clone());
    match opened {
        Ok(()) => account_answer(&account),
        Err(r) => refused(r),
    }
}

/// Replaces the customer of an open account (`4041011` when there is none).
pub(super) async fn open_payment_update(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let account = match authorized_account(&shared, &headers, &body) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let mut accounts = shared.open_accounts();
    let replaced = accounts
        .delete(Provider::Finpay, &account.channel, &account.payment_code)
        .and_then(|_| accounts.open(account.clone()));
    drop(accounts);
    match replaced {
        Ok(()) => account_answer(&account),
        Err(r) => refused(r),
    }
}
