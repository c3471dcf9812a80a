//! Recorded exchanges: every operation of every provider, run against the embedded sandbox
//! with a fixed clock and seeded randomness, written to
//! `tests/fixtures/<provider>/<operation>/<case>.json` with secrets scrubbed, and replayed
//! against mockito (so the provider crates are tested without the sandbox too).
//!
//! A fixture holds the exchanges of one case's operation (request method, path, headers that
//! matter, body; response status, headers, body) and the unified result the client made of
//! them. Replaying serves each recorded answer only to a byte-identical request, then asks for
//! the same result.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use paygate::clock::{Clock, DeterministicRandom, ManualClock};
use paygate::sandbox::{Provider, Sandbox};
use paygate::time::OffsetDateTime;
use paygate::transport::{
    Dispatcher, HttpRequest, HttpResponse, ReqwestTransport, RetryPolicy, Transport,
};
use paygate::{
    CaptureRequest, CreatePayment, Currency, Customer, Error, GatewayRegistry, Money, OrderId,
    PaymentGateway, RefundRequest, RefundStatusRequest, TransportFailure, Url, async_trait,
};
use serde::{Deserialize, Serialize};
use time::macros::datetime;

/// The instant every recording happens at.
pub const RECORDED_AT: OffsetDateTime = datetime!(2026-01-15 03:00:00 UTC);
/// Stands for the sandbox's address in fixtures (its port changes on every run).
pub const SCRUBBED_BASE: &str = "http://sandbox.invalid";
/// Stands for credentials in fixtures.
pub const SCRUBBED: &str = "[scrubbed]";

/// One HTTP exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    /// Request method.
    pub method: String,
    /// Request path (with the provider's prefix).
    pub path: String,
    /// Request headers that matter (credentials scrubbed).
    pub request_headers: BTreeMap<String, String>,
    /// Request body as text.
    pub request_body: String,
    /// Response status.
    pub status: u16,
    /// Response headers that matter.
    pub response_headers: BTreeMap<String, String>,
    /// Response body as text.
    pub response_body: String,
}

/// One recorded case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fixture {
    /// Provider.
    pub provider: String,
    /// Operation.
    pub operation: String,
    /// Case.
    pub case: String,
    /// The exchanges of the operation.
    pub exchanges: Vec<Exchange>,
    /// The unified result (its JSON), or the error's class and message.
    pub result: String,
}

impl Fixture {
    /// `<provider>/<operation>/<case>.json`.
    pub fn relative_path(&self) -> PathBuf {
        Path::new(&self.provider)
            .join(&self.operation)
            .join(format!("{}.json", self.case))
    }
}

const KEPT_REQUEST_HEADERS: &[&str] = &["content-type", "authorization", "accept"];
const KEPT_RESPONSE_HEADERS: &[&str] = &["content-type", "location", "retry-after"];

/// A transport that passes requests on and, while recording, keeps each exchange.
#[derive(Debug)]
struct Recorder {
    inner: Arc<dyn Transport>,
    /// The sandbox's base URL, replaced by [`SCRUBBED_BASE`] (none for live recordings).
    base: Option<String>,
    log: Mutex<Vec<Exchange>>,
}

impl Recorder {
    fn scrub(&self, text: &str) -> String {
        match &self.base {
            Some(base) => text.replace(base.as_str(), SCRUBBED_BASE),
            None => text.to_owned(),
        }
    }
}

