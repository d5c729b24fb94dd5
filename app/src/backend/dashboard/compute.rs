//! Assembling the dashboard from its queries' rows: the KPIs (this period against the one
//! before) and the charts (daily rows folded into the period's buckets), one function each.

use crate::backend::WorkspaceId;
use std::collections::BTreeMap;

use chrono::{Duration as Span, NaiveDate, Utc};
use sea_orm::ConnectionTrait;

use super::period::bucket_ends;
use super::queries::{self, ClosedRow, CountRow, DayRow, Filter, OpenRow, StageRow};
use super::{Period, SENTIMENT_WINDOW_DAYS, TOP_COMPETITORS};
use crate::backend::Result;
use crate::types::charts::{CategoryChart, Series, ValueFormat};
use crate::types::{Currency, Dashboard, DashboardQuery, Kpi, KpiValue, Money};

/// Computes every figure of the dashboard (no cache).
pub async fn compute(
    db: &impl ConnectionTrait,
    ws: WorkspaceId,
    q: &DashboardQuery,
    p: Period,
) -> Result<Dashboard> {
    let main = queries::main_currency(db, ws).await?;
    let money = ValueFormat::Money(currency(&main).unwrap_or(Currency::USD));
    let f = Filter::new(ws, q.owner, &p);
    let kpis = kpis(db, &f).await?;

    // Pipeline by stage (open deals in the main currency).
    let pipelines = crate::backend::repo::pipelines::list_ids(db, ws).await?;
    let pipeline_id = q
        .pipeline
        .filter(|id| pipelines.iter().any(|(p, _)| p == id))
        .or_else(|| pipelines.first().map(|(id, _)| *id));
    let by_stage = match pipeline_id {
        None => Vec::new(),
        Some(pid) => queries::stage_totals(db, &f, pid, &main).await?,
    };
    let pipeline_by_stage = pipeline_by_stage(&by_stage, money);

    // Daily rows, folded into the period's buckets.
    let b = Buckets::of(&p);
    let won_revenue = won_revenue(&b, &queries::won_days(db, &f, &main).await?, money);
    let created_vs_closed = created_vs_closed(&b, &queries::flow_days(db, &f).await?);

    // Sentiment of the most-watched competitors (the companies most often named as one).
    let top = crate::backend::repo::competitors::most_named(db, ws, TOP_COMPETITORS).await?;
    let sentiment_rows = if top.is_empty() {
        Vec::new()
    } else {
        let ids: Vec<i64> = top.iter().map(|(id, _)| *id).collect();
        queries::sentiment_days(db, ws, &p, &ids).await?
    };
    let sentiment_trend = sentiment_trend(&b, &top, &sentiment_rows);
    let activity_volume = activity_volume(&b, &queries::activity_days(db, &f).await?);

    Ok(Dashboard {
        from: p.from,
        to: p.to,
        currency: main,
        kpis,
        pipeline_id,
        pipelines,
        pipeline_by_stage,
        won_revenue,
        created_vs_closed,
        sentiment_trend,
        activity_volume,
        computed_at: Utc::now(),
    })
}

/// The KPIs, in the order the dashboard shows them.
async fn kpis(db: &impl ConnectionTrait, f: &Filter) -> Result<Vec<Kpi>> {
    let open = queries::open_totals(db, f).await?;
    let closed = queries::closed_totals(db, f).await?;
    // Companies added and signals published (with their sentiment), per day in `day_totals`.
    let companies = queries::day_counts(db, f, "company").await?;
    let sentiment = queries::day_counts(db, f, "signal").await?;
    let mut kpis = open_kpis(&open);
    kpis.extend(closed_kpis(&closed));
    kpis.extend(count_kpis(&companies, &sentiment));
    Ok(kpis)
}

