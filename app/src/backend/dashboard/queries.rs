//! The dashboard's SQL: one grouped query per figure, each returning typed rows. Deal
//! figures add up `deal_totals` (see its migration): per day, currency, owner and stage,
//! kept by triggers; companies, signals and activities are counted per day in `day_totals`.

use crate::backend::WorkspaceId;
use chrono::{DateTime, Duration as Span, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};

use super::{Period, SENTIMENT_WINDOW_DAYS};
use crate::backend::sql::Query;
use crate::backend::Result;

/// What the period's queries are filtered by: the workspace, the owner (when one is chosen)
/// and the period's bounds as `YYYY-MM-DD` days.
pub(super) struct Filter {
    pub ws: i64,
    pub owner: Option<i64>,
    /// The first day of the period.
    pub from_day: String,
    /// The day after the period.
    pub to_day: String,
    /// The first day of the period before.
    pub prev_day: String,
}

impl Filter {
    pub fn new(ws: WorkspaceId, owner: Option<i64>, p: &Period) -> Self {
        let day = |t: DateTime<Utc>| t.format("%Y-%m-%d").to_string();
        Self {
            ws: ws.get(),
            owner,
            from_day: day(p.from),
            to_day: day(p.to),
            prev_day: day(p.prev_from),
        }
    }
}

/// Open pipeline and weighted forecast of one currency, at the end and at the start of the
/// period.
#[derive(FromQueryResult)]
pub(super) struct OpenRow {
    pub currency: String,
    pub open_now: i64,
    pub weighted_now: i64,
    pub open_before: i64,
    pub weighted_before: i64,
}

/// Deals of one currency closed into one kind of stage, in the period (`cur` 1) or the one
/// before (`cur` 0).
#[derive(FromQueryResult)]
pub(super) struct ClosedRow {
    pub currency: String,
    pub kind: String,
    pub cur: i32,
    pub n: i64,
    pub amount: i64,
    pub days: Option<f64>,
}

/// A count (and average) in the period (`cur` 1) or the one before (`cur` 0).
#[derive(FromQueryResult)]
pub(super) struct CountRow {
    pub cur: i32,
    pub n: i64,
    pub avg: Option<f64>,
}

/// The open value in one stage.
#[derive(FromQueryResult)]
pub(super) struct StageRow {
    pub name: String,
    pub amount: i64,
}

/// One day's count (and sum) of one series.
#[derive(FromQueryResult)]
pub(super) struct DayRow {
    pub key: String,
    pub day: String,
    pub n: i64,
    pub total: Option<f64>,
}

fn owner_clause(q: &mut Query, col: &str, owner: Option<i64>) -> String {
    match owner {
        Some(id) => format!(" AND {col} = {}", q.bind(id)),
        None => String::new(),
    }
}

/// The currency most deals use: charts are drawn in it (sums across currencies would
/// lie). Ties go to the first by name; "USD" when there are no deals.
pub(super) async fn main_currency(db: &impl ConnectionTrait, ws: WorkspaceId) -> Result<String> {
    let mut s = Query::new(db.get_database_backend());
    let sql = format!(
        "SELECT currency AS key, '' AS day, {n} AS n, NULL AS total FROM deal_totals \
         WHERE workspace_id = {} AND event = 'created' \
         GROUP BY currency HAVING SUM(n) > 0 ORDER BY SUM(n) DESC, currency LIMIT 1",
        s.bind(ws),
        n = s.sum_i64("n"),
    );
    Ok(DayRow::find_by_statement(s.statement(&sql))
        .one(db)
        .await?
        .map(|r| r.key)
        .unwrap_or_else(|| "USD".into()))
}

/// Open pipeline and weighted forecast, at the end and at the start of the period: what
/// was created before the day less what was closed before it.
pub(super) async fn open_totals(db: &impl ConnectionTrait, f: &Filter) -> Result<Vec<OpenRow>> {
    let mut s = Query::new(db.get_database_backend());
    let (to, from, wsb) = (
        s.bind(f.to_day.clone()),
        s.bind(f.from_day.clone()),
        s.bind(f.ws),
    );
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
        own = owner_clause(&mut s, "owner_id", f.owner),
    );
    Ok(OpenRow::find_by_statement(s.statement(&sql))
        .all(db)
        .await?)
}

/// Deals closed in this period and the one before, per currency and kind of stage: won
/// revenue, win rate, cycle length.
pub(super) async fn closed_totals(db: &impl ConnectionTrait, f: &Filter) -> Result<Vec<ClosedRow>> {
    let mut s = Query::new(db.get_database_backend());
    let (from, prev, to, wsb) = (
        s.bind(f.from_day.clone()),
        s.bind(f.prev_day.clone()),
        s.bind(f.to_day.clone()),
        s.bind(f.ws),
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
        own = owner_clause(&mut s, "t.owner_id", f.owner),
    );
    Ok(ClosedRow::find_by_statement(s.statement(&sql))
        .all(db)
        .await?)
}

/// Rows of `day_totals` from `source` ("company", "signal") in this period and the one
/// before: their count and the average of their totals (for signals, the sentiment).
pub(super) async fn day_counts(
    db: &impl ConnectionTrait,
    f: &Filter,
    source: &'static str,
) -> Result<Vec<CountRow>> {
    let mut s = Query::new(db.get_database_backend());
    let (from, prev, to, wsb, src) = (
        s.bind(f.from_day.clone()),
        s.bind(f.prev_day.clone()),
        s.bind(f.to_day.clone()),
        s.bind(f.ws),
        s.bind(source),
    );
    let sql = format!(
        "SELECT CASE WHEN day >= {from} THEN 1 ELSE 0 END AS cur, {n} AS n, {avg} AS avg \
         FROM day_totals WHERE workspace_id = {wsb} AND source = {src} AND day >= {prev} AND day < {to} \
         GROUP BY CASE WHEN day >= {from} THEN 1 ELSE 0 END",
        n = s.sum_i64("n"),
        avg = s.float("CASE WHEN SUM(n) > 0 THEN SUM(total) / SUM(n) END"),
    );
    Ok(CountRow::find_by_statement(s.statement(&sql))
        .all(db)
        .await?)
}

