//! The dashboard's figures: KPIs against the previous period and the charts' series, each
//! from one grouped SQL query (the database does the counting; Rust only folds at most a
//! year of daily rows into chart buckets). Deal figures read `deal_totals`, daily sums the
//! database keeps up to date with triggers, so periods are whole UTC days.
//!
//! Results are cached per (workspace, query) for a short while and dropped as soon as the
//! workspace's data changes (the event bus says so — across processes on PostgreSQL), so a
//! team looking at the same dashboard costs one computation, and a moved deal shows at once.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use chrono::{DateTime, Duration as Span, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::backend::auth::Scope;
use crate::backend::events::Topic;
use crate::backend::sql::Query;
use crate::backend::{AppState, Error, Result};
use crate::components::charts::{CategoryChart, Series, ValueFormat};
use crate::types::{Currency, Dashboard, DashboardQuery, Kpi, KpiValue, Money};

const TTL: Duration = Duration::from_secs(60);
const TOP_COMPETITORS: usize = 5;
const SENTIMENT_WINDOW_DAYS: i64 = 30;

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
    fn buckets(&self) -> (Vec<String>, BTreeMap<String, usize>) {
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

/// One dashboard: computed once by whichever request asked first; every request that asks
/// while it is being computed waits for that result instead of starting its own (after a
/// write, 64 open dashboards would otherwise run 64 copies of the same seconds-long queries).
type Slot<T> = Arc<tokio::sync::OnceCell<Arc<T>>>;

struct Entry<T> {
    /// When last asked for (entries nobody asks for are dropped after `TTL`).
    asked: Instant,
    /// The clock minute `slot` is computed for: relative periods move with the clock.
    minute: i64,
    slot: Slot<T>,
    /// The last finished answer of an earlier minute, served while `slot` computes: the data
    /// has not changed (a change drops the whole entry), only the clock has moved on.
    earlier: Option<Arc<T>>,
}

/// What a request does for a dashboard.
enum Lookup<T> {
    /// Wait for this slot (already computed, or being computed by someone else).
    Wait(Slot<T>),
    /// Answer with this one now; the caller starts computing `Slot` for the new minute.
    Refresh(Arc<T>, Slot<T>),
    /// Answer with this one now; the new minute's answer is already being computed.
    Earlier(Arc<T>),
}

/// Recently computed dashboards, dropped per workspace when its data changes.
///
/// A slot is in the map before its computation starts, so a change that arrives while it runs
/// drops it: the answer still reaches the requests already waiting for it, but no later one.
/// When only the minute changes, the previous answer keeps being served until the new one is
/// ready: one request computes it in the background and nobody waits seconds for a figure
/// that can only have moved by a minute's worth of period.
pub struct Cache<T = Dashboard> {
    entries: Mutex<HashMap<(i64, String), Entry<T>>>,
}

impl<T> Default for Cache<T> {
    fn default() -> Self {
        Self {
            entries: Mutex::default(),
        }
    }
}

impl<T> Cache<T> {
    fn lookup(&self, key: (i64, String), minute: i64) -> Lookup<T> {
        let Ok(mut entries) = self.entries.lock() else {
            return Lookup::Wait(Slot::default());
        };
        let now = Instant::now();
        if let Some(e) = entries.get_mut(&key) {
            e.asked = now;
            if e.minute == minute {
                return match (e.slot.initialized(), &e.earlier) {
                    (false, Some(earlier)) => Lookup::Earlier(earlier.clone()),
                    _ => Lookup::Wait(e.slot.clone()),
                };
            }
            let finished = e.slot.get().cloned().or_else(|| e.earlier.take());
            e.minute = minute;
            e.slot = Slot::default();
            e.earlier = finished.clone();
            return match finished {
                Some(v) => Lookup::Refresh(v, e.slot.clone()),
                None => Lookup::Wait(e.slot.clone()),
            };
        }
        entries.retain(|_, e| e.asked.elapsed() < TTL);
        let slot = Slot::<T>::default();
        entries.insert(
            key,
            Entry {
                asked: now,
                minute,
                slot: slot.clone(),
                earlier: None,
            },
        );
        Lookup::Wait(slot)
    }

    /// Forgets everything computed (or being computed) for `workspace_id`.
    pub fn invalidate(&self, workspace_id: i64) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|(ws, _), _| *ws != workspace_id);
        }
    }
}

