//! A workspace's reports as its members see them: the list (filters `kind`, `status`), one
//! report, a finished report's files, and deleting one. Starting and making one is
//! `backend::reports`.

use crate::backend::WorkspaceId;
use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::list::{self, check_filters, unknown_sort};
use crate::backend::audit::{self, Entry};
use crate::backend::auth::{can, Authorized, Scope};
use crate::backend::entity::{jobs, reports};
use crate::backend::jobs::JobStatus;
use crate::backend::{Error, Result};
use crate::types::{ListQuery, Page, Report, ReportFormat, ReportKind, ReportStatus};

pub const FILTERS: &[&str] = &["kind", "status"];
pub const SORTS: &[&str] = &["created", "finished"];

/// The columns a list needs: never the stored outputs (megabytes per PDF).
#[derive(sea_orm::FromQueryResult)]
struct Row {
    id: i64,
    kind: String,
    title: String,
    input: String,
    status: String,
    job_id: Option<i64>,
    created_by: Option<i64>,
    created_at: chrono::DateTime<chrono::Utc>,
    finished_at: Option<chrono::DateTime<chrono::Utc>>,
    data_as_of: Option<chrono::DateTime<chrono::Utc>>,
    writer: Option<String>,
    summary: Option<String>,
    error: Option<String>,
}

fn select() -> sea_orm::Select<reports::Entity> {
    use reports::Column as C;
    reports::Entity::find().select_only().columns([
        C::Id,
        C::Kind,
        C::Title,
        C::Input,
        C::Status,
        C::JobId,
        C::CreatedBy,
        C::CreatedAt,
        C::FinishedAt,
        C::DataAsOf,
        C::Writer,
        C::Summary,
        C::Error,
    ])
}

/// A report whose job ended without the handler running (cancelled while queued, failed for
/// good on a worker that died) shows its job's end, not "queued" forever.
fn to_report(r: Row, job: Option<&jobs::Model>) -> Report {
    let mut status = ReportStatus::parse(&r.status).unwrap_or(ReportStatus::Failed);
    let mut error = r.error;
    if !status.is_finished() {
        if let Some(job) = job {
            match JobStatus::parse(&job.status) {
                Some(JobStatus::Cancelled) => status = ReportStatus::Cancelled,
                Some(JobStatus::Failed) => {
                    status = ReportStatus::Failed;
                    error = error.or_else(|| job.last_error.clone());
                }
                _ => {}
            }
        }
    }
    Report {
        id: r.id,
        kind: ReportKind::parse(&r.kind).unwrap_or(ReportKind::Market),
        title: r.title,
        input: serde_json::from_str(&r.input).unwrap_or_default(),
        formats: if status == ReportStatus::Succeeded {
            ReportFormat::ALL.to_vec()
        } else {
            Vec::new()
        },
        status,
        job_id: r.job_id,
        created_by: r.created_by,
        created_at: r.created_at,
        finished_at: r.finished_at,
        data_as_of: r.data_as_of,
        writer: r.writer,
        summary: r.summary,
        error,
        company_name: None,
        pipeline_name: None,
    }
}

async fn jobs_of(
    db: &impl ConnectionTrait,
    ws: WorkspaceId,
    rows: &[Row],
) -> Result<HashMap<i64, jobs::Model>> {
    let ids: Vec<i64> = rows
        .iter()
        .filter(|r| !ReportStatus::parse(&r.status).is_some_and(ReportStatus::is_finished))
        .filter_map(|r| r.job_id)
        .collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(jobs::Entity::find()
        .filter(jobs::Column::WorkspaceId.eq(ws))
        .filter(jobs::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|j| (j.id, j))
        .collect())
}

