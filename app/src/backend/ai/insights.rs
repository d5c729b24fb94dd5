//! The insights job: notable changes found by SQL — a deal stalled past its stage's median,
//! a competitor's sentiment dropping, a metric jumping — then phrased by the workspace's model
//! (numbers checked against the facts, cached by prompt) or by a template when there is no
//! model or it fails. Each finding is stored once (its fingerprint).
//!
//! Daily: a sweep job enqueues one `ai_insights` job per workspace and re-enqueues itself for
//! the next day; `ensure_daily` (at start-up) makes sure one sweep is queued.

use crate::backend::auth::can;
use crate::backend::WorkspaceId;
use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde_json::json;

use super::narrator::{complete, grounded};
use crate::backend::auth::Authorized;
use crate::backend::entity::jobs;
use crate::backend::jobs::{JobContext, JobError, JobKind};
use crate::backend::repo::{self, ai::NewInsight};
use crate::backend::sql::Query;
use crate::backend::{AppState, Result};

/// A deal is stalled when it has been in its stage this many times the stage's median …
const STALL_FACTOR: f64 = 2.0;
/// … and at least this many days.
const STALL_MIN_DAYS: f64 = 14.0;
/// Average sentiment (−1…1) falling by this much, last 30 days against the 60 before.
const SENTIMENT_DROP: f64 = 0.3;
/// A metric's latest value this far (as a fraction) from the one before.
const METRIC_JUMP: f64 = 0.25;
const MAX_PER_KIND: usize = 5;

#[derive(Debug, FromQueryResult)]
struct OpenDeal {
    id: i64,
    name: String,
    stage_id: i64,
    stage: String,
    days: f64,
}

#[derive(Debug, FromQueryResult)]
struct SentimentRow {
    company_id: i64,
    name: String,
    recent: Option<f64>,
    recent_n: i64,
    before: Option<f64>,
    before_n: i64,
}

#[derive(Debug, FromQueryResult)]
struct MetricRow {
    id: i64,
    company_id: Option<i64>,
    company: Option<String>,
    segment: Option<String>,
    metric: String,
    value: f64,
    observed_at: DateTime<Utc>,
}

