//! Hostile input, as property tests: every provider's response parsers (reached through each
//! operation of the unified API, with the recorded fixtures' answers replaced, no network) and
//! webhook verifiers get arbitrary bytes and well-formed-but-odd values — huge numbers,
//! negative amounts, 1e308, deep nesting, invalid UTF-8, duplicate keys, truncation, wrong
//! statuses and content types. None may panic; each gives a result or a typed error.
//!
//! Bounded: `PROPTEST_CASES` (default 256) cases per property; the inputs are at most a few
//! KiB, except deep nesting (a few thousand brackets).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::sync::{Arc, OnceLock};

use paygate::http::{HeaderMap, HeaderValue};
use paygate::sandbox::{Credentials, Provider, Sandbox, SimOrder};
use paygate::transport::HttpResponse;
use paygate::webhook::WebhookSigner;
use paygate::{Error, GatewayRegistry, PaymentGateway};
use paygate_tests::fixtures::{self, Fixture};
use proptest::prelude::*;

/// Raw JSON tokens that are valid (or nearly valid) JSON but odd for a payment answer.
const ODD_TOKENS: &[&str] = &[
    "1e308",
    "-1e308",
    "1e309",
    "1e-400",
    "-1",
    "-0.01",
    "0",
    "99999999999999999999999999999999999999",
    "-99999999999999999999999999999999999999",
    "0.000000000000000000000000000001",
    "123.456789",
    "1E5",
    "1e19",
    "15E22",
    "1e28",
    "9e28",
    "150222222222E22",
    "null",
    "true",
    "\"\"",
    "\"-5.00\"",
    "\"1e308\"",
    "\"NaN\"",
    "\"Infinity\"",
    "\"0x10\"",
    "\" 10 \"",
    "\"10,00\"",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "[]",
    "{}",
    "[1,2,3]",
    "{\"a\":{\"b\":{\"c\":[]}}}",
    "\"9999-99-99 99:99:99\"",
    "\"2026-02-30 25:61:61\"",
];

fn fixtures() -> &'static [Fixture] {
    static ALL: OnceLock<Vec<Fixture>> = OnceLock::new();
    ALL.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let all = fixtures::read_all(&dir).unwrap();
        assert!(all.len() >= 20, "only {} fixtures", all.len());
        all
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The recorded answers of `fixture`, with `change` applied to answer `index`.
fn answers(
    fixture: &Fixture,
    index: usize,
    change: impl FnOnce(&mut HttpResponse),
) -> Vec<HttpResponse> {
    let mut answers = fixtures::recorded_answers(fixture);
    let count = answers.len().max(1);
    if let Some(answer) = answers.get_mut(index % count) {
        change(answer);
    }
    answers
}

/// What came out must be a result or a typed error, never nothing.
fn check_outcome(fixture: &Fixture, outcome: Result<String, Error>) -> Result<(), TestCaseError> {
    let text = outcome.map_err(|e| TestCaseError::fail(format!("harness: {e}")))?;
    prop_assert!(
        !text.is_empty(),
        "{}/{}: empty outcome",
        fixture.provider,
        fixture.operation
    );
    if let Some(rest) = text.strip_prefix("error (") {
        let class = rest.split(')').next().unwrap_or_default();
        prop_assert!(
            [
                "provider",
                "unexpected-body",
                "outcome-unknown",
                "transport",
                "not-sent",
                "invalid-input",
                // A write reads the payment first: an odd value there can make its state or
                // amount refuse the write before it is sent.
                "invalid-state",
            ]
            .contains(&class),
            "{}/{}: unexpected class {class}: {text}",
            fixture.provider,
            fixture.operation
        );
    }
    Ok(())
}