#[async_trait]
impl Transport for Recorder {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportFailure> {
        let response = self.inner.send(request).await?;
        let headers = |map: &paygate::http::HeaderMap, kept: &[&str]| -> BTreeMap<String, String> {
            map.iter()
                .filter(|(k, _)| kept.contains(&k.as_str()))
                .map(|(k, v)| {
                    let value = if k == "authorization" {
                        SCRUBBED.to_owned()
                    } else {
                        self.scrub(v.to_str().unwrap_or("[binary]"))
                    };
                    (k.as_str().to_owned(), value)
                })
                .collect()
        };
        let exchange = Exchange {
            method: request.method.to_string(),
            path: request.url.path().to_owned(),
            request_headers: headers(&request.headers, KEPT_REQUEST_HEADERS),
            request_body: self.scrub(&String::from_utf8_lossy(&request.body)),
            status: response.status,
            response_headers: headers(&response.headers, KEPT_RESPONSE_HEADERS),
            response_body: self.scrub(&String::from_utf8_lossy(&response.body)),
        };
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(exchange);
        Ok(response)
    }
}

/// What a case does: its setup (unrecorded) and its operation (recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Create a payment.
    Create,
    /// Status of an unknown order.
    StatusUnknown,
    /// Status of a pending order.
    StatusPending,
    /// Status of a paid order.
    StatusPaid,
    /// Partial refund of a paid order.
    RefundPartial,
    /// Refund above what is left.
    RefundTooMuch,
    /// Refund status after a refund.
    RefundStatus,
    /// Void (a hold where pre-auth exists, else a paid payment).
    Void,
    /// Cancel a pending order.
    Cancel,
    /// Capture a hold.
    Capture,
}

/// Every recorded case: (provider, operation, case, step).
pub const CASES: &[(&str, &str, &str, Step)] = &[
    ("finpay", "create-payment", "hosted", Step::Create),
    ("finpay", "payment-status", "unknown", Step::StatusUnknown),
    ("finpay", "payment-status", "pending", Step::StatusPending),
    ("finpay", "payment-status", "paid", Step::StatusPaid),
    ("finpay", "refund", "partial", Step::RefundPartial),
    ("finpay", "refund", "too-much", Step::RefundTooMuch),
    (
        "finpay",
        "refund-status",
        "after-partial",
        Step::RefundStatus,
    ),
    ("finpay", "void", "paid", Step::Void),
    ("finpay", "cancel", "pending", Step::Cancel),
    ("payway", "create-payment", "hosted", Step::Create),
    ("payway", "payment-status", "unknown", Step::StatusUnknown),
    ("payway", "payment-status", "pending", Step::StatusPending),
    ("payway", "payment-status", "paid", Step::StatusPaid),
    ("payway", "refund", "partial", Step::RefundPartial),
    ("payway", "refund", "too-much", Step::RefundTooMuch),
    (
        "payway",
        "refund-status",
        "after-partial",
        Step::RefundStatus,
    ),
    ("payway", "void", "hold", Step::Void),
    ("payway", "cancel", "pending", Step::Cancel),
    ("payway", "capture", "hold", Step::Capture),
    ("payg", "create-payment", "hosted", Step::Create),
    ("payg", "payment-status", "unknown", Step::StatusUnknown),
    ("payg", "payment-status", "pending", Step::StatusPending),
    ("payg", "payment-status", "paid", Step::StatusPaid),
    ("payg", "refund", "partial", Step::RefundPartial),
    ("payg", "refund", "too-much", Step::RefundTooMuch),
    ("payg", "refund-status", "after-partial", Step::RefundStatus),
];

fn currency(provider: &str) -> Currency {
    match provider {
        "finpay" => Currency::IDR,
        "payway" => Currency::USD,
        _ => Currency::INR,
    }
}

fn money(provider: &str, major: u32) -> Result<Money, Error> {
    let c = currency(provider);
    let scale = match provider {
        "finpay" => 1000,
        _ => 1,
    };
    Money::from_minor_units(
        i64::from(major * scale) * 10i64.pow(u32::from(c.exponent())),
        c,
    )
    .map_err(Error::from)
}

fn provider_of(name: &str) -> Provider {
    match name {
        "finpay" => Provider::Finpay,
        "payway" => Provider::Payway,
        _ => Provider::Payg,
    }
}

