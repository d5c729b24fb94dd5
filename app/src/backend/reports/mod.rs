//! Report generators and renderers: market, competitor and pipeline reports computed from
//! the workspace's data, written as HTML (with SVG charts), Markdown and PDF.
//!
//! A report is a row in `reports` plus a `report` job. The job gathers and computes with SQL
//! aggregates (one module per kind), draws the charts with the UI's own components, has the
//! prose written (a configured model, else the template writer — the report says which),
//! renders all three formats into the row, then hands it to delivery (e-mail with the PDF,
//! `report.completed` webhooks). Each step checks for a cancel first.

pub mod doc;
pub mod narrative;
pub mod pdf;
pub mod template;

mod common;
mod competitor;
mod market;
mod pipeline;

use crate::backend::auth::can;
use crate::backend::WorkspaceId;
use std::sync::Arc;

use chrono::{Duration, NaiveDate, Utc};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait,
    DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::json;

use crate::backend::audit::{self, Entry};
use crate::backend::auth::Authorized;
use crate::backend::delivery::{self, ReportReady};
use crate::backend::entity::{companies, pipelines, reports};
use crate::backend::events::{Event, Topic};
use crate::backend::jobs::{JobContext, JobError, JobKind, Jobs};
use crate::backend::repo::companies::SIZE_BANDS;
use crate::backend::{AppState, Error, Result};
use crate::types::{Email, FieldError, ReportInput, ReportKind, ReportStatus, StartedReport};
pub use common::Period;
use doc::{Block, Doc};
use narrative::{SectionRequest, TextGenerator};

const MAX_RECIPIENTS: usize = 50;

/// A checked input: everything the generators need, resolved against the workspace.
#[derive(Clone, Debug)]
pub struct Valid {
    pub kind: ReportKind,
    pub title: String,
    pub period: Period,
    pub industry: Option<String>,
    pub country: Option<String>,
    /// (band name, min employees, max employees).
    pub size_band: Option<(String, i32, Option<i32>)>,
    /// Competitor reports: (id, name).
    pub company: Option<(i64, String)>,
    /// Pipeline reports: (id, name).
    pub pipeline: Option<(i64, String)>,
    pub deliver_to: Vec<String>,
    /// The input as it will be stored (trimmed, defaults filled in).
    pub input: ReportInput,
}

impl Valid {
    /// "Software · DE · 51-200 employees", or "all companies".
    pub fn segment(&self) -> String {
        let mut parts = Vec::new();
        if let Some(i) = &self.industry {
            parts.push(i.clone());
        }
        if let Some(c) = &self.country {
            parts.push(c.clone());
        }
        if let Some((b, ..)) = &self.size_band {
            parts.push(format!("{b} employees"));
        }
        if parts.is_empty() {
            "all companies".into()
        } else {
            parts.join(" · ")
        }
    }

    /// The "made from" lines of the first page.
    pub fn inputs(&self) -> Vec<(String, String)> {
        let mut lines = Vec::new();
        match self.kind {
            ReportKind::Market => {
                lines.push(("Segment".into(), self.segment()));
                lines.push((
                    "Filters".into(),
                    format!(
                        "industry: {}; country: {}; size band: {}",
                        self.industry.as_deref().unwrap_or("any"),
                        self.country.as_deref().unwrap_or("any"),
                        self.size_band.as_ref().map_or("any", |b| b.0.as_str())
                    ),
                ));
            }
            ReportKind::Competitor => {
                if let Some((id, name)) = &self.company {
                    lines.push(("Company".into(), format!("{name} (#{id})")));
                }
            }
            ReportKind::Pipeline => {
                if let Some((id, name)) = &self.pipeline {
                    lines.push(("Pipeline".into(), format!("{name} (#{id})")));
                }
            }
        }
        lines.push(("Period".into(), self.period.label()));
        lines
    }
}