/// Filters: `kind` (market, competitor, pipeline), `status` (one or several
/// comma-separated). Sorts: `created` (default newest first), `finished`.
pub async fn list(db: &impl ConnectionTrait, scope: &Scope, q: &ListQuery) -> Result<Page<Report>> {
    check_filters(q, FILTERS)?;
    let req = list::page_request(q);
    let ws = scope.workspace();
    let mut sel = select().filter(reports::Column::WorkspaceId.eq(ws));
    if let Some(k) = q.filter("kind") {
        let kind = ReportKind::parse(k).ok_or_else(|| {
            Error::field("filters", "`kind` must be market, competitor or pipeline")
        })?;
        sel = sel.filter(reports::Column::Kind.eq(kind.as_str()));
    }
    if let Some(s) = q.filter("status") {
        let mut statuses = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let st = ReportStatus::parse(part).ok_or_else(|| {
                Error::field(
                    "filters",
                    "`status` must be queued, running, succeeded, failed or cancelled",
                )
            })?;
            statuses.push(st.as_str());
        }
        sel = sel.filter(reports::Column::Status.is_in(statuses));
    }
    let (field, desc) = q.sort_key("-created");
    let col = match field {
        "created" => reports::Column::CreatedAt,
        "finished" => reports::Column::FinishedAt,
        other => return Err(unknown_sort(other, SORTS)),
    };
    let page = list::order(sel.clone(), col, reports::Column::Id, desc);
    let (rows, total, total_exact) =
        list::page_and_count::<_, Row>(db, None, &sel, page, &req).await?;
    let jobs = jobs_of(db, ws, &rows).await?;
    Ok(Page {
        items: rows
            .into_iter()
            .map(|r| {
                let job = r.job_id.and_then(|id| jobs.get(&id));
                to_report(r, job)
            })
            .collect(),
        total,
        total_exact,
        page: req.page,
        per_page: req.per_page,
    })
}

pub async fn get(db: &impl ConnectionTrait, scope: &Scope, id: i64) -> Result<Report> {
    let ws = scope.workspace();
    let row = select()
        .filter(reports::Column::WorkspaceId.eq(ws))
        .filter(reports::Column::Id.eq(id))
        .into_model::<Row>()
        .one(db)
        .await?
        .ok_or(Error::NotFound("report"))?;
    let rows = [row];
    let jobs = jobs_of(db, ws, &rows).await?;
    let [row] = rows;
    let job = row.job_id.and_then(|id| jobs.get(&id));
    let mut report = to_report(row, job);
    // A page showing "Company #4172" tells its reader nothing; a deleted company or pipeline
    // leaves the id alone.
    if let Some(id) = report.input.company_id {
        report.company_name = super::companies::names(db, ws, [id])
            .await?
            .remove(&id)
            .map(|(name, _)| name);
    }
    if let Some(id) = report.input.pipeline_id {
        report.pipeline_name = match super::pipelines::find(db, ws, id).await {
            Ok(p) => Some(p.name),
            Err(Error::NotFound(_)) => None,
            Err(e) => return Err(e),
        };
    }
    Ok(report)
}

/// Deletes a report and its files. A report still being made is cancelled first by its job
/// finding the row gone (the job then fails for good with "the report was deleted").
pub async fn delete(
    db: &impl ConnectionTrait,
    auth: &Authorized<'_, can::RunReports>,
    id: i64,
) -> Result<()> {
    let existing = get(db, auth, id).await?;
    reports::Entity::delete_many()
        .filter(reports::Column::WorkspaceId.eq(auth.workspace_id()))
        .filter(reports::Column::Id.eq(id))
        .exec(db)
        .await?;
    audit::record(
        db,
        Entry::in_scope(auth, "report.delete")
            .target("report", id)
            .detail(existing.title),
    )
    .await?;
    Ok(())
}

/// A finished report in `format`: (bytes, content type, file name).
pub async fn output(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    report_id: i64,
    format: ReportFormat,
) -> Result<(Vec<u8>, &'static str, String)> {
    let row = reports::Entity::find_by_id(report_id)
        .filter(reports::Column::WorkspaceId.eq(workspace_id))
        .one(db)
        .await?
        .ok_or(Error::NotFound("report"))?;
    let (bytes, content_type, ext) = match format {
        ReportFormat::Html => (
            row.html.map(String::into_bytes),
            "text/html; charset=utf-8",
            "html",
        ),
        ReportFormat::Markdown => (
            row.markdown.map(String::into_bytes),
            "text/markdown; charset=utf-8",
            "md",
        ),
        ReportFormat::Pdf => (row.pdf, "application/pdf", "pdf"),
    };
    let bytes = bytes.ok_or_else(|| {
        Error::Conflict(format!(
            "the report is {}; its files exist once it has succeeded",
            row.status
        ))
    })?;
    Ok((
        bytes,
        content_type,
        format!("{}.{ext}", file_stem(&row.title, row.id)),
    ))
}

fn file_stem(title: &str, id: i64) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 60 {
            break;
        }
    }
    let stem = out.trim_end_matches('-');
    if stem.is_empty() {
        format!("report-{id}")
    } else {
        format!("{stem}-{id}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_plain() {
        assert_eq!(
            file_stem("Market report: Software · DE", 7),
            "market-report-software-de-7"
        );
        assert_eq!(file_stem("Ω", 3), "report-3");
    }
}
