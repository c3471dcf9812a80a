//! The layer that applies the table: in front of every provider route, after routing (so the
//! route's template names the endpoint) and before the handler.

use std::sync::Arc;

use axum::RequestPartsExt as _;
use axum::body::Body;
use axum::extract::{MatchedPath, RawPathParams, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::first_broken;
use crate::{Provider, Shared};

/// The largest body the simulator reads (a payment-link image over PayWay's 3 MB must still
/// reach the table, to be refused as PayWay refuses it).
pub(crate) const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// Refuses an authenticated request that breaks a row of the table, as the provider
/// documents; passes the rest on unchanged. A request whose credentials or signature fail,
/// or whose body the provider module cannot read, passes on too: its handler refuses it as
/// the provider does.
pub(crate) async fn guard(
    provider: Provider,
    shared: Arc<Shared>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let simulated = provider.simulated();
    let template = parts
        .extensions
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_default();
    let endpoint = template
        .strip_prefix(simulated.mount_path())
        .unwrap_or(&template)
        .to_owned();
    let params = parts.extract::<RawPathParams>().await.ok();
    if let Some(mut fields) = simulated.strict_fields(&shared, &endpoint, &parts.headers, &bytes) {
        if let (Some(params), Value::Object(map)) = (params, &mut fields) {
            for (name, value) in &params {
                map.insert(format!("{{{name}}}"), Value::String(value.to_owned()));
            }
        }
        if let Some(rule) = first_broken(provider, &endpoint, &fields) {
            return simulated.strict_refusal(rule);
        }
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