/// Open pipeline and weighted forecast, at the end of the period against its start.
fn open_kpis(open: &[OpenRow]) -> Vec<Kpi> {
    let pick = |f: fn(&OpenRow) -> i64, scale: i64| -> BTreeMap<String, i64> {
        open.iter()
            .map(|r| (r.currency.clone(), f(r) / scale))
            .collect()
    };
    vec![
        kpi(
            "open_pipeline",
            "Open pipeline",
            KpiValue::Money(money_list(&pick(|r| r.open_now, 1))),
            KpiValue::Money(money_list(&pick(|r| r.open_before, 1))),
            "The value of deals open at the end of the period (against the start).",
        ),
        kpi(
            "weighted_forecast",
            "Weighted forecast",
            KpiValue::Money(money_list(&pick(|r| r.weighted_now, 100))),
            KpiValue::Money(money_list(&pick(|r| r.weighted_before, 100))),
            "Open deals' values times their probability.",
        ),
    ]
}

/// Won revenue, win rate and sales cycle, in the period against the one before.
fn closed_kpis(closed: &[ClosedRow]) -> Vec<Kpi> {
    let (won_now, rate_now, cycle_now) = closed_stats(closed, 1);
    let (won_before, rate_before, cycle_before) = closed_stats(closed, 0);
    vec![
        kpi(
            "won_revenue",
            "Won revenue",
            KpiValue::Money(won_now),
            KpiValue::Money(won_before),
            "The value of deals won in the period.",
        ),
        kpi(
            "win_rate",
            "Win rate",
            KpiValue::Percent(rate_now),
            KpiValue::Percent(rate_before),
            "Won deals out of all deals closed (won or lost) in the period.",
        ),
        kpi(
            "sales_cycle_days",
            "Sales cycle",
            KpiValue::Days(cycle_now),
            KpiValue::Days(cycle_before),
            "Average days from creation to won, for deals won in the period.",
        ),
    ]
}

/// Won value per currency, win rate and average cycle of the deals closed in the period
/// (`cur` 1) or the one before (`cur` 0).
fn closed_stats(closed: &[ClosedRow], cur: i32) -> (Vec<Money>, Option<f64>, Option<f64>) {
    let mut won_sum: BTreeMap<String, i64> = BTreeMap::new();
    let (mut won, mut lost, mut days) = (0i64, 0i64, 0.0f64);
    for r in closed.iter().filter(|r| r.cur == cur) {
        match r.kind.as_str() {
            "won" => {
                *won_sum.entry(r.currency.clone()).or_default() += r.amount;
                won += r.n;
                days += r.days.unwrap_or(0.0);
            }
            "lost" => lost += r.n,
            _ => {}
        }
    }
    let rate = (won + lost > 0).then(|| won as f64 / (won + lost) as f64);
    let cycle = (won > 0).then(|| days / won as f64);
    (money_list(&won_sum), rate, cycle)
}

/// New companies and signal sentiment, in the period against the one before.
fn count_kpis(companies: &[CountRow], sentiment: &[CountRow]) -> Vec<Kpi> {
    let count_of = |rows: &[CountRow], cur: i32| {
        rows.iter()
            .find(|r| r.cur == cur)
            .map_or(0, |r| r.n.max(0) as u64)
    };
    let avg_of =
        |rows: &[CountRow], cur: i32| rows.iter().find(|r| r.cur == cur).and_then(|r| r.avg);
    vec![
        kpi(
            "new_companies",
            "New companies",
            KpiValue::Count(count_of(companies, 1)),
            KpiValue::Count(count_of(companies, 0)),
            "Companies added in the period.",
        ),
        kpi(
            "avg_sentiment",
            "Signal sentiment",
            KpiValue::Score(avg_of(sentiment, 1)),
            KpiValue::Score(avg_of(sentiment, 0)),
            "Average sentiment (−1…1) of signals published in the period.",
        ),
    ]
}

fn kpi(key: &str, label: &str, value: KpiValue, previous: KpiValue, help: &str) -> Kpi {
    Kpi {
        key: key.into(),
        label: label.into(),
        value,
        previous,
        help: help.into(),
    }
}

fn currency(code: &str) -> Option<Currency> {
    serde_json::from_value(serde_json::Value::String(code.to_owned())).ok()
}

fn money_list(sums: &BTreeMap<String, i64>) -> Vec<Money> {
    let mut list: Vec<Money> = sums
        .iter()
        .filter(|(_, v)| **v != 0)
        .filter_map(|(c, v)| currency(c).map(|c| Money::new(*v, c)))
        .collect();
    list.sort_by_key(|m| std::cmp::Reverse(m.minor.abs()));
    list
}