/// A gateway of `provider` on `transport`, fixed clock and seed: what record and replay share.
fn gateway(
    provider: &str,
    toml: &str,
    transport: Arc<dyn Transport>,
) -> Result<Arc<dyn PaymentGateway>, Error> {
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(RECORDED_AT));
    let dispatcher = Dispatcher::new(transport)
        .with_clock(clock)
        .with_random(Arc::new(DeterministicRandom::new(2026)))
        .with_retry_policy(RetryPolicy::none());
    let registry = GatewayRegistry::builder()
        .dispatcher(dispatcher)
        .toml_str(toml)?
        .build()?;
    registry.gateway(provider)
}

fn create_request(provider: &str, tag: &str, pre_auth: bool) -> Result<CreatePayment, Error> {
    let mut request = CreatePayment::new(OrderId::new(format!("FX{tag}"))?, money(provider, 10)?)?
        .description("fixture")
        .customer(
            Customer::new()
                .name("Dara", "Sok")
                .email("dara@example.com")
                .phone("+6281234567890"),
        )
        .callback_url(
            Url::parse("https://shop.example/callback")
                .map_err(|e| Error::invalid("url", e.to_string()))?,
        )
        .return_url(
            Url::parse("https://shop.example/done")
                .map_err(|e| Error::invalid("url", e.to_string()))?,
        );
    if pre_auth {
        request = request.authorize_only();
    }
    Ok(request)
}

/// Creates an order (and pays it) through `setup`, returning the id later calls use.
async fn prepare(
    sandbox: &Sandbox,
    setup: &Arc<dyn PaymentGateway>,
    provider: &str,
    tag: &str,
    pay: bool,
    pre_auth: bool,
) -> Result<OrderId, Error> {
    let checkout = setup
        .create_payment(&create_request(provider, tag, pre_auth)?)
        .await?;
    let id = match provider {
        "payg" => OrderId::new(checkout.provider_reference.unwrap_or_default())?,
        _ => checkout.order_id,
    };
    if pay {
        sandbox
            .pay(provider_of(provider), id.as_str())
            .map_err(|r| Error::invalid("sandbox", format!("{r:?}")))?;
    }
    Ok(id)
}

/// The id each step's operation uses, known without the sandbox (for replay).
fn case_id(provider: &str, step: Step) -> Result<OrderId, Error> {
    let tag = format!("{step:?}").to_ascii_uppercase();
    let tag = tag.get(..tag.len().min(12)).unwrap_or_default().to_owned();
    match (provider, step) {
        (_, Step::StatusUnknown) => OrderId::new("FXNOSUCH"),
        ("payg", _) => {
            let local = RECORDED_AT.to_offset(time::macros::offset!(+5:30));
            OrderId::new(format!(
                "{:02}{:02}{:02}M9001UFX{tag}",
                local.year() % 100,
                u8::from(local.month()),
                local.day()
            ))
        }
        _ => OrderId::new(format!("FX{tag}")),
    }
}

/// A unified result as pretty JSON (URLs as strings, the raw body left out).
fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("unserializable result: {e}"))
}

/// Runs `step`'s operation on `gateway`, returning its result as text.
async fn operate(
    gateway: &Arc<dyn PaymentGateway>,
    provider: &str,
    step: Step,
    id: &OrderId,
) -> String {
    let refund = |amount: u32| -> Result<RefundRequest, Error> {
        RefundRequest::new(id.clone(), money(provider, amount)?)
    };
    let outcome: Result<String, Error> = match step {
        Step::Create => {
            let tag = format!("{step:?}").to_ascii_uppercase();
            match create_request(provider, &tag, false) {
                Ok(request) => gateway.create_payment(&request).await.map(|r| json(&r)),
                Err(e) => Err(e),
            }
        }
        Step::StatusUnknown | Step::StatusPending | Step::StatusPaid => {
            gateway.payment_status(id).await.map(|r| json(&r))
        }
        Step::RefundPartial => match refund(3) {
            Ok(r) => gateway.refund(&r).await.map(|r| json(&r)),
            Err(e) => Err(e),
        },
        Step::RefundTooMuch => match refund(11) {
            Ok(r) => gateway.refund(&r).await.map(|r| json(&r)),
            Err(e) => Err(e),
        },
        Step::RefundStatus => gateway
            .refund_status(&RefundStatusRequest::new(id.clone()))
            .await
            .map(|r| json(&r)),
        Step::Void => gateway.void(&id.into()).await.map(|r| json(&r)),
        Step::Cancel => gateway.cancel(&id.into()).await.map(|r| json(&r)),
        Step::Capture => {
            match money(provider, 8).and_then(|m| CaptureRequest::new(id.clone(), m)) {
                Ok(r) => gateway.capture(&r).await.map(|r| json(&r)),
                Err(e) => Err(e),
            }
        }
    };
    match outcome {
        Ok(text) => text,
        Err(e) => format!("error ({}): {e}", e.class()),
    }
}

