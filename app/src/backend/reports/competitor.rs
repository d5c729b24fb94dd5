//! Competitor analysis: one company against the competitors recorded for it — a head-to-head
//! table (size, headcount growth, coverage and its tone, deals), and the sentiment trend of
//! each over the period.

use crate::backend::WorkspaceId;
use std::collections::{BTreeMap, HashMap};

use sea_orm::{ConnectionTrait, FromQueryResult};
use serde_json::json;

use super::common::{change_pct, count, first_last, main_currency, money, month_label, signed};
use super::doc::{Block, Chart, ChartSpec, Section};
use super::Valid;
use crate::backend::sql::Query;
use crate::backend::Result;
use crate::types::charts::{CategoryChart, Series, ValueFormat};

/// A chart with more lines than this is unreadable; the table still lists everyone.
const MAX_LINES: usize = 6;
const MAX_COMPETITORS: i64 = 20;

#[derive(FromQueryResult)]
struct Rival {
    id: i64,
    name: String,
    employee_count: Option<i32>,
    threat_level: String,
}

#[derive(FromQueryResult)]
struct SignalRow {
    id: i64,
    n: i64,
    avg: Option<f64>,
}

#[derive(FromQueryResult)]
struct TrendRow {
    id: i64,
    month: String,
    avg: Option<f64>,
}

#[derive(FromQueryResult)]
struct DealRow {
    id: i64,
    open_n: i64,
    won_n: i64,
    won_value: i64,
}

fn threat_rank(t: &str) -> u8 {
    match t {
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    }
}

