use super::*;

/// Each rule's breaking values break it, and nothing else of the rules a field of the same
/// kind would keep: the enumerating test's requests break one rule only.
#[test]
fn breaking_values_break_their_rule() {
    for rule in rules() {
        for value in rule.rule.breaking_values() {
            assert!(
                !rule.rule.holds(value.as_deref()),
                "{} {} {:?}: {value:?} keeps it",
                rule.endpoint,
                rule.field,
                rule.rule
            );
        }
    }
}

#[test]
fn every_row_names_its_source_and_a_documented_refusal() {
    for rule in rules() {
        assert!(!rule.source.is_empty(), "{rule:?}");
        assert!(!rule.refusal.code.is_empty(), "{rule:?}");
        assert!((400..=499).contains(&rule.refusal.http) || rule.refusal.http == 200);
    }
}

#[test]
fn rows_are_not_repeated() {
    let all: Vec<_> = rules().collect();
    for (i, a) in all.iter().enumerate() {
        for b in all.iter().skip(i + 1) {
            assert!(
                !(a.provider == b.provider
                    && a.endpoint == b.endpoint
                    && a.field == b.field
                    && a.rule == b.rule),
                "{a:?} twice"
            );
        }
    }
}

#[test]
fn rules_read_text_absent_null_and_empty_alike() {
    let value = serde_json::json!({"a": {"b": "x"}, "n": null, "e": "", "k": 5});
    assert_eq!(text(&value, "a.b").as_deref(), Some("x"));
    assert_eq!(text(&value, "n"), None);
    assert_eq!(text(&value, "e"), None);
    assert_eq!(text(&value, "missing"), None);
    assert_eq!(text(&value, "k").as_deref(), Some("5"));
    assert!(!Rule::Required.holds(None));
    assert!(Rule::MaxChars(2).holds(None));
    assert!(Rule::MaxChars(2).holds(Some("éé")));
    assert!(!Rule::IntegerIn(3, 5).holds(Some("2")));
    assert!(!Rule::IntegerIn(3, 5).holds(Some("x")));
    assert!(Rule::FileMaxBytes(10).holds(Some("a.png (10 bytes, png)")));
    assert!(!Rule::FileMaxBytes(10).holds(Some("a.png (11 bytes, png)")));
    assert!(!Rule::FileExtension(&["png"]).holds(Some("a.gif (1 bytes, png)")));
    assert!(Rule::FileExtension(&["png"]).holds(Some("a (1).PNG (1 bytes, png)")));
    assert!(Rule::FileType(&["png"]).holds(Some("a.png (1 bytes, png)")));
    assert!(!Rule::FileType(&["png"]).holds(Some("a.png (1 bytes, gif)")));
    assert!(Rule::Format(Format::Decimal2).holds(Some("1.05")));
    assert!(!Rule::Format(Format::Decimal2).holds(Some("1.055")));
}