/// A metric series: (company, segment, metric).
type SeriesKey = (Option<i64>, Option<String>, String);

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// What SQL found, with the template text (the model may rephrase it).
pub async fn find(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    now: DateTime<Utc>,
) -> Result<Vec<NewInsight>> {
    let backend = db.get_database_backend();
    let mut out = vec![];

    // Stalled deals: days in the current stage against the median of the stage's open deals.
    let mut q = Query::new(backend);
    let ws = q.bind(workspace_id);
    let at = q.bind(now);
    let sql = format!(
        "SELECT d.id, d.name, d.stage_id, s.name AS stage, {days} AS days \
         FROM deals d JOIN pipeline_stages s ON s.id = d.stage_id \
         WHERE d.workspace_id = {ws} AND s.kind = 'open'",
        days = q.float(&q.days_between("d.stage_entered_at", &at)),
    );
    let deals = OpenDeal::find_by_statement(q.statement(&sql))
        .all(db)
        .await?;
    let mut by_stage: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
    for d in &deals {
        by_stage.entry(d.stage_id).or_default().push(d.days);
    }
    let medians: BTreeMap<i64, f64> = by_stage
        .into_iter()
        .filter_map(|(s, v)| median(v).map(|m| (s, m)))
        .collect();
    let mut stalled: Vec<(&OpenDeal, f64)> = deals
        .iter()
        .filter_map(|d| {
            let m = *medians.get(&d.stage_id)?;
            (d.days >= STALL_MIN_DAYS && d.days > m * STALL_FACTOR).then_some((d, m))
        })
        .collect();
    stalled.sort_by(|a, b| (b.0.days - b.1).total_cmp(&(a.0.days - a.1)));
    for (d, m) in stalled.into_iter().take(MAX_PER_KIND) {
        let (days, median) = (d.days.floor() as i64, round1(m));
        out.push(NewInsight {
            kind: "stalled_deal",
            subject: d.name.clone(),
            subject_id: Some(d.id),
            fingerprint: format!("stalled:{}:{}", d.id, d.stage_id),
            text: format!(
                "“{}” has been in {} for {days} days, more than twice the stage's median of {median} days.",
                d.name, d.stage
            ),
            facts: json!({"deal": d.name, "deal_id": d.id, "stage": d.stage, "days_in_stage": days, "stage_median_days": median}),
            source: "template".into(),
        });
    }

    // Competitors' sentiment: the last 30 days against the 60 days before.
    let mut q = Query::new(backend);
    let ws = q.bind(workspace_id);
    let recent = q.bind(now - Duration::days(30));
    let start = q.bind(now - Duration::days(90));
    let sql = format!(
        "SELECT g.company_id, c.name, \
           {recent_avg} AS recent, SUM(CASE WHEN g.published_at >= {recent} THEN 1 ELSE 0 END) AS recent_n, \
           {before_avg} AS before, SUM(CASE WHEN g.published_at < {recent} THEN 1 ELSE 0 END) AS before_n \
         FROM signals g JOIN companies c ON c.id = g.company_id \
         WHERE g.workspace_id = {ws} AND g.published_at >= {start} \
           AND g.company_id IN (SELECT competitor_id FROM competitors WHERE workspace_id = {ws}) \
         GROUP BY g.company_id, c.name",
        recent_avg = q.float(&format!("AVG(CASE WHEN g.published_at >= {recent} THEN g.sentiment END)")),
        before_avg = q.float(&format!("AVG(CASE WHEN g.published_at < {recent} THEN g.sentiment END)")),
    );
    let rows = SentimentRow::find_by_statement(q.statement(&sql))
        .all(db)
        .await?;
    let mut drops: Vec<(SentimentRow, f64)> = rows
        .into_iter()
        .filter_map(|r| {
            let (a, b) = (r.recent?, r.before?);
            (r.recent_n >= 2 && r.before_n >= 2 && b - a >= SENTIMENT_DROP).then_some((r, b - a))
        })
        .collect();
    drops.sort_by(|a, b| b.1.total_cmp(&a.1));
    let week = now.iso_week();
    for (r, _) in drops.into_iter().take(MAX_PER_KIND) {
        let (a, b) = (
            round2(r.recent.unwrap_or(0.0)),
            round2(r.before.unwrap_or(0.0)),
        );
        out.push(NewInsight {
            kind: "sentiment_drop",
            subject: r.name.clone(),
            subject_id: Some(r.company_id),
            fingerprint: format!("sentiment:{}:{}-{}", r.company_id, week.year(), week.week()),
            text: format!(
                "Sentiment about competitor {} fell from {b} to {a} (last 30 days, {} signals, against the 60 days before, {} signals).",
                r.name, r.recent_n, r.before_n
            ),
            facts: json!({"competitor": r.name, "company_id": r.company_id, "sentiment_before": b, "sentiment_recent": a, "signals_recent": r.recent_n, "signals_before": r.before_n, "recent_days": 30, "before_days": 60}),
            source: "template".into(),
        });
    }

    // Metric jumps: each series' latest point against the one before it.
    let mut q = Query::new(backend);
    let ws = q.bind(workspace_id);
    let since = q.bind(now - Duration::days(120));
    let sql = format!(
        "SELECT m.id, m.company_id, c.name AS company, m.segment, m.metric, m.value, m.observed_at \
         FROM market_metrics m LEFT JOIN companies c ON c.id = m.company_id \
         WHERE m.workspace_id = {ws} AND m.observed_at >= {since} \
         ORDER BY m.observed_at DESC, m.id DESC LIMIT 5000"
    );
    let points = MetricRow::find_by_statement(q.statement(&sql))
        .all(db)
        .await?;
    let mut series: BTreeMap<SeriesKey, Vec<&MetricRow>> = BTreeMap::new();
    for p in &points {
        let s = series
            .entry((p.company_id, p.segment.clone(), p.metric.clone()))
            .or_default();
        if s.len() < 2 {
            s.push(p);
        }
    }
    let mut jumps: Vec<(&MetricRow, &MetricRow, f64)> = series
        .values()
        .filter_map(|s| match s.as_slice() {
            [latest, previous] if previous.value != 0.0 => {
                let change = (latest.value - previous.value) / previous.value.abs();
                (change.abs() >= METRIC_JUMP).then_some((*latest, *previous, change))
            }
            _ => None,
        })
        .collect();
    jumps.sort_by(|a, b| b.2.abs().total_cmp(&a.2.abs()));
    for (latest, previous, change) in jumps.into_iter().take(MAX_PER_KIND) {
        let whom = latest
            .company
            .clone()
            .or_else(|| latest.segment.clone())
            .unwrap_or_else(|| "the market".into());
        let pct = round1(change * 100.0);
        out.push(NewInsight {
            kind: "metric_jump",
            subject: format!("{whom}: {}", latest.metric),
            subject_id: latest.company_id,
            fingerprint: format!("metric:{}", latest.id),
            text: format!(
                "{} of {whom} moved from {} to {} ({}{pct}%) between {} and {}.",
                latest.metric,
                previous.value,
                latest.value,
                if pct > 0.0 { "+" } else { "" },
                previous.observed_at.date_naive(),
                latest.observed_at.date_naive(),
            ),
            facts: json!({"metric": latest.metric, "subject": whom, "previous": previous.value, "latest": latest.value, "change_percent": pct,
                          "previous_date": previous.observed_at.date_naive(), "latest_date": latest.observed_at.date_naive()}),
            source: "template".into(),
        });
    }
    Ok(out)
}

const SYSTEM: &str = "You write one short sentence for a sales team about a notable change in \
their data. Use only the facts given; state no number that is not in them. No headings, no HTML.";