/// The recorded body with one odd change: a value replaced by an odd token, a key repeated
/// with an odd value, the body nested deeply, invalid UTF-8 put in a string, or truncated.
fn mutate(body: &str, kind: usize, pick: usize, token: &str) -> Vec<u8> {
    let bytes = body.as_bytes();
    match kind % 6 {
        // Replace the value after the pick-th colon (outside strings, roughly).
        0 => {
            let colons: Vec<usize> = body.match_indices(':').map(|(i, _)| i).collect();
            let Some(&at) = colons.get(pick % colons.len().max(1)) else {
                return token.as_bytes().to_vec();
            };
            let rest = &body[at + 1..];
            let end = value_end(rest);
            format!("{}:{token}{}", &body[..at], &rest[end..]).into_bytes()
        }
        // Duplicate a key: the first key of the pick-th object again, with an odd value.
        1 => {
            let opens: Vec<usize> = body.match_indices("{\"").map(|(i, _)| i).collect();
            let Some(&at) = opens.get(pick % opens.len().max(1)) else {
                return body.as_bytes().to_vec();
            };
            let key_end = body[at + 2..].find('"').map_or(at + 2, |e| at + 2 + e);
            let key = &body[at + 2..key_end];
            format!("{}{{\"{key}\":{token},{}", &body[..at], &body[at + 1..]).into_bytes()
        }
        // Deep nesting around the body and in place of a value.
        2 => {
            let depth = 64 + pick % 4000;
            let mut out = "[".repeat(depth).into_bytes();
            out.extend_from_slice(bytes);
            out.extend(std::iter::repeat_n(b']', depth));
            out
        }
        // Invalid UTF-8 inside the pick-th string.
        3 => {
            let quotes: Vec<usize> = body.match_indices('"').map(|(i, _)| i).collect();
            let at = quotes.get(pick % quotes.len().max(1)).map_or(0, |&q| q + 1);
            let mut out = bytes[..at].to_vec();
            out.extend_from_slice(&[0xff, 0xfe, 0xc3, 0x28]);
            out.extend_from_slice(&bytes[at..]);
            out
        }
        // Truncated at pick.
        4 => bytes[..pick % (bytes.len() + 1)].to_vec(),
        // The odd token as the whole body.
        _ => token.as_bytes().to_vec(),
    }
}

/// Where the JSON value at the start of `text` ends (good enough for mutation).
fn value_end(text: &str) -> usize {
    let mut depth = 0i32;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => {
                    in_string = false;
                    if depth == 0 {
                        return i + 1;
                    }
                }
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' | '[' => depth += 1,
            '}' | ']' if depth == 0 => return i,
            '}' | ']' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            ',' if depth == 0 => return i,
            _ => {}
        }
    }
    text.len()
}

const STATUSES: &[u16] = &[
    200, 201, 204, 301, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503,
];
const CONTENT_TYPES: &[Option<&str>] = &[
    None,
    Some("application/json"),
    Some("application/json; charset=utf-8"),
    Some("text/html"),
    Some("text/plain"),
    Some("application/octet-stream"),
];

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    /// Arbitrary bytes, status and content type as any answer of any operation.
    #[test]
    fn arbitrary_answers_are_results_or_typed_errors(
        which in any::<usize>(),
        index in any::<usize>(),
        status in proptest::sample::select(STATUSES),
        content_type in proptest::sample::select(CONTENT_TYPES),
        body in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let fixture = &fixtures()[which % fixtures().len()];
        let answers = answers(fixture, index, |r| {
            r.status = status;
            r.body = body.into();
            r.headers.remove(paygate::http::header::CONTENT_TYPE);
            if let Some(ct) = content_type {
                r.headers.insert(paygate::http::header::CONTENT_TYPE, HeaderValue::from_static(ct));
            }
        });
        let outcome = runtime().block_on(fixtures::run_with_answers(fixture, answers));
        check_outcome(fixture, outcome)?;
    }

    /// The recorded answers with one odd value, duplicate key, deep nesting, invalid UTF-8 or
    /// truncation.
    #[test]
    fn odd_values_in_real_answers_are_results_or_typed_errors(
        which in any::<usize>(),
        index in any::<usize>(),
        kind in any::<usize>(),
        pick in any::<usize>(),
        token in proptest::sample::select(ODD_TOKENS),
    ) {
        let fixture = &fixtures()[which % fixtures().len()];
        let answers = answers(fixture, index, |r| {
            let text = String::from_utf8_lossy(&r.body).into_owned();
            r.body = mutate(&text, kind, pick, token).into();
        });
        let outcome = runtime().block_on(fixtures::run_with_answers(fixture, answers));
        check_outcome(fixture, outcome)?;
    }
}

/// One real webhook per provider from the sandbox, and a gateway to verify it with.
struct Webhooks {
    cases: Vec<(Provider, Arc<dyn PaymentGateway>, String, HeaderMap)>,
}

