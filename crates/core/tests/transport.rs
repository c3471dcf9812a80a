//! The default transport and the retry policy against real loopback servers: mockito for HTTP
//! answers, raw TCP listeners for resets, stalls and connect timeouts.

// Test code may unwrap and index: a panic is a test failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::Method;
use paygate_core::clock::{DeterministicRandom, ManualClock};
use paygate_core::transport::{
    Dispatcher, HttpRequest, HttpResponse, ReqwestTransport, RetryPolicy, Transport,
    TransportSettings,
};
use paygate_core::{
    Delivery, Effect, Error, ErrorClass, Operation, ProviderError, ProviderErrorKind,
    TransportCause, UnexpectedBody, Url,
};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

const PROVIDER: &str = "test";

fn transport(settings: TransportSettings) -> Arc<dyn Transport> {
    Arc::new(ReqwestTransport::new(&settings).unwrap())
}

fn dispatcher(settings: TransportSettings) -> (Dispatcher, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(
        time::macros::datetime!(2026-01-01 00:00 UTC),
    ));
    let d = Dispatcher::new(transport(settings))
        .with_clock(clock.clone())
        .with_random(Arc::new(DeterministicRandom::new(42)))
        .with_retry_policy(RetryPolicy::default().max_attempts(3));
    (d, clock)
}

fn request(operation: Operation, url: &str) -> HttpRequest {
    HttpRequest::new(PROVIDER, operation, Method::POST, Url::parse(url).unwrap())
        .json_body(&b"{\"tran_id\":\"A1\"}"[..])
        .order_id("A1")
}

/// What a provider's parse function does: 200 → body, 429 → rate limited, else unexpected.
fn parse(operation: Operation) -> impl Fn(&HttpResponse) -> Result<String, Error> + Send + Sync {
    move |r: &HttpResponse| match r.status {
        200 => Ok(String::from_utf8_lossy(&r.body).into_owned()),
        429 => Err(ProviderError::new(
            PROVIDER,
            operation,
            ProviderErrorKind::RateLimited {
                retry_after: r.retry_after(),
            },
            "slow down",
        )
        .with_http_status(429)
        .into()),
        _ => Err(UnexpectedBody::new(PROVIDER, operation, r, "not the provider's JSON").into()),
    }
}

#[tokio::test]
async fn read_is_retried_on_503_honouring_retry_after() {
    let mut server = mockito::Server::new_async().await;
    let busy = server
        .mock("POST", "/check")
        .with_status(503)
        .with_header("retry-after", "1")
        .with_header("content-type", "text/html")
        .with_body("<html>busy</html>")
        .expect(2)
        .create_async()
        .await;
    let (d, clock) = dispatcher(TransportSettings::default());
    let url = format!("{}/check", server.url());
    let op = Operation::PaymentStatus;
    // mockito serves the first matching mock until its expected count is used up, then this one.
    let _ok = server
        .mock("POST", "/check")
        .with_status(200)
        .with_body("{\"ok\":true}")
        .create_async()
        .await;
    let result = d.execute(&request(op, &url), parse(op)).await;
    busy.assert_async().await;
    assert_eq!(result.unwrap(), "{\"ok\":true}");
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_secs(1), Duration::from_secs(1)]
    );
}

#[tokio::test]
async fn read_retries_are_bounded_by_attempts() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("POST", "/check")
        .with_status(502)
        .with_header("content-type", "text/html")
        .with_body("<html><body>502 Bad Gateway</body></html>")
        .expect(3)
        .create_async()
        .await;
    let (d, clock) = dispatcher(TransportSettings::default());
    let op = Operation::PaymentStatus;
    let err = d
        .execute(&request(op, &format!("{}/check", server.url())), parse(op))
        .await
        .unwrap_err();
    mock.assert_async().await;
    assert_eq!(err.class(), ErrorClass::UnexpectedBody);
    assert!(err.is_retryable());
    assert!(!err.outcome_unknown());
    // Two backoffs with jitter, within [100, 200] ms and [200, 400] ms.
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 2);
    assert!(sleeps[0] >= Duration::from_millis(100) && sleeps[0] <= Duration::from_millis(200));
    assert!(sleeps[1] >= Duration::from_millis(200) && sleeps[1] <= Duration::from_millis(400));
    let text = err.to_string();
    assert!(text.contains("HTTP 502"), "{text}");
    assert!(text.contains("text/html"), "{text}");
    assert!(text.contains("502 Bad Gateway"), "{text}");
}

