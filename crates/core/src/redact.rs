//! Short, safe excerpts of untrusted text for error messages.
//!
//! The text may be any body a server sends — JSON, a form, HTML, cut off anywhere — so no
//! format's parser applies; a small scan over runs of token characters does the job.

/// Keys whose value is redacted whatever its length, compared in lowercase without `_` and `-`,
/// as the whole key or its end (`api_key`, `X-Api-Key`, `card_number`): payment tokens
/// (PayWay's `pwt`), keys, passwords, signatures and card data.
const SECRET_KEY_NAMES: &[&str] = &[
    "pwt",
    "token",
    "secret",
    "password",
    "passwd",
    "key",
    "hash",
    "signature",
    "authorization",
    "merchantauth",
    "cardnumber",
    "pan",
    "cvv",
    "cvc",
];

/// Values after a secret key that are kept: they carry no secret and say what happened.
const HARMLESS_VALUES: &[&str] = &["null", "true", "false"];

/// Authorization schemes: shown, and the credential after them redacted.
const AUTH_SCHEMES: &[&str] = &["basic", "bearer", "digest"];

/// Token-like runs this long are redacted wherever they stand.
const LONG_RUN_CHARS: usize = 24;

fn is_run_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '_' | '-')
}

fn names_secret(key: &str) -> bool {
    let key: String = key
        .chars()
        .filter(|c| !matches!(c, '_' | '-'))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    SECRET_KEY_NAMES.iter().any(|name| key.ends_with(name))
}

/// Where the scan stands relative to a key that names a secret.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SecretState {
    /// No secret key just seen.
    None,
    /// A secret key was the last run; a `=`, or a `:` after a quoted key (JSON) or an
    /// `Authorization` header, makes what follows its value (quotes and blanks around them
    /// allowed). Prose such as `hash: The hash field is required.` is left alone.
    AfterKey {
        /// The key was quoted, or is `Authorization`.
        colon_ends_key: bool,
    },
    /// The next run, or quoted text, is the secret's value.
    BeforeValue,
    /// Inside a quoted secret value, until this closing quote (a backslash escapes the next
    /// character, as in JSON).
    InQuoted {
        /// The closing quote.
        quote: char,
        /// The previous character was an unescaped backslash.
        escaped: bool,
    },
}

/// At most `max_chars` characters of `bytes` (lossy UTF-8), whitespace folded, control characters
/// dropped, and secrets replaced by `[redacted]`, so that an echoed credential never reaches a
/// message: every token-like run (24 or more characters of `[A-Za-z0-9+/=_-]`: keys, hashes,
/// base64 blobs), and the value of any key that names a secret (`"pwt":"…"`, `hash=…`, see
/// `SECRET_KEY_NAMES`) whatever its length. Keys are matched in lowercase and may be split into
/// runs only at non-token characters, so `"pwt"` and `pwt=` are found but not a key cut by the
/// excerpt's bound.
pub fn excerpt(bytes: &[u8], max_chars: usize) -> String {
    // Look at a bounded prefix only: error bodies can be megabytes.
    let prefix = bytes
        .get(..bytes.len().min(max_chars.saturating_mul(4) + 64))
        .unwrap_or(bytes);
    let text = String::from_utf8_lossy(prefix);
    let mut folded = String::with_capacity(text.len());
    let mut last_space = true;
    for c in text.chars() {
        if c.is_whitespace() {
            if !last_space {
                folded.push(' ');
                last_space = true;
            }
        } else if !c.is_control() {
            folded.push(c);
            last_space = false;
        }
    }
    let redacted = redact_secrets(&folded);
    let trimmed = redacted.trim();
    let mut result: String = trimmed.chars().take(max_chars).collect();
    if trimmed.chars().count() > max_chars {
        result.push('…');
    }
    result
}

