//! How numbers, money and dates read on screen, and text in a URL.

use chrono::{DateTime, NaiveDate, Utc};

use crate::types::{group_thousands, Money};

pub fn date(d: DateTime<Utc>) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub fn day(d: NaiveDate) -> String {
    d.format("%b %-d, %Y").to_string()
}

pub fn date_time(d: DateTime<Utc>) -> String {
    d.format("%Y-%m-%d %H:%M").to_string()
}

/// "3 days ago", "in 2 months" — relative to `now`, so server and browser render alike when
/// given the same `now`.
pub fn relative(d: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - d).num_seconds();
    let (n, unit) = match secs.abs() {
        s if s < 60 => return "just now".into(),
        s if s < 3600 => (s / 60, "minute"),
        s if s < 86_400 => (s / 3600, "hour"),
        s if s < 86_400 * 30 => (s / 86_400, "day"),
        s if s < 86_400 * 365 => (s / (86_400 * 30), "month"),
        s => (s / (86_400 * 365), "year"),
    };
    let plural = if n == 1 { "" } else { "s" };
    if secs >= 0 {
        format!("{n} {unit}{plural} ago")
    } else {
        format!("in {n} {unit}{plural}")
    }
}

pub fn count(n: u64) -> String {
    group_thousands(n)
}

/// Several currencies' sums, e.g. "$1.2M + €40K"; "—" when empty.
pub fn money_list(list: &[Money]) -> String {
    if list.is_empty() || list.iter().all(|m| m.minor == 0) {
        return "—".into();
    }
    list.iter()
        .filter(|m| m.minor != 0)
        .map(Money::format_compact)
        .collect::<Vec<_>>()
        .join(" + ")
}

pub fn employees(n: Option<i32>) -> String {
    n.map(|n| group_thousands(n.max(0) as u64))
        .unwrap_or_else(|| "—".into())
}

/// A flag-free country label: the ISO code is what people scan for in tables.
pub fn country(c: &Option<String>) -> String {
    c.clone().unwrap_or_else(|| "—".into())
}

pub fn sentiment(v: f64) -> String {
    format!("{v:+.2}")
}

/// `s` percent-encoded for a URL's path or query (letters, digits, `-_.~/` stay as they are).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn relative_times() {
        let now = Utc::now();
        assert_eq!(relative(now - Duration::seconds(5), now), "just now");
        assert_eq!(relative(now - Duration::hours(3), now), "3 hours ago");
        assert_eq!(relative(now - Duration::days(1), now), "1 day ago");
        assert_eq!(relative(now + Duration::days(65), now), "in 2 months");
    }

    #[test]
    fn money_lists() {
        use crate::types::Currency;
        assert_eq!(money_list(&[]), "—");
        assert_eq!(
            money_list(&[
                Money::new(120_000_000, Currency::USD),
                Money::new(4_000_000, Currency::EUR)
            ]),
            "$1.2M + €40K"
        );
    }
}

/// A duration for people: "420 ms", "3.2 s", "4 min 05 s", "2 h 10 min".
pub fn duration_ms(ms: i64) -> String {
    let ms = ms.max(0);
    match ms {
        m if m < 1_000 => format!("{m} ms"),
        m if m < 60_000 => format!("{:.1} s", m as f64 / 1000.0),
        m if m < 3_600_000 => format!("{} min {:02} s", m / 60_000, (m % 60_000) / 1000),
        m => format!("{} h {:02} min", m / 3_600_000, (m % 3_600_000) / 60_000),
    }
}

#[cfg(test)]
mod duration_tests {
    #[test]
    fn durations_read_in_the_right_unit() {
        assert_eq!(super::duration_ms(420), "420 ms");
        assert_eq!(super::duration_ms(3_240), "3.2 s");
        assert_eq!(super::duration_ms(245_000), "4 min 05 s");
        assert_eq!(super::duration_ms(7_800_000), "2 h 10 min");
        assert_eq!(super::duration_ms(-5), "0 ms");
    }
}