#[tokio::test]
async fn retry_after_beyond_the_policy_is_returned_not_waited() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("POST", "/check")
        .with_status(429)
        .with_header("retry-after", "3600")
        .expect(1)
        .create_async()
        .await;
    let (d, clock) = dispatcher(TransportSettings::default());
    let op = Operation::PaymentStatus;
    let err = d
        .execute(&request(op, &format!("{}/check", server.url())), parse(op))
        .await
        .unwrap_err();
    mock.assert_async().await;
    assert!(clock.sleeps().is_empty());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert!(err.is_retryable());
    assert!(err.to_string().contains("retry after 3600s"), "{err}");
}

#[tokio::test]
async fn total_time_budget_bounds_retries() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("POST", "/check")
        .with_status(503)
        .with_header("retry-after", "8")
        .expect(2)
        .create_async()
        .await;
    let (d, clock) = dispatcher(TransportSettings::default());
    let d = d.with_retry_policy(
        RetryPolicy::default()
            .max_attempts(10)
            .max_elapsed(Duration::from_secs(10)),
    );
    let op = Operation::PaymentStatus;
    let err = d
        .execute(&request(op, &format!("{}/check", server.url())), parse(op))
        .await
        .unwrap_err();
    mock.assert_async().await;
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(8)]);
    assert_eq!(err.class(), ErrorClass::UnexpectedBody);
}

#[tokio::test]
async fn write_is_not_retried_once_the_server_answered() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("POST", "/refund")
        .with_status(503)
        .with_header("content-type", "text/html")
        .with_body("<html>Service Unavailable</html>")
        .expect(1)
        .create_async()
        .await;
    let (d, clock) = dispatcher(TransportSettings::default());
    let op = Operation::Refund;
    let err = d
        .execute(&request(op, &format!("{}/refund", server.url())), parse(op))
        .await
        .unwrap_err();
    mock.assert_async().await;
    assert!(clock.sleeps().is_empty());
    assert!(err.outcome_unknown());
    assert!(!err.is_retryable());
    assert_eq!(err.class(), ErrorClass::OutcomeUnknown);
    assert!(err.to_string().contains("do not resend"), "{err}");
}

#[tokio::test]
async fn rate_limited_write_is_not_resent_by_the_library() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("POST", "/refund")
        .with_status(429)
        .with_header("retry-after", "1")
        .expect(1)
        .create_async()
        .await;
    let (d, _clock) = dispatcher(TransportSettings::default());
    let op = Operation::Refund;
    let err = d
        .execute(&request(op, &format!("{}/refund", server.url())), parse(op))
        .await
        .unwrap_err();
    mock.assert_async().await;
    assert_eq!(err.class(), ErrorClass::Provider);
    // The provider said it did not act, so the caller may choose to retry.
    assert!(err.is_retryable());
    assert!(!err.outcome_unknown());
}

/// A raw TCP server: each connection's request is read, then `behaviour` decides.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Read the request, then close without answering.
    CloseAfterRead,
    /// Read the request, then never answer.
    Stall,
    /// Answer with a huge body.
    HugeBody,
}

async fn raw_server(behaviour: Behaviour) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let count = connections.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let mut seen = Vec::new();
                // Read until the end of the headers and the small body.
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                match behaviour {
                    Behaviour::CloseAfterRead => {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        drop(stream);
                    }
                    Behaviour::Stall => {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                    }
                    Behaviour::HugeBody => {
                        use tokio::io::AsyncWriteExt;
                        let body = vec![b'x'; 100_000];
                        let head = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                            body.len()
                        );
                        let _ = stream.write_all(head.as_bytes()).await;
                        let _ = stream.write_all(&body).await;
                    }
                }
            });
        }
    });
    (addr, connections)
}

