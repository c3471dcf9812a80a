//! Tolerant field decoders for provider JSON: numbers that arrive as strings (and the reverse),
//! and decimal amounts read **from the number's text**, never through `f64`.
//!
//! Use with `#[serde(deserialize_with = "paygate_core::lenient::decimal")]` on structs read with
//! `serde_json::from_slice`/`from_str`. The amount readers need serde_json's own deserializer
//! (they capture the raw number text), so they do not work inside `#[serde(flatten)]`,
//! `#[serde(untagged)]` or through `serde_json::Value`; providers keep unknown fields in the
//! raw body instead.

use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use serde_json::value::RawValue;
use std::fmt;

use crate::money::parse_plain_decimal;

/// Reads a decimal from a JSON number or numeric string, exactly: `0.1` is 1/10, not
/// 0.1000000000000000055…; `1e2` is 100. Rejects `1e308`, NaN-like text and booleans.
pub fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let raw: Box<RawValue> = Deserialize::deserialize(d)?;
    decimal_from_json_text(raw.get())
        .map_err(de::Error::custom)?
        .ok_or_else(|| de::Error::custom("expected an amount, found null"))
}

/// As [`decimal`], with `null`, absent and `""` read as `None`.
pub fn option_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    let raw: Option<Box<RawValue>> = Deserialize::deserialize(d)?;
    match raw {
        None => Ok(None),
        Some(raw) => decimal_from_json_text(raw.get()).map_err(de::Error::custom),
    }
}

/// Parses the JSON text of one value (number, string, or null) as a decimal.
pub fn decimal_from_json_text(text: &str) -> Result<Option<Decimal>, String> {
    let text = text.trim();
    if text == "null" {
        return Ok(None);
    }
    if text.starts_with('"') {
        let inner: String =
            serde_json::from_str(text).map_err(|e| format!("bad string amount: {e}"))?;
        let inner = inner.trim();
        if inner.is_empty() {
            return Ok(None);
        }
        return parse_number_text(inner).map(Some);
    }
    if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        return parse_number_text(text).map(Some);
    }
    Err(format!(
        "expected an amount (number or numeric string), found {}",
        crate::redact::excerpt(text.as_bytes(), 20)
    ))
}

/// A JSON number's text (`-12.50`, `1e2`, `1.5E-3`) as an exact decimal.
fn parse_number_text(text: &str) -> Result<Decimal, String> {
    if text.contains(['e', 'E']) {
        // Exponent form: refuse exponents that cannot be an amount before allocating anything.
        let (mantissa, exponent) = text
            .split_once(['e', 'E'])
            .ok_or_else(|| format!("bad number {text:?}"))?;
        let exponent: i32 = exponent
            .trim_start_matches('+')
            .parse()
            .map_err(|_| format!("bad exponent in {text:?}"))?;
        if !(-28..=28).contains(&exponent) {
            return Err(format!(
                "amount out of range: {}",
                crate::redact::excerpt(text.as_bytes(), 30)
            ));
        }
        let mut base = parse_signed_plain(mantissa)?;
        let scaled = if exponent >= 0 {
            // 10^28 fits an i128 and a Decimal; an i64 holds only up to 10^18.
            Decimal::try_from_i128_with_scale(10i128.pow(exponent.unsigned_abs()), 0)
                .ok()
                .and_then(|power| base.checked_mul(power))
        } else {
            // Shifting the decimal point keeps the digits exactly: 1.5e-1 is 0.15.
            base.set_scale(base.scale() + exponent.unsigned_abs())
                .ok()
                .map(|()| base)
        };
        return scaled.ok_or_else(|| format!("amount out of range: {text}"));
    }
    parse_signed_plain(text)
}

fn parse_signed_plain(text: &str) -> Result<Decimal, String> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let value = parse_plain_decimal(digits).map_err(|e| e.to_string())?;
    Ok(if negative { -value } else { value })
}

/// Reads a string from a JSON string or number (keeping the number's exact text), e.g. a
/// status code that is `"00"` on one endpoint and `6` on another.
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_any(StringOrNumber)?
        .ok_or_else(|| de::Error::custom("expected a string or number, found null"))
}

/// As [`string`], with `null` and absent read as `None`.
pub fn option_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(StringOrNumber)
}

struct StringOrNumber;

impl<'de> Visitor<'de> for StringOrNumber {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or a number")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, _v: f64) -> Result<Self::Value, E> {
        // A fractional "code" or "id" is not an id: refuse rather than round.
        Err(E::custom(
            "expected a string or an integer, found a fractional number",
        ))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(StringOrNumber)
    }
}

