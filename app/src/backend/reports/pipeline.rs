//! Pipeline review: deals of one pipeline over a period — the funnel by stage and the
//! conversion between stages, win rate, average cycle, won revenue per month, the largest
//! wins and the largest open deals.
//!
//! Conversion without stage history: a deal now in an open stage has passed every open stage
//! before it, and a won deal has passed them all; so "reached stage k" counts the deals
//! (entered in the period) now at or beyond k. Lost deals count as having reached only the
//! first stage, since where they were lost is not recorded.

use crate::backend::WorkspaceId;
use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, FromQueryResult};
use serde_json::json;

use super::common::{count, main_currency, money, month_label, pct};
use super::doc::{Block, Chart, ChartSpec, Section};
use super::Valid;
use crate::backend::sql::Query;
use crate::backend::Result;
use crate::types::charts::{CategoryChart, Series, ValueFormat};

#[derive(FromQueryResult)]
struct StageRow {
    name: String,
    position: i32,
    kind: String,
    n: i64,
    value: i64,
}

#[derive(FromQueryResult)]
struct ClosedRow {
    won: i64,
    lost: i64,
    won_value: i64,
    cycle_days: Option<f64>,
    open_value: i64,
}

#[derive(FromQueryResult)]
struct MonthRow {
    month: String,
    value: i64,
}

#[derive(FromQueryResult)]
struct DealRow {
    name: String,
    company: Option<String>,
    stage: String,
    amount_minor: i64,
}