#[tokio::test]
async fn write_reset_after_the_request_was_read_is_outcome_unknown_and_sent_once() {
    let (addr, connections) = raw_server(Behaviour::CloseAfterRead).await;
    let (d, clock) = dispatcher(TransportSettings::default());
    let op = Operation::Refund;
    let err = d
        .execute(&request(op, &format!("http://{addr}/refund")), parse(op))
        .await
        .unwrap_err();
    assert_eq!(
        connections.load(Ordering::SeqCst),
        1,
        "a refund must be sent once"
    );
    assert!(clock.sleeps().is_empty());
    match &err {
        Error::Transport(t) => {
            assert_eq!(t.delivery, Delivery::OutcomeUnknown);
            assert_eq!(t.attempts, 1);
        }
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert!(err.outcome_unknown());
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn read_reset_after_the_request_was_read_is_retried() {
    let (addr, connections) = raw_server(Behaviour::CloseAfterRead).await;
    let (d, _clock) = dispatcher(TransportSettings::default());
    let op = Operation::PaymentStatus;
    let err = d
        .execute(&request(op, &format!("http://{addr}/check")), parse(op))
        .await
        .unwrap_err();
    assert_eq!(connections.load(Ordering::SeqCst), 3);
    assert_eq!(err.class(), ErrorClass::Transport);
    assert!(!err.outcome_unknown());
}

#[tokio::test]
async fn total_timeout_on_a_write_is_outcome_unknown() {
    let (addr, connections) = raw_server(Behaviour::Stall).await;
    let (d, _clock) = dispatcher(TransportSettings::default().timeout(Duration::from_millis(300)));
    let op = Operation::Capture;
    let err = d
        .execute(&request(op, &format!("http://{addr}/capture")), parse(op))
        .await
        .unwrap_err();
    assert_eq!(connections.load(Ordering::SeqCst), 1);
    match &err {
        Error::Transport(t) => {
            assert_eq!(t.cause, TransportCause::Timeout);
            assert_eq!(t.delivery, Delivery::OutcomeUnknown);
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(err.outcome_unknown());
}

#[tokio::test]
async fn per_request_timeout_overrides_the_transport_timeout() {
    let (addr, _connections) = raw_server(Behaviour::Stall).await;
    let (d, _clock) = dispatcher(TransportSettings::default());
    let d = d.with_retry_policy(RetryPolicy::none());
    let op = Operation::PaymentStatus;
    let req = request(op, &format!("http://{addr}/check")).timeout(Duration::from_millis(200));
    let err = d.execute(&req, parse(op)).await.unwrap_err();
    assert!(
        matches!(&err, Error::Transport(t) if t.cause == TransportCause::Timeout),
        "{err:?}"
    );
}

#[tokio::test]
async fn connection_refused_is_not_sent_and_a_write_may_be_retried() {
    // Bind and drop: nothing listens on this port now.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (d, clock) = dispatcher(TransportSettings::default());
    let op = Operation::Refund;
    let err = d
        .execute(&request(op, &format!("http://{addr}/refund")), parse(op))
        .await
        .unwrap_err();
    match &err {
        Error::Transport(t) => {
            assert_eq!(t.delivery, Delivery::NotSent);
            assert_eq!(t.cause, TransportCause::Connect);
            assert_eq!(t.attempts, 3, "a write that never left may be retried");
        }
        other => panic!("expected connect failure, got {other:?}"),
    }
    assert_eq!(clock.sleeps().len(), 2);
    assert_eq!(err.class(), ErrorClass::NotSent);
    assert!(err.is_retryable());
    assert!(!err.outcome_unknown());
    assert!(err.to_string().contains("never sent"), "{err}");
}

#[tokio::test]
async fn connect_timeout_is_not_sent() {
    // A listener whose accept queue is full: further SYNs are dropped, so connecting hangs.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..8 {
        if let Ok(s) = std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100)) {
            fillers.push(s);
        }
    }
    let (d, _clock) =
        dispatcher(TransportSettings::default().connect_timeout(Duration::from_millis(300)));
    let d = d.with_retry_policy(RetryPolicy::none());
    let op = Operation::Refund;
    let started = std::time::Instant::now();
    let err = d
        .execute(&request(op, &format!("http://{addr}/refund")), parse(op))
        .await
        .unwrap_err();
    match &err {
        Error::Transport(t) => {
            assert_eq!(t.cause, TransportCause::ConnectTimeout, "{err}");
            assert_eq!(t.delivery, Delivery::NotSent);
        }
        other => panic!("expected connect timeout, got {other:?}"),
    }
    // It ended on the connect timeout, not the 30 s total one.
    assert!(started.elapsed() < Duration::from_secs(10));
    drop(fillers);
    drop(listener);
}

#[tokio::test]
async fn oversize_answers_are_refused() {
    let (addr, _connections) = raw_server(Behaviour::HugeBody).await;
    let (d, _clock) = dispatcher(TransportSettings::default().max_response_bytes(10_000));
    let op = Operation::PaymentStatus;
    let err = d
        .execute(&request(op, &format!("http://{addr}/check")), parse(op))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Transport(t) if t.cause == TransportCause::BodyTooLarge),
        "{err:?}"
    );
    // Asking again would get the same answer.
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn redirects_are_answers_and_the_user_agent_is_sent() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("POST", "/purchase")
        .match_header("user-agent", concat!("paygate/", env!("CARGO_PKG_VERSION")))
        .with_status(302)
        .with_header("location", "https://checkout.example/pay/1")
        .expect(1)
        .create_async()
        .await;
    let t = transport(TransportSettings::default());
    let req = request(
        Operation::Native {
            name: "purchase",
            effect: Effect::Write,
        },
        &format!("{}/purchase", server.url()),
    );
    let response = t.send(&req).await.unwrap();
    mock.assert_async().await;
    assert_eq!(response.status, 302);
    assert_eq!(
        response.header("location"),
        Some("https://checkout.example/pay/1")
    );
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `tracing` caches each callsite's interest for the whole process, asked of the subscriber of
/// the first thread to reach it: a sibling test without one would cache "never" and blind the
/// scoped subscriber below. A global subscriber that records nothing makes the answer
/// "interested" on every thread.
fn tracing_sees_every_callsite() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry());
    });
}