/// The open value in each open stage of pipeline `pipeline_id`, in currency `main`, in
/// stage order.
pub(super) async fn stage_totals(
    db: &impl ConnectionTrait,
    f: &Filter,
    pipeline_id: i64,
    main: &str,
) -> Result<Vec<StageRow>> {
    let mut s = Query::new(db.get_database_backend());
    let (cur, pidb, wsb) = (s.bind(main.to_owned()), s.bind(pipeline_id), s.bind(f.ws));
    let own = owner_clause(&mut s, "t.owner_id", f.owner);
    let sql = format!(
        "SELECT s.name AS name, {amount} AS amount FROM pipeline_stages s \
         LEFT JOIN deal_totals t ON t.workspace_id = {wsb} AND t.event = 'open' AND t.day = '' \
         AND t.stage_id = s.id AND t.currency = {cur}{own} \
         WHERE s.pipeline_id = {pidb} AND s.workspace_id = {wsb} AND s.kind = 'open' \
         GROUP BY s.id, s.name, s.position ORDER BY s.position",
        amount = s.sum_i64("t.amount"),
    );
    Ok(StageRow::find_by_statement(s.statement(&sql))
        .all(db)
        .await?)
}

/// Deals won per day of the period in currency `main` (key "won"): their number and value.
pub(super) async fn won_days(
    db: &impl ConnectionTrait,
    f: &Filter,
    main: &str,
) -> Result<Vec<DayRow>> {
    let mut s = Query::new(db.get_database_backend());
    let (wsb, from, to, cur) = (
        s.bind(f.ws),
        s.bind(f.from_day.clone()),
        s.bind(f.to_day.clone()),
        s.bind(main.to_owned()),
    );
    let own = owner_clause(&mut s, "t.owner_id", f.owner);
    let sql = format!(
        "SELECT 'won' AS key, t.day AS day, {n} AS n, {total} AS total \
         FROM deal_totals t JOIN pipeline_stages s ON s.id = t.stage_id \
         WHERE t.workspace_id = {wsb} AND t.event = 'closed' AND s.kind = 'won' AND t.currency = {cur} \
         AND t.day >= {from} AND t.day < {to}{own} GROUP BY t.day",
        n = s.sum_i64("t.n"),
        total = s.float("SUM(t.amount)"),
    );
    Ok(DayRow::find_by_statement(s.statement(&sql)).all(db).await?)
}

/// Deals created and closed per day of the period (keys "created", "closed").
pub(super) async fn flow_days(db: &impl ConnectionTrait, f: &Filter) -> Result<Vec<DayRow>> {
    let mut s = Query::new(db.get_database_backend());
    let (wsb, from, to) = (
        s.bind(f.ws),
        s.bind(f.from_day.clone()),
        s.bind(f.to_day.clone()),
    );
    let own = owner_clause(&mut s, "owner_id", f.owner);
    let sql = format!(
        "SELECT event AS key, day, {n} AS n, NULL AS total FROM deal_totals \
         WHERE workspace_id = {wsb} AND event IN ('created', 'closed') \
         AND day >= {from} AND day < {to}{own} GROUP BY event, day",
        n = s.sum_i64("n"),
    );
    Ok(DayRow::find_by_statement(s.statement(&sql)).all(db).await?)
}

/// Signals per day and company (key: the company id) for companies `ids`, from the
/// trailing window before the period to its end: their number and summed sentiment.
pub(super) async fn sentiment_days(
    db: &impl ConnectionTrait,
    ws: WorkspaceId,
    p: &Period,
    ids: &[i64],
) -> Result<Vec<DayRow>> {
    let mut s = Query::new(db.get_database_backend());
    let (wsb, from, to) = (
        s.bind(ws),
        s.bind(p.from - Span::days(SENTIMENT_WINDOW_DAYS)),
        s.bind(p.to),
    );
    let ids: Vec<String> = ids.iter().map(|id| s.bind(*id)).collect();
    let sql = format!(
        "SELECT {key} AS key, {day} AS day, COUNT(*) AS n, {total} AS total FROM signals \
         WHERE workspace_id = {wsb} AND company_id IN ({ids}) AND published_at >= {from} AND published_at < {to} \
         GROUP BY company_id, {day}",
        key = "CAST(company_id AS TEXT)",
        day = s.day("published_at"),
        total = s.float("SUM(sentiment)"),
        ids = ids.join(", "),
    );
    Ok(DayRow::find_by_statement(s.statement(&sql)).all(db).await?)
}

/// Activities per kind (the key) and day of the period.
pub(super) async fn activity_days(db: &impl ConnectionTrait, f: &Filter) -> Result<Vec<DayRow>> {
    let mut s = Query::new(db.get_database_backend());
    let (wsb, from, to) = (
        s.bind(f.ws),
        s.bind(f.from_day.clone()),
        s.bind(f.to_day.clone()),
    );
    let own = owner_clause(&mut s, "owner_id", f.owner);
    let sql = format!(
        "SELECT kind AS key, day, {n} AS n, NULL AS total FROM day_totals \
         WHERE workspace_id = {wsb} AND source = 'activity' AND day >= {from} AND day < {to}{own} \
         GROUP BY kind, day",
        n = s.sum_i64("n"),
    );
    Ok(DayRow::find_by_statement(s.statement(&sql)).all(db).await?)
}
