//! The output: one row per input row, as CSV (flat columns, empty when missing) or as one
//! JSON document (`null` when missing, amounts as `{amount, currency}`), always complete —
//! an interrupted run closes its JSON array and writes whole CSV rows — and the summary.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufWriter, Write};

use paygate::{Error, Money};
use serde::Serialize;
use serde_json::{Value, json};

/// One checked row.
#[derive(Debug, Default)]
pub(super) struct OutputRow {
    pub(super) line: u64,
    pub(super) order_id: String,
    pub(super) status: Option<String>,
    pub(super) provider_status: Option<String>,
    pub(super) amount: Option<Money>,
    pub(super) refunded: Option<Money>,
    pub(super) expected_amount: Option<String>,
    pub(super) expected_status: Option<String>,
    pub(super) mismatch: bool,
    pub(super) error: Option<Error>,
}

/// The CSV form: the columns of earlier versions first (`mismatch` is the 9th,
/// `error_class` the 10th), then `line`.
#[derive(Serialize)]
struct CsvRow<'a> {
    order_id: &'a str,
    status: Option<&'a str>,
    provider_status: Option<&'a str>,
    amount: Option<String>,
    currency: Option<String>,
    refunded: Option<String>,
    expected_amount: Option<&'a str>,
    expected_status: Option<&'a str>,
    mismatch: bool,
    error_class: Option<&'a str>,
    error: Option<String>,
    line: u64,
}

impl OutputRow {
    fn csv(&self) -> CsvRow<'_> {
        CsvRow {
            order_id: &self.order_id,
            status: self.status.as_deref(),
            provider_status: self.provider_status.as_deref(),
            amount: self.amount.map(|m| m.format_amount()),
            currency: self.amount.map(|m| m.currency().code().to_owned()),
            refunded: self.refunded.map(|m| m.format_amount()),
            expected_amount: self.expected_amount.as_deref(),
            expected_status: self.expected_status.as_deref(),
            mismatch: self.mismatch,
            error_class: self.error.as_ref().map(|e| e.class().name()),
            error: self.error.as_ref().map(ToString::to_string),
            line: self.line,
        }
    }

    fn json(&self) -> Value {
        json!({
            "line": self.line,
            // A row that could not be read has no order id: `null`, never empty.
            "order_id": (!self.order_id.is_empty()).then_some(&self.order_id),
            "status": self.status,
            "provider_status": self.provider_status,
            "amount": crate::ops::money_json(self.amount),
            "refunded": crate::ops::money_json(self.refunded),
            // As the input wrote it, in the payment's currency (`null` when it is unknown).
            "expected_amount": self.expected_amount.as_ref().map(|amount| json!({
                "amount": amount,
                "currency": self.amount.map(|m| m.currency().code().to_owned()),
            })),
            "expected_status": self.expected_status,
            "mismatch": self.mismatch,
            "error": self.error.as_ref().map(crate::ops::error_json),
        })
    }
}

/// What a run did: the one summary, printed as text and put in the JSON document.
#[derive(Debug, Default)]
pub(super) struct Summary {
    pub(super) rows: u64,
    pub(super) as_expected: u64,
    pub(super) mismatched: u64,
    pub(super) failed: u64,
    pub(super) skipped: u64,
    pub(super) interrupted: bool,
    pub(super) errors: BTreeMap<&'static str, u64>,
}

impl Summary {
    pub(super) fn add(&mut self, row: &OutputRow) {
        self.rows += 1;
        match &row.error {
            Some(e) => {
                self.failed += 1;
                *self.errors.entry(e.class().name()).or_default() += 1;
            }
            None if row.mismatch => self.mismatched += 1,
            None => self.as_expected += 1,
        }
    }

    pub(super) fn json(&self) -> Value {
        json!({
            "rows": self.rows,
            "as_expected": self.as_expected,
            "mismatched": self.mismatched,
            "failed": self.failed,
            "skipped": self.skipped,
            "interrupted": self.interrupted,
            "errors": self.errors,
        })
    }