#[tokio::test]
async fn tracing_names_provider_operation_and_order_but_never_credentials() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing_sees_every_callsite();
    let _guard = tracing::subscriber::set_default(subscriber);

    let mut server = mockito::Server::new_async().await;
    let _mock = server
        .mock("POST", "/check")
        .with_status(503)
        .expect(2)
        .create_async()
        .await;
    let (d, _clock) = dispatcher(TransportSettings::default());
    let d = d.with_retry_policy(RetryPolicy::default().max_attempts(2));
    let op = Operation::PaymentStatus;
    let req = request(op, &format!("{}/check", server.url())).secret_header(
        http::header::AUTHORIZATION,
        http::HeaderValue::from_static("Basic U1VQRVJTRUNSRVQ6a2V5"),
    );
    let err = d.execute(&req, parse(op)).await.unwrap_err();

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("provider=\"test\""), "{logs}");
    assert!(logs.contains("operation=\"payment-status\""), "{logs}");
    assert!(logs.contains("order_id=\"A1\""), "{logs}");
    assert!(logs.contains("retrying"), "{logs}");
    for secret in ["U1VQRVJTRUNSRVQ6a2V5", "SUPERSECRET"] {
        assert!(!logs.contains(secret), "secret in logs: {logs}");
        assert!(!format!("{err:?}").contains(secret));
        assert!(!format!("{req:?}").contains(secret));
    }
}

/// `ca_file` adds a PEM file's certificate authorities to the roots; a file that cannot be
/// read or holds no certificate is a configuration error naming the setting, never a
/// transport silently without them. (`tests/data/test-ca.pem` is a public certificate whose
/// key was discarded when it was made.)
#[test]
fn a_ca_file_is_added_to_the_roots_or_refused_clearly() {
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let ok = ReqwestTransport::new(&TransportSettings::default().ca_file(data.join("test-ca.pem")));
    assert!(ok.is_ok(), "{ok:?}");
    let missing =
        ReqwestTransport::new(&TransportSettings::default().ca_file(data.join("nowhere.pem")))
            .unwrap_err()
            .to_string();
    assert!(
        missing.contains("transport.ca_file") && missing.contains("cannot read"),
        "{missing}"
    );
    let not_pem = std::env::temp_dir().join(format!("paygate-not-pem-{}", std::process::id()));
    std::fs::write(&not_pem, "not a certificate\n").unwrap();
    let refused = ReqwestTransport::new(&TransportSettings::default().ca_file(&not_pem))
        .unwrap_err()
        .to_string();
    let _ = std::fs::remove_file(&not_pem);
    assert!(
        refused.contains("transport.ca_file") && refused.contains("no PEM certificate"),
        "{refused}"
    );
}