fn webhooks() -> &'static Webhooks {
    static ALL: OnceLock<Webhooks> = OnceLock::new();
    ALL.get_or_init(|| {
        runtime().block_on(async {
            let sandbox = Sandbox::start().await.unwrap();
            let registry: GatewayRegistry = paygate::sandbox::registry(&sandbox).unwrap();
            let now = paygate::time::OffsetDateTime::now_utc();
            let mut cases = Vec::new();
            for (provider, name, currency, amount) in [
                (Provider::Finpay, "finpay", "IDR", 150_000),
                (Provider::Payway, "payway", "USD", 20),
                (Provider::Payg, "payg", "INR", 500),
            ] {
                let order = SimOrder::new(provider, "HOOK1", "HOOK1", amount.into(), currency, now);
                sandbox.insert(order).unwrap();
                let webhook = sandbox.pay(provider, "HOOK1").unwrap();
                let headers = webhook.header_map();
                cases.push((
                    provider,
                    registry.gateway(name).unwrap(),
                    webhook.body,
                    headers,
                ));
            }
            sandbox.shutdown().await;
            Webhooks { cases }
        })
    })
}

/// Signs `body` as the provider would, when it can be signed (Finpay needs a JSON object).
fn signed(provider: Provider, body: &[u8]) -> Option<(Vec<u8>, HeaderMap)> {
    let c = Credentials::default();
    let signed = match provider {
        Provider::Finpay => paygate::finpay::TestSigner::new(c.finpay.merchant_key.as_bytes())
            .and_then(|signer| signer.sign(body)),
        Provider::Payway => paygate::payway::TestSigner::new(c.payway.api_key.as_bytes())
            .and_then(|signer| signer.sign(body)),
        Provider::Payg => return Some((body.to_vec(), HeaderMap::new())),
        other => panic!("no webhook signer for {other:?}: add one here"),
    };
    signed.ok().map(|s| (s.body, s.headers))
}

fn check_webhook(result: paygate::Result<paygate::WebhookEvent>) -> Result<(), TestCaseError> {
    match result {
        Ok(_) | Err(Error::WebhookRejected { .. }) | Err(Error::InvalidInput { .. }) => Ok(()),
        Err(other) => Err(TestCaseError::fail(format!(
            "untyped webhook failure: {other:?}"
        ))),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    /// Arbitrary bytes and headers to every verifier.
    #[test]
    fn arbitrary_webhooks_are_accepted_or_rejected_with_a_reason(
        which in 0usize..3,
        body in proptest::collection::vec(any::<u8>(), 0..2048),
        signature in "[A-Za-z0-9+/=]{0,120}",
    ) {
        let (_, gateway, _, _) = &webhooks().cases[which];
        let mut headers = HeaderMap::new();
        headers.insert("x-payway-hmac-sha512", HeaderValue::from_str(&signature).unwrap());
        check_webhook(gateway.verify_webhook(&body, &headers))?;
        check_webhook(gateway.verify_webhook(&body, &HeaderMap::new()))?;
    }

    /// Real webhooks with one odd change, then signed again so the parser behind the
    /// signature check is reached.
    #[test]
    fn odd_values_in_signed_webhooks_are_accepted_or_rejected_with_a_reason(
        which in 0usize..3,
        kind in any::<usize>(),
        pick in any::<usize>(),
        token in proptest::sample::select(ODD_TOKENS),
    ) {
        let (provider, gateway, body, headers) = &webhooks().cases[which];
        let mutated = mutate(body, kind, pick, token);
        check_webhook(gateway.verify_webhook(&mutated, headers))?;
        if let Some((resigned, new_headers)) = signed(*provider, &mutated) {
            check_webhook(gateway.verify_webhook(&resigned, &new_headers))?;
        }
    }
}

/// The real webhooks verify as they are: the properties above start from valid input.
#[test]
fn the_unmutated_webhooks_verify() {
    for (provider, gateway, body, headers) in &webhooks().cases {
        gateway
            .verify_webhook(body.as_bytes(), headers)
            .unwrap_or_else(|e| panic!("{provider:?}: {e}"));
        let (resigned, new_headers) = signed(*provider, body.as_bytes()).unwrap();
        gateway
            .verify_webhook(&resigned, &new_headers)
            .unwrap_or_else(|e| panic!("{provider:?} re-signed: {e}"));
    }
}

/// The harness reaches the parsers: the recorded answers, unchanged, give the recorded results.
#[test]
fn unchanged_answers_give_the_recorded_results() {
    let rt = runtime();
    for fixture in fixtures() {
        let outcome = rt
            .block_on(fixtures::run_with_answers(
                fixture,
                answers(fixture, 0, |_| {}),
            ))
            .unwrap();
        assert_eq!(
            outcome, fixture.result,
            "{}/{}/{}",
            fixture.provider, fixture.operation, fixture.case
        );
    }
}