/// Reads an integer from a JSON integer or an integer string (`4` or `"4"`).
pub fn integer<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    option_integer(d)?.ok_or_else(|| de::Error::custom("expected an integer, found null"))
}

/// As [`integer`], with `null`, absent and `""` read as `None`.
pub fn option_integer<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match d.deserialize_any(StringOrNumber)? {
        None => Ok(None),
        Some(text) if text.trim().is_empty() => Ok(None),
        Some(text) => text.trim().parse::<i64>().map(Some).map_err(|_| {
            de::Error::custom(format!(
                "expected an integer, found {:?}",
                crate::redact::excerpt(text.as_bytes(), 20)
            ))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[derive(Debug, Deserialize)]
    struct Amounts {
        #[serde(deserialize_with = "decimal")]
        total: Decimal,
        #[serde(default, deserialize_with = "option_decimal")]
        refunded: Option<Decimal>,
        #[serde(default, deserialize_with = "option_string")]
        code: Option<String>,
        #[serde(default, deserialize_with = "option_integer")]
        status: Option<i64>,
    }

    fn read(json: &str) -> Result<Amounts, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn json_numbers_round_trip_exactly() {
        for (json, exact) in [
            ("0.1", "0.1"),
            ("1.99", "1.99"),
            ("0.30000000000000004", "0.30000000000000004"),
            ("100.00", "100.00"),
            ("1.005", "1.005"),
            ("9999999999999999.99", "9999999999999999.99"),
            (
                "12345678901234567890.123456789",
                "12345678901234567890.123456789",
            ),
            ("\"1.5\"", "1.5"),
            ("\" 7.25 \"", "7.25"),
            ("1e2", "100"),
            ("1.5E-1", "0.15"),
            ("-2.50", "-2.50"),
        ] {
            let a =
                read(&format!("{{\"total\":{json}}}")).unwrap_or_else(|e| panic!("{json}: {e}"));
            assert_eq!(a.total, Decimal::from_str(exact).unwrap(), "{json}");
            assert_eq!(a.total.to_string(), exact.replace("1e2", "100"), "{json}");
        }
    }

    #[test]
    fn hostile_numbers_are_errors_not_panics() {
        for json in [
            "1e308",
            "-1e308",
            "1e-400",
            "true",
            "[1]",
            "{\"a\":1}",
            "\"ten\"",
            "\"1e5e5\"",
            "\"NaN\"",
            "\"0x10\"",
            "123456789012345678901234567890123",
            "null",
        ] {
            assert!(read(&format!("{{\"total\":{json}}}")).is_err(), "{json}");
        }
    }

    /// Found by the `webhooks` fuzz target: 10^19 and above overflowed an i64 power of ten.
    #[test]
    fn large_exponents_are_exact_or_out_of_range() {
        for (json, expected) in [
            ("1e18", Some("1000000000000000000")),
            ("1e19", Some("10000000000000000000")),
            ("15E22", Some("150000000000000000000000")),
            ("1e28", Some("10000000000000000000000000000")),
            ("150222222222E22", None),
            ("9e28", None),
            ("1e29", None),
        ] {
            let got = read(&format!("{{\"total\":{json}}}"))
                .map(|a| a.total.to_string())
                .ok();
            match expected {
                Some(text) => assert_eq!(got.as_deref(), Some(text), "{json}"),
                None => assert!(got.is_none(), "{json}: {got:?}"),
            }
        }
    }

    #[test]
    fn optional_amounts_and_codes() {
        let a = read(r#"{"total":1,"refunded":null,"code":"00","status":"4"}"#).unwrap();
        assert_eq!(a.refunded, None);
        assert_eq!(a.code.as_deref(), Some("00"));
        assert_eq!(a.status, Some(4));
        let a = read(r#"{"total":1,"refunded":"","code":6,"status":4}"#).unwrap();
        assert_eq!(a.refunded, None);
        assert_eq!(a.code.as_deref(), Some("6"));
        assert_eq!(a.status, Some(4));
        let a = read(r#"{"total":1}"#).unwrap();
        assert_eq!((a.refunded, a.code, a.status), (None, None, None));
        assert!(read(r#"{"total":1,"code":1.5}"#).is_err());
        assert!(read(r#"{"total":1,"status":"four"}"#).is_err());
    }
}