/// Records every case against a fresh in-process sandbox.
pub async fn record_all() -> Result<Vec<Fixture>, Error> {
    let mut fixtures = Vec::with_capacity(CASES.len());
    for &(provider, operation, case, step) in CASES {
        fixtures.push(record(provider, operation, case, step).await?);
    }
    Ok(fixtures)
}

async fn record(provider: &str, operation: &str, case: &str, step: Step) -> Result<Fixture, Error> {
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(RECORDED_AT));
    let sandbox = Sandbox::start_with(
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        paygate::sandbox::Credentials::default(),
        clock,
    )
    .await
    .map_err(|e| Error::config("sandbox", e.to_string()))?;
    let toml = sandbox.gateway_toml(provider_of(provider));
    let http: Arc<dyn Transport> = Arc::new(ReqwestTransport::with_defaults()?);
    let setup = gateway(provider, &toml, http.clone())?;
    let tag = format!("{step:?}").to_ascii_uppercase();
    let tag = tag.get(..tag.len().min(12)).unwrap_or_default().to_owned();
    let id = match step {
        Step::Create | Step::StatusUnknown => case_id(provider, step)?,
        Step::StatusPending | Step::Cancel => {
            prepare(&sandbox, &setup, provider, &tag, false, false).await?
        }
        Step::Void | Step::Capture if provider == "payway" => {
            prepare(&sandbox, &setup, provider, &tag, true, true).await?
        }
        Step::RefundStatus => {
            let id = prepare(&sandbox, &setup, provider, &tag, true, false).await?;
            setup
                .refund(&RefundRequest::new(id.clone(), money(provider, 3)?)?)
                .await?;
            id
        }
        _ => prepare(&sandbox, &setup, provider, &tag, true, false).await?,
    };
    if id != case_id(provider, step)? {
        return Err(Error::invalid(
            "fixture",
            format!(
                "case id {id} is not the predicted {}",
                case_id(provider, step)?
            ),
        ));
    }
    let recorder = Arc::new(Recorder {
        inner: http,
        base: Some(format!("http://{}", sandbox.addr())),
        log: Mutex::new(Vec::new()),
    });
    let case_gateway = gateway(provider, &toml, recorder.clone())?;
    let result = recorder.scrub(&operate(&case_gateway, provider, step, &id).await);
    let exchanges = recorder
        .log
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    sandbox.shutdown().await;
    Ok(Fixture {
        provider: provider.to_owned(),
        operation: operation.to_owned(),
        case: case.to_owned(),
        exchanges,
        result,
    })
}

