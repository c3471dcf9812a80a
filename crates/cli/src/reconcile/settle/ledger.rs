//! The merchant's ledger and the period, as the settlement reads them.

use std::collections::HashMap;

use paygate::time::format_description::well_known::Rfc3339;
use paygate::time::{Date, OffsetDateTime, Time, UtcOffset};
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

/// A period bound: an RFC 3339 time; a date (`2026-11-01`: the day's start or, for the end,
/// its last second, in the merchant's day at `offset`); `today` or `yesterday` (likewise);
/// `now`, or `now-` and a number of days, hours or minutes (`now-1d`, `now-6h`, `now-30m`).
pub(super) fn period_bound(
    field: &'static str,
    text: &str,
    end: bool,
    offset: UtcOffset,
    now: OffsetDateTime,
) -> Result<OffsetDateTime, Error> {
    let text = text.trim();
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(at);
    }
    let bad = || {
        Error::invalid(
            field,
            format!(
                "{text:?} is neither a date (2026-11-01), today, yesterday, now, now-1d (d, h or m), nor an RFC 3339 time"
            ),
        )
    };
    if let Some(ago) = text.strip_prefix("now") {
        if ago.is_empty() {
            return Ok(now);
        }
        let ago = ago.strip_prefix('-').ok_or_else(bad)?;
        let (number, unit) = ago.split_at(ago.len().saturating_sub(1));
        let number: i64 = number.parse().map_err(|_| bad())?;
        let seconds = match unit {
            "d" => 86_400,
            "h" => 3_600,
            "m" => 60,
            _ => return Err(bad()),
        };
        let back = number
            .checked_mul(seconds)
            .filter(|s| (0..=3_650 * 86_400).contains(s))
            .ok_or_else(bad)?;
        return Ok(now - paygate::time::Duration::seconds(back));
    }
    let local_today = now.to_offset(offset).date();
    let day = match text {
        "today" => local_today,
        "yesterday" => local_today.previous_day().ok_or_else(bad)?,
        _ => {
            let format = paygate::time::format_description::parse("[year]-[month]-[day]")
                .map_err(|_| bad())?;
            Date::parse(text, &format).map_err(|_| bad())?
        }
    };
    let time = if end {
        Time::from_hms(23, 59, 59).unwrap_or(Time::MIDNIGHT)
    } else {
        Time::MIDNIGHT
    };
    Ok(day.with_time(time).assume_offset(offset))
}

/// `+07:00`, `-05:00`, `Z` or `+00:00`: a fixed offset from UTC.
pub(super) fn parse_offset(text: &str) -> Result<UtcOffset, Error> {
    let bad = || {
        Error::invalid(
            "utc-offset",
            format!("{text:?} is not an offset like +07:00, -05:00 or Z"),
        )
    };
    let text = text.trim();
    if text.eq_ignore_ascii_case("z") {
        return Ok(UtcOffset::UTC);
    }
    let format =
        paygate::time::format_description::parse("[offset_hour sign:mandatory]:[offset_minute]")
            .map_err(|_| bad())?;
    UtcOffset::parse(text, &format).map_err(|_| bad())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> OffsetDateTime {
        OffsetDateTime::parse(text, &Rfc3339).unwrap()
    }

    #[test]
    fn period_bounds_fall_in_the_merchants_day_and_may_be_relative() {
        let now = at("2026-12-07T20:00:00Z");
        let ict = parse_offset("+07:00").unwrap();
        let bound = |text, end| period_bound("from", text, end, ict, now).unwrap();
        // A date is the merchant's day: Phnom Penh's 1 November starts at 17:00 UTC the day
        // before.
        assert_eq!(bound("2026-11-01", false), at("2026-10-31T17:00:00Z"));
        assert_eq!(bound("2026-11-30", true), at("2026-11-30T16:59:59Z"));
        // At 20:00 UTC it is already 8 December in Phnom Penh.
        assert_eq!(bound("today", false), at("2026-12-07T17:00:00Z"));
        assert_eq!(bound("yesterday", false), at("2026-12-06T17:00:00Z"));
        assert_eq!(bound("now", true), now);
        assert_eq!(bound("now-1d", false), at("2026-12-06T20:00:00Z"));
        assert_eq!(bound("now-6h", false), at("2026-12-07T14:00:00Z"));
        assert_eq!(
            bound("2026-11-01T00:00:00Z", false),
            at("2026-11-01T00:00:00Z")
        );
        for bad in [
            "now+1d",
            "now-1w",
            "now-",
            "tomorrow",
            "2026-13-01",
            "now--1d",
        ] {
            let error = period_bound("from", bad, false, ict, now).unwrap_err();
            assert!(error.to_string().contains("now-1d"), "{bad}: {error}");
        }
        assert_eq!(parse_offset("Z").unwrap(), UtcOffset::UTC);
        assert!(parse_offset("+7").is_err() && parse_offset("UTC+7").is_err());
    }
}