/// Drops cached dashboards and list totals of a workspace whenever the bus reports a change
/// of its data (from this process or, on PostgreSQL, any other).
pub fn spawn_invalidator(state: &AppState) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    let mut events = state.events().subscribe();
    tokio::spawn(async move {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match events.recv().await {
                Ok(e) => {
                    if let (Some(ws), Topic::Data { .. } | Topic::Derived { .. }) =
                        (e.workspace_id, &e.topic)
                    {
                        state.dashboards().invalidate(ws);
                        state.list_counts().invalidate(ws);
                    }
                }
                Err(RecvError::Lagged(_)) => {
                    if let Ok(mut entries) = state.dashboards().entries.lock() {
                        entries.clear();
                    }
                    state.list_counts().clear();
                }
                Err(RecvError::Closed) => return,
            }
        }
    })
}

/// The dashboard for `scope`'s workspace — from the cache when it is fresh.
pub async fn get(state: &AppState, scope: &Scope, q: &DashboardQuery) -> Result<Arc<Dashboard>> {
    let period = Period::parse(q, Utc::now())?;
    let key = (
        scope.workspace_id(),
        format!(
            "{:?}|{:?}|{:?}|{:?}|{:?}",
            q.days, q.from, q.to, q.owner, q.pipeline
        ),
    );
    let ws = scope.workspace_id();
    let minute = Utc::now().timestamp() / 60;
    match state.dashboards().lookup(key, minute) {
        Lookup::Earlier(d) => Ok(d),
        Lookup::Refresh(d, slot) => {
            let (state, q) = (state.clone(), q.clone());
            tokio::spawn(async move {
                let fresh = slot
                    .get_or_try_init(|| async {
                        compute(&state.db, ws, &q, period).await.map(Arc::new)
                    })
                    .await;
                if let Err(e) = fresh {
                    tracing::warn!(workspace_id = ws, error = %e, "dashboard refresh failed");
                }
            });
            Ok(d)
        }
        // A failed computation leaves the slot empty: the next request tries again.
        Lookup::Wait(slot) => Ok(slot
            .get_or_try_init(|| async { compute(&state.db, ws, q, period).await.map(Arc::new) })
            .await?
            .clone()),
    }
}

#[derive(FromQueryResult)]
struct OpenRow {
    currency: String,
    open_now: i64,
    weighted_now: i64,
    open_before: i64,
    weighted_before: i64,
}

#[derive(FromQueryResult)]
struct ClosedRow {
    currency: String,
    kind: String,
    cur: i32,
    n: i64,
    amount: i64,
    days: Option<f64>,
}

#[derive(FromQueryResult)]
struct CountRow {
    cur: i32,
    n: i64,
    avg: Option<f64>,
}

#[derive(FromQueryResult)]
struct StageRow {
    name: String,
    amount: i64,
}

#[derive(FromQueryResult)]
struct DayRow {
    key: String,
    day: String,
    n: i64,
    total: Option<f64>,
}