    pub(super) fn text(&self, gateway: &str) -> String {
        let orders = |n: u64| crate::ops::count(n, "order", "orders");
        let errors: Vec<String> = self
            .errors
            .iter()
            .map(|(c, n)| format!("{n} {c}"))
            .collect();
        format!(
            "{}reconciled {} of {gateway}: {} as expected, {} mismatched, {} failed{}{}",
            if self.interrupted {
                "interrupted: "
            } else {
                ""
            },
            orders(self.rows),
            self.as_expected,
            self.mismatched,
            self.failed,
            if errors.is_empty() {
                String::new()
            } else {
                format!(" ({})", errors.join(", "))
            },
            if self.skipped > 0 {
                format!("; {} skipped, checked before", orders(self.skipped))
            } else {
                String::new()
            }
        )
    }
}

/// Where rows go.
pub(super) enum Sink {
    Csv(Box<csv::Writer<BufWriter<std::io::Stdout>>>),
    Json {
        out: BufWriter<std::io::Stdout>,
        first: bool,
    },
}

impl Sink {
    pub(super) fn new(json: bool) -> std::io::Result<Sink> {
        let stdout = BufWriter::new(std::io::stdout());
        if !json {
            return Ok(Sink::Csv(Box::new(csv::Writer::from_writer(stdout))));
        }
        let mut out = stdout;
        out.write_all(b"{\"command\":\"reconcile\",\"rows\":[")?;
        Ok(Sink::Json { out, first: true })
    }

    pub(super) fn row(&mut self, row: &OutputRow) -> std::io::Result<()> {
        match self {
            // Whole records into the buffer; Ctrl-C drains and flushes in `finish`.
            Sink::Csv(writer) => writer.serialize(row.csv()).map_err(std::io::Error::other),
            Sink::Json { out, first } => {
                if !*first {
                    out.write_all(b",")?;
                }
                *first = false;
                out.write_all(b"\n")?;
                serde_json::to_writer(&mut *out, &row.json()).map_err(std::io::Error::other)
            }
        }
    }

    pub(super) fn finish(self, summary: &Summary) -> std::io::Result<()> {
        match self {
            Sink::Csv(mut writer) => writer.flush(),
            Sink::Json { mut out, .. } => {
                write!(out, "\n],\"summary\":{}}}\n", summary.json())?;
                out.flush()
            }
        }
    }
}

/// The order ids a previous output (CSV or JSON, as this command writes them) checked
/// without error: they are not checked again.
pub(super) fn checked_before(path: &std::path::Path) -> Result<HashSet<String>, Error> {
    let unreadable = |why: String| Error::invalid("resume", format!("{}: {why}", path.display()));
    let text = std::fs::read_to_string(path).map_err(|e| unreadable(e.to_string()))?;
    if text.trim_start().starts_with('{') {
        let doc: Value = serde_json::from_str(&text).map_err(|e| unreadable(e.to_string()))?;
        let rows = doc
            .get("rows")
            .and_then(Value::as_array)
            .ok_or_else(|| unreadable("not a reconcile document (no rows)".into()))?;
        return Ok(rows
            .iter()
            .filter(|row| row.get("error").is_none_or(Value::is_null))
            .filter_map(|row| row.get("order_id").and_then(Value::as_str))
            .map(str::to_owned)
            .collect());
    }
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| unreadable(e.to_string()))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (Some(id), Some(class)) = (column("order_id"), column("error_class")) else {
        return Err(unreadable(
            "not a reconcile output (no order_id and error_class columns)".into(),
        ));
    };
    let mut done = HashSet::new();
    for record in reader.records() {
        let record = record.map_err(|e| unreadable(e.to_string()))?;
        if record.get(class).is_some_and(str::is_empty)
            && let Some(order) = record.get(id)
        {
            done.insert(order.to_owned());
        }
    }
    Ok(done)
}
