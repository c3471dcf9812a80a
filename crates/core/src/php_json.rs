//! PHP's `json_encode(json_decode($body, true))`, for verifying signatures that providers
//! compute in PHP (Finpay's callback, PayWay's pushback).
//!
//! What PHP does, and this module reproduces (PHP ≥ 7.1 defaults):
//! - compact output, keys in their original order; a duplicate key keeps its first position
//!   and its last value;
//! - `/` escaped as `\/` and non-ASCII as `\uXXXX` (UTF-16, lowercase hex) unless
//!   [`PhpJsonFlags`] unescapes them; `"`, `\`, `\b \f \n \r \t` short escapes; other control
//!   characters `\u00XX`;
//! - integers as written (`-0` → `0`); other numbers as PHP floats: the shortest round-trip
//!   digits, no `.0` on whole values (`100.0` → `100`), exponent form below 1e-4 and from 1e17
//!   (`1.5e-5`, `1.0e+17`); integers beyond 64 bits become floats;
//! - `{}` becomes `[]`, and an object whose keys are `"0"`, `"1"`, … in order becomes an array
//!   (PHP arrays do not remember which they were).
//!
//! Numbers are handled from their decimal text; only numbers of more than 15 significant
//! digits, where PHP's binary rounding shows, go through `f64` to get PHP's digits. (Verified
//! against PHP 8.2's own output; see the tests.)

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt::{self, Write as _};

/// `json_encode` flags that change the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PhpJsonFlags {
    /// `JSON_UNESCAPED_SLASHES`.
    pub unescaped_slashes: bool,
    /// `JSON_UNESCAPED_UNICODE`.
    pub unescaped_unicode: bool,
}

impl PhpJsonFlags {
    /// PHP's defaults.
    pub const DEFAULT: PhpJsonFlags = PhpJsonFlags {
        unescaped_slashes: false,
        unescaped_unicode: false,
    };
    /// `JSON_UNESCAPED_SLASHES`.
    pub const UNESCAPED_SLASHES: PhpJsonFlags = PhpJsonFlags {
        unescaped_slashes: true,
        unescaped_unicode: false,
    };
    /// `JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE`.
    pub const UNESCAPED_SLASHES_AND_UNICODE: PhpJsonFlags = PhpJsonFlags {
        unescaped_slashes: true,
        unescaped_unicode: true,
    };
}

/// Deepest nesting accepted (PHP's own default depth is 512; providers send a handful).
const MAX_DEPTH: usize = 64;

/// An object's members in order, values kept as raw JSON text.
struct Members(Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut members: Vec<(String, Box<RawValue>)> = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, Box<RawValue>>()? {
                    match members.iter_mut().find(|(k, _)| *k == key) {
                        Some(slot) => slot.1 = value,
                        None => members.push((key, value)),
                    }
                }
                Ok(Members(members))
            }
        }
        d.deserialize_map(V)
    }
}

/// The members of the JSON object `body`, in order, values as raw text.
pub fn object_members(body: &[u8]) -> Result<Vec<(String, Box<RawValue>)>, String> {
    let members: Members =
        serde_json::from_slice(body).map_err(|e| format!("not a JSON object: {e}"))?;
    Ok(members.0)
}

/// `json_encode(json_decode($body, true))` with `$body`'s top-level `drop` key removed.
pub fn reencode_without(body: &[u8], drop: &str, flags: PhpJsonFlags) -> Result<String, String> {
    let members: Vec<(String, Box<RawValue>)> = object_members(body)?
        .into_iter()
        .filter(|(k, _)| k != drop)
        .collect();
    let mut out = String::with_capacity(body.len() + body.len() / 8);
    encode_members(&members, flags, &mut out, 0)?;
    Ok(out)
}

/// `json_encode(json_decode($text, true))`.
pub fn reencode(text: &str, flags: PhpJsonFlags) -> Result<String, String> {
    let raw: Box<RawValue> = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let mut out = String::with_capacity(text.len());
    encode_value(raw.get(), flags, &mut out, 0)?;
    Ok(out)
}