pub async fn compute(
    db: &impl ConnectionTrait,
    ws: WorkspaceId,
    v: &Valid,
) -> Result<Vec<Section>> {
    let backend = db.get_database_backend();
    let p = v.period;
    let Some((pipeline_id, pipeline)) = v.pipeline.clone() else {
        return Ok(Vec::new());
    };
    let currency = main_currency(db, ws).await?;
    let cur = currency.as_str().to_owned();

    let mut stages = {
        let mut q = Query::new(backend);
        let (wsb, pid, from, to, c) = (
            q.bind(ws),
            q.bind(pipeline_id),
            q.bind(p.start()),
            q.bind(p.end()),
            q.bind(cur.clone()),
        );
        let sql = format!(
            "SELECT s.name AS name, s.position AS position, s.kind AS kind, COUNT(d.id) AS n, {value} AS value \
             FROM pipeline_stages s LEFT JOIN deals d ON d.stage_id = s.id AND d.currency = {c} \
             AND d.created_at >= {from} AND d.created_at < {to} \
             WHERE s.workspace_id = {wsb} AND s.pipeline_id = {pid} \
             GROUP BY s.id, s.name, s.position, s.kind",
            value = q.sum_i64("d.amount_minor"),
        );
        StageRow::find_by_statement(q.statement(&sql))
            .all(db)
            .await?
    };
    stages.sort_by_key(|s| s.position);

    let closed = {
        let mut q = Query::new(backend);
        let (wsb, pid, from, to, c) = (q.bind(ws), q.bind(pipeline_id), q.bind(p.start()), q.bind(p.end()), q.bind(cur.clone()));
        let closed_in = format!("d.closed_at >= {from} AND d.closed_at < {to}");
        let sql = format!(
            "SELECT {won} AS won, {lost} AS lost, {won_v} AS won_value, {cycle} AS cycle_days, {open_v} AS open_value \
             FROM deals d JOIN pipeline_stages s ON s.id = d.stage_id \
             WHERE d.workspace_id = {wsb} AND d.pipeline_id = {pid} AND d.currency = {c}",
            won = q.sum_i64(&format!("CASE WHEN s.kind = 'won' AND {closed_in} THEN 1 ELSE 0 END")),
            lost = q.sum_i64(&format!("CASE WHEN s.kind = 'lost' AND {closed_in} THEN 1 ELSE 0 END")),
            won_v = q.sum_i64(&format!("CASE WHEN s.kind = 'won' AND {closed_in} THEN d.amount_minor ELSE 0 END")),
            cycle = q.float(&format!(
                "AVG(CASE WHEN s.kind = 'won' AND {closed_in} THEN {} END)",
                q.days_between("d.created_at", "d.closed_at")
            )),
            open_v = q.sum_i64("CASE WHEN s.kind = 'open' THEN d.amount_minor ELSE 0 END"),
        );
        ClosedRow::find_by_statement(q.statement(&sql)).one(db).await?
    }
    .unwrap_or(ClosedRow { won: 0, lost: 0, won_value: 0, cycle_days: None, open_value: 0 });

    let won_by_month = {
        let mut q = Query::new(backend);
        let (wsb, pid, from, to, c) = (
            q.bind(ws),
            q.bind(pipeline_id),
            q.bind(p.start()),
            q.bind(p.end()),
            q.bind(cur.clone()),
        );
        let month = q.month("d.closed_at");
        let sql = format!(
            "SELECT {month} AS month, {value} AS value FROM deals d JOIN pipeline_stages s ON s.id = d.stage_id \
             WHERE d.workspace_id = {wsb} AND d.pipeline_id = {pid} AND d.currency = {c} AND s.kind = 'won' \
             AND d.closed_at >= {from} AND d.closed_at < {to} GROUP BY {month}",
            value = q.sum_i64("d.amount_minor"),
        );
        MonthRow::find_by_statement(q.statement(&sql))
            .all(db)
            .await?
    };

    let top_deals = |won: bool| {
        let mut q = Query::new(backend);
        let (wsb, pid, c) = (q.bind(ws), q.bind(pipeline_id), q.bind(cur.clone()));
        let when = if won {
            let (from, to) = (q.bind(p.start()), q.bind(p.end()));
            format!("s.kind = 'won' AND d.closed_at >= {from} AND d.closed_at < {to}")
        } else {
            "s.kind = 'open'".to_owned()
        };
        let sql = format!(
            "SELECT d.name AS name, c.name AS company, s.name AS stage, d.amount_minor AS amount_minor \
             FROM deals d JOIN pipeline_stages s ON s.id = d.stage_id LEFT JOIN companies c ON c.id = d.company_id \
             WHERE d.workspace_id = {wsb} AND d.pipeline_id = {pid} AND d.currency = {c} AND {when} \
             ORDER BY d.amount_minor DESC, d.id LIMIT 5"
        );
        DealRow::find_by_statement(q.statement(&sql)).all(db)
    };
    let top_won = top_deals(true).await?;
    let top_open = top_deals(false).await?;

    // --- sections ---
    let created: i64 = stages.iter().map(|s| s.n).sum();
    let rate = (closed.won + closed.lost > 0)
        .then(|| closed.won as f64 / (closed.won + closed.lost) as f64);
    let mut sections = Vec::new();
    if created == 0 && closed.won + closed.lost == 0 && top_open.is_empty() {
        let reason = format!(
            "The {pipeline} pipeline has no deals in {} to review.",
            p.label()
        );
        return Ok(vec![Section::new(
            "summary",
            "Summary",
            json!({ "empty": true, "reason": reason }),
        )
        .with(Block::Note("No data for this pipeline and period.".into()))]);
    }
    let mut summary = json!({
        "pipeline": pipeline,
        "period": p.label(),
        "created": count(created),
        "won": count(closed.won),
        "lost": count(closed.lost),
        "won_value": money(closed.won_value, currency),
        "open_value": money(closed.open_value, currency),
    });
    if let Some(r) = rate {
        summary["win_rate"] = json!(pct(r));
    }
    if let Some(d) = closed.cycle_days {
        summary["avg_cycle_days"] = json!(format!("{d:.0}"));
    }
    sections.push(
        Section::new("summary", "Summary", summary)
            .with(Block::Figures(vec![
                ("Deals entered".into(), count(created)),
                ("Won".into(), count(closed.won)),
                ("Lost".into(), count(closed.lost)),
                ("Win rate".into(), rate.map_or_else(|| "—".into(), pct)),
                ("Won revenue".into(), money(closed.won_value, currency)),
                (
                    "Average cycle".into(),
                    closed
                        .cycle_days
                        .map_or_else(|| "—".into(), |d| format!("{d:.0} days")),
                ),
                ("Open pipeline".into(), money(closed.open_value, currency)),
            ]))
            .with(Block::Note(format!(
                "Amounts in {} only (the workspace's main currency).",
                currency.as_str()
            ))),
    );

    // Reached(k) for the open stages in order, then "won".
    let open: Vec<&StageRow> = stages.iter().filter(|s| s.kind == "open").collect();
    let won_n: i64 = stages.iter().filter(|s| s.kind == "won").map(|s| s.n).sum();
    let lost_n: i64 = stages
        .iter()
        .filter(|s| s.kind == "lost")
        .map(|s| s.n)
        .sum();
    let mut funnel: Vec<(String, i64)> = Vec::new();
    for (i, s) in open.iter().enumerate() {
        let beyond: i64 =
            open[i..].iter().map(|s| s.n).sum::<i64>() + won_n + if i == 0 { lost_n } else { 0 };
        funnel.push((s.name.clone(), beyond));
    }
    funnel.push(("Won".into(), won_n));
    let mut rows = Vec::new();
    let mut largest_drop: Option<(String, f64)> = None;
    for (i, (name, reached)) in funnel.iter().enumerate() {
        let conv = funnel
            .get(i + 1)
            .and_then(|(_, next)| (*reached > 0).then(|| *next as f64 / *reached as f64));
        if let (Some(c), Some((next, _))) = (conv, funnel.get(i + 1)) {
            if largest_drop.as_ref().is_none_or(|d| c < d.1) {
                largest_drop = Some((format!("from {name} to {next} ({} move on)", pct(c)), c));
            }
        }
        let at = stages.iter().find(|s| &s.name == name);
        rows.push(vec![
            name.clone(),
            count(at.map_or(won_n, |s| s.n)),
            money(at.map_or(0, |s| s.value), currency),
            count(*reached),
            conv.map_or_else(|| "—".into(), pct),
        ]);
    }
    let first = funnel.first().map_or(0, |f| f.1);
    let mut funnel_facts = json!({
        "stages": funnel.iter().map(|(n, r)| json!({"name": n, "reached": count(*r)})).collect::<Vec<_>>(),
    });
    if let Some((d, _)) = &largest_drop {
        funnel_facts["largest_drop"] = json!(d);
    }
    if first > 0 {
        funnel_facts["overall_conversion"] = json!(pct(won_n as f64 / first as f64));
    }
    sections.push(
        Section::new("funnel", "Funnel and conversion by stage", funnel_facts)
            .with(Chart::block(ChartSpec::Funnel {
                title: "Deals entered in the period, by stage reached".into(),
                stages: funnel.iter().map(|(n, r)| (n.clone(), *r as f64)).collect(),
                format: ValueFormat::Number,
            }))
            .with(Block::Table {
                headers: ["Stage", "Deals now", "Value now", "Reached", "Move on"]
                    .map(String::from)
                    .to_vec(),
                rows,
            }),
    );

    let months = p.months();
    let by_month: BTreeMap<&str, i64> = won_by_month
        .iter()
        .map(|r| (r.month.as_str(), r.value))
        .collect();
    sections.push(
        Section::new(
            "won",
            "Won revenue",
            json!({ "won_value": money(closed.won_value, currency), "months": months.len() }),
        )
        .with(Chart::block(ChartSpec::Bar {
            title: "Won revenue per month".into(),
            data: CategoryChart::new(
                months.iter().map(|m| month_label(m)).collect(),
                vec![Series::dense(
                    "Won",
                    months
                        .iter()
                        .map(|m| *by_month.get(m.as_str()).unwrap_or(&0) as f64),
                )],
                ValueFormat::Money(currency),
            ),
        })),
    );

    let deal_rows = |deals: &[DealRow]| -> Vec<Vec<String>> {
        deals
            .iter()
            .map(|d| {
                vec![
                    d.name.clone(),
                    d.company.clone().unwrap_or_default(),
                    d.stage.clone(),
                    money(d.amount_minor, currency),
                ]
            })
            .collect()
    };
    let headers = ["Deal", "Company", "Stage", "Amount"]
        .map(String::from)
        .to_vec();
    let mut deals = Section::new(
        "deals",
        "Largest deals",
        json!({ "largest_win": top_won.first().map(|d| format!("{} ({})", d.name, money(d.amount_minor, currency))),
                "largest_open": top_open.first().map(|d| format!("{} ({})", d.name, money(d.amount_minor, currency))) }),
    );
    deals = if top_won.is_empty() {
        deals.with(Block::Note("No deals were won in the period.".into()))
    } else {
        deals.with(Block::Table {
            headers: headers.clone(),
            rows: deal_rows(&top_won),
        })
    };
    if !top_open.is_empty() {
        deals = deals.with(Block::Table {
            headers,
            rows: deal_rows(&top_open),
        });
    }
    sections.push(deals);
    Ok(sections)
}
