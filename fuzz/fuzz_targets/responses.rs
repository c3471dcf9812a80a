//! Every operation of every provider, with one recorded answer replaced by the input.
//! Input: [fixture, status, content type, body…]. Property: a result or a typed error.

#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use paygate::http::{HeaderValue, header::CONTENT_TYPE};
use paygate_tests::fixtures::{self, Fixture};

const STATUSES: &[u16] = &[200, 201, 204, 400, 401, 403, 404, 409, 429, 500, 502, 503];
const CONTENT_TYPES: &[&str] = &["", "application/json", "text/html", "text/plain"];

fn fixtures() -> &'static [Fixture] {
    static ALL: OnceLock<Vec<Fixture>> = OnceLock::new();
    ALL.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
        fixtures::read_all(&dir).expect("the recorded fixtures")
    })
}

thread_local! {
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
}

fuzz_target!(|data: &[u8]| {
    let [which, status, content_type, body @ ..] = data else {
        return;
    };
    let all = fixtures();
    let fixture = &all[usize::from(*which) % all.len()];
    let mut answers = fixtures::recorded_answers(fixture);
    let count = answers.len().max(1);
    if let Some(answer) = answers.get_mut(usize::from(*status >> 4) % count) {
        answer.status = STATUSES[usize::from(*status & 0x0f) % STATUSES.len()];
        answer.body = body.to_vec().into();
        answer.headers.remove(CONTENT_TYPE);
        let ct = CONTENT_TYPES[usize::from(*content_type) % CONTENT_TYPES.len()];
        if !ct.is_empty() {
            answer
                .headers
                .insert(CONTENT_TYPE, HeaderValue::from_static(ct));
        }
    }
    let outcome = RUNTIME.with(|rt| rt.block_on(fixtures::run_with_answers(fixture, answers)));
    let text = outcome.expect("the harness runs");
    assert!(!text.is_empty());
});