fn trimmed(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Checks `input` against the workspace; every problem is a field error.
pub async fn validate(
    db: &impl ConnectionTrait,
    ws: WorkspaceId,
    input: &ReportInput,
) -> Result<Valid> {
    let mut errors: Vec<FieldError> = Vec::new();
    let mut err = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.into(),
            message,
        })
    };
    let kind = ReportKind::parse(&input.kind);
    if kind.is_none() {
        err(
            "kind",
            format!(
                "`{}` is not a report kind; use market, competitor or pipeline",
                input.kind.trim()
            ),
        );
    }
    let title = trimmed(&input.title);
    if title.as_ref().is_some_and(|t| t.chars().count() > 200) {
        err("title", "must be at most 200 characters".into());
    }
    let industry = trimmed(&input.industry);
    // Companies keep ISO codes upper case; "de" from a form or a script means the same.
    let country = trimmed(&input.country).map(|c| c.to_uppercase());
    if country
        .as_ref()
        .is_some_and(|c| c.len() != 2 || !c.chars().all(|ch| ch.is_ascii_alphabetic()))
    {
        err("country", "must be a two-letter ISO code, e.g. DE".into());
    }
    let size_band = match trimmed(&input.size_band) {
        None => None,
        Some(b) => match SIZE_BANDS.iter().find(|(name, ..)| *name == b) {
            Some((name, min, max)) => Some(((*name).to_owned(), *min, *max)),
            None => {
                err(
                    "size_band",
                    format!(
                        "must be one of {}",
                        SIZE_BANDS
                            .iter()
                            .map(|b| b.0)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                None
            }
        },
    };
    let today = Utc::now().date_naive();
    let default_days = match kind {
        Some(ReportKind::Market) => 365,
        Some(ReportKind::Competitor) => 180,
        _ => 90,
    };
    let to = input.to.unwrap_or(today);
    let from = input.from.unwrap_or(to - Duration::days(default_days - 1));
    if from > to {
        err("from", "must not be after `to`".into());
    } else if (to - from).num_days() > 5 * 366 {
        err("to", "the period can be at most five years".into());
    }
    if from < NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default() {
        err("from", "must be after 1970".into());
    }
    let mut deliver_to = Vec::new();
    if input.deliver_to.len() > MAX_RECIPIENTS {
        err("deliver_to", format!("at most {MAX_RECIPIENTS} addresses"));
    }
    for r in &input.deliver_to {
        match Email::parse(r) {
            Ok(e) => deliver_to.push(e.as_str().to_owned()),
            Err(m) => err("deliver_to", format!("`{r}` {m}")),
        }
    }
    deliver_to.sort();
    deliver_to.dedup();

    let mut company = None;
    let mut pipeline = None;
    match kind {
        Some(ReportKind::Competitor) => match input.company_id {
            None => err("company_id", "is required for a competitor analysis".into()),
            Some(id) => match companies::Entity::find_by_id(id)
                .filter(companies::Column::WorkspaceId.eq(ws))
                .one(db)
                .await?
            {
                Some(c) => company = Some((c.id, c.name)),
                None => err("company_id", "no such company in this workspace".into()),
            },
        },
        Some(ReportKind::Pipeline) => {
            let mut q = pipelines::Entity::find().filter(pipelines::Column::WorkspaceId.eq(ws));
            q = match input.pipeline_id {
                Some(id) => q.filter(pipelines::Column::Id.eq(id)),
                None => q
                    .order_by_desc(pipelines::Column::IsDefault)
                    .order_by_asc(pipelines::Column::Position)
                    .order_by_asc(pipelines::Column::Id),
            };
            match q.one(db).await? {
                Some(p) => pipeline = Some((p.id, p.name)),
                None if input.pipeline_id.is_some() => {
                    err("pipeline_id", "no such pipeline in this workspace".into())
                }
                None => err("pipeline_id", "the workspace has no pipeline yet".into()),
            }
        }
        _ => {}
    }
    let Some(kind) = kind else {
        return Err(Error::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let period = Period { from, to };
    let mut valid = Valid {
        kind,
        title: String::new(),
        period,
        industry,
        country,
        size_band,
        company,
        pipeline,
        deliver_to,
        input: ReportInput::default(),
    };
    valid.title = title.unwrap_or_else(|| match kind {
        ReportKind::Market => format!("Market report: {}", valid.segment()),
        ReportKind::Competitor => format!(
            "Competitor analysis: {}",
            valid.company.as_ref().map_or("", |c| c.1.as_str())
        ),
        ReportKind::Pipeline => format!(
            "Pipeline review: {}",
            valid.pipeline.as_ref().map_or("", |p| p.1.as_str())
        ),
    });
    valid.input = ReportInput {
        kind: kind.as_str().into(),
        title: trimmed(&input.title),
        industry: valid.industry.clone(),
        country: valid.country.clone(),
        size_band: valid.size_band.as_ref().map(|b| b.0.clone()),
        company_id: valid.company.as_ref().map(|c| c.0),
        pipeline_id: valid.pipeline.as_ref().map(|p| p.0),
        from: Some(from),
        to: Some(to),
        deliver_to: valid.deliver_to.clone(),
    };
    Ok(valid)
}

/// Starts a report as the caller (audited with the report's creation).
pub async fn start(
    state: &AppState,
    auth: &Authorized<'_, can::RunReports>,
    input: &ReportInput,
) -> Result<StartedReport> {
    let (report_id, job_id) = enqueue(
        state,
        auth.workspace(),
        Some(auth.user_id()),
        input,
        Some(Entry::in_scope(auth, "report.start")),
    )
    .await?;
    Ok(StartedReport { report_id, job_id })
}

/// Records the report and enqueues its job in one transaction; answers (report id, job id).
/// `audit`, when given, is recorded in the same transaction (requests pass one; schedules
/// record their own run).
async fn enqueue(
    state: &AppState,
    workspace_id: WorkspaceId,
    created_by: Option<i64>,
    input: &ReportInput,
    audit_entry: Option<Entry>,
) -> Result<(i64, i64)> {
    let valid = validate(&state.db, workspace_id, input).await?;
    let txn = crate::backend::db::begin_write(&state.db).await?;
    let row = reports::ActiveModel {
        workspace_id: Set(workspace_id.get()),
        kind: Set(valid.kind.as_str().into()),
        title: Set(valid.title.clone()),
        input: Set(serde_json::to_string(&valid.input).map_err(anyhow::Error::from)?),
        status: Set(ReportStatus::Queued.as_str().into()),
        created_by: Set(created_by),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let make = MakeInput { report_id: row.id };
    let job = Jobs::enqueue_in(&txn, &MakeReport::job(&make)?.in_workspace(workspace_id)).await?;
    reports::Entity::update_many()
        .col_expr(reports::Column::JobId, Expr::value(job.id))
        .filter(reports::Column::Id.eq(row.id))
        .exec(&txn)
        .await?;
    if let Some(entry) = audit_entry {
        audit::record(
            &txn,
            entry.target("report", row.id).detail(format!(
                "{}: {}",
                valid.kind.as_str(),
                valid.title
            )),
        )
        .await?;
    }
    txn.commit().await?;
    state.jobs().announce(&job).await;
    announce(state.events(), workspace_id, row.id).await;
    Ok((row.id, job.id))
}

/// Starts a report for `workspace_id` (scheduled runs and scripts alike).
pub async fn start_for(
    state: &AppState,
    workspace_id: WorkspaceId,
    created_by: Option<i64>,
    input: &ReportInput,
) -> Result<(i64, i64)> {
    enqueue(state, workspace_id, created_by, input, None).await
}

async fn announce(bus: &crate::backend::events::Bus, ws: WorkspaceId, id: i64) {
    bus.publish(Event::new(
        Some(ws.get()),
        Topic::Derived {
            entity: "report".into(),
            id,
        },
    ))
    .await;
}

/// The job that makes a report: its steps, and the report's status kept in step with them.
pub struct MakeReport {
    pub state: AppState,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct MakeInput {
    pub report_id: i64,
}

impl JobKind for MakeReport {
    const NAME: &'static str = "report";
    type Payload = MakeInput;

    async fn run(
        &self,
        ctx: Arc<JobContext>,
        input: MakeInput,
    ) -> std::result::Result<serde_json::Value, JobError> {
        run_job(&self.state, ctx, input).await
    }
}

async fn set_status(
    db: &DatabaseConnection,
    id: i64,
    status: ReportStatus,
    error: Option<String>,
) -> std::result::Result<(), JobError> {
    let mut update = reports::Entity::update_many()
        .col_expr(reports::Column::Status, Expr::value(status.as_str()))
        .col_expr(reports::Column::Error, Expr::value(error));
    if status.is_finished() {
        update = update.col_expr(reports::Column::FinishedAt, Expr::value(Utc::now()));
    }
    update
        .filter(reports::Column::Id.eq(id))
        .exec(db)
        .await
        .map_err(|e| JobError::Failed(e.to_string()))?;
    Ok(())
}

async fn run_job(
    state: &AppState,
    ctx: Arc<JobContext>,
    input: MakeInput,
) -> std::result::Result<serde_json::Value, JobError> {
    let ws = ctx
        .workspace()
        .ok_or_else(|| JobError::Permanent("a report job needs a workspace".into()))?;
    let Some(row) = reports::Entity::find_by_id(input.report_id)
        .filter(reports::Column::WorkspaceId.eq(ws))
        .one(&state.db)
        .await?
    else {
        return Err(JobError::Permanent("the report was deleted".into()));
    };
    set_status(&state.db, row.id, ReportStatus::Running, None).await?;
    announce(ctx.bus(), ws, row.id).await;
    let outcome = make(state, &ctx, ws, &row).await;
    let status = match &outcome {
        Ok(_) => None,
        Err(JobError::Cancelled) => Some((ReportStatus::Cancelled, None)),
        // Handed back to the queue (shutdown): another worker picks it up.
        Err(JobError::Interrupted) => Some((ReportStatus::Queued, None)),
        Err(e) => Some((ReportStatus::Failed, Some(e.to_string()))),
    };
    if let Some((status, error)) = status {
        set_status(&state.db, row.id, status, error).await?;
        announce(ctx.bus(), ws, row.id).await;
    }
    outcome
}

/// The steps. Outputs are stored (and the report marked succeeded) before delivery, so the
/// e-mail job finds the PDF, and a failed delivery never loses the report.
async fn make(
    state: &AppState,
    ctx: &JobContext,
    ws: WorkspaceId,
    row: &reports::Model,
) -> std::result::Result<serde_json::Value, JobError> {
    ctx.step("gather data", 5).await?;
    let input: ReportInput = serde_json::from_str(&row.input)
        .map_err(|e| JobError::Permanent(format!("the stored input is not valid: {e}")))?;
    let valid = validate(&state.db, ws, &input).await?;
    let data_as_of = Utc::now();
    ctx.log(&format!("{} — {}", valid.title, valid.period.label()))
        .await?;

    ctx.step("compute metrics", 15).await?;
    let mut doc = compute(&state.db, ws, &valid, &row.title, data_as_of).await?;

    ctx.step("build charts", 45).await?;
    let charts = draw_charts(&mut doc);
    ctx.log(&format!("{charts} charts")).await?;

    ctx.step("write narrative", 60).await?;
    doc.writer = write_narrative(state.narrator(), &mut doc).await;
    ctx.log(&format!("prose by {}", doc.writer)).await?;

    ctx.step("render", 75).await?;
    let html = doc.to_html();
    let markdown = doc.to_markdown();
    let for_pdf = doc.clone();
    let pdf = tokio::task::spawn_blocking(move || pdf::render(&for_pdf))
        .await
        .map_err(|e| JobError::Failed(format!("the PDF renderer stopped: {e}")))?
        .map_err(|e| JobError::Permanent(e.to_string()))?;
    let summary = doc.summary();
    let pdf_bytes = pdf.len();
    reports::Entity::update_many()
        .col_expr(reports::Column::Html, Expr::value(html))
        .col_expr(reports::Column::Markdown, Expr::value(markdown))
        .col_expr(reports::Column::Pdf, Expr::value(pdf))
        .col_expr(reports::Column::Summary, Expr::value(summary.clone()))
        .col_expr(reports::Column::Writer, Expr::value(doc.writer.clone()))
        .col_expr(reports::Column::DataAsOf, Expr::value(data_as_of))
        .col_expr(
            reports::Column::Status,
            Expr::value(ReportStatus::Succeeded.as_str()),
        )
        .col_expr(reports::Column::Error, Expr::value(Option::<String>::None))
        .col_expr(reports::Column::FinishedAt, Expr::value(Utc::now()))
        .filter(reports::Column::Id.eq(row.id))
        .exec(&state.db)
        .await?;
    announce(ctx.bus(), ws, row.id).await;
    ctx.log(&format!("PDF: {pdf_bytes} bytes")).await?;

    ctx.step("deliver", 95).await?;
    let queued = delivery::report_ready(
        state,
        &ReportReady {
            workspace_id: ws,
            report_id: row.id,
            kind: valid.kind.as_str().into(),
            title: row.title.clone(),
            recipients: valid.deliver_to.clone(),
            summary,
        },
    )
    .await?;
    ctx.log(&format!(
        "delivery queued: {} e-mail, {} webhooks",
        queued.emails, queued.webhooks
    ))
    .await?;
    Ok(json!({ "report_id": row.id }))
}

/// The report's content: its kind's SQL aggregates, as a document without prose or drawn
/// charts yet.
pub async fn compute(
    db: &impl ConnectionTrait,
    ws: WorkspaceId,
    valid: &Valid,
    title: &str,
    data_as_of: chrono::DateTime<Utc>,
) -> Result<Doc> {
    let sections = match valid.kind {
        ReportKind::Market => market::compute(db, ws, valid).await?,
        ReportKind::Competitor => competitor::compute(db, ws, valid).await?,
        ReportKind::Pipeline => pipeline::compute(db, ws, valid).await?,
    };
    Ok(Doc {
        kind: valid.kind,
        title: title.to_owned(),
        inputs: valid.inputs(),
        data_as_of,
        writer: template::NAME.into(),
        sections,
    })
}

/// Draws every chart of `doc` with the UI's components; answers how many.
pub fn draw_charts(doc: &mut Doc) -> usize {
    let mut charts = 0;
    for s in &mut doc.sections {
        for b in &mut s.blocks {
            if let Block::Chart(c) = b {
                c.render();
                charts += 1;
            }
        }
    }
    charts
}

/// Writes every section's prose: with the configured model when there is one, falling back
/// to the template writer for any section it fails on. Answers who wrote it.
pub async fn write_narrative(model: Option<Arc<dyn TextGenerator>>, doc: &mut Doc) -> String {
    let template = template::TemplateWriter;
    let (mut by_model, mut by_template) = (0usize, 0usize);
    let mut failure = None;
    for s in &mut doc.sections {
        let request = SectionRequest {
            report_kind: doc.kind.as_str().into(),
            section: s.key.clone(),
            title: s.title.clone(),
            facts: s.facts.clone(),
            max_words: 120,
        };
        if let Some(model) = &model {
            match model.write(&request).await {
                Ok(w) => {
                    s.text = w.text;
                    by_model += 1;
                    continue;
                }
                Err(e) => failure = Some(e.to_string()),
            }
        }
        s.text = template::write(&request);
        by_template += 1;
    }
    match (&model, by_model, by_template) {
        (Some(m), _, 0) => m.name(),
        (Some(m), n, t) if n > 0 => format!(
            "{} ({t} of {} sections by the template writer: {})",
            m.name(),
            n + t,
            failure.unwrap_or_default()
        ),
        (Some(m), ..) => format!(
            "{} (the model {} failed: {})",
            template.name(),
            m.name(),
            failure.unwrap_or_default()
        ),
        (None, ..) => template.name(),
    }
}