fn owner_clause(q: &mut Query, col: &str, owner: Option<i64>) -> String {
    match owner {
        Some(id) => format!(" AND {col} = {}", q.bind(id)),
        None => String::new(),
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

/// Computes every figure of the dashboard (no cache).
pub async fn compute(
    db: &impl ConnectionTrait,
    ws: i64,
    q: &DashboardQuery,
    p: Period,
) -> Result<Dashboard> {
    let backend = db.get_database_backend();
    let owner = q.owner;

    // The currency most deals use: charts are drawn in it (sums across currencies would
    // lie). Ties go to the first by name.
    let main = {
        let mut s = Query::new(backend);
        let sql = format!(
            "SELECT currency AS key, '' AS day, {n} AS n, NULL AS total FROM deal_totals \
             WHERE workspace_id = {} AND event = 'created' \
             GROUP BY currency HAVING SUM(n) > 0 ORDER BY SUM(n) DESC, currency LIMIT 1",
            s.bind(ws),
            n = s.sum_i64("n"),
        );
        DayRow::find_by_statement(s.statement(&sql))
            .one(db)
            .await?
            .map(|r| r.key)
            .unwrap_or_else(|| "USD".into())
    };
    let main_currency = currency(&main).unwrap_or(Currency::USD);
    let money = ValueFormat::Money(main_currency);

    // Deal figures add up `deal_totals` (see its migration): per day, currency, owner and
    // stage, kept by triggers; periods are whole days.
    let day = |t: DateTime<Utc>| t.format("%Y-%m-%d").to_string();
    let (from_day, to_day, prev_day) = (day(p.from), day(p.to), day(p.prev_from));

    // Open pipeline and weighted forecast, at the end and at the start of the period: what
    // was created before the day less what was closed before it.
    let open = {
        let mut s = Query::new(backend);
        let (to, from, wsb) = (s.bind(to_day.clone()), s.bind(from_day.clone()), s.bind(ws));
        let net = |before: &str, col: &str| {
            format!(
                "CASE WHEN day < {before} THEN (CASE WHEN event = 'created' THEN {col} ELSE -{col} END) ELSE 0 END"
            )
        };
        let sql = format!(
            "SELECT currency, {a} AS open_now, {b} AS weighted_now, {c} AS open_before, {d} AS weighted_before \
             FROM deal_totals WHERE workspace_id = {wsb} AND event IN ('created', 'closed') \
             AND day < {to}{own} GROUP BY currency",
            a = s.sum_i64(&net(&to, "amount")),
            b = s.sum_i64(&net(&to, "weighted")),
            c = s.sum_i64(&net(&from, "amount")),
            d = s.sum_i64(&net(&from, "weighted")),
            own = owner_clause(&mut s, "owner_id", owner),
        );
        OpenRow::find_by_statement(s.statement(&sql))
            .all(db)
            .await?
    };
    let pick = |f: fn(&OpenRow) -> i64, scale: i64| -> BTreeMap<String, i64> {
        open.iter()
            .map(|r| (r.currency.clone(), f(r) / scale))
            .collect()
    };

    // Deals closed in this period and the one before: won revenue, win rate, cycle length.
    let closed = {
        let mut s = Query::new(backend);
        let (from, prev, to, wsb) = (
            s.bind(from_day.clone()),
            s.bind(prev_day.clone()),
            s.bind(to_day.clone()),
            s.bind(ws),
        );
        let sql = format!(
            "SELECT t.currency AS currency, s.kind AS kind, CASE WHEN t.day >= {from} THEN 1 ELSE 0 END AS cur, \
             {n} AS n, {amount} AS amount, {days} AS days \
             FROM deal_totals t JOIN pipeline_stages s ON s.id = t.stage_id \
             WHERE t.workspace_id = {wsb} AND t.event = 'closed' AND t.day >= {prev} AND t.day < {to}{own} \
             GROUP BY t.currency, s.kind, CASE WHEN t.day >= {from} THEN 1 ELSE 0 END",
            n = s.sum_i64("t.n"),
            amount = s.sum_i64("t.amount"),
            days = s.float("SUM(t.cycle_days)"),
            own = owner_clause(&mut s, "t.owner_id", owner),
        );
        ClosedRow::find_by_statement(s.statement(&sql))
            .all(db)
            .await?
    };
    let closed_stats = |cur: i32| {
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
    };
    let (won_now, rate_now, cycle_now) = closed_stats(1);
    let (won_before, rate_before, cycle_before) = closed_stats(0);

    // Companies added and signals published (with their sentiment), per day in `day_totals`.
    let counts = |source: &'static str| {
        let mut s = Query::new(backend);
        let (from, prev, to, wsb, src) = (
            s.bind(from_day.clone()),
            s.bind(prev_day.clone()),
            s.bind(to_day.clone()),
            s.bind(ws),
            s.bind(source),
        );
        let sql = format!(
            "SELECT CASE WHEN day >= {from} THEN 1 ELSE 0 END AS cur, {n} AS n, {avg} AS avg \
             FROM day_totals WHERE workspace_id = {wsb} AND source = {src} AND day >= {prev} AND day < {to} \
             GROUP BY CASE WHEN day >= {from} THEN 1 ELSE 0 END",
            n = s.sum_i64("n"),
            avg = s.float("CASE WHEN SUM(n) > 0 THEN SUM(total) / SUM(n) END"),
        );
        s.statement(&sql)
    };
    let companies = CountRow::find_by_statement(counts("company"))
        .all(db)
        .await?;
    let sentiment = CountRow::find_by_statement(counts("signal"))
        .all(db)
        .await?;
    let count_of = |rows: &[CountRow], cur: i32| {
        rows.iter()
            .find(|r| r.cur == cur)
            .map_or(0, |r| r.n.max(0) as u64)
    };
    let avg_of =
        |rows: &[CountRow], cur: i32| rows.iter().find(|r| r.cur == cur).and_then(|r| r.avg);

    let kpis = vec![
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
        kpi(
            "new_companies",
            "New companies",
            KpiValue::Count(count_of(&companies, 1)),
            KpiValue::Count(count_of(&companies, 0)),
            "Companies added in the period.",
        ),
        kpi(
            "avg_sentiment",
            "Signal sentiment",
            KpiValue::Score(avg_of(&sentiment, 1)),
            KpiValue::Score(avg_of(&sentiment, 0)),
            "Average sentiment (−1…1) of signals published in the period.",
        ),
    ];

    // Pipeline by stage (open deals in the main currency).
    let pipelines = crate::backend::repo::pipelines::list_ids(db, ws).await?;
    let pipeline_id = q
        .pipeline
        .filter(|id| pipelines.iter().any(|(p, _)| p == id))
        .or_else(|| pipelines.first().map(|(id, _)| *id));
    let by_stage = match pipeline_id {
        None => Vec::new(),
        Some(pid) => {
            let mut s = Query::new(backend);
            let (cur, pidb, wsb) = (s.bind(main.clone()), s.bind(pid), s.bind(ws));
            let own = owner_clause(&mut s, "t.owner_id", owner);
            let sql = format!(
                "SELECT s.name AS name, {amount} AS amount FROM pipeline_stages s \
                 LEFT JOIN deal_totals t ON t.workspace_id = {wsb} AND t.event = 'open' AND t.day = '' \
                 AND t.stage_id = s.id AND t.currency = {cur}{own} \
                 WHERE s.pipeline_id = {pidb} AND s.workspace_id = {wsb} AND s.kind = 'open' \
                 GROUP BY s.id, s.name, s.position ORDER BY s.position",
                amount = s.sum_i64("t.amount"),
            );
            StageRow::find_by_statement(s.statement(&sql))
                .all(db)
                .await?
        }
    };
    let pipeline_by_stage = CategoryChart::new(
        by_stage.iter().map(|r| r.name.clone()).collect(),
        vec![Series::dense(
            "Open value",
            by_stage.iter().map(|r| r.amount as f64),
        )],
        money,
    );

    // Daily rows, folded into the period's buckets.
    let (labels, of_day) = p.buckets();
    let run =
        |stmt: sea_orm::Statement| async move { DayRow::find_by_statement(stmt).all(db).await };
    let fold = |rows: &[DayRow], key: &str, avg: bool| -> Vec<Option<f64>> {
        let mut sums = vec![0.0; labels.len()];
        let mut ns = vec![0i64; labels.len()];
        for r in rows.iter().filter(|r| r.key == key) {
            if let Some(&i) = of_day.get(&r.day) {
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
    };

    let won_rows = {
        let mut s = Query::new(backend);
        let (wsb, from, to, cur) = (
            s.bind(ws),
            s.bind(from_day.clone()),
            s.bind(to_day.clone()),
            s.bind(main.clone()),
        );
        let own = owner_clause(&mut s, "t.owner_id", owner);
        let sql = format!(
            "SELECT 'won' AS key, t.day AS day, {n} AS n, {total} AS total \
             FROM deal_totals t JOIN pipeline_stages s ON s.id = t.stage_id \
             WHERE t.workspace_id = {wsb} AND t.event = 'closed' AND s.kind = 'won' AND t.currency = {cur} \
             AND t.day >= {from} AND t.day < {to}{own} GROUP BY t.day",
            n = s.sum_i64("t.n"),
            total = s.float("SUM(t.amount)"),
        );
        run(s.statement(&sql)).await?
    };
    let won_revenue = CategoryChart::new(
        labels.clone(),
        vec![Series::new("Won revenue", fold(&won_rows, "won", false))],
        money,
    );

    let flow_rows = {
        let mut s = Query::new(backend);
        let (wsb, from, to) = (s.bind(ws), s.bind(from_day.clone()), s.bind(to_day.clone()));
        let own = owner_clause(&mut s, "owner_id", owner);
        let sql = format!(
            "SELECT event AS key, day, {n} AS n, NULL AS total FROM deal_totals \
             WHERE workspace_id = {wsb} AND event IN ('created', 'closed') \
             AND day >= {from} AND day < {to}{own} GROUP BY event, day",
            n = s.sum_i64("n"),
        );
        run(s.statement(&sql)).await?
    };
    let created_vs_closed = CategoryChart::new(
        labels.clone(),
        vec![
            Series::new("Created", fold(&flow_rows, "created", false)),
            Series::new("Closed", fold(&flow_rows, "closed", false)),
        ],
        ValueFormat::Number,
    );

    // Sentiment of the most-watched competitors (the companies most often named as one), as
    // a trailing 30-day average at the end of each bucket: signals are sparse, and a weekly
    // average of one or two items would jump around meaninglessly.
    let top = crate::backend::repo::competitors::most_named(db, ws, TOP_COMPETITORS).await?;
    let sentiment_rows = if top.is_empty() {
        Vec::new()
    } else {
        let mut s = Query::new(backend);
        let (wsb, from, to) = (
            s.bind(ws),
            s.bind(p.from - Span::days(SENTIMENT_WINDOW_DAYS)),
            s.bind(p.to),
        );
        let ids: Vec<String> = top.iter().map(|(id, _)| s.bind(*id)).collect();
        let sql = format!(
            "SELECT {key} AS key, {day} AS day, COUNT(*) AS n, {total} AS total FROM signals \
             WHERE workspace_id = {wsb} AND company_id IN ({ids}) AND published_at >= {from} AND published_at < {to} \
             GROUP BY company_id, {day}",
            key = "CAST(company_id AS TEXT)",
            day = s.day("published_at"),
            total = s.float("SUM(sentiment)"),
            ids = ids.join(", "),
        );
        run(s.statement(&sql)).await?
    };
    let sentiment_trend = CategoryChart::new(
        labels.clone(),
        top.iter()
            .map(|(id, name)| {
                Series::new(
                    name.clone(),
                    trailing_average(&sentiment_rows, &id.to_string(), &bucket_ends(&of_day)),
                )
            })
            .collect(),
        ValueFormat::Signed2,
    );

    let activity_rows = {
        let mut s = Query::new(backend);
        let (wsb, from, to) = (s.bind(ws), s.bind(from_day.clone()), s.bind(to_day.clone()));
        let own = owner_clause(&mut s, "owner_id", owner);
        let sql = format!(
            "SELECT kind AS key, day, {n} AS n, NULL AS total FROM day_totals \
             WHERE workspace_id = {wsb} AND source = 'activity' AND day >= {from} AND day < {to}{own} \
             GROUP BY kind, day",
            n = s.sum_i64("n"),
        );
        run(s.statement(&sql)).await?
    };
    let activity_volume = CategoryChart::new(
        labels.clone(),
        ["call", "email", "meeting", "note", "task"]
            .iter()
            .map(|k| {
                let mut name = k.to_string();
                name[..1].make_ascii_uppercase();
                Series::new(name, fold(&activity_rows, k, false))
            })
            .collect(),
        ValueFormat::Number,
    );

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

/// The last day of each bucket (`of_day` maps each day to its bucket).
fn bucket_ends(of_day: &BTreeMap<String, usize>) -> Vec<NaiveDate> {
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

fn kpi(key: &str, label: &str, value: KpiValue, previous: KpiValue, help: &str) -> Kpi {
    Kpi {
        key: key.into(),
        label: label.into(),
        value,
        previous,
        help: help.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn waits<T>(l: Lookup<T>) -> Slot<T> {
        match l {
            Lookup::Wait(slot) => slot,
            _ => panic!("expected to wait for a computation"),
        }
    }

    #[tokio::test]
    async fn concurrent_askers_share_one_computation_and_a_change_drops_it() {
        let cache = Cache::<u8>::default();
        let key = || (7, "q".to_owned());
        let runs = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (release, wait) = tokio::sync::watch::channel(false);
        let compute = || {
            let mut wait = wait.clone();
            let runs = runs.clone();
            async move {
                runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let _ = wait.wait_for(|go| *go).await;
                Ok::<_, Error>(Arc::new(1u8))
            }
        };
        let (a, b) = (waits(cache.lookup(key(), 1)), waits(cache.lookup(key(), 1)));
        // The workspace changes while the first computation runs.
        let first = tokio::spawn({
            let a = a.clone();
            let compute = compute();
            async move { a.get_or_try_init(|| compute).await.map(|_| ()) }
        });
        tokio::task::yield_now().await;
        cache.invalidate(7);
        let _ = release.send(true);
        b.get_or_try_init(compute).await.unwrap();
        first.await.unwrap().unwrap();
        assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(Arc::ptr_eq(&a, &b));
        // Asked again after the change: a new slot, computed afresh, and no earlier answer.
        let c = waits(cache.lookup(key(), 1));
        assert!(!Arc::ptr_eq(&a, &c));
        assert!(c.get().is_none());
        let other = waits(cache.lookup((8, "q".into()), 1));
        assert!(Arc::ptr_eq(
            &other,
            &waits(cache.lookup((8, "q".into()), 1))
        ));
    }

    #[test]
    fn a_new_minute_serves_the_last_answer_while_one_request_refreshes_it() {
        let cache = Cache::<u8>::default();
        let key = || (7, "q".to_owned());
        waits(cache.lookup(key(), 1)).set(Arc::new(1)).unwrap();
        // The first request of minute 2 answers with minute 1's figures and computes anew.
        let Lookup::Refresh(old, fresh) = cache.lookup(key(), 2) else {
            panic!("expected a refresh");
        };
        assert_eq!(*old, 1);
        // Others asking meanwhile get the same answer without waiting or computing.
        assert!(matches!(cache.lookup(key(), 2), Lookup::Earlier(v) if *v == 1));
        fresh.set(Arc::new(2)).unwrap();
        assert_eq!(waits(cache.lookup(key(), 2)).get().map(|v| **v), Some(2));
        // A data change leaves nothing earlier to serve: the next request waits.
        cache.invalidate(7);
        assert!(waits(cache.lookup(key(), 3)).get().is_none());
    }

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
