//! `datetime64` and `timedelta64` values to and from text, as NumPy reads and prints them.
//!
//! Reading: ISO 8601 dates and
//! times (`2024-01-02`, `2024-01-02T03:04:05.123`, a space instead of the `T`, a `Z` or
//! `±HH[[:]MM]` offset converted to UTC), a bare year or year and month, `NaT` (any case),
//! `today` and `now`; timedeltas as integer counts of their unit.
//!
//! A value is converted to the column's unit by flooring (`1969-12-31T23:59:59.5` in
//! seconds is -1), as NumPy casts. Where NumPy wraps a value around that does not fit in 64
//! bits (a date in attoseconds), dtkit reports an error instead.

use crate::dtype::{DateTimeUnit, TimeUnit};
use crate::text::strip;

/// NumPy's "not a time".
pub(crate) const NAT: i64 = i64::MIN;

/// Attoseconds in one of each linear unit (weeks and shorter).
fn attoseconds(unit: TimeUnit) -> Option<i128> {
    const S: i128 = 1_000_000_000_000_000_000;
    Some(match unit {
        TimeUnit::Year | TimeUnit::Month => return None,
        TimeUnit::Week => 7 * 86_400 * S,
        TimeUnit::Day => 86_400 * S,
        TimeUnit::Hour => 3_600 * S,
        TimeUnit::Minute => 60 * S,
        TimeUnit::Second => S,
        TimeUnit::Millisecond => S / 1_000,
        TimeUnit::Microsecond => S / 1_000_000,
        TimeUnit::Nanosecond => S / 1_000_000_000,
        TimeUnit::Picosecond => 1_000_000,
        TimeUnit::Femtosecond => 1_000,
        TimeUnit::Attosecond => 1,
    })
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn is_leap(year: i64) -> bool {
    year.rem_euclid(4) == 0 && (year.rem_euclid(100) != 0 || year.rem_euclid(400) == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A parsed instant: the calendar date, and attoseconds into the day (after the offset,
/// which may move them outside `0..1 day`).
struct Instant {
    year: i64,
    month: u32,
    day: u32,
    /// Attoseconds since the start of the day (UTC).
    within: i128,
}

/// Exactly `n` ASCII digits at `*i`.
fn fixed(b: &[u8], i: &mut usize, n: usize) -> Option<u32> {
    let d = b.get(*i..*i + n)?;
    if !d.iter().all(u8::is_ascii_digit) {
        return None;
    }
    *i += n;
    Some(d.iter().fold(0, |v, &c| v * 10 + u32::from(c - b'0')))
}

/// NumPy's ISO 8601 grammar (see the module documentation).
fn parse_instant(t: &str) -> Option<Instant> {
    let b = t.as_bytes();
    let mut i = 0;
    let neg = match b.first()? {
        b'-' => {
            i += 1;
            true
        }
        b'+' => {
            i += 1;
            false
        }
        _ => false,
    };
    let start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    // At most 12 digits: far beyond any date a 64-bit count can hold in any unit.
    if i == start || i - start > 12 {
        return None;
    }
    let year: i64 = t[start..i].parse().ok()?;
    let year = if neg { -year } else { year };
    let mut out = Instant {
        year,
        month: 1,
        day: 1,
        within: 0,
    };
    if i == b.len() {
        return Some(out);
    }
    if b[i] != b'-' {
        return None;
    }
    i += 1;
    out.month = fixed(b, &mut i, 2).filter(|m| (1..=12).contains(m))?;
    if i == b.len() {
        return Some(out);
    }
    if b[i] != b'-' {
        return None;
    }
    i += 1;
    out.day = fixed(b, &mut i, 2).filter(|&d| d >= 1 && d <= days_in_month(year, out.month))?;
    if i == b.len() {
        return Some(out);
    }
    if b[i] != b'T' && b[i] != b' ' {
        return None;
    }
    i += 1;
    const S: i128 = 1_000_000_000_000_000_000;
    let hour = fixed(b, &mut i, 2).filter(|&h| h < 24)?;
    out.within = i128::from(hour) * 3_600 * S;
    if b.get(i) == Some(&b':') {
        i += 1;
        let minute = fixed(b, &mut i, 2).filter(|&m| m < 60)?;
        out.within += i128::from(minute) * 60 * S;
        if b.get(i) == Some(&b':') {
            i += 1;
            let second = fixed(b, &mut i, 2).filter(|&s| s < 60)?;
            out.within += i128::from(second) * S;
            if b.get(i) == Some(&b'.') {
                i += 1;
                // Attoseconds: the first 18 digits count, later ones are dropped.
                let mut scale = S / 10;
                while i < b.len() && b[i].is_ascii_digit() {
                    out.within += i128::from(b[i] - b'0') * scale;
                    scale /= 10;
                    i += 1;
                }
            }
        }
    }
    // A time zone: `Z`, or an offset from UTC.
    match b.get(i) {
        None => {}
        Some(b'Z') => i += 1,
        Some(&c @ (b'+' | b'-')) => {
            i += 1;
            let h = fixed(b, &mut i, 2).filter(|&h| h < 24)?;
            let mut m = 0;
            if b.get(i) == Some(&b':') {
                i += 1;
                m = fixed(b, &mut i, 2).filter(|&m| m < 60)?;
            } else if i < b.len() {
                m = fixed(b, &mut i, 2).filter(|&m| m < 60)?;
            }
            let offset = i128::from(h * 60 + m) * 60 * S;
            out.within += if c == b'+' { -offset } else { offset };
        }
        Some(_) => return None,
    }
    (i == b.len()).then_some(out)
}

/// A count of `count` × `unit` from whole days and attoseconds, floored; `None` when it
/// does not fit (or would be NaT).
fn in_unit(days: i64, within: i128, unit: TimeUnit, count: u32) -> Option<i64> {
    let per = attoseconds(unit)? * i128::from(count);
    let total = i128::from(days)
        .checked_mul(86_400 * 1_000_000_000_000_000_000)?
        .checked_add(within)?;
    let v = total.div_euclid(per);
    i64::try_from(v).ok().filter(|&v| v != NAT)
}

/// The text of a `datetime64` field as a count of `unit`; `NAT` for NaT. `None` when the
/// text is not a date, or does not fit.
pub(crate) fn parse_datetime(text: &str, unit: DateTimeUnit) -> Option<i64> {
    let t = strip(text);
    let base = unit.unit?;
    let count = unit.count.max(1);
    if t.eq_ignore_ascii_case("nat") {
        return Some(NAT);
    }
    let instant = if t.eq_ignore_ascii_case("today") || t.eq_ignore_ascii_case("now") {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        let secs = i128::from(now.as_secs());
        let within = if t.eq_ignore_ascii_case("now") {
            secs.rem_euclid(86_400) * 1_000_000_000_000_000_000
        } else {
            0
        };
        let days = i64::try_from(secs.div_euclid(86_400)).ok()?;
        return match base {
            TimeUnit::Year | TimeUnit::Month => {
                let (y, m, _) = civil_from_days(days);
                months_or_years(y, m, base, count)
            }
            _ => in_unit(days, within, base, count),
        };
    } else {
        parse_instant(t)?
    };
    match base {
        TimeUnit::Year | TimeUnit::Month if instant.within == 0 => {
            months_or_years(instant.year, instant.month, base, count)
        }
        TimeUnit::Year | TimeUnit::Month => {
            // A time of day (or an offset) may move the date: go through days.
            let days = days_from_civil(instant.year, instant.month, instant.day);
            let total = i128::from(days) * 86_400 * 1_000_000_000_000_000_000 + instant.within;
            let day = i64::try_from(total.div_euclid(86_400 * 1_000_000_000_000_000_000)).ok()?;
            let (y, m, _) = civil_from_days(day);
            months_or_years(y, m, base, count)
        }
        _ => in_unit(
            days_from_civil(instant.year, instant.month, instant.day),
            instant.within,
            base,
            count,
        ),
    }
}

/// Years or months since 1970 (January), in `count`s, floored.
fn months_or_years(year: i64, month: u32, unit: TimeUnit, count: u32) -> Option<i64> {
    let v = match unit {
        TimeUnit::Year => year.checked_sub(1970)?,
        _ => (year.checked_sub(1970)?).checked_mul(12)? + i64::from(month) - 1,
    };
    Some(v.div_euclid(i64::from(count))).filter(|&v| v != NAT)
}

/// The date of a day count (the inverse of `days_from_civil`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The text of a `timedelta64` field: an integer count of the unit, or NaT.
pub(crate) fn parse_timedelta(text: &str) -> Option<i64> {
    let t = strip(text);
    if t.eq_ignore_ascii_case("nat") {
        return Some(NAT);
    }
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    t.parse::<i64>().ok().filter(|&v| v != NAT)
}

const AS_PER_DAY: i128 = 86_400 * 1_000_000_000_000_000_000;

/// NumPy's `str()` of a `datetime64`: ISO 8601 down to the unit (`2024`, `2024-01`,
/// `2024-01-02`, `2024-01-02T03`, ... `2024-01-02T03:04:05.500` for milliseconds), `NaT`.
pub(crate) fn format_datetime(v: i64, unit: DateTimeUnit) -> String {
    let Some(base) = unit.unit else {
        return v.to_string();
    };
    if v == NAT {
        return "NaT".to_owned();
    }
    let n = i128::from(v) * i128::from(unit.count.max(1));
    match base {
        TimeUnit::Year => return format!("{:04}", 1970 + n),
        TimeUnit::Month => {
            return format!("{:04}-{:02}", 1970 + n.div_euclid(12), n.rem_euclid(12) + 1)
        }
        _ => {}
    }
    // Ticks of up to 2^63 × a count of up to 2^32 × 6e23 attoseconds a week overflow even
    // 128 bits: such a date is far outside any calendar, so it prints as its tick count.
    let Some(total) = n.checked_mul(attoseconds(base).unwrap_or(1)) else {
        return v.to_string();
    };
    let Ok(days) = i64::try_from(total.div_euclid(AS_PER_DAY)) else {
        return v.to_string();
    };
    let within = total.rem_euclid(AS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let mut out = format!("{y:04}-{m:02}-{d:02}");
    let s = 1_000_000_000_000_000_000i128;
    let (h, mi, sec, frac) = (
        within / (3_600 * s),
        within / (60 * s) % 60,
        within / s % 60,
        within % s,
    );
    let digits = match base {
        TimeUnit::Week | TimeUnit::Day => return out,
        TimeUnit::Hour => {
            out.push_str(&format!("T{h:02}"));
            return out;
        }
        TimeUnit::Minute => {
            out.push_str(&format!("T{h:02}:{mi:02}"));
            return out;
        }
        TimeUnit::Second => 0,
        TimeUnit::Millisecond => 3,
        TimeUnit::Microsecond => 6,
        TimeUnit::Nanosecond => 9,
        TimeUnit::Picosecond => 12,
        TimeUnit::Femtosecond => 15,
        _ => 18,
    };
    out.push_str(&format!("T{h:02}:{mi:02}:{sec:02}"));
    if digits > 0 {
        let f = frac / 10i128.pow(18 - digits);
        out.push_str(&format!(".{f:0width$}", width = digits as usize));
    }
    out
}

/// NumPy's `str()` of a `timedelta64`: `5 seconds`, `-1 microseconds`, `NaT`.
pub(crate) fn format_timedelta(v: i64, unit: DateTimeUnit) -> String {
    if v == NAT {
        return "NaT".to_owned();
    }
    let Some(base) = unit.unit else {
        return v.to_string();
    };
    let name = match base {
        TimeUnit::Year => "years",
        TimeUnit::Month => "months",
        TimeUnit::Week => "weeks",
        TimeUnit::Day => "days",
        TimeUnit::Hour => "hours",
        TimeUnit::Minute => "minutes",
        TimeUnit::Second => "seconds",
        TimeUnit::Millisecond => "milliseconds",
        TimeUnit::Microsecond => "microseconds",
        TimeUnit::Nanosecond => "nanoseconds",
        TimeUnit::Picosecond => "picoseconds",
        TimeUnit::Femtosecond => "femtoseconds",
        TimeUnit::Attosecond => "attoseconds",
    };
    format!("{} {name}", i128::from(v) * i128::from(unit.count.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_beyond_128_bits_of_attoseconds_print_as_ticks() {
        let unit = DateTimeUnit::new(TimeUnit::Second, 8_888_888);
        assert_eq!(format_datetime(i64::MAX, unit), i64::MAX.to_string());
        let unit = DateTimeUnit::new(TimeUnit::Week, u32::MAX);
        assert_eq!(
            format_datetime(i64::MIN + 1, unit),
            (i64::MIN + 1).to_string()
        );
        assert_eq!(format_datetime(-5, unit), "-411570767-03-10");
        assert_eq!(
            format_datetime(1, DateTimeUnit::new(TimeUnit::Day, 2)),
            "1970-01-03"
        );
    }

    fn dt(text: &str, unit: TimeUnit, count: u32) -> Option<i64> {
        parse_datetime(text, DateTimeUnit::new(unit, count))
    }

    #[test]
    fn calendar_round_trips() {
        for days in -800_000..800_000i64 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2024, 1, 2), 19_724);
        assert_eq!(days_from_civil(-1, 1, 1), -719_893);
    }

    /// Values NumPy 2.4 gives (`np.loadtxt(..., dtype=...).view('i8')`).
    #[test]
    fn numpy_values() {
        use TimeUnit::*;
        assert_eq!(dt("2024-01-02", Day, 1), Some(19_724));
        assert_eq!(dt("2024-01-02T03:04:05", Second, 1), Some(1_704_164_645));
        assert_eq!(
            dt("2024-01-02T03:04:05.123", Millisecond, 1),
            Some(1_704_164_645_123)
        );
        assert_eq!(
            dt("2024-01-02T03:04:05.123", Second, 1),
            Some(1_704_164_645)
        );
        assert_eq!(dt("2024-01", Day, 1), Some(19_723));
        assert_eq!(dt("NaT", Day, 1), Some(NAT));
        assert_eq!(dt("nat", Day, 1), Some(NAT));
        assert_eq!(dt("2024-01-02T03:04Z", Minute, 1), Some(28_402_744));
        assert_eq!(dt("2024-01-02T03:04+01:00", Minute, 1), Some(28_402_684));
        assert_eq!(
            dt("2024-01-02T03:04:05+0100", Second, 1),
            Some(1_704_161_045)
        );
        assert_eq!(dt("2024-01-02T03:04:05-01", Second, 1), Some(1_704_168_245));
        assert_eq!(dt("5", Day, 1), Some(-717_701));
        assert_eq!(dt("1969-12-31T23:59:59", Day, 1), Some(-1));
        assert_eq!(dt("1969-12-31T23:59:59.5", Second, 1), Some(-1));
        assert_eq!(dt("10000-01-01", Day, 1), Some(2_932_897));
        assert_eq!(dt("-0001-01-01", Day, 1), Some(-719_893));
        assert_eq!(dt("2024-01-02 03:04", Minute, 1), Some(28_402_744));
        assert_eq!(
            dt("2024-01-02T03:04:05.123456789", Nanosecond, 1),
            Some(1_704_164_645_123_456_789)
        );
        assert_eq!(
            dt("2024-01-02T03:04:05.1234567891", Nanosecond, 1),
            Some(1_704_164_645_123_456_789)
        );
        assert_eq!(dt("2024-01-04", Week, 1), Some(2_818));
        assert_eq!(dt("2024-01-04", Month, 1), Some(648));
        assert_eq!(dt("2024-01-04", Day, 2), Some(9_863));
        assert_eq!(dt("1969-07-02", Year, 1), Some(-1));
        assert_eq!(dt("1969-07-02", Month, 1), Some(-6));
        assert_eq!(dt("1969-07-02", Week, 1), Some(-27));
        assert_eq!(
            dt("2024-01-02T03:04:05.123", Millisecond, 25),
            Some(68_166_585_804)
        );
        assert_eq!(dt("1969-12-31T23:59:59.999", Millisecond, 10), Some(-1));
        assert_eq!(dt("2024-01-02", Hour, 3), Some(157_792));
        assert_eq!(dt("+2024-01-04", Day, 1), Some(19_726));
        assert_eq!(dt(" 2024-01-02 ", Day, 1), Some(19_724));
        for bad in [
            "2024-13-02",
            "2024-02-30",
            "2023-02-29",
            "2024-1-2",
            "2024-01-02T3:04",
            "2024-01-02T03:4",
            "2024-01-02T24:00",
            "2024-01-02T23:60",
            "2024-01-02T23:59:60",
            "2024-W01",
            "2024-01-02t03:04",
            "",
            "x",
            "2024-01-02T",
        ] {
            assert_eq!(dt(bad, Day, 1), None, "{bad:?}");
        }
        // NumPy wraps this around (to -4271349743151480832); dtkit refuses it.
        assert_eq!(dt("2024-01-02", Attosecond, 1), None);
        assert_eq!(parse_datetime("2024", DateTimeUnit::GENERIC), None);
    }

    #[test]
    fn today_is_now() {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let today = dt("Today", TimeUnit::Day, 1).unwrap();
        assert!((today - secs / 86_400).abs() <= 1);
        let now = dt("now", TimeUnit::Second, 1).unwrap();
        assert!((now - secs).abs() <= 5);
    }

    /// NumPy 2.4's `str()` of these values.
    #[test]
    fn formats_as_numpy() {
        use TimeUnit::*;
        let f = |text: &str, unit, count| {
            let u = DateTimeUnit::new(unit, count);
            format_datetime(parse_datetime(text, u).unwrap(), u)
        };
        assert_eq!(
            f("2024-01-02T03:04:05.5", Millisecond, 1),
            "2024-01-02T03:04:05.500"
        );
        assert_eq!(f("-0001-01-01", Day, 1), "-001-01-01");
        assert_eq!(f("10000-01-01", Day, 1), "10000-01-01");
        assert_eq!(f("2024-01-04", Week, 1), "2024-01-04");
        assert_eq!(f("2024-01", Month, 1), "2024-01");
        assert_eq!(f("2024", Year, 1), "2024");
        assert_eq!(f("2024-01-02T03", Hour, 1), "2024-01-02T03");
        assert_eq!(f("2024-01-02T03:04", Minute, 1), "2024-01-02T03:04");
        assert_eq!(f("2024-01-02T03:04:05", Second, 1), "2024-01-02T03:04:05");
        assert_eq!(
            f("1969-12-31T23:59:59.999999999", Nanosecond, 1),
            "1969-12-31T23:59:59.999999999"
        );
        assert_eq!(
            f("2024-01-02T03:04:05.123", Millisecond, 25),
            "2024-01-02T03:04:05.100"
        );
        assert_eq!(f("2024-01-02", Hour, 3), "2024-01-02T00");
        assert_eq!(format_datetime(NAT, DateTimeUnit::new(Day, 1)), "NaT");
        assert_eq!(
            format_datetime(-100_000_000_000_000_000, DateTimeUnit::new(Second, 1)),
            "-3168871881-04-27T14:13:20"
        );
        let td = |v, unit, count| format_timedelta(v, DateTimeUnit::new(unit, count));
        assert_eq!(td(2, Millisecond, 25), "50 milliseconds");
        assert_eq!(td(1, Day, 1), "1 days");
        assert_eq!(td(-1, Microsecond, 1), "-1 microseconds");
        assert_eq!(td(NAT, Second, 1), "NaT");
    }

    #[test]
    fn timedeltas() {
        assert_eq!(parse_timedelta("5"), Some(5));
        assert_eq!(parse_timedelta(" -5 "), Some(-5));
        assert_eq!(parse_timedelta("+5"), Some(5));
        assert_eq!(parse_timedelta("NaT"), Some(NAT));
        for bad in ["1.5", "5 s", "", "-", "0x5", "99999999999999999999"] {
            assert_eq!(parse_timedelta(bad), None, "{bad:?}");
        }
    }
}
