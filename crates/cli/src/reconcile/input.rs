//! The input CSV: its header, each row, and what a row expects — every problem an input
//! error row naming its line, field and cause, never a mismatch.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufReader, Read};
use std::sync::{Arc, Mutex, PoisonError};

use paygate::{Decimal, Error, PaymentStatus};

/// One input row, checked as input.
pub(super) struct InputRow {
    /// Its line in the file (the header is line 1).
    pub(super) line: u64,
    /// Bytes of the file read up to the end of this row (for progress).
    pub(super) byte_end: u64,
    pub(super) order_id: String,
    /// As written, for the output.
    pub(super) expected_amount_text: Option<String>,
    pub(super) expected_status_text: Option<String>,
    pub(super) expected_amount: Option<Decimal>,
    pub(super) expected_status: Option<PaymentStatus>,
    /// Why the row cannot be checked (nothing is sent for it).
    pub(super) invalid: Option<Error>,
}

/// The file's line breaks as the CSV reader reads past them, so that a record's line is
/// counted from its byte offset: the `csv` crate's own line numbers run one short on CRLF
/// files (Excel's). Only the breaks not yet behind the current record are kept: memory is
/// bounded by the reader's read-ahead, whatever the file's length.
#[derive(Default)]
struct LineBreaks {
    /// Offsets of `\n` bytes read but not yet counted.
    ahead: VecDeque<u64>,
    /// `\n` bytes before the last offset asked about.
    counted: u64,
    /// Bytes read so far.
    read: u64,
}

impl LineBreaks {
    /// The 1-based line of a record the `csv` reader says starts at `offset` (offsets asked
    /// about never go back). On a CRLF file it reports a record as starting at the `\n` of
    /// the line break before it, so a break at the offset itself is counted as passed.
    fn line_of(&mut self, offset: u64) -> u64 {
        while self.ahead.front().is_some_and(|&at| at <= offset) {
            self.ahead.pop_front();
            self.counted += 1;
        }
        self.counted + 1
    }
}

/// A reader noting every line break it passes on.
struct CountingReader<R> {
    inner: R,
    breaks: Arc<Mutex<LineBreaks>>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut breaks = self.breaks.lock().unwrap_or_else(PoisonError::into_inner);
        let start = breaks.read;
        for (i, byte) in buf.iter().take(n).enumerate() {
            if *byte == b'\n' {
                let at = start + u64::try_from(i).unwrap_or(u64::MAX);
                breaks.ahead.push_back(at);
            }
        }
        breaks.read = start + u64::try_from(n).unwrap_or(u64::MAX);
        Ok(n)
    }
}

/// The rows of `path`, read lazily; an unusable header (or file) is an error at once.
pub(super) fn rows(path: &std::path::Path) -> Result<impl Iterator<Item = InputRow>, Error> {
    let file = File::open(path)
        .map_err(|e| Error::invalid("input", format!("cannot read {}: {e}", path.display())))?;
    let breaks = Arc::new(Mutex::new(LineBreaks::default()));
    let counting = CountingReader {
        inner: BufReader::new(file),
        breaks: breaks.clone(),
    };
    let mut reader = csv::Reader::from_reader(counting);
    let line_at = move |position: Option<&csv::Position>, fallback: u64| {
        position.map_or(fallback, |p| {
            breaks
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .line_of(p.byte())
        })
    };
    let headers = reader
        .headers()
        .map_err(|e| Error::invalid("input", format!("{}: {e}", path.display())))?
        .clone();
    if headers.iter().all(|h| h.trim().is_empty()) {
        return Err(Error::invalid(
            "input",
            format!("{} is empty: no header row", path.display()),
        ));
    }
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let Some(order_column) = column("order_id") else {
        let found: Vec<&str> = headers.iter().collect();
        return Err(Error::invalid(
            "input",
            format!(
                "the header row has no order_id column; found {:?} (columns are separated by commas)",
                found.join(",")
            ),
        ));
    };
    let (amount_column, status_column) = (column("expected_amount"), column("expected_status"));
    Ok(reader
        .into_records()
        .enumerate()
        .map(move |(index, record)| {
            let fallback_line = u64::try_from(index).unwrap_or(u64::MAX).saturating_add(2);
            match record {
                Ok(record) => {
                    let field = |c: Option<usize>| {
                        c.and_then(|c| record.get(c))
                            .map(str::trim)
                            .filter(|v| !v.is_empty())
                            .map(str::to_owned)
                    };
                    let line = line_at(record.position(), fallback_line);
                    let mut row = InputRow {
                        line,
                        byte_end: record.position().map_or(0, |p| p.byte()),
                        order_id: record.get(order_column).unwrap_or("").trim().to_owned(),
                        expected_amount_text: field(amount_column),
                        expected_status_text: field(status_column),
                        expected_amount: None,
                        expected_status: None,
                        invalid: None,
                    };
                    row.invalid = expectations(&mut row).err();
                    row
                }
                Err(e) => {
                    let line = line_at(e.position(), fallback_line);
                    InputRow {
                        line,
                        byte_end: e.position().map_or(0, |p| p.byte()),
                        order_id: String::new(),
                        expected_amount_text: None,
                        expected_status_text: None,
                        expected_amount: None,
                        expected_status: None,
                        invalid: Some(Error::invalid(
                            "input",
                            format!("line {line}: {}", unreadable(&e)),
                        )),
                    }
                }
            }
        }))
}

/// Reads the row's expectations as input: a plain non-negative decimal, a unified status.
fn expectations(row: &mut InputRow) -> Result<(), Error> {
    let line = row.line;
    if let Some(text) = &row.expected_amount_text {
        let amount = paygate::money::parse_plain_decimal(text).map_err(|e| {
            Error::invalid(
                "expected_amount",
                format!("line {line}: {text:?} is not a plain amount ({e})"),
            )
        })?;
        row.expected_amount = Some(amount);
    }
    if let Some(text) = &row.expected_status_text {
        let status = PaymentStatus::from_name(&text.to_ascii_lowercase());
        if let PaymentStatus::Unknown(_) = status {
            return Err(Error::invalid(
                "expected_status",
                format!(
                    "line {line}: {text:?} is not a status; one of pending, authorized, paid, partially_refunded, refunded, voided, cancelled, declined, expired"
                ),
            ));
        }
        row.expected_status = Some(status);
    }
    if row.order_id.is_empty() {
        return Err(Error::invalid(
            "order_id",
            format!("line {line}: must not be empty"),
        ));
    }
    Ok(())
}

/// Why a row could not be read, without the `csv` crate's own position (its line numbers
/// run one short on CRLF files; the row's line is given beside it).
fn unreadable(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Utf8 { err, .. } => format!(
            "not UTF-8: invalid UTF-8 in field {} near byte {}",
            err.field(),
            err.valid_up_to()
        ),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len}"),
        _ => error.to_string(),
    }
}
