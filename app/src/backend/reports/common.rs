//! What the report kinds share: the period, the segment filter, the currency deals are
//! summed in, and number formatting.

use crate::backend::WorkspaceId;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};

use super::Valid;
use crate::backend::sql::Query;
use crate::backend::Result;
use crate::types::{group_thousands, Currency, Money};

/// Whole days, `from` to `to` inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    pub fn start(&self) -> DateTime<Utc> {
        self.from.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
    }

    /// The first instant after the period.
    pub fn end(&self) -> DateTime<Utc> {
        (self.to + Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc()
    }

    /// The start of the equally long period before this one.
    pub fn prev_start(&self) -> DateTime<Utc> {
        self.start() - (self.end() - self.start())
    }

    pub fn label(&self) -> String {
        format!(
            "{} to {} ({} days)",
            self.from.format("%Y-%m-%d"),
            self.to.format("%Y-%m-%d"),
            (self.to - self.from).num_days() + 1
        )
    }

    /// `YYYY-MM` of every month the period touches, in order.
    pub fn months(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut d = self.from;
        while d <= self.to {
            let m = d.format("%Y-%m").to_string();
            if out.last() != Some(&m) {
                out.push(m);
            }
            d += Duration::days(1);
        }
        out
    }
}

/// `AND …` conditions selecting the segment's companies (alias `c`).
pub fn segment_filter(q: &mut Query, v: &Valid) -> String {
    let mut w = String::new();
    if let Some(i) = &v.industry {
        w.push_str(&format!(" AND c.industry = {}", q.bind(i.clone())));
    }
    if let Some(c) = &v.country {
        // CHAR(2) like the column, or PostgreSQL casts the column and skips its indexes.
        w.push_str(&format!(
            " AND c.country = CAST({} AS CHAR(2))",
            q.bind(c.clone())
        ));
    }
    if let Some((_, min, max)) = &v.size_band {
        w.push_str(&format!(" AND c.employee_count >= {}", q.bind(*min)));
        if let Some(max) = max {
            w.push_str(&format!(" AND c.employee_count <= {}", q.bind(*max)));
        }
    }
    w
}

#[derive(FromQueryResult)]
struct CurrencyRow {
    currency: String,
}

/// The currency most of the workspace's deals are in: sums are taken in it alone (adding
/// euros to dollars would state a number nobody can use), and the report says so.
pub async fn main_currency(db: &impl ConnectionTrait, ws: WorkspaceId) -> Result<Currency> {
    let mut q = Query::new(db.get_database_backend());
    let sql = format!(
        "SELECT currency FROM deals WHERE workspace_id = {} GROUP BY currency ORDER BY COUNT(*) DESC, currency LIMIT 1",
        q.bind(ws)
    );
    let code = CurrencyRow::find_by_statement(q.statement(&sql))
        .one(db)
        .await?
        .map(|r| r.currency);
    Ok(code
        .and_then(|c| Currency::parse(&c).ok())
        .unwrap_or(Currency::USD))
}

pub fn count(n: i64) -> String {
    let s = group_thousands(n.unsigned_abs());
    if n < 0 {
        format!("-{s}")
    } else {
        s
    }
}

pub fn money(minor: i64, currency: Currency) -> String {
    Money::new(minor, currency).format()
}

/// A fraction as a percentage: 0.125 → "12.5%".
pub fn pct(f: f64) -> String {
    format!("{:.1}%", f * 100.0)
}

pub fn signed(v: f64) -> String {
    crate::types::charts::ValueFormat::Signed2.format(v)
}

/// Relative change in percent, when there is a base to compare with.
pub fn change_pct(before: f64, after: f64) -> Option<f64> {
    (before.abs() > f64::EPSILON).then(|| (after - before) / before.abs() * 100.0)
}

/// "Mar 2026" for "2026-03".
pub fn month_label(m: &str) -> String {
    NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
        .map(|d| d.format("%b %Y").to_string())
        .unwrap_or_else(|_| m.to_owned())
}

#[derive(FromQueryResult)]
pub struct MoverRow {
    pub id: i64,
    pub name: String,
    pub first: f64,
    pub last: f64,
}

/// Each company's first and last value of `metric` inside the period (companies matched by
/// `company_filter`, conditions on alias `c`).
pub async fn first_last(
    db: &impl ConnectionTrait,
    ws: WorkspaceId,
    metric: &str,
    p: &Period,
    company_filter: impl FnOnce(&mut Query) -> String,
) -> Result<Vec<MoverRow>> {
    let mut q = Query::new(db.get_database_backend());
    let (wsb, mb, from, to) = (
        q.bind(ws),
        q.bind(metric),
        q.bind(p.start()),
        q.bind(p.end()),
    );
    let filter = company_filter(&mut q);
    let sql = format!(
        "SELECT c.id AS id, c.name AS name, {first} AS first, {last} AS last FROM \
         (SELECT m.company_id AS company_id, MIN(m.observed_at) AS a, MAX(m.observed_at) AS b \
          FROM market_metrics m WHERE m.workspace_id = {wsb} AND m.metric = {mb} \
          AND m.company_id IS NOT NULL AND m.observed_at >= {from} AND m.observed_at < {to} \
          GROUP BY m.company_id) x \
         JOIN companies c ON c.id = x.company_id \
         JOIN market_metrics f ON f.company_id = x.company_id AND f.metric = {mb} AND f.observed_at = x.a \
         JOIN market_metrics l ON l.company_id = x.company_id AND l.metric = {mb} AND l.observed_at = x.b \
         WHERE x.a < x.b{filter}",
        first = q.float("MIN(f.value)"),
        last = q.float("MIN(l.value)"),
    );
    // MIN() collapses duplicate observations at the same instant.
    let sql = format!("{sql} GROUP BY c.id, c.name");
    Ok(MoverRow::find_by_statement(q.statement(&sql))
        .all(db)
        .await?)
}
