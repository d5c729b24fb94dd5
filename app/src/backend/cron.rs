//! Cron expressions (five fields, minute precision) in an IANA time zone: parsed with the
//! field at fault named, and asked for their next firing. Schedules use them.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use croner::{parser::CronParser, parser::Seconds, Cron};

/// A parsed schedule: when it fires, in which zone.
#[derive(Clone, Debug)]
pub struct Timing {
    cron: Cron,
    tz: chrono_tz::Tz,
}

impl Timing {
    /// Parses a five-field cron expression (`0 8 * * MON`: Mondays at 08:00) and a time
    /// zone name (`Europe/Berlin`; `UTC`). Errors name the field at fault.
    pub fn parse(expr: &str, tz: &str) -> std::result::Result<Self, (&'static str, String)> {
        let expr = expr.trim();
        if expr.split_whitespace().count() != 5 {
            return Err((
                "cron",
                "needs five fields: minute hour day-of-month month day-of-week (e.g. `0 8 * * MON`)"
                    .into(),
            ));
        }
        let cron = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .build()
            .parse(expr)
            .map_err(|e| ("cron", format!("is not a valid cron expression: {e}")))?;
        let tz = chrono_tz::Tz::from_str(tz.trim()).map_err(|_| {
            (
                "timezone",
                format!("`{tz}` is not a time zone name like Europe/Berlin or UTC"),
            )
        })?;
        let timing = Self { cron, tz };
        if timing.next_after(Utc::now()).is_none() {
            return Err(("cron", "never fires".into()));
        }
        Ok(timing)
    }

    /// The first firing strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron
            .find_next_occurrence(&after.with_timezone(&self.tz), false)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// "At 08:00 on Monday" — croner's English description.
    pub fn describe(&self) -> String {
        self.cron.describe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn mondays_at_eight_in_berlin() {
        let t = Timing::parse("0 8 * * MON", "Europe/Berlin").unwrap();
        // Sunday 2026-11-29 12:00 UTC → Monday 2026-11-30 08:00 CET = 07:00 UTC.
        let next = t
            .next_after(Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap())
            .unwrap();
        assert_eq!(next, Utc.with_ymd_and_hms(2026, 11, 30, 7, 0, 0).unwrap());
        // In summer time the same wall clock is 06:00 UTC.
        let summer = t
            .next_after(Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap())
            .unwrap();
        assert_eq!(summer, Utc.with_ymd_and_hms(2026, 7, 6, 6, 0, 0).unwrap());
    }

    #[test]
    fn bad_input_names_the_field() {
        assert_eq!(Timing::parse("0 8 * *", "UTC").unwrap_err().0, "cron");
        assert_eq!(Timing::parse("61 8 * * *", "UTC").unwrap_err().0, "cron");
        assert_eq!(
            Timing::parse("0 8 * * MON", "Mars/Olympus").unwrap_err().0,
            "timezone"
        );
        assert_eq!(Timing::parse("* * * * * *", "UTC").unwrap_err().0, "cron");
    }

    #[test]
    fn the_next_firing_is_strictly_later() {
        let t = Timing::parse("*/15 * * * *", "UTC").unwrap();
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 10, 15, 0).unwrap();
        assert_eq!(
            t.next_after(at).unwrap(),
            Utc.with_ymd_and_hms(2026, 1, 1, 10, 30, 0).unwrap()
        );
    }
}