/// The environment variables `--live` reads, per provider: (variable, setting).
pub const LIVE_SETTINGS: &[(&str, &[(&str, &str)])] = &[
    (
        "finpay",
        &[
            ("PAYGATE_LIVE_FINPAY_MERCHANT_ID", "merchant_id"),
            ("PAYGATE_LIVE_FINPAY_MERCHANT_KEY", "merchant_key"),
        ],
    ),
    (
        "payway",
        &[
            ("PAYGATE_LIVE_PAYWAY_MERCHANT_ID", "merchant_id"),
            ("PAYGATE_LIVE_PAYWAY_API_KEY", "api_key"),
            ("PAYGATE_LIVE_PAYWAY_RSA_PUBLIC_KEY_FILE", "rsa_public_key"),
        ],
    ),
    (
        "payg",
        &[
            ("PAYGATE_LIVE_PAYG_AUTHENTICATION_KEY", "authentication_key"),
            (
                "PAYGATE_LIVE_PAYG_AUTHENTICATION_TOKEN",
                "authentication_token",
            ),
            ("PAYGATE_LIVE_PAYG_MERCHANT_KEY_ID", "merchant_key_id"),
        ],
    ),
];

/// The gateway table for `provider`'s real sandbox, if every variable is set.
fn live_toml(provider: &str) -> Option<String> {
    let (_, vars) = LIVE_SETTINGS.iter().find(|(p, _)| *p == provider)?;
    let mut toml =
        format!("[gateways.{provider}]\nprovider = \"{provider}\"\nenvironment = \"sandbox\"\n");
    for (var, key) in vars.iter() {
        std::env::var(var).ok().filter(|v| !v.is_empty())?;
        let source = if var.ends_with("_FILE") {
            format!("file:{}", std::env::var(var).ok()?)
        } else {
            format!("env:{var}")
        };
        toml.push_str(&format!("{key} = \"{source}\"\n"));
    }
    Some(toml)
}

/// The values of the `--live` variables that are set (secrets for the lint; file variables
/// contribute their file's key lines).
pub fn live_secrets() -> Vec<String> {
    let mut out = Vec::new();
    for (_, vars) in LIVE_SETTINGS {
        for (var, key) in vars.iter() {
            let Ok(value) = std::env::var(var) else {
                continue;
            };
            if var.ends_with("_FILE") {
                let pem = std::fs::read_to_string(&value).unwrap_or_default();
                out.extend(
                    pem.lines()
                        .filter(|l| !l.starts_with("-----") && l.len() > 16)
                        .map(str::to_owned),
                );
            } else if !key.ends_with("_id") && value.len() >= 8 {
                out.push(value);
            }
        }
    }
    out
}

/// Records from the providers' real sandboxes, for every provider whose `PAYGATE_LIVE_*`
/// variables are set (see [`LIVE_SETTINGS`]): the cases that need no simulated payment
/// (create, status of an unknown and of a pending order, cancel), with the real clock and
/// randomness and ids unique to the run. Returns the fixtures and the providers skipped.
pub async fn record_live() -> Result<(Vec<Fixture>, Vec<&'static str>), Error> {
    let mut fixtures = Vec::new();
    let mut skipped = Vec::new();
    let run = OffsetDateTime::now_utc().unix_timestamp() % 100_000_000;
    for (provider, _) in LIVE_SETTINGS {
        let Some(toml) = live_toml(provider) else {
            skipped.push(*provider);
            continue;
        };
        let http: Arc<dyn Transport> = Arc::new(ReqwestTransport::with_defaults()?);
        let registry = GatewayRegistry::builder()
            .transport(http.clone())
            .toml_str(&toml)?
            .build()?;
        let setup = registry.gateway(provider)?;
        for (operation, case, step) in [
            ("create-payment", "hosted", Step::Create),
            ("payment-status", "unknown", Step::StatusUnknown),
            ("payment-status", "pending", Step::StatusPending),
            ("cancel", "pending", Step::Cancel),
        ] {
            let id = match step {
                Step::StatusPending | Step::Cancel => {
                    let checkout = setup
                        .create_payment(&create_request(
                            provider,
                            &format!("L{run}{step:?}").to_ascii_uppercase(),
                            false,
                        )?)
                        .await?;
                    match *provider {
                        "payg" => OrderId::new(checkout.provider_reference.unwrap_or_default())?,
                        _ => checkout.order_id,
                    }
                }
                _ => OrderId::new(format!("FXL{run}"))?,
            };
            let recorder = Arc::new(Recorder {
                inner: http.clone(),
                base: None,
                log: Mutex::new(Vec::new()),
            });
            let live = GatewayRegistry::builder()
                .transport(recorder.clone())
                .toml_str(&toml)?
                .build()?
                .gateway(provider)?;
            let result = operate(&live, provider, step, &id).await;
            let exchanges = recorder
                .log
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            fixtures.push(Fixture {
                provider: (*provider).to_owned(),
                operation: operation.to_owned(),
                case: case.to_owned(),
                exchanges,
                result,
            });
        }
    }
    Ok((fixtures, skipped))
}

