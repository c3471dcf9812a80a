//! Sans-IO HTTP values and the one trait that does I/O.
//!
//! Every provider operation is a pure `build_*` (→ [`HttpRequest`]) and a pure `parse_*`
//! ([`HttpResponse`] →); [`Dispatcher`] runs one through a [`Transport`] with the retry policy.

mod call;
mod coded_answer;
mod dispatch;
mod reqwest_transport;

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http::header::{CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use url::Url;

pub use call::{Call, CallContext};
#[doc(hidden)]
pub use coded_answer::{CodeTable, CodedAnswer, read_coded_answer};
pub use dispatch::{Dispatcher, RetryPolicy};
pub use reqwest_transport::{ReqwestTransport, TransportSettings, USER_AGENT};

use crate::error::{Error, ProviderErrorKind, TransportFailure, UnexpectedBody};
use crate::operation::Operation;

/// One HTTP request, fully built: nothing is added on the way out but `User-Agent`.
#[derive(Clone)]
#[non_exhaustive]
pub struct HttpRequest {
    /// Method.
    pub method: Method,
    /// Full URL.
    pub url: Url,
    /// Headers. Credentials are marked sensitive and never printed.
    pub headers: HeaderMap,
    /// Body bytes.
    pub body: Bytes,
    /// Provider name, for errors and tracing.
    pub provider: &'static str,
    /// The operation: decides whether the request may be retried.
    pub operation: Operation,
    /// The order id, for tracing.
    pub order_id: Option<String>,
    /// The path's template for telemetry (`url.template`), where the path has variable
    /// parts: the endpoint's path with them named, e.g. `/pg/payment/card/check/{order_id}`
    /// (a base URL's path prefix comes before it). `None`: the path is its own template.
    pub url_template: Option<&'static str>,
    /// A total timeout for this request, overriding the transport's.
    pub timeout: Option<Duration>,
}

impl HttpRequest {
    /// A request with no headers or body.
    pub fn new(provider: &'static str, operation: Operation, method: Method, url: Url) -> Self {
        HttpRequest {
            method,
            url,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            provider,
            operation,
            order_id: None,
            url_template: None,
            timeout: None,
        }
    }

    /// Names the path's template (see [`HttpRequest::url_template`]).
    pub fn url_template(mut self, template: &'static str) -> Self {
        self.url_template = Some(template);
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// Adds a credential header, marked sensitive so that it is never printed.
    pub fn secret_header(mut self, name: HeaderName, mut value: HeaderValue) -> Self {
        value.set_sensitive(true);
        self.headers.append(name, value);
        self
    }

    /// Sets a JSON body and `Content-Type: application/json`.
    pub fn json_body(mut self, body: impl Into<Bytes>) -> Self {
        self.headers
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        self.body = body.into();
        self
    }

    /// Sets the order id for tracing.
    pub fn order_id(mut self, order_id: impl Into<String>) -> Self {
        self.order_id = Some(order_id.into());
        self
    }

    /// Sets a per-request total timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}

/// Header values marked sensitive print as `[redacted]`; bodies print as their length.
impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url.as_str())
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body_len", &self.body.len())
            .field("provider", &self.provider)
            .field("operation", &self.operation)
            .field("order_id", &self.order_id)
            .field("url_template", &self.url_template)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Prints headers with sensitive values (and `Authorization` always) redacted.
pub struct RedactedHeaders<'a>(pub &'a HeaderMap);

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in self.0 {
            if value.is_sensitive() || name == http::header::AUTHORIZATION {
                map.entry(&name.as_str(), &"[redacted]");
            } else {
                map.entry(&name.as_str(), &value.to_str().unwrap_or("[binary]"));
            }
        }
        map.finish()
    }
}

/// One HTTP response, body fully read (up to the transport's size cap).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body bytes.
    pub body: Bytes,
}

impl HttpResponse {
    /// A response with no headers.
    pub fn new(status: u16, body: impl Into<Bytes>) -> Self {
        HttpResponse {
            status,
            headers: HeaderMap::new(),
            body: body.into(),
        }
    }

    /// A response with `Content-Type: application/json`.
    pub fn json(status: u16, body: impl Into<Bytes>) -> Self {
        let mut response = HttpResponse::new(status, body);
        response
            .headers
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }

    /// `Content-Type`, if present and text.
    pub fn content_type(&self) -> Option<&str> {
        self.headers.get(CONTENT_TYPE)?.to_str().ok()
    }

    /// True when the content type says JSON, or is absent (some providers send none).
    pub fn looks_like_json(&self) -> bool {
        match self.content_type() {
            None => true,
            Some(ct) => {
                let ct = ct.to_ascii_lowercase();
                ct.contains("json") || ct.starts_with("text/plain")
            }
        }
    }

    /// `Retry-After` as a duration (delta-seconds form; HTTP-dates are not honoured: a
    /// provider clock cannot be trusted against ours).
    pub fn retry_after(&self) -> Option<Duration> {
        let value = self.headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
        value.parse::<u64>().ok().map(Duration::from_secs)
    }

