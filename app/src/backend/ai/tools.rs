//! The tools: the only way a model reaches workspace data. Each is typed (its arguments are a
//! struct whose JSON Schema the model sees), read-only, scoped to the caller's Scope, and
//! answers compact JSON with record ids and links the answer can cite. They call the
//! repositories — no tool takes SQL.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use sea_orm::ConnectionTrait;
use serde::Deserialize;
use serde_json::{json, Value};

use super::provider::{ToolDef, ToolSet};
use crate::backend::auth::Scope;
use crate::backend::{repo, Error};
use crate::types::{Deal, ListQuery, Money, StageKind};

const MAX_LIMIT: u64 = 25;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ToolError {
    #[error("there is no tool named `{0}`")]
    Unknown(String),
    #[error("the arguments are not valid for `{tool}`: {reason}")]
    BadArguments { tool: String, reason: String },
    #[error("{0}")]
    Failed(String),
}

impl From<Error> for ToolError {
    fn from(e: Error) -> Self {
        match e {
            Error::NotFound(what) => ToolError::Failed(format!("{what} not found")),
            Error::Validation(fields) => ToolError::Failed(
                fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            Error::BadRequest(m) | Error::Forbidden(m) | Error::Conflict(m) => ToolError::Failed(m),
            other => {
                tracing::error!(error = %other, "tool failed");
                ToolError::Failed("the lookup failed on the server".into())
            }
        }
    }
}

/// What a tool answered: the JSON the model reads, and one line for the person.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolOutcome {
    pub result: Value,
    pub summary: String,
    /// The call waits for the person to confirm it in the chat (`start_report`).
    pub needs_confirmation: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct SearchCompanies {
    /// Part of a company's name or domain.
    #[serde(default)]
    pub query: Option<String>,
    /// Exact industry, e.g. "Software".
    #[serde(default)]
    pub industry: Option<String>,
    /// Two-letter country code, e.g. "DE".
    #[serde(default)]
    pub country: Option<String>,
    /// At most 25 (default 10).
    #[serde(default)]
    pub limit: Option<u64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CompanyRef {
    /// The company's id (from search_companies).
    pub company_id: i64,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ListDeals {
    /// `open`, `won` or `lost`.
    #[serde(default)]
    pub status: Option<String>,
    /// A stage name, e.g. "Negotiation".
    #[serde(default)]
    pub stage: Option<String>,
    #[serde(default)]
    pub company_id: Option<i64>,
    #[serde(default)]
    pub owner_id: Option<i64>,
    /// Smallest amount in currency units, e.g. "50000".
    #[serde(default)]
    pub min_amount: Option<String>,
    /// Part of the deal's name.
    #[serde(default)]
    pub search: Option<String>,
    /// `amount` (largest first, the default), `close` (soonest first) or `updated`.
    #[serde(default)]
    pub sort: Option<String>,
    /// At most 25 (default 10).
    #[serde(default)]
    pub limit: Option<u64>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct PipelineSummary {
    /// A pipeline id; the default pipeline when left out.
    #[serde(default)]
    pub pipeline_id: Option<i64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct MetricTrend {
    /// The metric's name, e.g. "market_share" or "web_traffic".
    pub metric: String,
    #[serde(default)]
    pub company_id: Option<i64>,
    #[serde(default)]
    pub segment: Option<String>,
    /// Only points on or after this date (YYYY-MM-DD).
    #[serde(default)]
    pub since: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct RecentSignals {
    #[serde(default)]
    pub company_id: Option<i64>,
    /// `positive`, `neutral` or `negative`.
    #[serde(default)]
    pub tone: Option<String>,
    /// At most 25 (default 10).
    #[serde(default)]
    pub limit: Option<u64>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ListReports {
    /// At most 25 (default 10).
    #[serde(default)]
    pub limit: Option<u64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ReportRef {
    /// The report's id (from list_reports).
    pub report_id: i64,
}

/// A report to start once the person confirms.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct StartReport {
    /// `market`, `competitor` or `pipeline`.
    pub kind: String,
    /// Market: the segment's industry.
    #[serde(default)]
    pub industry: Option<String>,
    /// Market: the segment's country code.
    #[serde(default)]
    pub country: Option<String>,
    /// Competitor: the company to compare with its competitors (required there).
    #[serde(default)]
    pub company_id: Option<i64>,
    /// Pipeline: which pipeline (default: the default pipeline).
    #[serde(default)]
    pub pipeline_id: Option<i64>,
}

fn schema<T: JsonSchema>() -> Value {
    let mut v = schemars::schema_for!(T).to_value();
    if let Some(o) = v.as_object_mut() {
        o.remove("$schema");
        o.remove("title");
        o.entry("properties").or_insert_with(|| json!({}));
    }
    v
}

/// Every tool, as the model sees it. Made once: generating the argument schemas took a
/// good part of a millisecond, and every turn of every answer sends them.
pub fn definitions() -> &'static ToolSet {
    static DEFINITIONS: std::sync::OnceLock<ToolSet> = std::sync::OnceLock::new();
    DEFINITIONS.get_or_init(|| ToolSet::new(build_definitions()))
}

fn build_definitions() -> Vec<ToolDef> {
    vec![
        ToolDef {
            name: "search_companies",
            description: "Find companies by name or domain, industry or country. Answers ids, names and links.",
            parameters: schema::<SearchCompanies>(),
        },
        ToolDef {
            name: "company_overview",
            description: "One company: profile, open pipeline, won revenue, competitors, recent signals with sentiment, latest metrics, its deals.",
            parameters: schema::<CompanyRef>(),
        },
        ToolDef {
            name: "list_deals",
            description: "Deals filtered by status (open/won/lost), stage name, company, owner, minimum amount or name; sorted by amount, close date or last change.",
            parameters: schema::<ListDeals>(),
        },
        ToolDef {
            name: "pipeline_summary",
            description: "The pipeline by stage: deal count, total and weighted value per stage, open/won/lost totals and win rate.",
            parameters: schema::<PipelineSummary>(),
        },
        ToolDef {
            name: "competitor_comparison",
            description: "A company against its competitors: threat level, open deals and average signal sentiment of each.",
            parameters: schema::<CompanyRef>(),
        },
        ToolDef {
            name: "metric_trend",
            description: "A market metric over time (for a company or segment): the points, first, last, change and range.",
            parameters: schema::<MetricTrend>(),
        },
        ToolDef {
            name: "list_reports",
            description: "The workspace's reports, newest first: kind, title, status, who wrote the prose, link.",
            parameters: schema::<ListReports>(),
        },
        ToolDef {
            name: "report_summary",
            description: "One report's headline findings (a few lines of Markdown), status and link.",
            parameters: schema::<ReportRef>(),
        },
        ToolDef {
            name: "start_report",
            description: "Prepares a market, competitor or pipeline report. It starts only after the person confirms in the chat; tell them to confirm.",
            parameters: schema::<StartReport>(),
        },
        ToolDef {
            name: "recent_signals",
            description: "Recent news, social and review signals (optionally for one company or one tone), with sentiment from -1 to 1.",
            parameters: schema::<RecentSignals>(),
        },
    ]
}

fn parse<T: serde::de::DeserializeOwned>(tool: &str, arguments: &str) -> Result<T, ToolError> {
    let text = if arguments.trim().is_empty() {
        "{}"
    } else {
        arguments
    };
    serde_json::from_str(text).map_err(|e| ToolError::BadArguments {
        tool: tool.to_owned(),
        reason: e.to_string(),
    })
}

fn limit(l: Option<u64>) -> u64 {
    l.unwrap_or(10).clamp(1, MAX_LIMIT)
}

fn money(list: &[Money]) -> Value {
    match list {
        [] => json!("0"),
        [one] => json!(one.format()),
        many => json!(many.iter().map(Money::format).collect::<Vec<_>>()),
    }
}

/// Sentiment rounded to two decimals, as people read it.
fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn company_link(scope: &Scope, id: i64) -> String {
    format!("/w/{}/companies/{id}", scope.workspace_slug())
}

fn deal_json(scope: &Scope, d: &Deal, now: chrono::DateTime<chrono::Utc>) -> Value {
    json!({
        "id": d.id,
        "name": d.name,
        "company": d.company_name,
        "company_id": d.company_id,
        "company_link": d.company_id.map(|c| company_link(scope, c)),
        "stage": d.stage_name,
        "status": d.stage_kind.as_str(),
        "amount": d.amount.format(),
        "probability": d.probability,
        "expected_close": d.expected_close,
        "owner": d.owner_name,
        "days_in_stage": (now - d.stage_entered_at).num_days(),
        "link": format!("/w/{}/deals/{}/edit", scope.workspace_slug(), d.id),
    })
}

/// Runs `name` with the model's `arguments` (raw JSON text) as `scope`.
pub async fn call(
    db: &impl ConnectionTrait,
    scope: &Scope,
    name: &str,
    arguments: &str,
) -> Result<ToolOutcome, ToolError> {
    match name {
        "search_companies" => search_companies(db, scope, parse(name, arguments)?).await,
        "company_overview" => company_overview(db, scope, parse(name, arguments)?).await,
        "list_deals" => list_deals(db, scope, parse(name, arguments)?).await,
        "pipeline_summary" => pipeline_summary(db, scope, parse(name, arguments)?).await,
        "competitor_comparison" => competitor_comparison(db, scope, parse(name, arguments)?).await,
        "metric_trend" => metric_trend(db, scope, parse(name, arguments)?).await,
        "recent_signals" => recent_signals(db, scope, parse(name, arguments)?).await,
        "list_reports" => list_reports(db, scope, parse(name, arguments)?).await,
        "report_summary" => report_summary(db, scope, parse(name, arguments)?).await,
        "start_report" => start_report(db, scope, parse(name, arguments)?).await,
        other => Err(ToolError::Unknown(other.to_owned())),
    }
}

async fn search_companies(
    db: &impl ConnectionTrait,
    scope: &Scope,
    a: SearchCompanies,
) -> Result<ToolOutcome, ToolError> {
    let mut q = ListQuery {
        search: a.query.clone().filter(|s| !s.trim().is_empty()),
        per_page: Some(limit(a.limit)),
        ..Default::default()
    };
    if let Some(i) = a.industry {
        q.filters.insert("industry".into(), i);
    }
    if let Some(c) = a.country {
        q.filters.insert("country".into(), c);
    }
    let page = repo::companies::list(db, scope, &q, None).await?;
    let companies: Vec<Value> = page
        .items
        .iter()
        .map(|c| {
            json!({
                "id": c.id, "name": c.name, "domain": c.domain, "industry": c.industry,
                "country": c.country, "employees": c.employee_count,
                "link": company_link(scope, c.id),
            })
        })
        .collect();
    let what = a
        .query
        .map(|q| format!(" matching “{q}”"))
        .unwrap_or_default();
    Ok(ToolOutcome {
        needs_confirmation: false,
        summary: format!("found {} companies{what}", page.total),
        result: json!({"total": page.total, "companies": companies}),
    })
}

async fn company_overview(
    db: &impl ConnectionTrait,
    scope: &Scope,
    a: CompanyRef,
) -> Result<ToolOutcome, ToolError> {
    let s = repo::companies::summary(db, scope, a.company_id).await?;
    let now = chrono::Utc::now();
    let c = &s.company;
    let competitors = |list: &[crate::types::Competitor]| -> Vec<Value> {
        list.iter()
            .map(|x| {
                json!({"id": x.competitor_id, "name": x.competitor_name,
                       "threat": x.threat_level.as_str(), "link": company_link(scope, x.competitor_id)})
            })
            .collect()
    };
    let metrics: Vec<Value> = s
        .metrics
        .iter()
        .filter_map(|m| {
            let (at, v) = m.points.last()?;
            Some(json!({"metric": m.metric, "unit": m.unit, "latest": v, "observed": at.date_naive()}))
        })
        .collect();
    let result = json!({
        "id": c.id,
        "name": c.name,
        "link": company_link(scope, c.id),
        "domain": c.domain,
        "industry": c.industry,
        "country": c.country,
        "city": c.city,
        "employees": c.employee_count,
        "annual_revenue": c.annual_revenue.map(|m| m.format()),
        "open_deals": s.open_deals,
        "open_pipeline": money(&s.open_pipeline),
        "won_total": money(&s.won_total),
        "competitors": competitors(&s.competitors),
        "competitor_of": competitors(&s.competitor_of),
        "average_sentiment": s.average_sentiment.map(round2),
        "latest_signals": s.latest_signals.iter().take(5).map(|x| json!({
            "id": x.id, "title": x.title, "sentiment": round2(x.sentiment),
            "published": x.published_at.date_naive(),
        })).collect::<Vec<_>>(),
        "metrics": metrics,
        "deals": s.deals.iter().take(10).map(|d| deal_json(scope, d, now)).collect::<Vec<_>>(),
    });
    Ok(ToolOutcome {
        needs_confirmation: false,
        summary: format!("looked up {}", c.name),
        result,
    })
}

async fn list_deals(
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

async fn pipeline_summary(
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

async fn competitor_comparison(
    db: &impl ConnectionTrait,
    scope: &Scope,
    a: CompanyRef,
) -> Result<ToolOutcome, ToolError> {
    let company = repo::companies::get(db, scope, a.company_id).await?;
    let competitors = repo::competitors::of_company(db, scope, a.company_id).await?;
    let ws = scope.workspace_id();
    let profile = |id: i64| async move {
        let signals = repo::signals::latest_for_company(db, ws, id, 20).await?;
        let (open, pipeline, _) = repo::deals::totals_for_company(db, ws, id).await?;
        let avg = (!signals.is_empty()).then(|| {
            round2(signals.iter().map(|s| s.sentiment).sum::<f64>() / signals.len() as f64)
        });
        Ok::<_, Error>(json!({
            "signals": signals.len(),
            "average_sentiment": avg,
            "open_deals": open,
            "open_pipeline": money(&pipeline),
        }))
    };
    let mut rows = vec![];
    for c in competitors.iter().take(MAX_LIMIT as usize) {
        let mut p = profile(c.competitor_id).await?;
        p["id"] = json!(c.competitor_id);
        p["name"] = json!(c.competitor_name);
        p["threat"] = json!(c.threat_level.as_str());
        p["link"] = json!(company_link(scope, c.competitor_id));
        rows.push(p);
    }
    let mut me = profile(company.id).await?;
    me["id"] = json!(company.id);
    me["name"] = json!(company.name);
    me["link"] = json!(company_link(scope, company.id));
    Ok(ToolOutcome {
        needs_confirmation: false,
        summary: format!(
            "compared {} with {} competitors",
            company.name,
            competitors.len()
        ),
        result: json!({"company": me, "count": rows.len(), "competitors": rows}),
    })
}

async fn metric_trend(
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

async fn recent_signals(
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

fn report_json(scope: &Scope, r: &crate::types::Report) -> Value {
    json!({
        "id": r.id,
        "kind": r.kind.as_str(),
        "title": r.title,
        "status": r.status,
        "created": r.created_at.date_naive(),
        "writer": r.writer,
        "link": format!("/w/{}/reports/{}", scope.workspace_slug(), r.id),
    })
}

async fn list_reports(
    db: &impl ConnectionTrait,
    scope: &Scope,
    a: ListReports,
) -> Result<ToolOutcome, ToolError> {
    let q = ListQuery {
        per_page: Some(limit(a.limit)),
        ..Default::default()
    };
    let page = repo::reports::list(db, scope, &q).await?;
    Ok(ToolOutcome {
        needs_confirmation: false,
        summary: format!("listed {} reports", page.total),
        result: json!({
            "total": page.total,
            "shown": page.items.len(),
            "reports": page.items.iter().map(|r| report_json(scope, r)).collect::<Vec<_>>(),
        }),
    })
}

async fn report_summary(
    db: &impl ConnectionTrait,
    scope: &Scope,
    a: ReportRef,
) -> Result<ToolOutcome, ToolError> {
    let r = repo::reports::get(db, scope, a.report_id).await?;
    let mut v = report_json(scope, &r);
    v["summary"] = json!(r.summary);
    v["error"] = json!(r.error);
    Ok(ToolOutcome {
        needs_confirmation: false,
        summary: format!("read the summary of “{}”", r.title),
        result: v,
    })
}

/// Checks the report can be started and asks the person to confirm; nothing starts here.
async fn start_report(
    db: &impl ConnectionTrait,
    scope: &Scope,
    a: StartReport,
) -> Result<ToolOutcome, ToolError> {
    let kind = a.kind.trim().to_lowercase();
    if !matches!(kind.as_str(), "market" | "competitor" | "pipeline") {
        return Err(ToolError::Failed(
            "kind must be market, competitor or pipeline".into(),
        ));
    }
    let mut what = format!("a {kind} report");
    if kind == "competitor" {
        let id = a.company_id.ok_or_else(|| {
            ToolError::Failed(
                "a competitor report needs company_id (search_companies first)".into(),
            )
        })?;
        let c = repo::companies::get(db, scope, id).await?;
        what = format!("a competitor report for {}", c.name);
    }
    if let Some(i) = &a.industry {
        what.push_str(&format!(" ({i})"));
    }
    Ok(ToolOutcome {
        needs_confirmation: true,
        summary: format!("prepared {what}: confirm to start it"),
        result: json!({
            "status": "awaiting_confirmation",
            "message": format!("{what} is ready to start; the person must confirm it in the chat"),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_has_an_object_schema() {
        for t in &definitions().defs {
            assert_eq!(t.parameters["type"], "object", "{}", t.name);
            assert!(t.parameters.get("$schema").is_none());
        }
    }

    #[test]
    fn malformed_arguments_are_reported_not_guessed() {
        let e = parse::<CompanyRef>("company_overview", "{\"company_id\": ").unwrap_err();
        assert!(matches!(e, ToolError::BadArguments { .. }));
        let e = parse::<CompanyRef>("company_overview", "{}").unwrap_err();
        assert!(e.to_string().contains("company_id"));
        assert!(parse::<PipelineSummary>("pipeline_summary", "").is_ok());
    }
}
