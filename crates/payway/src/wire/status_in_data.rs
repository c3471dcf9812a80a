//! Where an answer's `status` is: at the top, as every captured answer has it, or inside
//! `data`, where PayWay's own schema for check-transaction and transaction-detail lists it.
//! Both are read; the top one wins when both are there. `data` is read from its exact text
//! (amounts never pass through a float).

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::Status;

/// An answer before its `status` is found.
#[derive(Deserialize)]
pub(crate) struct Envelope {
    #[serde(default)]
    data: Option<Box<RawValue>>,
    #[serde(default)]
    status: Option<Status>,
}

/// `data` read for a `status` object only.
#[derive(Deserialize)]
struct StatusInData {
    #[serde(default)]
    status: Option<Status>,
}

impl Envelope {
    /// The `status` at the top, else the one inside `data`.
    pub(crate) fn status(&self) -> Result<Status, String> {
        if let Some(status) = &self.status {
            return Ok(status.clone());
        }
        self.data
            .as_ref()
            .and_then(|data| serde_json::from_str::<StatusInData>(data.get()).ok())
            .and_then(|inner| inner.status)
            .ok_or_else(|| "missing field `status` (neither at the top nor in `data`)".to_owned())
    }

    /// `data` as `D` (`None` when absent or `null`).
    pub(crate) fn data<D: DeserializeOwned>(&self) -> Result<Option<D>, String> {
        match &self.data {
            None => Ok(None),
            Some(raw) if raw.get().trim() == "null" => Ok(None),
            Some(raw) => serde_json::from_str(raw.get())
                .map(Some)
                .map_err(|e| format!("data: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::CheckTransactionResponse;

    #[test]
    fn status_is_found_at_the_top_or_in_data() {
        let top: CheckTransactionResponse = serde_json::from_str(
            r#"{"data":{"payment_status_code":0,"total_amount":0.1},"status":{"code":"00","message":"Success!"}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let inside: CheckTransactionResponse = serde_json::from_str(
            r#"{"data":{"payment_status_code":0,"total_amount":0.1,"status":{"code":"00","message":"Success!"}}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(top, inside);
        assert_eq!(
            inside.data.and_then(|d| d.total_amount),
            Some("0.1".parse().unwrap_or_default())
        );
        // The top one wins; neither is an error.
        let both: CheckTransactionResponse =
            serde_json::from_str(r#"{"data":{"status":{"code":"6"}},"status":{"code":"00"}}"#)
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(both.status.code, "00");
        let neither = serde_json::from_str::<CheckTransactionResponse>(r#"{"data":{}}"#);
        assert!(neither.is_err());
        // A `status` word inside data (not an object) is not the outcome.
        let word = serde_json::from_str::<CheckTransactionResponse>(r#"{"data":{"status":"OK"}}"#);
        assert!(word.is_err());
        // Amounts keep every digit.
        let exact: CheckTransactionResponse = serde_json::from_str(
            r#"{"data":{"total_amount":12345678901234567.01,"status":{"code":"00"}}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            exact
                .data
                .and_then(|d| d.total_amount)
                .map(|a| a.to_string()),
            Some("12345678901234567.01".to_owned())
        );
    }
}
