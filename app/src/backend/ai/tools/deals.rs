//! The deal tools: deals filtered and sorted, and the pipeline summed up by stage.

use std::collections::BTreeMap;

use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

use super::{deal_json, limit, money, ToolError, ToolOutcome};
use super::{ListDeals, PipelineSummary};
use crate::backend::auth::Scope;
use crate::backend::repo;
use crate::types::{ListQuery, Money, StageKind};

pub(super) async fn list_deals(
    db: &impl ConnectionTrait,
    scope: &Scope,
    a: ListDeals,
) -> Result<ToolOutcome, ToolError> {
    let mut q = ListQuery {
        search: a.search.clone(),
        per_page: Some(limit(a.limit)),
        sort: Some(
            match a.sort.as_deref().unwrap_or("amount") {
                "close" => "close",
                "updated" => "-updated",
                _ => "-amount",
            }
            .into(),
        ),
        ..Default::default()
    };
    let mut label = String::new();
    if let Some(s) = &a.status {
        let kind = StageKind::parse(s)
            .ok_or_else(|| ToolError::Failed("status must be open, won or lost".into()))?;
        q.filters.insert("status".into(), kind.as_str().into());
        label = format!(" {}", kind.as_str());
    }
    if let Some(stage) = &a.stage {
        let stages = repo::pipelines::list(db, scope).await?;
        let found = stages
            .iter()
            .flat_map(|p| p.stages.iter())
            .find(|s| s.name.eq_ignore_ascii_case(stage.trim()))
            .ok_or_else(|| {
                let names: Vec<String> = stages
                    .iter()
                    .flat_map(|p| p.stages.iter().map(|s| s.name.clone()))
                    .collect();
                ToolError::Failed(format!(
                    "no stage named “{stage}”; stages: {}",
                    names.join(", ")
                ))
            })?;
        q.filters.insert("stage".into(), found.id.to_string());
        label.push_str(&format!(" in {}", found.name));
    }
    for (key, v) in [("company", a.company_id), ("owner", a.owner_id)] {
        if let Some(v) = v {
            q.filters.insert(key.into(), v.to_string());
        }
    }
    if let Some(m) = a.min_amount {
        q.filters.insert("min_amount".into(), m);
    }
    let page = repo::deals::list(db, scope, &q, None).await?;
    let now = chrono::Utc::now();
    Ok(ToolOutcome {
        needs_confirmation: false,
        summary: format!("looked up {} deals{label}", page.total),
        result: json!({
            "total": page.total,
            "shown": page.items.len(),
            "deals": page.items.iter().map(|d| deal_json(scope, d, now)).collect::<Vec<_>>(),
        }),
    })
}

pub(super) async fn pipeline_summary(
    db: &impl ConnectionTrait,
    scope: &Scope,
    a: PipelineSummary,
) -> Result<ToolOutcome, ToolError> {
    let pipelines = repo::pipelines::list(db, scope).await?;
    let pipeline = match a.pipeline_id {
        Some(id) => pipelines.iter().find(|p| p.id == id),
        None => pipelines
            .iter()
            .find(|p| p.is_default)
            .or(pipelines.first()),
    }
    .ok_or(ToolError::Failed("pipeline not found".into()))?;
    let board = repo::deals::board(db, scope, pipeline.id, &ListQuery::default(), 0).await?;
    let mut by_kind: BTreeMap<&str, (u64, BTreeMap<String, i64>)> = BTreeMap::new();
    let mut weighted_open: BTreeMap<String, i64> = BTreeMap::new();
    let stages: Vec<Value> = board
        .iter()
        .map(|col| {
            let entry = by_kind.entry(col.stage.kind.as_str()).or_default();
            entry.0 += col.count;
            for m in &col.total {
                *entry.1.entry(m.currency.as_str().to_owned()).or_default() += m.minor;
            }
            if col.stage.kind == StageKind::Open {
                for m in &col.weighted {
                    *weighted_open
                        .entry(m.currency.as_str().to_owned())
                        .or_default() += m.minor;
                }
            }
            json!({
                "stage_id": col.stage.id,
                "stage": col.stage.name,
                "kind": col.stage.kind.as_str(),
                "deals": col.count,
                "total": money(&col.total),
                "weighted": money(&col.weighted),
            })
        })
        .collect();
    let sum = |m: &BTreeMap<String, i64>| -> Vec<Money> {
        m.iter()
            .map(|(c, v)| {
                Money::new(
                    *v,
                    crate::types::Currency::parse(c).unwrap_or(crate::types::Currency::USD),
                )
            })
            .collect()
    };
    let kind = |k: &str| by_kind.get(k).cloned().unwrap_or_default();
    let (open, won, lost) = (kind("open"), kind("won"), kind("lost"));
    let win_rate = (won.0 + lost.0 > 0)
        .then(|| (won.0 as f64 * 1000.0 / (won.0 + lost.0) as f64).round() / 10.0);
    Ok(ToolOutcome {
        needs_confirmation: false,
        summary: format!(
            "summarised the {} pipeline ({} stages, {} open deals)",
            pipeline.name,
            board.len(),
            open.0
        ),
        result: json!({
            "pipeline_id": pipeline.id,
            "pipeline": pipeline.name,
            "stages": stages,
            "open_deals": open.0,
            "open_total": money(&sum(&open.1)),
            "open_weighted": money(&sum(&weighted_open)),
            "won_deals": won.0,
            "won_total": money(&sum(&won.1)),
            "lost_deals": lost.0,
            "win_rate_percent": win_rate,
        }),
    })
}
