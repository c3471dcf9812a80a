//! Providers' zone-less date strings, given the offset the provider writes them in.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// Reads `YYYY-MM-DD HH:MM:SS` (or with `T`, and an optional fraction of a second) written
/// in `offset`, returning it with that offset made explicit. `None` if it is not such a date.
pub fn parse_ymd_hms(text: &str, offset: UtcOffset) -> Option<OffsetDateTime> {
    let (date, time) = text.trim().split_once([' ', 'T'])?;
    let mut d = date.split('-').map(str::parse::<u16>);
    let (year, month, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let (clock, fraction) = match time.split_once('.') {
        Some((c, f)) => (c, Some(f)),
        None => (time, None),
    };
    let mut t = clock.split(':').map(str::parse::<u8>);
    let (hour, minute, second) = (t.next()?.ok()?, t.next()?.ok()?, t.next()?.ok()?);
    if d.next().is_some() || t.next().is_some() {
        return None;
    }
    let nanos = match fraction {
        Some(f) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{f:0<9}").parse::<u32>().ok()?
        }
        Some(_) => return None,
        None => 0,
    };
    date_time(year, month, day, hour, minute, second, nanos).map(|dt| dt.assume_offset(offset))
}

/// Writes `at` as `YYYY-MM-DD HH:MM:SS` in `offset` (the offset itself is not written).
pub fn format_ymd_hms(at: OffsetDateTime, offset: UtcOffset) -> String {
    let l = at.to_offset(offset);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        l.year(),
        u8::from(l.month()),
        l.day(),
        l.hour(),
        l.minute(),
        l.second()
    )
}

/// A calendar date and time, `None` if it does not exist.
pub fn date_time(
    year: u16,
    month: u16,
    day: u16,
    hour: u8,
    minute: u8,
    second: u8,
    nanos: u32,
) -> Option<PrimitiveDateTime> {
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date = Date::from_calendar_date(i32::from(year), month, u8::try_from(day).ok()?).ok()?;
    let time = Time::from_hms_nano(hour, minute, second, nanos).ok()?;
    Some(PrimitiveDateTime::new(date, time))
}

/// An offset of whole hours and minutes east of UTC (UTC if out of range).
pub const fn offset(hours: i8, minutes: i8) -> UtcOffset {
    match UtcOffset::from_hms(hours, minutes, 0) {
        Ok(offset) => offset,
        Err(_) => UtcOffset::UTC,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats_in_the_offset() {
        assert_eq!(
            format_ymd_hms(datetime!(2025-02-13 06:55:25 UTC), offset(7, 0)),
            "2025-02-13 13:55:25"
        );
    }

    #[test]
    fn both_separators_fractions_and_bad_dates() {
        let plus7 = offset(7, 0);
        assert_eq!(
            parse_ymd_hms("2025-02-13 13:55:25", plus7),
            Some(datetime!(2025-02-13 13:55:25 +07:00))
        );
        assert_eq!(
            parse_ymd_hms("2023-12-16T14:16:59.227", offset(5, 30)),
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
        ] {
            assert_eq!(parse_ymd_hms(bad, plus7), None, "{bad}");
        }
    }
}
