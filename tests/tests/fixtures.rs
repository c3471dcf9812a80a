//! Recorded exchanges: replayed against mockito without the sandbox, kept in step with the
//! code, and free of secrets.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use paygate_tests::fixtures;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn all_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Every fixture replays: the client sends byte-identical requests and makes the same
/// unified result of the recorded answers.
#[tokio::test]
async fn every_fixture_replays_without_the_sandbox() {
    let files = all_files(&dir());
    assert_eq!(files.len(), fixtures::CASES.len(), "one file per case");
    for path in files {
        let fixture = fixtures::read(&path).unwrap();
        let replayed = fixtures::replay(&fixture)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(replayed, fixture.result, "{}", path.display());
    }
}

fn copy_to_temp(tag: &str) -> PathBuf {
    let target =
        std::env::temp_dir().join(format!("paygate-fixtures-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&target);
    for path in all_files(&dir()) {
        let dest = target.join(path.strip_prefix(dir()).unwrap());
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&path, dest).unwrap();
    }
    target
}

/// The committed fixtures are what the code records now, and a hand edit is caught.
#[tokio::test]
async fn check_passes_and_catches_a_hand_edit() {
    let recorded = fixtures::record_all().await.unwrap();
    assert_eq!(fixtures::compare(&dir(), &recorded), Vec::<String>::new());

    let copy = copy_to_temp("edit");
    let victim = copy.join("payway/refund/partial.json");
    let text = std::fs::read_to_string(&victim).unwrap();
    let edited = text.replace("total_refunded\\\":3", "total_refunded\\\":4");
    assert_ne!(edited, text, "the edit must change the file");
    std::fs::write(&victim, edited).unwrap();
    std::fs::write(copy.join("payway/refund/extra.json"), "{}").unwrap();
    let problems = fixtures::compare(&copy, &recorded);
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("payway/refund/partial.json: differs")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("payway/refund/extra.json: no case")),
        "{problems:?}"
    );
    std::fs::remove_dir_all(copy).unwrap();
}

/// No configured secret or key material is in a fixture; one planted is found, and named
/// without being shown.
#[test]
fn lint_passes_and_catches_a_planted_secret() {
    assert_eq!(fixtures::lint(&dir()), Vec::<String>::new());
    let copy = copy_to_temp("lint");
    let victim = copy.join("finpay/void/paid.json");
    let text = std::fs::read_to_string(&victim).unwrap();
    let secret = fixtures::secrets()[0].clone();
    let planted = text.replace("[scrubbed]", &secret);
    assert_ne!(planted, text);
    std::fs::write(&victim, planted).unwrap();
    let problems = fixtures::lint(&copy);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(!problems[0].contains(&secret));
    std::fs::remove_dir_all(copy).unwrap();
}

/// A replay whose recorded request no longer matches what the code sends fails.
#[tokio::test]
async fn replay_fails_when_the_request_changed() {
    let mut fixture = fixtures::read(&dir().join("finpay/refund/partial.json")).unwrap();
    // The refund itself: the last exchange (the first reads the payment).
    let refund = fixture.exchanges.last_mut().unwrap();
    assert!(
        refund.request_body.contains("3000"),
        "{}",
        refund.request_body
    );
    refund.request_body = refund.request_body.replace("3000", "3001");
    assert!(fixtures::replay(&fixture).await.is_err());
}
