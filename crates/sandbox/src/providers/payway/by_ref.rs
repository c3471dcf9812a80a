//! `get-transactions-by-mc-ref`: the last 50 orders under a merchant reference, newest first,
//! each as the list shows it plus its `merchant_ref`.

use super::handlers::transaction;
use super::verify::verify;
use super::*;

/// The most transactions the lookup answers (PayWay's page: "only the last 50").
const LAST: usize = 50;

pub(super) async fn by_ref(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = match verify(&shared, BY_REF, &headers, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let reference = fields.get("merchant_ref").cloned().unwrap_or_default();
    if reference.is_empty() || reference.len() > 20 {
        return error(StatusCode::BAD_REQUEST, "04", "The given data was invalid.");
    }
    let mut orders: Vec<SimOrder> = shared
        .ledger()
        .orders_of(Provider::Payway)
        .filter(|o| o.merchant_ref == reference && o.stage != Stage::Pending)
        .cloned()
        .collect();
    orders.sort_by_key(|o| std::cmp::Reverse(o.updated_at));
    let rows = orders
        .iter()
        .take(LAST)
        .map(|order| match transaction(order, true) {
            J::O(mut members) => {
                members.push(("merchant_ref", J::s(&order.merchant_ref)));
                J::O(members)
            }
            other => other,
        })
        .collect();
    J::O(vec![
        (
            "status",
            J::O(vec![
                ("code", J::s("00")),
                ("message", J::s("Success!")),
                ("merchant_ref", J::s(&reference)),
            ]),
        ),
        ("data", J::A(rows)),
    ])
    .respond(StatusCode::OK)
}