/// `text` with long token-like runs and the values of secret-named keys replaced.
fn redact_secrets(text: &str) -> String {
    const REDACTED: &str = "[redacted]";
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let mut state = SecretState::None;
    // Ends the current run: writes it (or its redaction) and moves the key state on.
    let flush = |run: &mut String, out: &mut String, state: &mut SecretState| {
        if run.is_empty() {
            return;
        }
        let lower = run.to_ascii_lowercase();
        let is_value = *state == SecretState::BeforeValue;
        let quoted = out.ends_with(['"', '\'']);
        let is_scheme = is_value && AUTH_SCHEMES.contains(&lower.as_str());
        let value_is_secret = is_value && !is_scheme && !HARMLESS_VALUES.contains(&lower.as_str());
        // `=` is a token character (base64 padding), so a form field `hash=abc` is one run.
        let form_field = run
            .split_once('=')
            .filter(|(key, _)| !is_value && !key.is_empty() && names_secret(key));
        if value_is_secret || run.chars().count() >= LONG_RUN_CHARS {
            out.push_str(REDACTED);
        } else if let Some((key, value)) = form_field {
            out.push_str(key);
            out.push('=');
            if value.is_empty() {
                *state = SecretState::BeforeValue;
                run.clear();
                return;
            }
            if HARMLESS_VALUES.contains(&value.to_ascii_lowercase().as_str()) {
                out.push_str(value);
            } else {
                out.push_str(REDACTED);
            }
        } else {
            out.push_str(run);
        }
        *state = if is_scheme {
            SecretState::BeforeValue
        } else if !is_value && names_secret(run) {
            SecretState::AfterKey {
                colon_ends_key: quoted || lower == "authorization",
            }
        } else {
            SecretState::None
        };
        run.clear();
    };
    for c in text.chars() {
        if let SecretState::InQuoted { quote, escaped } = state {
            state = if escaped {
                SecretState::InQuoted {
                    quote,
                    escaped: false,
                }
            } else if c == quote {
                out.push(c);
                SecretState::None
            } else {
                SecretState::InQuoted {
                    quote,
                    escaped: c == '\\',
                }
            };
            continue;
        }
        if is_run_char(c) {
            run.push(c);
            continue;
        }
        flush(&mut run, &mut out, &mut state);
        out.push(c);
        state = match (state, c) {
            (SecretState::AfterKey { .. }, '=')
            | (
                SecretState::AfterKey {
                    colon_ends_key: true,
                },
                ':',
            ) => SecretState::BeforeValue,
            (SecretState::AfterKey { colon_ends_key }, '"' | '\'' | ' ') => {
                SecretState::AfterKey { colon_ends_key }
            }
            (SecretState::BeforeValue, ' ') => SecretState::BeforeValue,
            (SecretState::BeforeValue, '"' | '\'') => {
                out.push_str(REDACTED);
                SecretState::InQuoted {
                    quote: c,
                    escaped: false,
                }
            }
            _ => SecretState::None,
        };
    }
    flush(&mut run, &mut out, &mut state);
    out
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn folds_whitespace_and_drops_controls() {
        assert_eq!(
            excerpt(b"<html>\n  <body>\x07 Bad   Gateway</body>", 100),
            "<html> <body> Bad Gateway</body>"
        );
    }

    #[test]
    fn redacts_token_like_runs() {
        let body = b"{\"key\":\"c2VjcmV0LWtleS12YWx1ZS0xMjM0NTY3ODkw\",\"m\":\"short\"}";
        let e = excerpt(body, 200);
        assert!(!e.contains("c2VjcmV0"), "{e}");
        assert!(e.contains("[redacted]"));
        assert!(e.contains("short"));
    }

    #[test]
    fn redacts_short_values_of_secret_keys() {
        let body = br#"{"status":{"code":"00"},"data":{"ctid":"C-1","pwt":"Ab3","Card_Number":"4111 1111","api-key":'k1'},"hash":"x", "note":"a key"}"#;
        let e = excerpt(body, 300);
        for secret in ["Ab3", "4111", "1111", "k1", "\"x\""] {
            assert!(!e.contains(secret), "{secret} in {e}");
        }
        assert!(e.contains(r#""pwt":"[redacted]""#), "{e}");
        assert!(e.contains(r#""api-key":'[redacted]'"#), "{e}");
        // What is not a secret stays readable: codes, ids, and the word "key" in prose.
        assert!(e.contains(r#""code":"00""#), "{e}");
        assert!(e.contains(r#""ctid":"C-1""#), "{e}");
        assert!(e.contains(r#""note":"a key""#), "{e}");
    }

    #[test]
    fn redacts_form_and_header_shaped_secrets() {
        let e = excerpt(
            b"merchant_id=m1&hash=abc&pwt=&amount=1.00&token_flag=1 Authorization: Basic dXM6cA",
            200,
        );
        assert_eq!(
            e,
            "merchant_id=m1&hash=[redacted]&pwt=&amount=1.00&token_flag=1 \
             Authorization: Basic [redacted]"
        );
        // A secret key whose value is null, a flag or an object is no secret; what the object
        // holds is judged by its own keys.
        let e = excerpt(br#"{"token":null,"secret":{"id":"7","key":"s"}}"#, 200);
        assert_eq!(
            e,
            r#"{"token":null,"secret":{"id":"7","key":"[redacted]"}}"#
        );
        // A provider's message naming a field is prose, not a secret.
        let e = excerpt(b"(hash: The hash field is required.) token: missing", 200);
        assert_eq!(e, "(hash: The hash field is required.) token: missing");
        // An escaped quote does not end a quoted secret.
        let e = excerpt(br#"{"pwt":"ab\"cd\\","m":"ok"}"#, 200);
        assert_eq!(e, r#"{"pwt":"[redacted]","m":"ok"}"#);
        // An unclosed quoted secret hides everything to the end.
        let e = excerpt(br#"{"pwt":"abc, def"#, 200);
        assert_eq!(e, r#"{"pwt":"[redacted]"#);
    }

    #[test]
    fn truncates_and_handles_invalid_utf8() {
        let e = excerpt(&[0xff, 0xfe, b'a', b'b'], 100);
        assert!(e.ends_with("ab"));
        let long = "word ".repeat(100);
        let e = excerpt(long.as_bytes(), 20);
        assert_eq!(e.chars().count(), 21);
        assert!(e.ends_with('…'));
    }
}
