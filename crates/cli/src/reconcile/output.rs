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
/// without error: they are not checked again. Both forms are read as a stream, one row at a
/// time: memory holds the ids, never the document.
pub(super) fn checked_before(path: &std::path::Path) -> Result<HashSet<String>, Error> {
    use std::io::{BufRead, Read};
    let unreadable = |why: String| Error::invalid("resume", format!("{}: {why}", path.display()));
    let file = std::fs::File::open(path).map_err(|e| unreadable(e.to_string()))?;
    let mut reader = std::io::BufReader::new(file);
    // The first byte that is not white space tells the form.
    let json = loop {
        let buffer = reader.fill_buf().map_err(|e| unreadable(e.to_string()))?;
        match buffer.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(at) => {
                let first = buffer.get(at).copied();
                reader.consume(at);
                break first == Some(b'{');
            }
            None if buffer.is_empty() => break false,
            None => {
                let all = buffer.len();
                reader.consume(all);
            }
        }
    };
    if json {
        use serde::de::DeserializeSeed;
        let mut done = HashSet::new();
        let mut document = serde_json::Deserializer::from_reader(reader.by_ref());
        CheckedRows { done: &mut done }
            .deserialize(&mut document)
            .map_err(|e| unreadable(e.to_string()))?;
        return Ok(done);
    }
    let mut reader = csv::Reader::from_reader(reader);
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

/// A reconcile JSON document, read for its `rows`' ids one row at a time (the other keys
/// skipped): the ids of rows checked without error go into `done`.
struct CheckedRows<'a> {
    done: &'a mut HashSet<String>,
}

/// What `--resume` needs of a row.
#[derive(serde::Deserialize)]
struct ResumedRow {
    order_id: Option<String>,
    #[serde(default)]
    error: Option<serde::de::IgnoredAny>,
}

impl<'de> serde::de::DeserializeSeed<'de> for CheckedRows<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for CheckedRows<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a reconcile document")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut rows_seen = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "rows" {
                rows_seen = true;
                map.next_value_seed(RowsSeed {
                    done: &mut *self.done,
                })?;
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        if rows_seen {
            Ok(())
        } else {
            Err(serde::de::Error::custom(
                "not a reconcile document (no rows)",
            ))
        }
    }
}

/// The `rows` array, one row at a time.
struct RowsSeed<'a> {
    done: &'a mut HashSet<String>,
}

impl<'de> serde::de::DeserializeSeed<'de> for RowsSeed<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for RowsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the rows of a reconcile document")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut rows: A) -> Result<(), A::Error> {
        while let Some(row) = rows.next_element::<ResumedRow>()? {
            if row.error.is_none()
                && let Some(order) = row.order_id
            {
                self.done.insert(order);
            }
        }
        Ok(())
    }
}
