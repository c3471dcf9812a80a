//! Providers' zone-less date strings, given the offset the provider writes them in, read and
//! written with `time`'s format descriptions.

use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// `YYYY-MM-DD hh:mm:ss` as providers write it; `T` is accepted between date and time, and a
/// fraction after the seconds (PayG's `2023-12-16T14:16:59.227`; past nanoseconds, `time`
/// drops the extra digits).
const YMD_HMS_RECEIVED: &[BorrowedFormatItem<'static>] = format_description!(
    "[year]-[month]-[day][first [ ][T]][hour]:[minute]:[second][optional [.[subsecond digits:1+]]]"
);

/// `YYYY-MM-DD hh:mm:ss`, as sent.
const YMD_HMS: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");

/// Reads `YYYY-MM-DD hh:mm:ss` (or with `T`, and a fraction) written in `offset`; `None` if it
/// is not a real date and time.
pub fn parse_ymd_hms(text: &str, offset: UtcOffset) -> Option<OffsetDateTime> {
    PrimitiveDateTime::parse(text.trim(), YMD_HMS_RECEIVED)
        .ok()
        .map(|at| at.assume_offset(offset))
}

/// Writes `at` as `YYYY-MM-DD hh:mm:ss` in `offset`.
pub fn format_ymd_hms(at: OffsetDateTime, offset: UtcOffset) -> String {
    // Formatting a valid date into a String cannot fail; an empty string would be refused by
    // any provider rather than sent as a wrong date.
    at.to_offset(offset).format(YMD_HMS).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{datetime, offset};

    #[test]
    fn formats_in_the_offset() {
        assert_eq!(
            format_ymd_hms(datetime!(2025-02-13 06:55:25 UTC), offset!(+7)),
            "2025-02-13 13:55:25"
        );
    }

    #[test]
    fn both_separators_fractions_and_bad_dates() {
        let plus7 = offset!(+7);
        assert_eq!(
            parse_ymd_hms("2025-02-13 13:55:25", plus7),
            Some(datetime!(2025-02-13 13:55:25 +07:00))
        );
        assert_eq!(
            parse_ymd_hms(" 2025-02-13T13:55:25 ", plus7),
            Some(datetime!(2025-02-13 13:55:25 +07:00))
        );
        assert_eq!(
            parse_ymd_hms("2023-12-16T14:16:59.227", offset!(+5:30)),
            Some(datetime!(2023-12-16 14:16:59.227 +05:30))
        );
        for bad in [
            "",
            "2025-02-13",
            "2025-13-01 00:00:00",
            "2025-02-30 00:00:00",
            "2025-02-13 25:00:00",
            "a-b-c d:e:f",
            "2025-02-13 13:55:25:1",
            "2025-02-13 13:55:25.x",
            "2025-02-13 13:55:25.",
        ] {
            assert_eq!(parse_ymd_hms(bad, plus7), None, "{bad}");
        }
    }
}