fn encode_value(
    text: &str,
    flags: PhpJsonFlags,
    out: &mut String,
    depth: usize,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH} levels"));
    }
    let text = text.trim();
    match text.as_bytes().first() {
        Some(b'{') => {
            let members: Members = serde_json::from_str(text).map_err(|e| e.to_string())?;
            encode_members(&members.0, flags, out, depth)
        }
        Some(b'[') => {
            let items: Vec<Box<RawValue>> =
                serde_json::from_str(text).map_err(|e| e.to_string())?;
            encode_list(items.iter().map(|v| v.get()), flags, out, depth)
        }
        Some(b'"') => {
            let s: String = serde_json::from_str(text).map_err(|e| e.to_string())?;
            encode_string(&s, flags, out);
            Ok(())
        }
        Some(b't') | Some(b'f') | Some(b'n') => {
            out.push_str(text);
            Ok(())
        }
        Some(_) => encode_number(text, out),
        None => Err("empty value".into()),
    }
}

fn encode_list<'a>(
    items: impl Iterator<Item = &'a str>,
    flags: PhpJsonFlags,
    out: &mut String,
    depth: usize,
) -> Result<(), String> {
    out.push('[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        encode_value(item, flags, out, depth + 1)?;
    }
    out.push(']');
    Ok(())
}

fn encode_members(
    members: &[(String, Box<RawValue>)],
    flags: PhpJsonFlags,
    out: &mut String,
    depth: usize,
) -> Result<(), String> {
    let is_list = members
        .iter()
        .enumerate()
        .all(|(i, (k, _))| *k == i.to_string());
    if is_list {
        // Includes `{}` → `[]`.
        return encode_list(members.iter().map(|(_, v)| v.get()), flags, out, depth);
    }
    out.push('{');
    for (i, (key, value)) in members.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        encode_string(key, flags, out);
        out.push(':');
        encode_value(value.get(), flags, out, depth + 1)?;
    }
    out.push('}');
    Ok(())
}

fn encode_string(s: &str, flags: PhpJsonFlags, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' if !flags.unescaped_slashes => out.push_str("\\/"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c if !c.is_ascii() && !flags.unescaped_unicode => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn encode_number(text: &str, out: &mut String) -> Result<(), String> {
    format_number(text, FloatStyle::JSON_ENCODE, out)
}

/// PHP's `(string)` of a decoded JSON number, as `$s .= $value` produces it (`precision=14`):
/// `100.0` → `100`, `1e14` → `1.0E+14`, `0.30000000000000004` → `0.3`.
pub fn string_cast_of_number(text: &str) -> Result<String, String> {
    let mut out = String::new();
    format_number(text.trim(), FloatStyle::STRING_CAST, &mut out)?;
    Ok(out)
}

/// How PHP prints a float: `json_encode` (`serialize_precision=-1`: shortest round-trip
/// digits, exponent from 1e17, `e`) or a string cast (`precision=14`: 14 significant digits,
/// exponent from 1e14, `E`).
#[derive(Clone, Copy)]
struct FloatStyle {
    /// `None` for shortest round-trip, else significant digits.
    significant: Option<usize>,
    /// Exponent form when the first digit's power of ten is at least this.
    exponent_from: i64,
    exponent_char: char,
}

impl FloatStyle {
    const JSON_ENCODE: FloatStyle = FloatStyle {
        significant: None,
        exponent_from: 17,
        exponent_char: 'e',
    };
    const STRING_CAST: FloatStyle = FloatStyle {
        significant: Some(14),
        exponent_from: 14,
        exponent_char: 'E',
    };
}

fn format_number(text: &str, style: FloatStyle, out: &mut String) -> Result<(), String> {
    let is_integer_text = !text.contains(['.', 'e', 'E']);
    if is_integer_text && let Ok(i) = text.parse::<i64>() {
        let _ = write!(out, "{i}");
        return Ok(());
    }
    // A PHP float (a non-integer, or an integer beyond 64 bits).
    let (negative, mut digits, mut exponent) = decimal_parts(text)?;
    let exact_limit = style.significant.unwrap_or(15);
    if digits.len() > exact_limit || !(-307..=307).contains(&exponent) {
        // Only binary rounding reproduces PHP here (long mantissas, overflow to infinity,
        // underflow to zero): take the double's digits, as PHP does. This rebuilds the bytes
        // PHP signs; it is not money.
        let (d, e) = double_digits(text, style.significant)?;
        digits = d;
        exponent = e;
    }
    if negative {
        out.push('-');
    }
    if digits.is_empty() {
        out.push('0');
        return Ok(());
    }
    // php_gcvt: exponent form when the point would sit more than 3 places before the first
    // digit or past the style's limit.
    if exponent < -4 || exponent >= style.exponent_from {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() { "0" } else { rest };
        let sign = if exponent < 0 { '-' } else { '+' };
        let _ = write!(
            out,
            "{first}.{rest}{}{sign}{}",
            style.exponent_char,
            exponent.unsigned_abs()
        );
    } else if exponent < 0 {
        out.push_str("0.");
        for _ in 0..(exponent.unsigned_abs() - 1) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let whole_len = usize::try_from(exponent).unwrap_or(0) + 1;
        if digits.len() <= whole_len {
            out.push_str(&digits);
            for _ in digits.len()..whole_len {
                out.push('0');
            }
        } else {
            let (whole, fraction) = digits.split_at(whole_len);
            let _ = write!(out, "{whole}.{fraction}");
        }
    }
    Ok(())
}