/// The period's chart buckets: their labels and, for each day, its bucket.
struct Buckets {
    labels: Vec<String>,
    of_day: BTreeMap<String, usize>,
}

impl Buckets {
    fn of(p: &Period) -> Self {
        let (labels, of_day) = p.buckets();
        Self { labels, of_day }
    }

    /// `key`'s daily rows summed (or, with `avg`, averaged) per bucket.
    fn fold(&self, rows: &[DayRow], key: &str, avg: bool) -> Vec<Option<f64>> {
        let mut sums = vec![0.0; self.labels.len()];
        let mut ns = vec![0i64; self.labels.len()];
        for r in rows.iter().filter(|r| r.key == key) {
            if let Some(&i) = self.of_day.get(&r.day) {
                sums[i] += r.total.unwrap_or(r.n as f64);
                ns[i] += r.n;
            }
        }
        sums.iter()
            .zip(&ns)
            .map(|(s, n)| {
                if avg {
                    (*n > 0).then(|| s / *n as f64)
                } else {
                    Some(*s)
                }
            })
            .collect()
    }
}

fn pipeline_by_stage(by_stage: &[StageRow], money: ValueFormat) -> CategoryChart {
    CategoryChart::new(
        by_stage.iter().map(|r| r.name.clone()).collect(),
        vec![Series::dense(
            "Open value",
            by_stage.iter().map(|r| r.amount as f64),
        )],
        money,
    )
}

fn won_revenue(b: &Buckets, won_rows: &[DayRow], money: ValueFormat) -> CategoryChart {
    CategoryChart::new(
        b.labels.clone(),
        vec![Series::new("Won revenue", b.fold(won_rows, "won", false))],
        money,
    )
}

fn created_vs_closed(b: &Buckets, flow_rows: &[DayRow]) -> CategoryChart {
    CategoryChart::new(
        b.labels.clone(),
        vec![
            Series::new("Created", b.fold(flow_rows, "created", false)),
            Series::new("Closed", b.fold(flow_rows, "closed", false)),
        ],
        ValueFormat::Number,
    )
}

/// Each of the `top` competitors' sentiment as a trailing 30-day average at the end of
/// each bucket: signals are sparse, and a weekly average of one or two items would jump
/// around meaninglessly.
fn sentiment_trend(b: &Buckets, top: &[(i64, String)], rows: &[DayRow]) -> CategoryChart {
    CategoryChart::new(
        b.labels.clone(),
        top.iter()
            .map(|(id, name)| {
                Series::new(
                    name.clone(),
                    trailing_average(rows, &id.to_string(), &bucket_ends(&b.of_day)),
                )
            })
            .collect(),
        ValueFormat::Signed2,
    )
}

fn activity_volume(b: &Buckets, activity_rows: &[DayRow]) -> CategoryChart {
    CategoryChart::new(
        b.labels.clone(),
        ["call", "email", "meeting", "note", "task"]
            .iter()
            .map(|k| {
                let mut name = k.to_string();
                name[..1].make_ascii_uppercase();
                Series::new(name, b.fold(activity_rows, k, false))
            })
            .collect(),
        ValueFormat::Number,
    )
}

/// For each bucket end, the average of `key`'s daily sums over the trailing window.
fn trailing_average(rows: &[DayRow], key: &str, ends: &[NaiveDate]) -> Vec<Option<f64>> {
    let daily: Vec<(NaiveDate, f64, i64)> = rows
        .iter()
        .filter(|r| r.key == key)
        .filter_map(|r| {
            NaiveDate::parse_from_str(&r.day, "%Y-%m-%d")
                .ok()
                .map(|d| (d, r.total.unwrap_or(0.0), r.n))
        })
        .collect();
    ends.iter()
        .map(|end| {
            let start = *end - Span::days(SENTIMENT_WINDOW_DAYS - 1);
            let (sum, n) = daily
                .iter()
                .filter(|(d, ..)| *d >= start && d <= end)
                .fold((0.0, 0i64), |(s, n), (_, t, c)| (s + t, n + c));
            (n > 0).then(|| sum / n as f64)
        })
        .collect()
}