/// The fixture as written to disk.
pub fn to_text(fixture: &Fixture) -> Result<String, Error> {
    serde_json::to_string_pretty(fixture)
        .map(|t| t + "\n")
        .map_err(|e| Error::invalid("fixture", e.to_string()))
}

/// Writes fixtures under `dir`.
pub fn write(dir: &Path, fixtures: &[Fixture]) -> std::io::Result<()> {
    for fixture in fixtures {
        let path = dir.join(fixture.relative_path());
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let text = to_text(fixture).map_err(|e| std::io::Error::other(e.to_string()))?;
        std::fs::write(path, text)?;
    }
    Ok(())
}

/// Differences between freshly recorded fixtures and the files under `dir` (stale, missing
/// or extra files), as readable lines; empty when they agree.
pub fn compare(dir: &Path, fixtures: &[Fixture]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut expected: Vec<PathBuf> = Vec::new();
    for fixture in fixtures {
        let relative = fixture.relative_path();
        expected.push(relative.clone());
        let path = dir.join(&relative);
        match (std::fs::read_to_string(&path), to_text(fixture)) {
            (Ok(on_disk), Ok(fresh)) if on_disk == fresh => {}
            (Ok(_), Ok(_)) => problems.push(format!(
                "{}: differs from what the code records now",
                relative.display()
            )),
            (Err(_), _) => problems.push(format!("{}: missing", relative.display())),
            (_, Err(e)) => problems.push(format!("{}: {e}", relative.display())),
        }
    }
    for found in files(dir) {
        let relative = found
            .strip_prefix(dir)
            .map(Path::to_path_buf)
            .unwrap_or(found.clone());
        if !expected.contains(&relative) {
            problems.push(format!("{}: no case records it", relative.display()));
        }
    }
    problems
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Every secret or piece of key material the recording was configured with, in the forms it
/// could leak in (literal, Basic credentials, PEM body lines).
pub fn secrets() -> Vec<String> {
    paygate::sandbox::Credentials::default().secret_forms()
}

/// Files under `dir` that contain a secret (the sandbox's, and any `--live` one set in the
/// environment), with what leaked named, not shown.
pub fn lint(dir: &Path) -> Vec<String> {
    let mut secrets = secrets();
    secrets.extend(live_secrets());
    let mut problems = Vec::new();
    for path in files(dir) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        for (i, secret) in secrets.iter().enumerate() {
            if text.contains(secret.as_str()) {
                problems.push(format!(
                    "{}: contains configured secret #{i}",
                    path.display()
                ));
            }
        }
    }
    problems
}

/// Reads a fixture file.
pub fn read(path: &Path) -> Result<Fixture, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::config(path.display().to_string(), e.to_string()))?;
    serde_json::from_str(&text)
        .map_err(|e| Error::config(path.display().to_string(), e.to_string()))
}

/// Answers each request with the next prepared response; refuses to connect once they run
/// out. No network: what hostile-input tests feed every response parser through.
#[derive(Debug)]
struct Scripted {
    answers: Mutex<std::collections::VecDeque<HttpResponse>>,
}

#[async_trait]
impl Transport for Scripted {
    async fn send(&self, _request: &HttpRequest) -> Result<HttpResponse, TransportFailure> {
        let next = self
            .answers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front();
        next.ok_or_else(|| {
            TransportFailure::not_sent(
                paygate::error::TransportCause::Connect,
                "no more scripted answers",
            )
        })
    }
}