/// The digits of the double nearest to `text` (shortest round-trip, or rounded to
/// `significant` digits), without trailing zeros, and the power of ten of the first digit.
fn double_digits(text: &str, significant: Option<usize>) -> Result<(String, i64), String> {
    let value: f64 = text.parse().map_err(|_| format!("bad number {text:?}"))?;
    if !value.is_finite() {
        return Err(format!("number out of range {text:?}"));
    }
    // `{:e}` prints the shortest round-trip digits ("1.2345678901234568e16"); `{:.13e}`
    // rounds correctly to 14 significant digits.
    let formatted = match significant {
        None => format!("{:e}", value.abs()),
        Some(n) => format!("{:.*e}", n.saturating_sub(1), value.abs()),
    };
    let (mantissa, exp) = formatted
        .split_once('e')
        .ok_or_else(|| format!("bad number {text:?}"))?;
    let exponent: i64 = exp.parse().map_err(|_| format!("bad number {text:?}"))?;
    let digits = mantissa.replace('.', "").trim_end_matches('0').to_owned();
    Ok((digits, exponent))
}

/// Sign, significant digits (no leading/trailing zeros) and the power of ten of the first
/// digit, read from a JSON number's text.
fn decimal_parts(text: &str) -> Result<(bool, String, i64), String> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exp_part) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (unsigned, None),
    };
    let exp: i64 = match exp_part {
        Some(e) => e
            .trim_start_matches('+')
            .parse()
            .map_err(|_| format!("bad number {text:?}"))?,
        None => 0,
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.is_empty()
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return Err(format!("bad number {text:?}"));
    }
    let all = format!("{whole}{fraction}");
    let leading = all.len() - all.trim_start_matches('0').len();
    let significant = all.trim_start_matches('0').trim_end_matches('0').to_owned();
    let whole_len = i64::try_from(whole.len()).map_err(|e| e.to_string())?;
    let leading = i64::try_from(leading).map_err(|e| e.to_string())?;
    let exponent = exp
        .checked_add(whole_len - 1 - leading)
        .ok_or_else(|| format!("number out of range {text:?}"))?;
    Ok((negative, significant, exponent))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn php(text: &str) -> String {
        reencode(text, PhpJsonFlags::DEFAULT).unwrap()
    }

    /// Expected values were printed by PHP 8.2.35's `json_encode(json_decode($x, true))`.
    #[test]
    fn numbers_like_php() {
        for (input, expected) in [
            ("1000", "1000"),
            ("-0", "0"),
            ("0.1", "0.1"),
            ("0.10", "0.1"),
            ("100.0", "100"),
            ("1e2", "100"),
            ("1.5", "1.5"),
            ("0.0001", "0.0001"),
            ("0.00001", "1.0e-5"),
            ("0.000015", "1.5e-5"),
            ("0.00012", "0.00012"),
            ("0.000012", "1.2e-5"),
            ("1e15", "1000000000000000"),
            ("1e16", "10000000000000000"),
            ("1e17", "1.0e+17"),
            ("1.5e16", "15000000000000000"),
            ("1.0E+25", "1.0e+25"),
            ("123.456e3", "123456"),
            ("123456789012345.0", "123456789012345"),
            ("1234567890123456.0", "1234567890123456"),
            ("12345678901234567.0", "12345678901234568"),
            ("123456789012345678", "123456789012345678"),
            ("9223372036854775808", "9.223372036854776e+18"),
            ("18446744073709551616", "1.8446744073709552e+19"),
            ("-9223372036854775808", "-9223372036854775808"),
            ("-9223372036854775809", "-9.223372036854776e+18"),
            ("0.30000000000000004", "0.30000000000000004"),
            ("1.00000000000000001", "1"),
            ("99999999999999999999.5", "1.0e+20"),
            ("5e-324", "5.0e-324"),
            ("-2.50", "-2.5"),
            ("0.0", "0"),
            ("-0.0", "-0"),
            ("0.9721949100494385", "0.9721949100494385"),
        ] {
            assert_eq!(php(input), expected, "{input}");
        }
        // PHP's json_encode fails on infinity; so do we.
        assert!(reencode("1e400", PhpJsonFlags::DEFAULT).is_err());
        assert_eq!(php("1e-400"), "0");
    }

    /// Expected values were printed by PHP 8.2.35's `"" . json_decode($x, true)`.
    #[test]
    fn string_casts_like_php() {
        for (input, expected) in [
            ("100.0", "100"),
            ("0.1", "0.1"),
            ("1e15", "1.0E+15"),
            ("1e14", "1.0E+14"),
            ("1e13", "10000000000000"),
            ("123456789012345.6", "1.2345678901235E+14"),
            ("0.00001", "1.0E-5"),
            ("0.0001", "0.0001"),
            ("1.5", "1.5"),
            ("12345678901234567", "12345678901234567"),
            ("0.30000000000000004", "0.3"),
            ("-0.0", "-0"),
            ("1e-400", "0"),
            ("9223372036854775808", "9.2233720368548E+18"),
        ] {
            assert_eq!(string_cast_of_number(input).unwrap(), expected, "{input}");
        }
    }

    #[test]
    fn strings_like_php() {
        assert_eq!(php(r#""INV/1""#), r#""INV\/1""#);
        assert_eq!(php(r#""café ☕ 😀""#), r#""caf\u00e9 \u2615 \ud83d\ude00""#);
        assert_eq!(
            php(r#""a\"b\\c\n\t\u0001<>&'""#),
            r#""a\"b\\c\n\t\u0001<>&'""#
        );
        assert_eq!(
            reencode(r#""INV/1 café""#, PhpJsonFlags::UNESCAPED_SLASHES).unwrap(),
            r#""INV/1 caf\u00e9""#
        );
        assert_eq!(
            reencode(
                r#""INV/1 café""#,
                PhpJsonFlags::UNESCAPED_SLASHES_AND_UNICODE
            )
            .unwrap(),
            r#""INV/1 café""#
        );
    }

    #[test]
    fn structure_like_php() {
        assert_eq!(
            php(r#"{ "b" : 1 , "a" : [ 1 , {} , [] ] }"#),
            r#"{"b":1,"a":[1,[],[]]}"#
        );
        assert_eq!(php(r#"{"0":"x","1":"y"}"#), r#"["x","y"]"#);
        assert_eq!(php(r#"{"1":"x","0":"y"}"#), r#"{"1":"x","0":"y"}"#);
        assert_eq!(php(r#"{"a":1,"b":2,"a":3}"#), r#"{"a":3,"b":2}"#);
        assert_eq!(
            php(r#"{"meta":{"data":null},"t":true}"#),
            r#"{"meta":{"data":null},"t":true}"#
        );
    }

    #[test]
    fn drops_the_signature_member() {
        let body = br#"{"order":{"id":"A/1"},"signature":"abc","x":1}"#;
        assert_eq!(
            reencode_without(body, "signature", PhpJsonFlags::DEFAULT).unwrap(),
            r#"{"order":{"id":"A\/1"},"x":1}"#
        );
    }

    #[test]
    fn hostile_input_is_an_error_not_a_panic() {
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        assert!(reencode(&deep, PhpJsonFlags::DEFAULT).is_err());
        for bad in [
            "",
            "{",
            "[1,",
            "\"\\x\"",
            "01",
            "1e99999999999999999999",
            "NaN",
        ] {
            assert!(reencode(bad, PhpJsonFlags::DEFAULT).is_err(), "{bad}");
        }
        assert!(reencode_without(b"[1]", "signature", PhpJsonFlags::DEFAULT).is_err());
        assert!(reencode_without(&[0xff, 0xfe], "signature", PhpJsonFlags::DEFAULT).is_err());
    }
}
