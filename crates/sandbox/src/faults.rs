//! Faults injected on request, in front of every provider route.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::Provider;
use crate::Shared;

/// What goes wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Fault {
    /// Wait this long, then answer normally.
    Delay {
        /// Milliseconds.
        millis: u64,
    },
    /// Do the operation, then send the answer's headers at once and its body after this long.
    SlowBody {
        /// Milliseconds before the body.
        millis: u64,
    },
    /// Answer this HTTP status with a plain-text body; nothing is done.
    Status {
        /// The status, e.g. 500, 502, 503, 504.
        status: u16,
    },
    /// Answer this status with a proxy's HTML error page; nothing is done.
    Html {
        /// The status, e.g. 502.
        status: u16,
    },
    /// Do the operation, then send only the first half of the JSON answer.
    TruncatedJson,
    /// Break the connection without reading the request body (nothing is done; the request is
    /// recorded, since its head arrived).
    ResetBeforeRead,
    /// Read and record the request, do nothing, then break the connection.
    ResetAfterRead,
    /// Do the operation, then break the connection before the answer: the answer is lost.
    ResetAfterApply,
    /// Do the operation, then answer with a code the provider does not document, as a provider
    /// that changed its codes would (PayWay: HTTP 200 `{"status":{"code":"0","message":
    /// "Success!"}}`; Finpay: `2020000` "Request In Progress"; PayG: an error object naming no
    /// field in an HTTP 200).
    UnrecognisedCode,
    /// Do the operation, then answer as if about another order: the ids the provider echoes
    /// (PayWay `status.tran_id`, and `currency` swapped between USD and KHR; Finpay
    /// `data.order.id`; PayG `OrderKeyId` and `UniqueRequestId`) say `order_id`. Finpay's write
    /// answers echo nothing, so they pass unchanged.
    OtherOrder {
        /// The id the answer names instead.
        order_id: String,
    },
    /// Refuse as the provider does when rate limited (PayWay: HTTP 403 with code 429).
    RateLimit {
        /// `Retry-After` seconds, if any.
        retry_after: Option<u64>,
    },
    /// HTTP 200 with an empty body.
    EmptyBody,
    /// Do the operation, then answer with its body labelled `text/html`.
    WrongContentType,
    /// HTTP 200 with JSON of another shape.
    WrongShape,
    /// HTTP 200 with a body of this many bytes.
    Oversize {
        /// Bytes.
        bytes: usize,
    },
}

impl Fault {
    /// The fault's kind, as in its JSON form (`reset_before_read`, …).
    pub fn name(&self) -> &'static str {
        match self {
            Fault::Delay { .. } => "delay",
            Fault::SlowBody { .. } => "slow_body",
            Fault::Status { .. } => "status",
            Fault::Html { .. } => "html",
            Fault::TruncatedJson => "truncated_json",
            Fault::ResetBeforeRead => "reset_before_read",
            Fault::ResetAfterRead => "reset_after_read",
            Fault::ResetAfterApply => "reset_after_apply",
            Fault::UnrecognisedCode => "unrecognised_code",
            Fault::OtherOrder { .. } => "other_order",
            Fault::RateLimit { .. } => "rate_limit",
            Fault::EmptyBody => "empty_body",
            Fault::WrongContentType => "wrong_content_type",
            Fault::WrongShape => "wrong_shape",
            Fault::Oversize { .. } => "oversize",
        }
    }
}

/// A fault armed for some requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultSpec {
    /// Only this provider's requests (all if absent).
    #[serde(default)]
    pub provider: Option<Provider>,
    /// Only paths containing this (all if absent).
    #[serde(default)]
    pub path: Option<String>,
    /// The fault.
    pub fault: Fault,
    /// For how many requests.
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}

impl FaultSpec {
    /// `fault` for the next `times` requests to `provider`.
    pub fn new(provider: Provider, fault: Fault, times: u32) -> FaultSpec {
        FaultSpec {
            provider: Some(provider),
            path: None,
            fault,
            times,
        }
    }

    /// Only for paths containing `path`.
    pub fn on_path(mut self, path: impl Into<String>) -> FaultSpec {
        self.path = Some(path.into());
        self
    }

    pub(crate) fn matches(&self, provider: Provider, path: &str) -> bool {
        self.times > 0
            && self.provider.is_none_or(|p| p == provider)
            && self.path.as_deref().is_none_or(|p| path.contains(p))
    }
}

/// A body that fails at once: the server drops the connection mid-answer.
struct BrokenBody;

impl http_body::Body for BrokenBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "sandbox: injected connection reset",
        ))))
    }
}