/// Finds, phrases and stores the workspace's new insights; answers how many were new.
pub async fn run(state: &AppState, workspace_id: WorkspaceId) -> Result<u64> {
    let mut found = find(&state.db, workspace_id, Utc::now()).await?;
    let mut fresh = vec![];
    for f in found.drain(..) {
        if !repo::ai::has_insight(&state.db, workspace_id, &f.fingerprint).await? {
            fresh.push(f);
        }
    }
    if fresh.is_empty() {
        return Ok(0);
    }
    let resolved = super::resolve(state, workspace_id).await?;
    let model_ok = !resolved.offline
        && super::check_budget(state, workspace_id, &resolved)
            .await
            .is_ok();
    if model_ok {
        let label = resolved.provider.label();
        for f in fresh.iter_mut() {
            let user = format!("Kind: {}\nFacts (JSON): {}", f.kind, f.facts);
            let hash = super::prompt_hash(&[SYSTEM, &user]);
            let text = match repo::ai::cached(&state.db, &label, &hash).await? {
                Some(t) => Some(t),
                None => match complete(resolved.provider.as_ref(), SYSTEM, user, 200).await {
                    Ok((t, tokens)) => {
                        repo::ai::record_usage(&state.db, workspace_id, 0, i64::from(tokens))
                            .await?;
                        let ok = !t.is_empty() && grounded(&t, &f.facts.to_string()).is_ok();
                        if ok {
                            repo::ai::cache_put(&state.db, &label, &hash, &t).await?;
                        }
                        ok.then_some(t)
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "phrasing an insight; the template is used");
                        None
                    }
                },
            };
            if let Some(t) = text {
                f.text = t;
                f.source = format!("model:{label}");
            }
        }
    }
    repo::ai::add_insights(&state.db, workspace_id, fresh).await
}

/// The `ai_insights` job: one workspace's look for notable changes.
pub struct FindInsights {
    pub state: AppState,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FindInput {
    pub workspace_id: i64,
}

impl JobKind for FindInsights {
    const NAME: &'static str = "ai_insights";
    type Payload = FindInput;

    async fn run(
        &self,
        ctx: std::sync::Arc<JobContext>,
        p: FindInput,
    ) -> std::result::Result<serde_json::Value, JobError> {
        let state = &self.state;
        ctx.step("look for notable changes", 10).await?;
        let ws = ctx
            .workspace()
            .filter(|ws| ws.get() == p.workspace_id)
            .ok_or_else(|| {
                JobError::Permanent("an insights job belongs to its workspace".into())
            })?;
        let added = run(state, ws).await?;
        ctx.log(&format!("{added} new insights")).await?;
        if added > 0 {
            state
                .events()
                .publish(crate::backend::events::Event::new(
                    Some(p.workspace_id),
                    crate::backend::events::Topic::Data {
                        entity: "insights".into(),
                    },
                ))
                .await;
        }
        Ok(json!({"insights": added}))
    }
}

/// Queues a look for insights in the caller's workspace now; answers the job to follow.
pub async fn start(
    state: &AppState,
    auth: &Authorized<'_, can::RunReports>,
) -> Result<jobs::Model> {
    let input = FindInput {
        workspace_id: auth.workspace_id(),
    };
    state
        .jobs()
        .enqueue(&FindInsights::job(&input)?.in_workspace(auth.workspace()))
        .await
}

/// The `ai_insights_sweep` job: one `ai_insights` job per workspace, then the next sweep
/// tomorrow.
pub struct InsightsSweep {
    pub state: AppState,
}

impl JobKind for InsightsSweep {
    const NAME: &'static str = "ai_insights_sweep";
    type Payload = serde_json::Value;

    async fn run(
        &self,
        ctx: std::sync::Arc<JobContext>,
        _: serde_json::Value,
    ) -> std::result::Result<serde_json::Value, JobError> {
        let state = &self.state;
        let ids = crate::backend::workspaces::all(&state.db).await?;
        ctx.step(&format!("queue insights for {} workspaces", ids.len()), 50)
            .await?;
        let jobs = state.jobs();
        for &workspace_id in &ids {
            let input = FindInput {
                workspace_id: workspace_id.get(),
            };
            jobs.enqueue(&FindInsights::job(&input)?.in_workspace(workspace_id))
                .await?;
        }
        let mut next = InsightsSweep::job(&json!({}))?;
        next.run_at = Some(Utc::now() + Duration::days(1));
        jobs.enqueue(&next).await?;
        Ok(json!({"workspaces": ids.len()}))
    }
}

/// Queues a sweep (in a few minutes) unless one is queued or running already.
pub async fn ensure_daily(state: &AppState) -> Result<()> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let pending = jobs::Entity::find()
        .filter(jobs::Column::Kind.eq(InsightsSweep::NAME))
        .filter(jobs::Column::Status.is_in(["queued", "running"]))
        .one(&state.db)
        .await?;
    if pending.is_none() {
        let mut first = InsightsSweep::job(&json!({}))?;
        first.run_at = Some(Utc::now() + Duration::minutes(5));
        state.jobs().enqueue(&first).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }
}