/// The recorded answers of `fixture`, in order, as the transport returned them.
pub fn recorded_answers(fixture: &Fixture) -> Vec<HttpResponse> {
    fixture
        .exchanges
        .iter()
        .map(|exchange| {
            let mut response =
                HttpResponse::new(exchange.status, exchange.response_body.clone().into_bytes());
            for (name, value) in &exchange.response_headers {
                if let (Ok(name), Ok(value)) = (
                    paygate::http::HeaderName::from_bytes(name.as_bytes()),
                    paygate::http::HeaderValue::from_str(value),
                ) {
                    response.headers.insert(name, value);
                }
            }
            response
        })
        .collect()
}

/// The case `fixture` records.
fn step_of(fixture: &Fixture) -> Result<Step, Error> {
    CASES
        .iter()
        .find(|(p, o, c, _)| {
            *p == fixture.provider && *o == fixture.operation && *c == fixture.case
        })
        .map(|c| c.3)
        .ok_or_else(|| Error::invalid("fixture", "no case records this fixture"))
}

/// Runs `fixture`'s operation with `answers` in place of the recorded responses, without a
/// network, and returns what the client makes of them (the result, or `error (<class>): …`).
pub async fn run_with_answers(
    fixture: &Fixture,
    answers: Vec<HttpResponse>,
) -> Result<String, Error> {
    let step = step_of(fixture)?;
    // Never contacted: the scripted transport answers.
    let toml = paygate::sandbox::gateway_toml(
        provider_of(&fixture.provider),
        "http://127.0.0.1:9",
        &paygate::sandbox::Credentials::default(),
    );
    let transport = Arc::new(Scripted {
        answers: Mutex::new(answers.into()),
    });
    let gateway = gateway(&fixture.provider, &toml, transport)?;
    let id = case_id(&fixture.provider, step)?;
    Ok(operate(&gateway, &fixture.provider, step, &id).await)
}

/// Every fixture under `dir`.
pub fn read_all(dir: &Path) -> Result<Vec<Fixture>, Error> {
    files(dir).iter().map(|path| read(path)).collect()
}

/// Replays `fixture` against mockito: each recorded answer is served only to the
/// byte-identical request; returns the result the client makes of them now.
pub async fn replay(fixture: &Fixture) -> Result<String, Error> {
    let step = step_of(fixture)?;
    let mut server = mockito::Server::new_async().await;
    let mut mocks = Vec::new();
    for exchange in &fixture.exchanges {
        let mut mock = server
            .mock(exchange.method.as_str(), exchange.path.as_str())
            .match_body(exchange.request_body.as_str())
            .with_status(usize::from(exchange.status))
            .with_body(exchange.response_body.as_str())
            .expect(1);
        for (k, v) in &exchange.response_headers {
            mock = mock.with_header(k.as_str(), v.as_str());
        }
        for (k, v) in &exchange.request_headers {
            if k != "authorization" {
                mock = mock.match_header(k.as_str(), v.as_str());
            }
        }
        mocks.push(mock.create_async().await);
    }
    // The same configuration as recorded, pointed at mockito.
    let base = server.url();
    let toml = paygate::sandbox::gateway_toml(
        provider_of(&fixture.provider),
        &base,
        &paygate::sandbox::Credentials::default(),
    );
    let http: Arc<dyn Transport> = Arc::new(ReqwestTransport::with_defaults()?);
    let gateway = gateway(&fixture.provider, &toml, http)?;
    let id = case_id(&fixture.provider, step)?;
    let result = operate(&gateway, &fixture.provider, step, &id)
        .await
        .replace(&base, SCRUBBED_BASE);
    for mock in mocks {
        if !mock.matched_async().await {
            return Err(Error::invalid(
                "fixture",
                "a recorded request was not sent as recorded",
            ));
        }
    }
    Ok(result)
}
