//! Each recipe runs as a user would run it and does what its docs say.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

fn run(bin: &str) -> (bool, String, String) {
    let output = Command::new(bin).output().unwrap();
    (
        output.status.success(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn the_unknown_outcome_refund_is_sent_once_and_settled() {
    let (ok, out, err) = run(env!("CARGO_BIN_EXE_refund_unknown_outcome"));
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("1. outcome unknown"), "{out}");
    assert!(
        out.contains("applied (refunded went from 0.00 to 2.50)"),
        "{out}"
    );
    assert!(
        out.contains("asked again after recovery: succeeded 2.50 USD"),
        "{out}"
    );
    assert!(out.contains("refunds the provider applied: 1"), "{out}");
}

#[test]
fn the_reconciliation_reports_each_kind_of_difference() {
    let (ok, out, err) = run(env!("CARGO_BIN_EXE_reconcile_csv"));
    assert!(ok, "{err}");
    let mut report = csv::Reader::from_reader(out.as_bytes());
    let results: Vec<(String, String)> = report
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[1].to_owned(), r[2].to_owned())
        })
        .collect();
    assert_eq!(results.len(), 21);
    let result_of = |order: &str| {
        results
            .iter()
            .find(|(o, _)| o == order)
            .map(|(_, r)| r.as_str())
    };
    assert_eq!(result_of("RCW000003"), Some("amount_mismatch"));
    assert_eq!(result_of("RCW000005"), Some("currency_mismatch"));
    assert_eq!(result_of("RCW000007"), Some("status_mismatch"));
    assert_eq!(result_of("RCF999999"), Some("unreadable"));
    assert_eq!(results.iter().filter(|(_, r)| r == "match").count(), 17);
    assert!(
        err.contains("21 rows; amount_mismatch: 1, currency_mismatch: 1, match: 17"),
        "{err}"
    );
}

#[test]
fn a_refund_keyed_by_the_form_it_came_from_is_made_once_per_form() {
    let (ok, out, err) = run(env!("CARGO_BIN_EXE_refund_keyed_by_intent"));
    assert!(ok, "{out}\n{err}");
    assert!(
        out.contains("1. the form carries key INTENT1R1 (and in a second tab, INTENT1R1)"),
        "{out}"
    );
    assert_eq!(
        out.matches("refund INTENT1R1: succeeded, 2.00 USD refunded in all")
            .count(),
        3,
        "twice at once and once more from the other tab, one answer: {out}"
    );
    assert!(
        out.contains("4. the same key with another amount: not refunded (invalid-input)"),
        "{out}"
    );
    assert!(
        out.contains(
            "5. the next form (INTENT1R2): refund INTENT1R2: succeeded, 3.00 USD refunded in all"
        ),
        "{out}"
    );
    assert!(out.contains("refunds the provider received: 2"), "{out}");
}
