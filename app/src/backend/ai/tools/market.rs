//! The market tools: a metric's trend over time, and recent signals with their sentiment.

use sea_orm::ConnectionTrait;
use serde_json::json;

use super::{company_link, limit, round2, ToolError, ToolOutcome};
use super::{MetricTrend, RecentSignals};
use crate::backend::auth::Scope;
use crate::backend::repo;
use crate::types::ListQuery;

pub(super) async fn metric_trend(
    db: &impl ConnectionTrait,
    scope: &Scope,
    a: MetricTrend,
) -> Result<ToolOutcome, ToolError> {
    let mut q = ListQuery {
        sort: Some("observed".into()),
        per_page: Some(200),
        ..Default::default()
    };
    q.filters.insert("metric".into(), a.metric.clone());
    if let Some(c) = a.company_id {
        q.filters.insert("company".into(), c.to_string());
    }
    if let Some(s) = a.segment.clone() {
        q.filters.insert("segment".into(), s);
    }
    if let Some(s) = a.since.clone() {
        q.filters.insert("since".into(), s);
    }
    let page = repo::metrics::list(db, scope, &q, None).await?;
    let points: Vec<(String, f64)> = page
        .items
        .iter()
        .map(|p| (p.observed_at.date_naive().to_string(), p.value))
        .collect();
    let values: Vec<f64> = points.iter().map(|p| p.1).collect();
    let first = values.first().copied();
    let last = values.last().copied();
    let change_percent = match (first, last) {
        (Some(f), Some(l)) if f != 0.0 => Some(((l - f) / f.abs() * 1000.0).round() / 10.0),
        _ => None,
    };
    let unit = page.items.first().and_then(|p| p.unit.clone());
    Ok(ToolOutcome {
        needs_confirmation: false,
        summary: format!("read {} points of {}", points.len(), a.metric),
        result: json!({
            "metric": a.metric,
            "company_id": a.company_id,
            "segment": a.segment,
            "unit": unit,
            "count": points.len(),
            "points": points,
            "first": first,
            "last": last,
            "change_percent": change_percent,
            "min": values.iter().copied().reduce(f64::min),
            "max": values.iter().copied().reduce(f64::max),
        }),
    })
}

pub(super) async fn recent_signals(
    db: &impl ConnectionTrait,
    scope: &Scope,
    a: RecentSignals,
) -> Result<ToolOutcome, ToolError> {
    let mut q = ListQuery {
        per_page: Some(limit(a.limit)),
        ..Default::default()
    };
    if let Some(c) = a.company_id {
        q.filters.insert("company".into(), c.to_string());
    }
    if let Some(t) = a.tone.clone() {
        q.filters.insert("tone".into(), t);
    }
    let page = repo::signals::list(db, scope, &q, None).await?;
    let avg = (!page.items.is_empty()).then(|| {
        round2(page.items.iter().map(|s| s.sentiment).sum::<f64>() / page.items.len() as f64)
    });
    Ok(ToolOutcome {
        needs_confirmation: false,
        summary: format!("read {} recent signals", page.items.len()),
        result: json!({
            "total": page.total,
            "shown": page.items.len(),
            "average_sentiment": avg,
            "signals": page.items.iter().map(|s| json!({
                "id": s.id,
                "title": s.title,
                "company": s.company_name,
                "company_id": s.company_id,
                "company_link": company_link(scope, s.company_id),
                "source": s.source_kind.as_str(),
                "sentiment": round2(s.sentiment),
                "published": s.published_at.date_naive(),
            })).collect::<Vec<_>>(),
        }),
    })
}
