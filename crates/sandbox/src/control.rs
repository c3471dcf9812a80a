//! The simulator's router: each provider's routes behind the fault layer, and the control
//! routes (pay, expire, requests, faults, seed, the hosted checkout page).

use super::*;
use crate::hosted;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let providers = Provider::ALL
        .into_iter()
        .fold(Router::new(), |router, provider| {
            let simulated = provider.simulated();
            let routes = simulated
                .routes()
                .route_layer(axum::middleware::from_fn_with_state(
                    shared.clone(),
                    move |State(shared): State<Arc<Shared>>, request, next| {
                        crate::strictness::guard(provider, shared, request, next)
                    },
                ))
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::strictness::BODY_LIMIT,
                ));
            router.nest(simulated.mount_path(), routes)
        })
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            faults::apply,
        ));
    let control = Router::new()
        .route("/_sandbox/pay/{provider}/{id}", post(control_pay))
        .route("/_sandbox/expire/{provider}/{id}", post(control_expire))
        .route(
            "/_sandbox/requests",
            get(control_requests).delete(control_forget_requests),
        )
        .route("/_sandbox/seed", post(control_seed))
        .route("/_sandbox/open-account", post(control_open_account))
        .route("/_sandbox/deliveries", get(control_deliveries))
        .route("/_sandbox/redeliver/{index}", post(control_redeliver))
        .route("/_sandbox/faults", post(control_arm).delete(control_clear))
        .route("/_sandbox/checkout/{provider}/{id}", get(hosted::page))
        .route(
            "/_sandbox/checkout/{provider}/{id}/{action}",
            post(hosted::act),
        )
        .route("/_sandbox/link/{provider}/{slug}", get(hosted::link_page))
        .route(
            "/_sandbox/link/{provider}/{slug}/pay",
            post(hosted::link_pay),
        )
        .route(
            "/_sandbox/token-link/{provider}/{request_id}",
            get(crate::tokens::page),
        )
        .route(
            "/_sandbox/token-link/{provider}/{request_id}/approve",
            post(crate::tokens::approve),
        );
    providers.merge(control).with_state(shared)
}

pub(crate) fn provider_of(name: &str) -> Result<Provider, Response> {
    Provider::from_name(name)
        .ok_or_else(|| (StatusCode::NOT_FOUND, "unknown provider").into_response())
}

pub(crate) fn refusal(refusal: Refusal) -> Response {
    let (status, text) = match refusal {
        Refusal::NotFound => (StatusCode::NOT_FOUND, "no such order"),
        Refusal::InvalidState => (StatusCode::CONFLICT, "the order is not pending"),
        Refusal::Duplicate | Refusal::TooMuch | Refusal::BadAmount => {
            (StatusCode::BAD_REQUEST, "refused")
        }
    };
    (status, text).into_response()
}

async fn control_pay(
    State(shared): State<Arc<Shared>>,
    Path((provider, id)): Path<(String, String)>,
) -> Response {
    let provider = match provider_of(&provider) {
        Ok(p) => p,
        Err(r) => return r,
    };
    match shared.pay(provider, &id) {
        Ok(webhook) => axum::Json(webhook).into_response(),
        Err(r) => refusal(r),
    }
}

async fn control_expire(
    State(shared): State<Arc<Shared>>,
    Path((provider, id)): Path<(String, String)>,
) -> Response {
    let provider = match provider_of(&provider) {
        Ok(p) => p,
        Err(r) => return r,
    };
    match shared.ledger().expire(provider, &id, shared.now()) {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(r) => refusal(r),
    }
}

async fn control_requests(State(shared): State<Arc<Shared>>) -> Response {
    let (received, dropped) = {
        let log = shared.requests();
        (log.entries(), log.dropped())
    };
    (
        [("x-paygate-sandbox-dropped", dropped.to_string())],
        axum::Json(received),
    )
        .into_response()
}

async fn control_redeliver(
    State(shared): State<Arc<Shared>>,
    Path(index): Path<usize>,
) -> Response {
    match crate::delivery::redeliver(&shared, index) {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(e @ crate::delivery::RedeliveryError::NoSuchDelivery(_)) => {
            (StatusCode::NOT_FOUND, e.to_string()).into_response()
        }
        Err(e) => (StatusCode::CONFLICT, e.to_string()).into_response(),
    }
}

async fn control_deliveries(State(shared): State<Arc<Shared>>) -> Response {
    let deliveries = shared
        .deliveries
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    axum::Json(deliveries).into_response()
}

async fn control_forget_requests(State(shared): State<Arc<Shared>>) -> Response {
    shared.forget_received();
    StatusCode::NO_CONTENT.into_response()
}

async fn control_seed(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let seed = match serde_json::from_slice::<Seed>(&body) {
        Ok(seed) => seed,
        Err(e) => return (StatusCode::BAD_REQUEST, format!("bad seed: {e}")).into_response(),
    };
    match shared.seed(&seed) {
        Ok(count) => axum::Json(serde_json::json!({ "created": count })).into_response(),
        Err(e @ SeedError::Duplicate(_)) => (StatusCode::CONFLICT, e.to_string()).into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    }
}

async fn control_arm(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    match serde_json::from_slice::<FaultSpec>(&body) {
        Ok(spec) => {
            shared
                .faults
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(spec);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, format!("bad fault: {e}")).into_response(),
    }
}

async fn control_clear(State(shared): State<Arc<Shared>>) -> Response {
    shared
        .faults
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clear();
    StatusCode::NO_CONTENT.into_response()
}

async fn control_open_account(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    match serde_json::from_slice::<crate::SimOpenAccount>(&body) {
        Ok(account) => match shared.open_accounts().open(account) {
            Ok(()) => StatusCode::CREATED.into_response(),
            Err(r) => refusal(r),
        },
        Err(e) => (StatusCode::BAD_REQUEST, format!("bad account: {e}")).into_response(),
    }
}
