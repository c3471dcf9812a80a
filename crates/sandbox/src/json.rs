//! A small JSON writer for the simulator's answers: keys in the order written (as the
//! providers send them) and numbers from their exact decimal text, never through `f64`.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use paygate_core::Decimal;

/// A JSON value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum J {
    /// A string.
    S(String),
    /// A number, as its text.
    N(String),
    /// `null`.
    Null,
    /// An object, keys in order.
    O(Vec<(&'static str, J)>),
    /// An array.
    A(Vec<J>),
}

impl J {
    /// A string.
    pub(crate) fn s(text: impl Into<String>) -> J {
        J::S(text.into())
    }

    /// A decimal number without trailing zeros (`1.5`, `100`).
    pub(crate) fn num(value: Decimal) -> J {
        J::N(value.normalize().to_string())
    }

    /// A decimal with `scale` decimals (`100.00`).
    pub(crate) fn fixed(value: Decimal, scale: u32) -> J {
        let mut v = value;
        v.rescale(scale);
        J::N(v.to_string())
    }

    /// An integer.
    pub(crate) fn int(value: impl Into<i128>) -> J {
        J::N(value.into().to_string())
    }

    fn write(&self, out: &mut String) {
        match self {
            J::S(s) => out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())),
            J::N(n) => out.push_str(n),
            J::Null => out.push_str("null"),
            J::O(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::to_string(k).unwrap_or_else(|_| "\"\"".into()));
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
            J::A(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write(out);
                }
                out.push(']');
            }
        }
    }

    /// Compact JSON text.
    pub(crate) fn text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    /// An `application/json` answer.
    pub(crate) fn respond(&self, status: StatusCode) -> Response {
        (
            status,
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            self.text(),
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn writes_ordered_exact_json() {
        let j = J::O(vec![
            ("z", J::num(Decimal::from_str("0.10").unwrap())),
            ("a", J::fixed(Decimal::from(100), 2)),
            ("s", J::s("a\"b/ü")),
            ("n", J::Null),
            ("l", J::A(vec![J::Null, J::int(7)])),
        ]);
        assert_eq!(
            j.text(),
            r#"{"z":0.1,"a":100.00,"s":"a\"b/ü","n":null,"l":[null,7]}"#
        );
    }
}

/// The text of a JSON string or number field (`"7771"` and `7771` alike); `null` or absent is
/// `None`. The simulator's own reader, so a bug in the clients' lenient reader cannot cancel
/// out in the tests it takes part in.
pub(crate) fn option_text<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::Deserialize;
    let Some(raw) = Option::<Box<serde_json::value::RawValue>>::deserialize(deserializer)? else {
        return Ok(None);
    };
    let text = raw.get();
    if text == "null" {
        return Ok(None);
    }
    if text.starts_with('"') {
        return serde_json::from_str::<String>(text)
            .map(Some)
            .map_err(serde::de::Error::custom);
    }
    if text.starts_with(['-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']) {
        return Ok(Some(text.to_owned()));
    }
    Err(serde::de::Error::custom("expected a string or a number"))
}

/// An exact decimal from a JSON string or number field's text (`"10.00"` or `10.00`), never
/// through `f64`; exponent forms and anything else are refused, as a strict provider would.
pub(crate) fn option_decimal<'de, D>(deserializer: D) -> Result<Option<Decimal>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    match option_text(deserializer)? {
        None => Ok(None),
        Some(text) => Decimal::from_str_exact(text.trim())
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

#[cfg(test)]
mod reader_tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Fields {
        #[serde(default, deserialize_with = "option_text")]
        text: Option<String>,
        #[serde(default, deserialize_with = "option_decimal")]
        amount: Option<Decimal>,
    }

    fn read(json: &str) -> Result<(Option<String>, Option<Decimal>), serde_json::Error> {
        serde_json::from_str::<Fields>(json).map(|f| (f.text, f.amount))
    }

    #[test]
    fn strings_numbers_and_exact_amounts() {
        use std::str::FromStr;
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(
            read(r#"{"text":"7771"}"#).unwrap().0.as_deref(),
            Some("7771")
        );
        assert_eq!(read(r#"{"text":7771}"#).unwrap().0.as_deref(), Some("7771"));
        assert_eq!(read(r#"{"text":null}"#).unwrap().0, None);
        assert_eq!(read("{}").unwrap(), (None, None));
        assert_eq!(read(r#"{"amount":10.00}"#).unwrap().1, Some(d("10.00")));
        assert_eq!(read(r#"{"amount":"0.1"}"#).unwrap().1, Some(d("0.1")));
        assert!(read(r#"{"amount":1e3}"#).is_err());
        assert!(read(r#"{"amount":"abc"}"#).is_err());
        assert!(read(r#"{"text":true}"#).is_err());
    }
}
