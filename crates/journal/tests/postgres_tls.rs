//! TLS to the PostgreSQL journal, against the server `.ci/postgres` starts: it offers TLS
//! with a certificate for 127.0.0.1 signed by the throwaway CA `PAYGATE_TEST_POSTGRES_CA`
//! names, and listens on 127.0.0.2 too, an address the certificate does not name. Locally
//! these tests are skipped, loudly, without that server; under `CI=true` they fail.
//!
//! Whether a connection is encrypted is asked of the server (`pg_stat_ssl`), over a separate
//! plain connection, by the journal connection's `application_name`.

#![cfg(feature = "postgres")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

use paygate_journal::{JournalFailure, PostgresJournal};
use std::io::Write as _;

/// The server's URL without parameters, and the CA file.
fn server() -> Option<(String, String)> {
    let url = std::env::var("PAYGATE_TEST_POSTGRES_URL").unwrap_or_default();
    let ca = std::env::var("PAYGATE_TEST_POSTGRES_CA").unwrap_or_default();
    if url.is_empty() || ca.is_empty() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "PAYGATE_TEST_POSTGRES_URL and PAYGATE_TEST_POSTGRES_CA must be set under CI=true: .ci/run starts PostgreSQL with TLS and exports them"
        );
        // Written past the test runner's capture (which takes `eprintln!`): a skip is seen.
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED the PostgreSQL TLS tests: PAYGATE_TEST_POSTGRES_URL or PAYGATE_TEST_POSTGRES_CA is not set (eval \"$(bash .ci/postgres start)\") ***\n"
        );
        return None;
    }
    let base = url.split_once('?').map_or(url.as_str(), |(base, _)| base);
    Some((base.to_owned(), ca))
}

fn application_name(test: &str) -> String {
    format!(
        "paygate-tls-{test}-{}-{}",
        std::process::id(),
        time::OffsetDateTime::now_utc().unix_timestamp_nanos()
    )
}

/// Whether the server's one connection named `application` is encrypted.
async fn encrypted(base: &str, application: &str) -> bool {
    let (client, connection) =
        tokio_postgres::connect(&format!("{base}?sslmode=disable"), tokio_postgres::NoTls)
            .await
            .unwrap();
    let driver = tokio::spawn(connection);
    let rows = client
        .query(
            "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
             WHERE a.application_name = $1",
            &[&application],
        )
        .await
        .unwrap();
    drop(client);
    driver.await.unwrap().unwrap();
    match rows.as_slice() {
        [row] => row.get(0),
        other => panic!(
            "{application}: one connection expected, found {}",
            other.len()
        ),
    }
}

fn unavailable(result: Result<PostgresJournal, JournalFailure>) -> String {
    match result {
        Err(JournalFailure::Unavailable(why)) => why,
        Err(other) => panic!("expected an unavailable journal, got {other:?}"),
        Ok(journal) => panic!("expected a refusal, got {journal:?}"),
    }
}

#[tokio::test]
async fn with_its_ca_named_the_journal_talks_tls_whatever_the_mode() {
    let Some((base, ca)) = server() else { return };
    for mode in [
        "",
        "&sslmode=prefer",
        "&sslmode=require",
        "&sslmode=verify-full",
    ] {
        let application = application_name("verified");
        let journal = PostgresJournal::open(&format!(
            "{base}?sslrootcert={ca}&application_name={application}{mode}"
        ))
        .await
        .unwrap_or_else(|e| panic!("{mode}: {e}"));
        assert!(
            encrypted(&base, &application).await,
            "{mode}: not encrypted"
        );
        drop(journal);
    }
}

#[tokio::test]
async fn a_server_certificate_no_trusted_ca_signed_is_refused_never_used_in_plain() {
    let Some((base, _)) = server() else { return };
    // Without `sslrootcert` the Mozilla roots are trusted, and they did not sign the test CA:
    // `prefer` does not fall back to plain text when the server's TLS is not trusted.
    for mode in ["", "?sslmode=prefer", "?sslmode=require"] {
        let why = unavailable(PostgresJournal::open(&format!("{base}{mode}")).await);
        assert!(why.contains("certificate"), "{mode}: {why}");
        assert!(
            why.contains("the Mozilla roots") && why.contains("?sslrootcert=PATH"),
            "{mode}: {why}"
        );
    }
}

#[tokio::test]
async fn a_certificate_for_another_name_is_refused() {
    let Some((base, ca)) = server() else { return };
    // The same server, its certificate signed by the trusted CA, but reached at an address the
    // certificate does not name: libpq's `require` would talk to it; here it is refused.
    let other = base.replace("@127.0.0.1:", "@127.0.0.2:");
    assert_ne!(other, base, "the test URL's host is 127.0.0.1");
    let why = unavailable(
        PostgresJournal::open(&format!("{other}?sslrootcert={ca}&sslmode=require")).await,
    );
    assert!(why.contains("certificate"), "{why}");
    assert!(why.contains(&format!("sslrootcert {ca}")), "{why}");
    assert!(why.contains("127.0.0.2"), "the name checked: {why}");
}

#[tokio::test]
async fn sslmode_disable_connects_in_plain_text() {
    let Some((base, _)) = server() else { return };
    let application = application_name("plain");
    let journal = PostgresJournal::open(&format!(
        "{base}?sslmode=disable&application_name={application}"
    ))
    .await
    .unwrap();
    assert!(!encrypted(&base, &application).await);
    drop(journal);
}
