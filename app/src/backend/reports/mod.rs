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
mod input;
mod job;
mod market;
mod pipeline;

use std::sync::Arc;

use chrono::{Duration, NaiveDate, Utc};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait,
    DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::json;

use crate::backend::audit::{self, Entry};
use crate::backend::auth::{can, Authorized};
use crate::backend::delivery::{self, ReportReady};
use crate::backend::entity::{companies, pipelines, reports};
use crate::backend::events::{Event, Topic};
use crate::backend::jobs::{JobContext, JobError, JobKind, Jobs};
use crate::backend::repo::companies::SIZE_BANDS;
use crate::backend::{AppState, Error, Result, WorkspaceId};
use crate::types::{Email, FieldError, ReportInput, ReportKind, ReportStatus, StartedReport};
pub use common::Period;
use doc::{Block, Doc};
pub use input::{validate, Valid};
pub use job::{MakeInput, MakeReport};
use narrative::{SectionRequest, TextGenerator};

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
