//! Market report: a segment of companies (industry, country, size band) — its size and
//! growth, how it breaks down, metric trends, the top movers, the deals with it, and the
//! tone of its coverage.

use crate::backend::WorkspaceId;
use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, FromQueryResult};
use serde_json::json;

use super::common::{
    change_pct, count, first_last, main_currency, money, month_label, pct, segment_filter, signed,
};
use super::doc::{Block, Chart, ChartSpec, Section};
use super::Valid;
use crate::backend::sql::Query;
use crate::backend::Result;
use crate::types::charts::{CategoryChart, Series, ValueFormat};

#[derive(FromQueryResult)]
struct SizeRow {
    total: i64,
    cur: i64,
    prev: i64,
}

#[derive(FromQueryResult)]
struct GroupRow {
    name: String,
    n: i64,
}

#[derive(FromQueryResult)]
struct MonthRow {
    key: String,
    month: String,
    value: Option<f64>,
}

#[derive(FromQueryResult)]
struct DealRow {
    open_n: i64,
    open_value: i64,
    won_n: i64,
    lost_n: i64,
    won_value: i64,
}

pub async fn compute(
    db: &impl ConnectionTrait,
    ws: WorkspaceId,
    v: &Valid,
) -> Result<Vec<Section>> {
    let backend = db.get_database_backend();
    let p = v.period;
    let segment = v.segment();

    let size = {
        let mut q = Query::new(backend);
        let (wsb, from, to, prev) = (
            q.bind(ws),
            q.bind(p.start()),
            q.bind(p.end()),
            q.bind(p.prev_start()),
        );
        let seg = segment_filter(&mut q, v);
        let sql = format!(
            "SELECT COUNT(*) AS total, {cur} AS cur, {prevn} AS prev FROM companies c \
             WHERE c.workspace_id = {wsb} AND c.created_at < {to}{seg}",
            cur = q.sum_i64(&format!(
                "CASE WHEN c.created_at >= {from} THEN 1 ELSE 0 END"
            )),
            prevn = q.sum_i64(&format!(
                "CASE WHEN c.created_at >= {prev} AND c.created_at < {from} THEN 1 ELSE 0 END"
            )),
        );
        SizeRow::find_by_statement(q.statement(&sql))
            .one(db)
            .await?
            .unwrap_or(SizeRow {
                total: 0,
                cur: 0,
                prev: 0,
            })
    };
    if size.total == 0 {
        let reason = format!(
            "No companies match the segment {segment} (as of the end of the period), so there is nothing to report. Widen the segment or check the filters."
        );
        return Ok(vec![Section::new(
            "summary",
            "Summary",
            json!({ "empty": true, "reason": reason, "segment": segment }),
        )
        .with(Block::Note("No data for this segment.".into()))]);
    }

    // How the segment breaks down: by industry, or by country once the industry is fixed.
    let (dimension, col) = if v.industry.is_none() {
        ("Industry", "c.industry")
    } else {
        ("Country", "c.country")
    };
    let groups = {
        let mut q = Query::new(backend);
        let (wsb, to) = (q.bind(ws), q.bind(p.end()));
        let seg = segment_filter(&mut q, v);
        let sql = format!(
            "SELECT COALESCE({col}, '(not set)') AS name, COUNT(*) AS n FROM companies c \
             WHERE c.workspace_id = {wsb} AND c.created_at < {to}{seg} \
             GROUP BY COALESCE({col}, '(not set)') ORDER BY COUNT(*) DESC, 1 LIMIT 10"
        );
        GroupRow::find_by_statement(q.statement(&sql))
            .all(db)
            .await?
    };

    let months = p.months();
    let index: BTreeMap<&str, usize> = months
        .iter()
        .enumerate()
        .map(|(i, m)| (m.as_str(), i))
        .collect();
    let labels: Vec<String> = months.iter().map(|m| month_label(m)).collect();
    // Monthly series by key from (key, month, value) rows.
    let series_of = |rows: &[MonthRow]| -> BTreeMap<String, Vec<Option<f64>>> {
        let mut out: BTreeMap<String, Vec<Option<f64>>> = BTreeMap::new();
        for r in rows {
            if let Some(&i) = index.get(r.month.as_str()) {
                out.entry(r.key.clone())
                    .or_insert_with(|| vec![None; months.len()])[i] = r.value;
            }
        }
        out
    };

    let new_by_month = {
        let mut q = Query::new(backend);
        let (wsb, from, to) = (q.bind(ws), q.bind(p.start()), q.bind(p.end()));
        let seg = segment_filter(&mut q, v);
        let month = q.month("c.created_at");
        let sql = format!(
            "SELECT 'new' AS key, {month} AS month, {n} AS value FROM companies c \
             WHERE c.workspace_id = {wsb} AND c.created_at >= {from} AND c.created_at < {to}{seg} \
             GROUP BY {month}",
            n = q.float("COUNT(*)"),
        );
        MonthRow::find_by_statement(q.statement(&sql))
            .all(db)
            .await?
    };

    // Metric trends: each company's monthly average (a month may hold two observations),
    // summed over the segment; plus the industry's own series.
    let metric_rows = {
        let mut q = Query::new(backend);
        let (wsb, from, to) = (q.bind(ws), q.bind(p.start()), q.bind(p.end()));
        let seg = segment_filter(&mut q, v);
        let month = q.month("m.observed_at");
        let mut sql = format!(
            "SELECT x.metric AS key, x.month AS month, {sum} AS value FROM \
             (SELECT m.metric AS metric, {month} AS month, AVG(m.value) AS v FROM market_metrics m \
              JOIN companies c ON c.id = m.company_id \
              WHERE m.workspace_id = {wsb} AND m.observed_at >= {from} AND m.observed_at < {to}{seg} \
              GROUP BY m.metric, {month}, m.company_id) x \
             GROUP BY x.metric, x.month",
            sum = q.float("SUM(x.v)"),
        );
        if let Some(industry) = &v.industry {
            let ib = q.bind(industry.clone());
            sql.push_str(&format!(
                " UNION ALL SELECT m.metric AS key, {month} AS month, {avg} AS value FROM market_metrics m \
                 WHERE m.workspace_id = {wsb} AND m.company_id IS NULL AND m.segment = {ib} \
                 AND m.observed_at >= {from} AND m.observed_at < {to} GROUP BY m.metric, {month}",
                avg = q.float("AVG(m.value)"),
            ));
        }
        MonthRow::find_by_statement(q.statement(&sql))
            .all(db)
            .await?
    };
    let metric_series = series_of(&metric_rows);

    let movers = first_last(db, ws, "headcount", &p, |q| segment_filter(q, v)).await?;
    let mut moves: Vec<(String, f64)> = movers
        .iter()
        .filter_map(|m| change_pct(m.first, m.last).map(|c| (m.name.clone(), c)))
        .collect();
    moves.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));

    let currency = main_currency(db, ws).await?;
    let deals = {
        let mut q = Query::new(backend);
        let (wsb, from, to, cur) = (
            q.bind(ws),
            q.bind(p.start()),
            q.bind(p.end()),
            q.bind(currency.as_str().to_owned()),
        );
        let seg = segment_filter(&mut q, v);
        let closed_in = format!("d.closed_at >= {from} AND d.closed_at < {to}");
        let sql = format!(
            "SELECT {open_n} AS open_n, {open_v} AS open_value, {won_n} AS won_n, {lost_n} AS lost_n, {won_v} AS won_value \
             FROM deals d JOIN companies c ON c.id = d.company_id JOIN pipeline_stages s ON s.id = d.stage_id \
             WHERE d.workspace_id = {wsb} AND d.currency = {cur}{seg}",
            open_n = q.sum_i64("CASE WHEN s.kind = 'open' THEN 1 ELSE 0 END"),
            open_v = q.sum_i64("CASE WHEN s.kind = 'open' THEN d.amount_minor ELSE 0 END"),
            won_n = q.sum_i64(&format!("CASE WHEN s.kind = 'won' AND {closed_in} THEN 1 ELSE 0 END")),
            lost_n = q.sum_i64(&format!("CASE WHEN s.kind = 'lost' AND {closed_in} THEN 1 ELSE 0 END")),
            won_v = q.sum_i64(&format!("CASE WHEN s.kind = 'won' AND {closed_in} THEN d.amount_minor ELSE 0 END")),
        );
        DealRow::find_by_statement(q.statement(&sql))
            .one(db)
            .await?
    };

    let sentiment = {
        let mut q = Query::new(backend);
        let (wsb, from, to) = (q.bind(ws), q.bind(p.start()), q.bind(p.end()));
        let seg = segment_filter(&mut q, v);
        let month = q.month("g.published_at");
        let sql = format!(
            "SELECT {n} AS key, {month} AS month, {avg} AS value FROM signals g \
             JOIN companies c ON c.id = g.company_id \
             WHERE g.workspace_id = {wsb} AND g.published_at >= {from} AND g.published_at < {to}{seg} \
             GROUP BY {month}",
            // The count rides in `key` so one row shape serves every monthly query.
            n = "CAST(COUNT(*) AS TEXT)",
            avg = q.float("AVG(g.sentiment)"),
        );
        MonthRow::find_by_statement(q.statement(&sql))
            .all(db)
            .await?
    };

    // --- sections ---
    let mut sections = Vec::new();
    let growth = change_pct(size.prev as f64, size.cur as f64);
    let signals_total: i64 = sentiment
        .iter()
        .filter_map(|r| r.key.parse::<i64>().ok())
        .sum();
    let weighted: f64 = sentiment
        .iter()
        .filter_map(|r| Some(r.key.parse::<f64>().ok()? * r.value?))
        .sum();
    let avg_sentiment = (signals_total > 0).then(|| weighted / signals_total as f64);
    let mut summary = json!({
        "segment": segment,
        "companies": count(size.total),
        "new_companies": count(size.cur),
        "new_before": count(size.prev),
        "period": p.label(),
        "growth_pct": growth,
    });
    if let Some(g) = groups.first() {
        summary["largest_group"] = json!(format!("{} ({} companies)", g.name, count(g.n)));
    }
    if let Some(a) = avg_sentiment {
        summary["avg_sentiment"] = json!(signed(a));
    }
    sections.push(
        Section::new("summary", "Summary", summary).with(Block::Figures(vec![
            ("Companies in segment".into(), count(size.total)),
            ("Added in period".into(), count(size.cur)),
            ("Added in the period before".into(), count(size.prev)),
            (
                "Growth of additions".into(),
                growth.map_or_else(|| "—".into(), |g| format!("{g:+.1}%")),
            ),
        ])),
    );

    let new_series = series_of(&new_by_month);
    sections.push(
        Section::new(
            "segment",
            "Segment",
            json!({ "dimension": dimension, "groups": groups.iter().map(|g| json!({"name": g.name, "companies": count(g.n)})).collect::<Vec<_>>() }),
        )
        .with(Block::Table {
            headers: vec![dimension.into(), "Companies".into(), "Share".into()],
            rows: groups
                .iter()
                .map(|g| vec![g.name.clone(), count(g.n), pct(g.n as f64 / size.total as f64)])
                .collect(),
        })
        .with(Chart::block(ChartSpec::Bar {
            title: "Companies added per month".into(),
            data: CategoryChart::new(
                labels.clone(),
                vec![Series::new(
                    "Companies added",
                    new_series.get("new").cloned().unwrap_or_else(|| vec![Some(0.0); months.len()]),
                )],
                ValueFormat::Number,
            ),
        })),
    );

    let mut metric_facts = Vec::new();
    let mut metric_section = Section::new("metrics", "Metric trends", json!({}));
    for (metric, values) in &metric_series {
        let first = values.iter().flatten().next().copied();
        let last = values.iter().flatten().last().copied();
        if let (Some(first), Some(last)) = (first, last) {
            metric_facts.push(json!({
                "metric": metric.replace('_', " "),
                "first": count(first.round() as i64),
                "last": count(last.round() as i64),
                "change_pct": change_pct(first, last),
            }));
        }
        metric_section = metric_section.with(Chart::block(ChartSpec::Line {
            title: format!("{} per month", metric.replace('_', " ")),
            data: CategoryChart::new(
                labels.clone(),
                vec![Series::new(metric.replace('_', " "), values.clone())],
                ValueFormat::Compact,
            ),
        }));
    }
    if metric_series.is_empty() {
        metric_section =
            metric_section.with(Block::Note("No metric observations in this period.".into()));
    }
    metric_section.facts = json!({ "metrics": metric_facts });
    sections.push(metric_section);

    let top = |it: &mut dyn Iterator<Item = &(String, f64)>| -> Vec<serde_json::Value> {
        it.take(5)
            .map(|(n, c)| json!({"name": n, "change_pct": c}))
            .collect()
    };
    let up = top(&mut moves.iter().filter(|m| m.1 > 0.0));
    let down = top(&mut moves.iter().rev().filter(|m| m.1 < 0.0));
    let mut movers_rows: Vec<Vec<String>> = Vec::new();
    for m in moves
        .iter()
        .filter(|m| m.1 > 0.0)
        .take(5)
        .chain(moves.iter().rev().filter(|m| m.1 < 0.0).take(5))
    {
        movers_rows.push(vec![m.0.clone(), format!("{:+.1}%", m.1)]);
    }
    let mut movers_section = Section::new(
        "movers",
        "Top movers (headcount)",
        json!({ "up": up, "down": down }),
    );
    movers_section = if movers_rows.is_empty() {
        movers_section.with(Block::Note(
            "No company has headcount observations to compare in this period.".into(),
        ))
    } else {
        movers_section.with(Block::Table {
            headers: vec!["Company".into(), "Headcount change".into()],
            rows: movers_rows,
        })
    };
    sections.push(movers_section);

    let d = deals.unwrap_or(DealRow {
        open_n: 0,
        open_value: 0,
        won_n: 0,
        lost_n: 0,
        won_value: 0,
    });
    let rate = (d.won_n + d.lost_n > 0).then(|| d.won_n as f64 / (d.won_n + d.lost_n) as f64);
    let mut deal_facts = json!({
        "open_deals": count(d.open_n),
        "open_value": money(d.open_value, currency),
        "won_deals": count(d.won_n),
        "won_value": money(d.won_value, currency),
        "currency": currency.as_str(),
    });
    if let Some(r) = rate {
        deal_facts["win_rate"] = json!(pct(r));
    }
    sections.push(
        Section::new("deals", "Deals with the segment", deal_facts)
            .with(Block::Figures(vec![
                ("Open deals".into(), count(d.open_n)),
                ("Open value".into(), money(d.open_value, currency)),
                ("Won in period".into(), count(d.won_n)),
                ("Won value".into(), money(d.won_value, currency)),
                ("Win rate".into(), rate.map_or_else(|| "—".into(), pct)),
            ]))
            .with(Block::Note(format!(
                "Amounts in {} only (the workspace's main currency).",
                currency.as_str()
            ))),
    );

    let sentiment_values: Vec<Option<f64>> = {
        let mut vals = vec![None; months.len()];
        for r in &sentiment {
            if let Some(&i) = index.get(r.month.as_str()) {
                vals[i] = r.value;
            }
        }
        vals
    };
    let mut sent_facts = json!({ "signals": count(signals_total) });
    let mut sent_section = Section::new("sentiment", "Signals and sentiment", json!({}));
    match avg_sentiment {
        Some(a) => {
            sent_facts["avg_sentiment"] = json!(signed(a));
            let known: Vec<f64> = sentiment_values.iter().flatten().copied().collect();
            if let (Some(f), Some(l)) = (known.first(), known.last()) {
                sent_facts["first_month"] = json!(signed(*f));
                sent_facts["last_month"] = json!(signed(*l));
            }
            sent_section = sent_section.with(Chart::block(ChartSpec::Line {
                title: "Average signal sentiment per month".into(),
                data: CategoryChart::new(
                    labels.clone(),
                    vec![Series::new("Sentiment", sentiment_values)],
                    ValueFormat::Signed2,
                ),
            }));
        }
        None => {
            sent_facts = json!({ "empty": true, "reason": "No signals about companies in this segment were published in the period." });
        }
    }
    sent_section.facts = sent_facts;
    sections.push(sent_section);
    Ok(sections)
}
