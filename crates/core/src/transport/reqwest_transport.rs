//! The default [`Transport`]: one shared `reqwest` client (rustls, pooled).

use std::time::Duration;

use async_trait::async_trait;
use bytes::BytesMut;

use super::{HttpRequest, HttpResponse, Transport};
use crate::error::{Error, TransportCause, TransportFailure};

/// Limits of the default transport.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransportSettings {
    /// Time allowed to open a connection (TCP + TLS). Default 10 s.
    pub connect_timeout: Duration,
    /// Time allowed for a whole exchange, connect to last body byte. Default 30 s.
    pub timeout: Duration,
    /// Largest response body read; larger answers fail. Default 4 MiB.
    pub max_response_bytes: usize,
    /// Idle connections kept per host. Default 256, as many as [`max_in_flight`]: with
    /// fewer, every burst above the limit closes connections after one use and opens new ones
    /// (measured: about 15 % of the client's CPU at 64 concurrent checks; BENCHMARKS.md).
    ///
    /// [`max_in_flight`]: TransportSettings::max_in_flight
    pub pool_max_idle_per_host: usize,
    /// How long an idle connection is kept. Default 60 s.
    pub pool_idle_timeout: Duration,
    /// Requests in flight at once through this transport; more wait for a slot before they
    /// are sent (the wait is not part of the timeout). Bounds sockets and memory under load.
    /// Default 256.
    pub max_in_flight: usize,
    /// Certificate authorities (PEM, one or more) trusted besides the default roots: a
    /// corporate proxy's, or a private one's. Added to the roots, never replacing them.
    /// Default none.
    pub ca_file: Option<std::path::PathBuf>,
}

impl Default for TransportSettings {
    fn default() -> Self {
        TransportSettings {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_response_bytes: 4 * 1024 * 1024,
            pool_max_idle_per_host: 256,
            pool_idle_timeout: Duration::from_secs(60),
            max_in_flight: 256,
            ca_file: None,
        }
    }
}

impl TransportSettings {
    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the total timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the response size cap.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Sets how many requests may be in flight at once (at least 1).
    pub fn max_in_flight(mut self, requests: usize) -> Self {
        self.max_in_flight = requests.max(1);
        self
    }

    /// Trusts the certificate authorities of this PEM file besides the default roots.
    pub fn ca_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.ca_file = Some(path.into());
        self
    }
}

/// The `User-Agent` sent with every request.
pub const USER_AGENT: &str = concat!("paygate/", env!("CARGO_PKG_VERSION"));

/// [`Transport`] over one shared `reqwest::Client`: rustls, connection pool, connect and total
/// timeouts, a response size cap, redirects off (a 302 is an answer, not a detour).
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    max_response_bytes: usize,
    in_flight: std::sync::Arc<tokio::sync::Semaphore>,
}

impl ReqwestTransport {
    /// A transport with `settings`.
    pub fn new(settings: &TransportSettings) -> Result<ReqwestTransport, Error> {
        if settings.timeout.is_zero() || settings.connect_timeout.is_zero() {
            return Err(Error::config(
                "transport",
                "timeouts must be greater than zero",
            ));
        }
        let mut builder = reqwest::Client::builder();
        if let Some(path) = &settings.ca_file {
            for certificate in extra_roots(path)? {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let client = builder
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(USER_AGENT)
            .pool_max_idle_per_host(settings.pool_max_idle_per_host)
            .pool_idle_timeout(settings.pool_idle_timeout)
            .tcp_nodelay(true)
            .build()
            .map_err(|e| {
                Error::config("transport", format!("cannot build the HTTP client: {e}"))
            })?;
        Ok(ReqwestTransport {
            client,
            max_response_bytes: settings.max_response_bytes,
            in_flight: std::sync::Arc::new(tokio::sync::Semaphore::new(
                settings.max_in_flight.max(1),
            )),
        })
    }

    /// A transport with the default settings.
    pub fn with_defaults() -> Result<ReqwestTransport, Error> {
        ReqwestTransport::new(&TransportSettings::default())
    }
}

/// The certificates of a PEM file (`transport.ca_file`): at least one, or a clear error.
fn extra_roots(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, Error> {
    let at = "transport.ca_file";
    let pem = std::fs::read(path)
        .map_err(|e| Error::config(at, format!("cannot read {}: {e}", path.display())))?;
    let certificates = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
        Error::config(
            at,
            format!("{} is not PEM certificates: {e}", path.display()),
        )
    })?;
    if certificates.is_empty() {
        return Err(Error::config(
            at,
            format!("{} holds no PEM certificate", path.display()),
        ));
    }
    Ok(certificates)
}

#[async_trait]
impl Transport for ReqwestTransport {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportFailure> {
        // Held until the whole answer is read; the semaphore is never closed.
        let _slot = self.in_flight.acquire().await.map_err(|_| {
            TransportFailure::not_sent(TransportCause::InvalidRequest, "the transport is shut down")
        })?;
        // A `reqwest::Request` made directly: the builder would re-insert every header.
        let mut outgoing = reqwest::Request::new(request.method.clone(), request.url.clone());
        *outgoing.headers_mut() = request.headers.clone();
        *outgoing.body_mut() = Some(request.body.clone().into());
        *outgoing.timeout_mut() = request.timeout;
        let mut response = self
            .client
            .execute(outgoing)
            .await
            .map_err(classify_send_error)?;
        let status = response.status().as_u16();
        let headers = std::mem::take(response.headers_mut());
        let too_large = || {
            TransportFailure::outcome_unknown(
                TransportCause::BodyTooLarge,
                format!("the answer is over {} bytes", self.max_response_bytes),
            )
        };
        if response
            .content_length()
            .is_some_and(|len| len > self.max_response_bytes as u64)
        {
            return Err(too_large());
        }
        let mut body = BytesMut::new();
        while let Some(chunk) = response.chunk().await.map_err(classify_body_error)? {
            if body.len() + chunk.len() > self.max_response_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse {
            status,
            headers,
            body: body.freeze(),
        })
    }
}

/// The innermost cause's text (e.g. "Connection refused (os error 111)"). URLs here never
/// carry credentials, and headers and bodies are never part of these errors.
fn root_cause(error: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// Sorts a `send()` failure into "never left" and "may have left".
fn classify_send_error(error: reqwest::Error) -> TransportFailure {
    let detail = root_cause(&error);
    if error.is_builder() {
        TransportFailure::not_sent(TransportCause::InvalidRequest, detail)
    } else if error.is_connect() {
        // No connection was established, so no byte of the request was written.
        let cause = if error.is_timeout() {
            TransportCause::ConnectTimeout
        } else {
            TransportCause::Connect
        };
        TransportFailure::not_sent(cause, detail)
    } else if error.is_timeout() {
        TransportFailure::outcome_unknown(TransportCause::Timeout, detail)
    } else if error.is_request() || error.is_body() {
        TransportFailure::outcome_unknown(TransportCause::ConnectionClosed, detail)
    } else {
        TransportFailure::outcome_unknown(TransportCause::Io, detail)
    }
}

/// A failure while reading the answer: the request was received.
fn classify_body_error(error: reqwest::Error) -> TransportFailure {
    let detail = root_cause(&error);
    if error.is_timeout() {
        TransportFailure::outcome_unknown(TransportCause::Timeout, detail)
    } else {
        TransportFailure::outcome_unknown(TransportCause::ConnectionClosed, detail)
    }
}
