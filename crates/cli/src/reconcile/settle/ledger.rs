//! The merchant's ledger and the period, as the settlement reads them.

use std::collections::HashMap;

use paygate::time::format_description::well_known::Rfc3339;
use paygate::time::{Date, OffsetDateTime, Time};
use paygate::{Currency, Decimal, Error, Money, PaymentStatus};

/// One order of the merchant's ledger.
pub(super) struct LedgerRow {
    pub(super) line: u64,
    pub(super) amount: Money,
    pub(super) status: Option<PaymentStatus>,
    pub(super) refunded: Option<Decimal>,
}

/// A ledger row that cannot be used: its line, its order id (if any) and why.
pub(super) type InvalidRow = (u64, String, Error);

/// `2026-11-01` (the day's start or, for the end, its last second, UTC) or RFC 3339.
pub(super) fn period_bound(
    field: &'static str,
    text: &str,
    end: bool,
) -> Result<OffsetDateTime, Error> {
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(at);
    }
    let bad = || {
        Error::invalid(
            field,
            format!("{text:?} is neither a date (2026-11-01) nor an RFC 3339 time"),
        )
    };
    let format =
        paygate::time::format_description::parse("[year]-[month]-[day]").map_err(|_| bad())?;
    let day = Date::parse(text, &format).map_err(|_| bad())?;
    let time = if end {
        Time::from_hms(23, 59, 59).unwrap_or(Time::MIDNIGHT)
    } else {
        Time::MIDNIGHT
    };
    Ok(day.with_time(time).assume_utc())
}

/// Reads the ledger; rows it cannot use are reported as such, by line.
pub(super) fn ledger(
    path: &std::path::Path,
) -> Result<(HashMap<String, LedgerRow>, Vec<InvalidRow>), Error> {
    let file = std::fs::File::open(path)
        .map_err(|e| Error::invalid("ledger", format!("cannot read {}: {e}", path.display())))?;
    let mut reader = csv::Reader::from_reader(std::io::BufReader::new(file));
    let headers = reader
        .headers()
        .map_err(|e| Error::invalid("ledger", format!("{}: {e}", path.display())))?
        .clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let (Some(id_col), Some(amount_col), Some(currency_col)) =
        (column("order_id"), column("amount"), column("currency"))
    else {
        let found: Vec<&str> = headers.iter().collect();
        return Err(Error::invalid(
            "ledger",
            format!(
                "the ledger needs order_id, amount and currency columns; found {:?}",
                found.join(",")
            ),
        ));
    };
    let (status_col, refunded_col) = (column("status"), column("refunded"));
    let mut rows = HashMap::new();
    let mut invalid = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = u64::try_from(index).unwrap_or(u64::MAX).saturating_add(2);
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                invalid.push((
                    line,
                    String::new(),
                    Error::invalid("ledger", format!("line {line}: {e}")),
                ));
                continue;
            }
        };
        let get = |c: Option<usize>| {
            c.and_then(|c| record.get(c))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let id = get(Some(id_col)).unwrap_or_default().to_owned();
        let parsed = (|| {
            let currency = Currency::from_code(get(Some(currency_col)).unwrap_or_default())
                .map_err(|e| Error::invalid("currency", format!("line {line}: {e}")))?;
            let amount = Money::parse(get(Some(amount_col)).unwrap_or_default(), currency)
                .map_err(|e| Error::invalid("amount", format!("line {line}: {e}")))?;
            let status = match get(status_col) {
                None => None,
                Some(word) => match PaymentStatus::from_name(&word.to_ascii_lowercase()) {
                    PaymentStatus::Unknown(_) => {
                        return Err(Error::invalid(
                            "status",
                            format!("line {line}: {word:?} is not a status"),
                        ));
                    }
                    known => Some(known),
                },
            };
            let refunded = get(refunded_col)
                .map(|r| {
                    paygate::money::parse_plain_decimal(r)
                        .map_err(|e| Error::invalid("refunded", format!("line {line}: {e}")))
                })
                .transpose()?;
            if id.is_empty() {
                return Err(Error::invalid(
                    "order_id",
                    format!("line {line}: must not be empty"),
                ));
            }
            Ok(LedgerRow {
                line,
                amount,
                status,
                refunded,
            })
        })();
        match parsed {
            Ok(_) if rows.contains_key(&id) => {
                let first = rows.get(&id).map_or(0, |first: &LedgerRow| first.line);
                let why = format!("line {line}: order {id} appears twice (first on line {first})");
                invalid.push((line, id, Error::invalid("order_id", why)));
            }
            Ok(row) => {
                rows.insert(id, row);
            }
            Err(e) => invalid.push((line, id, e)),
        }
    }
    Ok((rows, invalid))
}
