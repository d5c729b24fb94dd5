//! The dashboard's period: parsed from the query as whole UTC days, with the period before it
//! for comparison, and cut into the day, week or month buckets its charts are drawn in.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration as Span, NaiveDate, Utc};

use crate::backend::{Error, Result};
use crate::types::DashboardQuery;

/// The stretch of time covered, and the one before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub prev_from: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bucket {
    Day,
    Week,
    Month,
}

impl Period {
    pub fn parse(q: &DashboardQuery, now: DateTime<Utc>) -> Result<Self> {
        let (from, to) = match (q.from, q.to) {
            (Some(from), Some(to)) => {
                if from > to {
                    return Err(Error::field("from", "must not be after `to`"));
                }
                if (to - from).num_days() > 3 * 366 {
                    return Err(Error::field("to", "the period can be at most three years"));
                }
                (start_of(from), start_of(to) + Span::days(1))
            }
            // Whole UTC days, today the last: every figure is then a sum of days (see
            // `deal_totals`), and "the last 30 days" means the same all day long.
            (None, None) => {
                let days = q.days.unwrap_or(90);
                if ![7, 30, 90, 180, 365].contains(&days) {
                    return Err(Error::field("days", "must be 7, 30, 90, 180 or 365"));
                }
                let tomorrow = start_of(now.date_naive()) + Span::days(1);
                (tomorrow - Span::days(i64::from(days)), tomorrow)
            }
            _ => {
                return Err(Error::field(
                    "from",
                    "give both `from` and `to`, or neither",
                ))
            }
        };
        Ok(Self {
            from,
            to,
            prev_from: from - (to - from),
        })
    }

    fn bucket(&self) -> Bucket {
        match (self.to - self.from).num_days() {
            d if d <= 45 => Bucket::Day,
            d if d <= 200 => Bucket::Week,
            _ => Bucket::Month,
        }
    }

    /// The buckets' labels and, for each day of the period, its bucket.
    pub(super) fn buckets(&self) -> (Vec<String>, BTreeMap<String, usize>) {
        let bucket = self.bucket();
        let mut labels: Vec<String> = Vec::new();
        let mut of_day = BTreeMap::new();
        let mut day = self.from.date_naive();
        let last = (self.to - Span::seconds(1)).date_naive();
        while day <= last {
            let label = match bucket {
                Bucket::Day => day.format("%b %-d").to_string(),
                Bucket::Week => {
                    let monday = day
                        - Span::days(i64::from(
                            chrono::Datelike::weekday(&day).num_days_from_monday(),
                        ));
                    format!("wk {}", monday.format("%b %-d"))
                }
                Bucket::Month => day.format("%b %Y").to_string(),
            };
            if labels.last() != Some(&label) {
                labels.push(label);
            }
            of_day.insert(day.format("%Y-%m-%d").to_string(), labels.len() - 1);
            day += Span::days(1);
        }
        (labels, of_day)
    }
}

fn start_of(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// The last day of each bucket (`of_day` maps each day to its bucket).
pub(super) fn bucket_ends(of_day: &BTreeMap<String, usize>) -> Vec<NaiveDate> {
    let mut ends: Vec<NaiveDate> = Vec::new();
    for (day, &i) in of_day {
        let Ok(d) = NaiveDate::parse_from_str(day, "%Y-%m-%d") else {
            continue;
        };
        if i < ends.len() {
            ends[i] = ends[i].max(d);
        } else {
            ends.push(d);
        }
    }
    ends
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn periods_are_checked_and_have_a_predecessor() {
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap();
        let p = Period::parse(&DashboardQuery::default(), now).unwrap();
        assert_eq!(p.to - p.from, Span::days(90));
        assert_eq!(p.from - p.prev_from, Span::days(90));
        // Whole days, today the last.
        assert_eq!(p.to, Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap());
        assert_eq!(p.from, Utc.with_ymd_and_hms(2026, 9, 1, 0, 0, 0).unwrap());
        let bad = DashboardQuery {
            days: Some(12),
            ..Default::default()
        };
        assert!(matches!(
            Period::parse(&bad, now),
            Err(Error::Validation(_))
        ));
        let custom = DashboardQuery {
            from: NaiveDate::from_ymd_opt(2026, 1, 1),
            to: NaiveDate::from_ymd_opt(2026, 1, 31),
            ..Default::default()
        };
        let p = Period::parse(&custom, now).unwrap();
        assert_eq!(p.to - p.from, Span::days(31));
        let reversed = DashboardQuery {
            from: custom.to,
            to: custom.from,
            ..Default::default()
        };
        assert!(Period::parse(&reversed, now).is_err());
    }

    #[test]
    fn buckets_follow_the_period_length() {
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap();
        let month = Period::parse(
            &DashboardQuery {
                days: Some(30),
                ..Default::default()
            },
            now,
        )
        .unwrap();
        assert_eq!(month.buckets().0.len(), 30, "daily, whole days");
        let quarter = Period::parse(
            &DashboardQuery {
                days: Some(90),
                ..Default::default()
            },
            now,
        )
        .unwrap();
        let (labels, of_day) = quarter.buckets();
        assert!(
            (13..=15).contains(&labels.len()),
            "weekly: {}",
            labels.len()
        );
        assert_eq!(of_day.len(), 90);
        let year = Period::parse(
            &DashboardQuery {
                days: Some(365),
                ..Default::default()
            },
            now,
        )
        .unwrap();
        assert_eq!(
            year.buckets().0.len(),
            13,
            "monthly, partial months at both ends"
        );
    }
}