fn in_list(q: &mut Query, ids: &[i64]) -> String {
    ids.iter()
        .map(|id| q.bind(*id))
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn compute(
    db: &impl ConnectionTrait,
    ws: WorkspaceId,
    v: &Valid,
) -> Result<Vec<Section>> {
    let backend = db.get_database_backend();
    let p = v.period;
    let Some((company_id, company)) = v.company.clone() else {
        return Ok(Vec::new());
    };
    let me = {
        let mut q = Query::new(backend);
        let sql = format!(
            "SELECT c.id AS id, c.name AS name, c.employee_count AS employee_count, '' AS threat_level \
             FROM companies c WHERE c.workspace_id = {} AND c.id = {}",
            q.bind(ws),
            q.bind(company_id)
        );
        Rival::find_by_statement(q.statement(&sql)).one(db).await?
    };
    let rivals = {
        let mut q = Query::new(backend);
        let sql = format!(
            "SELECT c.id AS id, c.name AS name, c.employee_count AS employee_count, k.threat_level AS threat_level \
             FROM competitors k JOIN companies c ON c.id = k.competitor_id \
             WHERE k.workspace_id = {} AND k.company_id = {} ORDER BY c.name, c.id LIMIT {MAX_COMPETITORS}",
            q.bind(ws),
            q.bind(company_id)
        );
        let mut rows = Rival::find_by_statement(q.statement(&sql)).all(db).await?;
        rows.sort_by(|a, b| {
            threat_rank(&b.threat_level)
                .cmp(&threat_rank(&a.threat_level))
                .then(a.name.cmp(&b.name))
        });
        rows
    };
    let names: Vec<String> = rivals.iter().map(|r| r.name.clone()).collect();
    if rivals.is_empty() {
        return Ok(vec![Section::new(
            "summary",
            "Summary",
            json!({ "company": company, "competitors": 0, "period": p.label() }),
        )
        .with(Block::Note(format!(
            "No competitors are recorded for {company}: no data to compare."
        )))]);
    }
    let mut all: Vec<&Rival> = me.iter().collect();
    all.extend(rivals.iter());
    let ids: Vec<i64> = all.iter().map(|r| r.id).collect();

    let signals: HashMap<i64, SignalRow> = {
        let mut q = Query::new(backend);
        let (wsb, from, to) = (q.bind(ws), q.bind(p.start()), q.bind(p.end()));
        let list = in_list(&mut q, &ids);
        let sql = format!(
            "SELECT g.company_id AS id, COUNT(*) AS n, {avg} AS avg FROM signals g \
             WHERE g.workspace_id = {wsb} AND g.company_id IN ({list}) \
             AND g.published_at >= {from} AND g.published_at < {to} GROUP BY g.company_id",
            avg = q.float("AVG(g.sentiment)"),
        );
        SignalRow::find_by_statement(q.statement(&sql))
            .all(db)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect()
    };
    let trend = {
        let mut q = Query::new(backend);
        let (wsb, from, to) = (q.bind(ws), q.bind(p.start()), q.bind(p.end()));
        let list = in_list(&mut q, &ids);
        let month = q.month("g.published_at");
        let sql = format!(
            "SELECT g.company_id AS id, {month} AS month, {avg} AS avg FROM signals g \
             WHERE g.workspace_id = {wsb} AND g.company_id IN ({list}) \
             AND g.published_at >= {from} AND g.published_at < {to} GROUP BY g.company_id, {month}",
            avg = q.float("AVG(g.sentiment)"),
        );
        TrendRow::find_by_statement(q.statement(&sql))
            .all(db)
            .await?
    };
    let currency = main_currency(db, ws).await?;
    let deals: HashMap<i64, DealRow> = {
        let mut q = Query::new(backend);
        let (wsb, from, to, cur) = (
            q.bind(ws),
            q.bind(p.start()),
            q.bind(p.end()),
            q.bind(currency.as_str().to_owned()),
        );
        let list = in_list(&mut q, &ids);
        let won_in = format!("s.kind = 'won' AND d.closed_at >= {from} AND d.closed_at < {to}");
        let sql = format!(
            "SELECT d.company_id AS id, {open_n} AS open_n, {won_n} AS won_n, {won_v} AS won_value \
             FROM deals d JOIN pipeline_stages s ON s.id = d.stage_id \
             WHERE d.workspace_id = {wsb} AND d.currency = {cur} AND d.company_id IN ({list}) GROUP BY d.company_id",
            open_n = q.sum_i64("CASE WHEN s.kind = 'open' THEN 1 ELSE 0 END"),
            won_n = q.sum_i64(&format!("CASE WHEN {won_in} THEN 1 ELSE 0 END")),
            won_v = q.sum_i64(&format!("CASE WHEN {won_in} THEN d.amount_minor ELSE 0 END")),
        );
        DealRow::find_by_statement(q.statement(&sql))
            .all(db)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect()
    };
    let growth: HashMap<i64, f64> = {
        let ids_for = ids.clone();
        first_last(db, ws, "headcount", &p, move |q| {
            format!(" AND c.id IN ({})", in_list(q, &ids_for))
        })
        .await?
        .into_iter()
        .filter_map(|m| change_pct(m.first, m.last).map(|c| (m.id, c)))
        .collect()
    };

    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|r| {
            let s = signals.get(&r.id);
            let d = deals.get(&r.id);
            vec![
                if r.id == company_id {
                    format!("{} (subject)", r.name)
                } else {
                    r.name.clone()
                },
                if r.threat_level.is_empty() {
                    "—".into()
                } else {
                    r.threat_level.clone()
                },
                r.employee_count
                    .map_or_else(|| "—".into(), |n| count(i64::from(n))),
                growth
                    .get(&r.id)
                    .map_or_else(|| "—".into(), |g| format!("{g:+.1}%")),
                count(s.map_or(0, |s| s.n)),
                s.and_then(|s| s.avg).map_or_else(|| "—".into(), signed),
                count(d.map_or(0, |d| d.open_n)),
                count(d.map_or(0, |d| d.won_n)),
                money(d.map_or(0, |d| d.won_value), currency),
            ]
        })
        .collect();

    let mut sections = Vec::new();
    let mut summary = json!({
        "company": company,
        "competitors": rivals.len(),
        "names": names,
        "period": p.label(),
    });
    if let Some(top) = rivals.first() {
        summary["highest_threat"] = json!(format!("{} ({})", top.name, top.threat_level));
    }
    if let Some(a) = signals.get(&company_id).and_then(|s| s.avg) {
        summary["company_sentiment"] = json!(signed(a));
    }
    sections.push(Section::new("summary", "Summary", summary));
    sections.push(
        Section::new(
            "head_to_head",
            "Head to head",
            json!({ "companies": rows.len() }),
        )
        .with(Block::Table {
            headers: [
                "Company",
                "Threat",
                "Employees",
                "Headcount change",
                "Signals",
                "Avg sentiment",
                "Open deals",
                "Won deals",
                "Won value",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        })
        .with(Block::Note(format!(
            "Deals with each company in {} only; signals and won deals within the period.",
            currency.as_str()
        ))),
    );

    let months = p.months();
    let index: BTreeMap<&str, usize> = months
        .iter()
        .enumerate()
        .map(|(i, m)| (m.as_str(), i))
        .collect();
    let mut lines: BTreeMap<i64, Vec<Option<f64>>> = BTreeMap::new();
    for r in &trend {
        if let Some(&i) = index.get(r.month.as_str()) {
            lines
                .entry(r.id)
                .or_insert_with(|| vec![None; months.len()])[i] = r.avg;
        }
    }
    let series: Vec<Series> = all
        .iter()
        .filter_map(|r| {
            lines
                .get(&r.id)
                .map(|v| Series::new(r.name.clone(), v.clone()))
        })
        .take(MAX_LINES)
        .collect();
    let with_signals: Vec<(&str, f64)> = all
        .iter()
        .filter_map(|r| Some((r.name.as_str(), signals.get(&r.id)?.avg?)))
        .collect();
    let total_signals: i64 = signals.values().map(|s| s.n).sum();
    let mut sent = Section::new("sentiment", "Sentiment trend", json!({}));
    if series.is_empty() {
        sent.facts = json!({ "empty": true, "reason": format!("None of these companies has signals in {}.", p.label()) });
        sent = sent.with(Block::Note("No signals in this period.".into()));
    } else {
        let best = with_signals.iter().max_by(|a, b| a.1.total_cmp(&b.1));
        let worst = with_signals.iter().min_by(|a, b| a.1.total_cmp(&b.1));
        let weighted: f64 = signals
            .values()
            .filter_map(|s| Some(s.avg? * s.n as f64))
            .sum();
        sent.facts = json!({
            "signals": count(total_signals),
            "avg_sentiment": signed(weighted / total_signals.max(1) as f64),
            "most_positive": best.map(|b| format!("{} ({})", b.0, signed(b.1))),
            "most_negative": worst.map(|w| format!("{} ({})", w.0, signed(w.1))),
        });
        sent = sent.with(Chart::block(ChartSpec::Line {
            title: "Average signal sentiment per month".into(),
            data: CategoryChart::new(
                months.iter().map(|m| month_label(m)).collect(),
                series,
                ValueFormat::Signed2,
            ),
        }));
    }
    sections.push(sent);
    Ok(sections)
}
