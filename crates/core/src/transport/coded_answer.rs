//! One reader for providers whose answers carry a code and a message — PayWay's `status`,
//! Finpay's `responseCode` — whatever the HTTP status (both send the same logical error with
//! 200, 400 or 403). The endpoint's own table says which codes are successes and which are
//! refusals; any other code is no refusal at all.

use serde::de::DeserializeOwned;

use super::HttpResponse;
use crate::error::{Error, ProviderError, ProviderErrorKind, Result, UnexpectedBody};
use crate::model::{NativeResponse, RawResponse};
use crate::operation::Operation;

// Hidden: the provider crates' coded-answer reading.
#[doc(hidden)]
/// An answer that carries the provider's code and message.
pub trait CodedAnswer {
    /// The code, as text (a JSON number `429` and a string `"429"` alike).
    fn code(&self) -> &str;
    /// The message, with any details the provider adds.
    fn message(&self) -> String;
}

// Hidden: the provider crates' code tables.
#[doc(hidden)]
/// Which codes an endpoint documents as success, and which as refusals (nothing was done).
pub trait CodeTable {
    /// True for a success code.
    fn is_success(&self, code: &str) -> bool;
    /// The kind of a documented refusal; `None` for a code that is not one.
    fn refusal_kind(&self, code: &str) -> Option<ProviderErrorKind>;
}

// Hidden: the provider crates' one reader of coded answers.
#[doc(hidden)]
/// Reads an answer of `table`'s endpoint into `T`, parsing the body once in the usual case:
///
/// - not JSON → [`UnexpectedBody`];
/// - a success code with HTTP 2xx → the typed body; with another status → [`UnexpectedBody`];
/// - a documented refusal → [`ProviderError`] of its kind (refined by the HTTP status and
///   `Retry-After`);
/// - any other code → [`UnexpectedBody::unrecognised_code`] (on a write: outcome unknown);
/// - JSON that is not `T`: read again as the bare envelope `E` to classify it; a success code
///   there means an answer of an unexpected shape.
pub fn read_coded_answer<T, E>(
    provider: &'static str,
    operation: Operation,
    table: &dyn CodeTable,
    response: &HttpResponse,
) -> Result<NativeResponse<T>>
where
    T: DeserializeOwned + CodedAnswer,
    E: DeserializeOwned + CodedAnswer,
{
    let unexpected =
        |reason: String| Error::from(UnexpectedBody::new(provider, operation, response, reason));
    if !response.looks_like_json() {
        return Err(unexpected("expected a JSON answer".into()));
    }
    let typed = serde_json::from_slice::<T>(&response.body);
    let code = match &typed {
        Ok(body) => body.code().to_owned(),
        Err(shape) => {
            let envelope: E = serde_json::from_slice(&response.body)
                .map_err(|e| unexpected(format!("not {provider}'s JSON: {e}")))?;
            if table.is_success(envelope.code()) {
                return Err(unexpected(format!(
                    "{provider}'s JSON of an unexpected shape: {shape}"
                )));
            }
            return Err(refusal(provider, operation, table, response, &envelope));
        }
    };
    let body = match typed {
        Ok(body) if table.is_success(&code) => body,
        Ok(body) => return Err(refusal(provider, operation, table, response, &body)),
        Err(_) => return Err(unexpected("unreadable answer".into())),
    };
    if !(200..300).contains(&response.status) {
        return Err(unexpected(format!(
            "success code {code} with HTTP {}",
            response.status
        )));
    }
    Ok(NativeResponse {
        body,
        raw: RawResponse::from(response),
    })
}

/// A non-success code: a [`ProviderError`] when the table documents it as a refusal, else an
/// [`UnexpectedBody`].
fn refusal(
    provider: &'static str,
    operation: Operation,
    table: &dyn CodeTable,
    response: &HttpResponse,
    answer: &dyn CodedAnswer,
) -> Error {
    let code = answer.code();
    let message = answer.message();
    match table.refusal_kind(code) {
        Some(kind) => ProviderError::new(provider, operation, kind.refined_by(response), message)
            .with_http_status(response.status)
            .with_code(code)
            .into(),
        None => {
            UnexpectedBody::unrecognised_code(provider, operation, response, code, &message).into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorClass;

    #[derive(Debug, serde::Deserialize)]
    struct Answer {
        code: String,
        amount: u32,
    }

    #[derive(serde::Deserialize)]
    struct Envelope {
        code: String,
    }

    impl CodedAnswer for Answer {
        fn code(&self) -> &str {
            &self.code
        }
        fn message(&self) -> String {
            String::new()
        }
    }

    impl CodedAnswer for Envelope {
        fn code(&self) -> &str {
            &self.code
        }
        fn message(&self) -> String {
            "refused".into()
        }
    }

    struct Table;

    impl CodeTable for Table {
        fn is_success(&self, code: &str) -> bool {
            code == "00"
        }
        fn refusal_kind(&self, code: &str) -> Option<ProviderErrorKind> {
            (code == "NO").then_some(ProviderErrorKind::InvalidState)
        }
    }

    fn read(status: u16, body: &str, operation: Operation) -> Result<u32> {
        let response = HttpResponse::json(status, body.as_bytes().to_vec());
        read_coded_answer::<Answer, Envelope>("test", operation, &Table, &response)
            .map(|n| n.body.amount)
    }

    #[test]
    fn success_refusal_unrecognised_and_shapes() {
        let w = Operation::Refund;
        assert_eq!(read(200, r#"{"code":"00","amount":5}"#, w).unwrap(), 5);
        let refused = read(403, r#"{"code":"NO"}"#, w).unwrap_err();
        assert_eq!(refused.class(), ErrorClass::Provider, "{refused}");
        let odd = read(200, r#"{"code":"0","amount":5}"#, w).unwrap_err();
        assert_eq!(odd.class(), ErrorClass::OutcomeUnknown, "{odd}");
        let odd_read = read(200, r#"{"code":"0"}"#, Operation::PaymentStatus).unwrap_err();
        assert_eq!(odd_read.class(), ErrorClass::UnexpectedBody, "{odd_read}");
        let shape = read(200, r#"{"code":"00","amount":"x"}"#, w).unwrap_err();
        assert!(shape.to_string().contains("unexpected shape"), "{shape}");
        let status = read(500, r#"{"code":"00","amount":5}"#, w).unwrap_err();
        assert!(status.to_string().contains("with HTTP 500"), "{status}");
        let html = HttpResponse::new(502, b"<html>".to_vec());
        let err = read_coded_answer::<Answer, Envelope>("test", w, &Table, &html).unwrap_err();
        assert!(err.to_string().contains("not test's JSON"), "{err}");
    }
}