/// A body that waits before its only frame.
struct SlowBody {
    bytes: Option<Bytes>,
    delay: Pin<Box<tokio::time::Sleep>>,
}

impl SlowBody {
    fn new(bytes: Bytes, delay: Duration) -> SlowBody {
        SlowBody {
            bytes: Some(bytes),
            delay: Box::pin(tokio::time::sleep(delay)),
        }
    }
}

impl http_body::Body for SlowBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        match self.delay.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => {
                Poll::Ready(self.bytes.take().map(|b| Ok(http_body::Frame::data(b))))
            }
        }
    }
}

fn broken_connection() -> Response {
    Response::new(Body::new(BrokenBody))
}

fn rate_limited(provider: Provider, retry_after: Option<u64>) -> Response {
    let (status, body) = provider.simulated().rate_limited();
    let mut response = (status, axum::Json(body)).into_response();
    if let Some(seconds) = retry_after
        && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// `response` rewritten to name `order_id` where the provider echoes an order.
async fn about_another_order(provider: Provider, response: Response, order_id: &str) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 16 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    provider
        .simulated()
        .about_another_order(&mut value, order_id);
    let bytes = serde_json::to_vec(&value).unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes))
}

/// The middleware: records every provider request and applies an armed fault, if any.
pub(crate) async fn apply(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let Some((provider, below)) = Provider::of_path(&path) else {
        return next.run(request).await;
    };
    let local_path = if below.is_empty() { "/" } else { below }.to_owned();
    let fault = shared.take_fault(provider, &local_path);
    let seq = shared.record(
        provider,
        request.method().to_string(),
        local_path,
        fault.as_ref().map(|f| f.name().to_owned()),
    );
    let response = with_fault(request, next, provider, fault).await;
    shared.answered(seq);
    response
}

/// Applies `fault` (if any) to one request.
async fn with_fault(
    request: Request,
    next: Next,
    provider: Provider,
    fault: Option<Fault>,
) -> Response {
    let Some(fault) = fault else {
        return next.run(request).await;
    };
    match fault {
        Fault::Delay { millis } => {
            tokio::time::sleep(Duration::from_millis(millis)).await;
            next.run(request).await
        }
        Fault::Status { status } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (
                status,
                status.canonical_reason().unwrap_or("error").to_owned(),
            )
                .into_response()
        }
        Fault::Html { status } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
            let reason = status.canonical_reason().unwrap_or("Error");
            let page = format!(
                "<html>\r\n<head><title>{} {reason}</title></head>\r\n<body>\r\n<center><h1>{} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
                status.as_u16(),
                status.as_u16()
            );
            (status, [(header::CONTENT_TYPE, "text/html")], page).into_response()
        }
        Fault::TruncatedJson => {
            let response = next.run(request).await;
            let (parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, 16 * 1024 * 1024)
                .await
                .unwrap_or_default();
            let half = bytes.slice(..bytes.len() / 2);
            let mut response = Response::from_parts(parts, Body::from(half));
            response.headers_mut().remove(header::CONTENT_LENGTH);
            response
        }
        Fault::ResetBeforeRead => broken_connection(),
        Fault::ResetAfterRead => {
            let _ = axum::body::to_bytes(request.into_body(), 16 * 1024 * 1024).await;
            broken_connection()
        }
        Fault::ResetAfterApply => {
            let response = next.run(request).await;
            let _ = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024).await;
            broken_connection()
        }
        Fault::UnrecognisedCode => {
            let _applied = next.run(request).await;
            axum::Json(provider.simulated().unrecognised_code()).into_response()
        }
        Fault::OtherOrder { order_id } => {
            let response = next.run(request).await;
            about_another_order(provider, response, &order_id).await
        }
        Fault::RateLimit { retry_after } => rate_limited(provider, retry_after),
        Fault::EmptyBody => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "",
        )
            .into_response(),
        Fault::WrongContentType => {
            let mut response = next.run(request).await;
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
            response
        }
        Fault::SlowBody { millis } => {
            let response = next.run(request).await;
            let (mut parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, 16 * 1024 * 1024)
                .await
                .unwrap_or_default();
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(
                parts,
                Body::new(SlowBody::new(bytes, Duration::from_millis(millis))),
            )
        }
        Fault::WrongShape => {
            axum::Json(serde_json::json!({"ok": true, "items": [1, 2, 3]})).into_response()
        }
        Fault::Oversize { bytes } => {
            let body = format!(
                "{{\"padding\":\"{}\"}}",
                "x".repeat(bytes.saturating_sub(14))
            );
            ([(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
    }
}