    /// A header value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Sends one request, once. Retries are the [`Dispatcher`]'s business, not the transport's.
#[async_trait]
pub trait Transport: Send + Sync + fmt::Debug {
    /// Sends `request` and reads the whole answer.
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportFailure>;
}

// Hidden: the provider crates build endpoint URLs with it.
#[doc(hidden)]
/// Joins `path` (which must start with `/`) to a base URL, keeping any path prefix of the base
/// (`https://host/proxy` + `/api/x` → `https://host/proxy/api/x`).
pub fn join_url(base: &Url, path: &str) -> Result<Url, Error> {
    let mut url = base.clone();
    let prefix = base.path().trim_end_matches('/');
    url.set_path(&format!("{prefix}{path}"));
    if url.cannot_be_a_base() {
        return Err(Error::config("base_url", "not a base URL"));
    }
    Ok(url)
}

// Hidden: the provider crates build endpoint URLs with it.
#[doc(hidden)]
/// The URL of a raw request (every native client's escape hatch for endpoints it does not
/// type): `path` must be absolute, printable ASCII, without `..`, `?`, `#`, `%`, spaces or
/// control characters, so it cannot leave the provider's API or smuggle a query. One check for
/// every provider.
pub fn raw_request_url(base: &Url, path: &str) -> Result<Url, Error> {
    let plain = path.starts_with('/')
        && !path.contains("..")
        && path
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"?#%".contains(&b));
    if !plain {
        return Err(Error::invalid(
            "path",
            "must be an absolute path of printable ASCII without '..', '?', '#', '%' or spaces",
        ));
    }
    join_url(base, path)
}

// Errors made from HTTP answers live next to the answer type (the error module knows no HTTP).

impl ProviderErrorKind {
    /// Corrects a kind read from a provider's own code with what the HTTP answer says:
    /// HTTP 429 is rate limiting whatever the body says; rate limiting takes `Retry-After`
    /// from the headers; an unrecognised code on a 5xx is a server error.
    pub fn refined_by(self, response: &HttpResponse) -> ProviderErrorKind {
        let kind = if response.status == 429 {
            ProviderErrorKind::RateLimited { retry_after: None }
        } else {
            self
        };
        match kind {
            ProviderErrorKind::RateLimited { retry_after } => ProviderErrorKind::RateLimited {
                retry_after: retry_after.or_else(|| response.retry_after()),
            },
            ProviderErrorKind::Other if response.status >= 500 => ProviderErrorKind::Server,
            other => other,
        }
    }
}

impl UnexpectedBody {
    /// Describes an answer from its parts; the excerpt is made from `body`.
    pub fn new(
        provider: &'static str,
        operation: Operation,
        response: &HttpResponse,
        reason: impl Into<String>,
    ) -> Self {
        UnexpectedBody {
            provider,
            operation,
            http_status: response.status,
            content_type: response.content_type().map(str::to_owned),
            excerpt: crate::redact::excerpt(&response.body, 160),
            reason: reason.into(),
            retry_after: response.retry_after(),
            body: response.body.clone(),
        }
    }

    /// An answer whose `code` is neither a documented success nor a documented refusal of
    /// `operation`: on a write the provider may have acted, so it is an unknown outcome; on a
    /// read it is an answer the SDK cannot interpret.
    pub fn unrecognised_code(
        provider: &'static str,
        operation: Operation,
        response: &HttpResponse,
        code: &str,
        message: &str,
    ) -> Self {
        let message = crate::redact::excerpt(message.as_bytes(), 120);
        UnexpectedBody::new(
            provider,
            operation,
            response,
            format!(
                "code {code:?} ({message}) is neither a documented success nor a documented refusal of {operation}"
            ),
        )
    }
}

#[cfg(test)]
mod raw_path_tests {
    use super::*;

    #[test]
    fn raw_paths_stay_inside_the_api() {
        let base = Url::parse("https://host.example/proxy").unwrap();
        assert_eq!(
            raw_request_url(&base, "/api/x").unwrap().as_str(),
            "https://host.example/proxy/api/x"
        );
        for bad in [
            "api/x", "/a/../b", "/a?b=1", "/a#b", "/a b", "/a%2e%2e", "/a\tb", "/ä", "",
        ] {
            let err = raw_request_url(&base, bad).unwrap_err();
            assert_eq!(err.class(), crate::ErrorClass::InvalidInput, "{bad:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_credentials() {
        let req = HttpRequest::new(
            "test",
            Operation::PaymentStatus,
            Method::GET,
            Url::parse("https://example.test/x").unwrap(),
        )
        .secret_header(
            http::header::AUTHORIZATION,
            HeaderValue::from_static("Basic c2VjcmV0OnZhbHVl"),
        )
        .header(
            HeaderName::from_static("x-plain"),
            HeaderValue::from_static("visible"),
        )
        .json_body(&b"{\"a\":1}"[..]);
        let debug = format!("{req:?}");
        assert!(!debug.contains("c2VjcmV0"), "{debug}");
        assert!(debug.contains("[redacted]"));
        assert!(debug.contains("visible"));
        assert!(debug.contains("body_len: 7"));
    }

    #[test]
    fn retry_after_seconds_only() {
        let mut r = HttpResponse::new(503, "");
        r.headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(r.retry_after(), Some(Duration::from_secs(7)));
        r.headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(r.retry_after(), None);
    }

    #[test]
    fn joins_paths_under_a_prefix() {
        let base = Url::parse("http://127.0.0.1:8080/payway").unwrap();
        assert_eq!(
            join_url(&base, "/api/x").unwrap().as_str(),
            "http://127.0.0.1:8080/payway/api/x"
        );
        let base = Url::parse("https://checkout.payway.com.kh/").unwrap();
        assert_eq!(
            join_url(&base, "/api/x").unwrap().as_str(),
            "https://checkout.payway.com.kh/api/x"
        );
    }

    #[test]
    fn json_detection() {
        assert!(HttpResponse::new(200, "").looks_like_json());
        assert!(HttpResponse::json(200, "").looks_like_json());
        let mut html = HttpResponse::new(502, "");
        html.headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        assert!(!html.looks_like_json());
    }
}
