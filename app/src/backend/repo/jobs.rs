//! A workspace's background jobs as its members see them: lists with filters, one job with
//! its log, and the actions on it (cancel, retry, run again). The queue itself
//! (`backend::jobs::queue`) is unscoped plumbing; every read and write here is filtered by
//! the caller's workspace, so a job of another workspace is simply "not found".

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::list::{self, check_filters, unknown_sort};
use crate::backend::audit::{self, Entry};
use crate::backend::auth::{can, Authorized, Scope};
use crate::backend::entity::{job_events, jobs};
use crate::backend::jobs::{queue, JobStatus, Jobs, NewJob};
use crate::backend::{Error, Result};
use crate::types::{Job, JobDetail, JobEvent, ListQuery, Page};

pub const FILTERS: &[&str] = &["status", "kind", "since", "until", "active"];
pub const SORTS: &[&str] = &["created", "finished"];

pub fn to_job(m: jobs::Model) -> Job {
    Job {
        id: m.id,
        kind: m.kind,
        status: m.status,
        progress: m.progress,
        step: m.step,
        attempts: m.attempts,
        max_attempts: m.max_attempts,
        last_error: m.last_error,
        cancel_requested: m.cancel_requested,
        payload: serde_json::from_str(&m.payload).unwrap_or(serde_json::Value::Null),
        result: m
            .result
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok()),
        run_at: m.run_at,
        created_at: m.created_at,
        started_at: m.started_at,
        finished_at: m.finished_at,
    }
}

pub fn to_event(e: job_events::Model) -> JobEvent {
    JobEvent {
        id: e.id,
        kind: e.kind,
        message: e.message,
        progress: e.progress,
        at: e.created_at,
    }
}

fn parse_time(q: &ListQuery, key: &str) -> Result<Option<DateTime<Utc>>> {
    let Some(v) = q.filter(key) else {
        return Ok(None);
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    list::parse_date(q, key).map(|d| d.and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc()))
}

/// Filters: `status` (one of the statuses, or several comma-separated), `kind`, `since` /
/// `until` (created, a date or an RFC 3339 time), `active=true` (queued or running).
/// Sorts: `created` (default newest first), `finished`.
pub async fn list(db: &impl ConnectionTrait, scope: &Scope, q: &ListQuery) -> Result<Page<Job>> {
    check_filters(q, FILTERS)?;
    let req = list::page_request(q);
    let mut select =
        jobs::Entity::find().filter(jobs::Column::WorkspaceId.eq(scope.workspace_id()));
    if let Some(s) = q.filter("status") {
        let mut statuses = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let status = JobStatus::parse(part).ok_or_else(|| {
                Error::field(
                    "filters",
                    "`status` must be queued, running, succeeded, failed or cancelled",
                )
            })?;
            statuses.push(status.as_str());
        }
        select = select.filter(jobs::Column::Status.is_in(statuses));
    }
    if let Some(active) = q.filter("active") {
        if active == "true" {
            select = select.filter(jobs::Column::Status.is_in(["queued", "running"]));
        }
    }
    if let Some(kind) = q.filter("kind") {
        select = select.filter(jobs::Column::Kind.eq(kind));
    }
    if let Some(since) = parse_time(q, "since")? {
        select = select.filter(jobs::Column::CreatedAt.gte(since));
    }
    if let Some(until) = parse_time(q, "until")? {
        select = select.filter(jobs::Column::CreatedAt.lt(until));
    }
    let (field, desc) = q.sort_key("-created");
    let col = match field {
        "created" => jobs::Column::CreatedAt,
        "finished" => jobs::Column::FinishedAt,
        other => return Err(unknown_sort(other, SORTS)),
    };
    let page = list::order(select.clone(), col, jobs::Column::Id, desc);
    let (rows, total, total_exact) =
        list::page_and_count::<_, jobs::Model>(db, None, &select, page, &req).await?;
    Ok(Page {
        items: rows.into_iter().map(to_job).collect(),
        total,
        total_exact,
        page: req.page,
        per_page: req.per_page,
    })
}

/// The job row, if it belongs to the scope's workspace.
pub async fn find(db: &impl ConnectionTrait, scope: &Scope, id: i64) -> Result<jobs::Model> {
    jobs::Entity::find_by_id(id)
        .filter(jobs::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(db)
        .await?
        .ok_or(Error::NotFound("job"))
}

pub async fn get(db: &impl ConnectionTrait, scope: &Scope, id: i64) -> Result<Job> {
    Ok(to_job(find(db, scope, id).await?))
}

/// The job and what it reported after event `after` (0: everything).
pub async fn detail(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i64,
    after: i64,
) -> Result<JobDetail> {
    let job = find(db, scope, id).await?;
    let events = queue::events(db, job.id, after).await?;
    Ok(JobDetail {
        job: to_job(job),
        events: events.into_iter().map(to_event).collect(),
    })
}

/// Cancels a queued job at once, or asks a running one to stop at its next step.
pub async fn cancel(
    jobs_svc: &Jobs,
    db: &impl ConnectionTrait,
    auth: &Authorized<'_, can::RunReports>,
    id: i64,
) -> Result<Job> {
    let job = find(db, auth, id).await?;
    queue::cancel(db, job.id).await?;
    changed(jobs_svc, db, auth, &job, "job.cancel").await
}

/// After an action on `job`: audits it, and answers (and announces) the job as it is now.
async fn changed(
    jobs_svc: &Jobs,
    db: &impl ConnectionTrait,
    auth: &Authorized<'_, can::RunReports>,
    job: &jobs::Model,
    action: &'static str,
) -> Result<Job> {
    audit::record(
        db,
        Entry::in_scope(auth, action)
            .target("job", job.id)
            .detail(job.kind.clone()),
    )
    .await?;
    let now = queue::get(db, job.id).await?;
    jobs_svc.announce(&now).await;
    Ok(to_job(now))
}

/// Puts a failed or cancelled job back in the queue, with fresh attempts.
pub async fn retry(
    jobs_svc: &Jobs,
    db: &impl ConnectionTrait,
    auth: &Authorized<'_, can::RunReports>,
    id: i64,
) -> Result<Job> {
    let job = find(db, auth, id).await?;
    if !queue::requeue(db, job.id).await? {
        return Err(Error::Conflict(format!(
            "only failed or cancelled jobs can be retried; this one is {}",
            job.status
        )));
    }
    changed(jobs_svc, db, auth, &job, "job.retry").await
}

/// Starts a new job of the same kind with the same input as a finished one.
pub async fn run_again(
    jobs_svc: &Jobs,
    db: &impl ConnectionTrait,
    auth: &Authorized<'_, can::RunReports>,
    id: i64,
) -> Result<Job> {
    let job = find(db, auth, id).await?;
    if !JobStatus::parse(&job.status).is_some_and(JobStatus::is_finished) {
        return Err(Error::Conflict(
            "the job is still queued or running; cancel it or wait for it to finish".into(),
        ));
    }
    let payload: serde_json::Value =
        serde_json::from_str(&job.payload).unwrap_or(serde_json::Value::Null);
    let new = NewJob {
        max_attempts: job.max_attempts,
        priority: job.priority,
        ..NewJob::new(job.kind.clone(), payload).in_workspace(auth.workspace())
    };
    let created = jobs_svc.enqueue(&new).await?;
    audit::record(
        db,
        Entry::in_scope(auth, "job.run_again")
            .target("job", created.id)
            .detail(format!("{} (again from job #{})", job.kind, job.id)),
    )
    .await?;
    Ok(to_job(created))
}
