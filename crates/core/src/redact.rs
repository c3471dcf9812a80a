//! Short, safe excerpts of untrusted text for error messages.

/// At most `max_chars` characters of `bytes` (lossy UTF-8), whitespace folded, control characters
/// dropped, and every token-like run (24 or more characters of `[A-Za-z0-9+/=_-]`: keys, hashes,
/// base64 blobs) replaced by `[redacted]`, so that an echoed credential never reaches a message.
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
    let mut out = String::with_capacity(folded.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().count() >= 24 {
            out.push_str("[redacted]");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '_' | '-') {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    let trimmed = out.trim();
    let mut result: String = trimmed.chars().take(max_chars).collect();
    if trimmed.chars().count() > max_chars {
        result.push('…');
    }
    result
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
    fn truncates_and_handles_invalid_utf8() {
        let e = excerpt(&[0xff, 0xfe, b'a', b'b'], 100);
        assert!(e.ends_with("ab"));
        let long = "word ".repeat(100);
        let e = excerpt(long.as_bytes(), 20);
        assert_eq!(e.chars().count(), 21);
        assert!(e.ends_with('…'));
    }
}
