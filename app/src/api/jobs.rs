//! Background jobs over the API: list (filters `status`, `kind`, `since`, `until`,
//! `active`; sorts `created`, `finished`), one job with its log, cancel, retry, run again.
//! Live progress streams are plain HTTP (Server-Sent Events), not server functions:
//! `GET /api/jobs/{id}/events` and `GET /api/events?workspace=…` (see `server::live`).

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::types::{ApiError, Job, JobDetail, ListQuery, Page};

#[server(prefix = "/api", endpoint = "list_jobs", input = Json)]
pub async fn list_jobs(workspace: String, query: ListQuery) -> Result<Page<Job>, ApiError> {
    let scope = super::scope(&workspace).await?;
    Ok(crate::backend::repo::jobs::list(super::state()?.list_db(), &scope, &query).await?)
}

crate::endpoint_doc! {
    /// Background jobs, newest first.
    ///
    /// Filters: `status`, `kind`, `since`, `until`, `active`; sorts: `created`, `finished`.
    ListJobs(workspace: String, query: ListQuery) -> Page<Job>,
    example = {"workspace": "demo", "query": {"filters": {"active": "true"}, "per_page": 10}}
}

/// A job and its log (events after `after`, an event id; everything by default).
#[server(prefix = "/api", endpoint = "get_job", input = Json)]
pub async fn get_job(
    workspace: String,
    id: i64,
    after: Option<i64>,
) -> Result<JobDetail, ApiError> {
    let scope = super::scope(&workspace).await?;
    Ok(
        crate::backend::repo::jobs::detail(&super::state()?.db, &scope, id, after.unwrap_or(0))
            .await?,
    )
}

crate::endpoint_doc! {
    /// A job and its log.
    GetJob(
        workspace: String,
        id: i64,
        /// Only log events after this event id (default: all).
        after: Option<i64>,
    ) -> JobDetail,
    example = {"workspace": "demo", "id": 1}
}

/// A queued job is cancelled at once; a running one stops at its next step. A finished job
/// cannot be cancelled (409).
#[server(prefix = "/api", endpoint = "cancel_job", input = Json)]
pub async fn cancel_job(workspace: String, id: i64) -> Result<Job, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::RunReports>()?;
    let state = super::state()?;
    Ok(crate::backend::repo::jobs::cancel(&state.jobs(), &state.db, &auth, id).await?)
}

crate::endpoint_doc! {
    /// Cancels a job: a queued one at once, a running one at its next step (`409` once finished).
    CancelJob(workspace: String, id: i64) -> Job,
    example = {"workspace": "demo", "id": 1}
}

/// A failed or cancelled job goes back in the queue with fresh attempts.
#[server(prefix = "/api", endpoint = "retry_job", input = Json)]
pub async fn retry_job(workspace: String, id: i64) -> Result<Job, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::RunReports>()?;
    let state = super::state()?;
    Ok(crate::backend::repo::jobs::retry(&state.jobs(), &state.db, &auth, id).await?)
}

crate::endpoint_doc! {
    /// Puts a failed or cancelled job back in the queue with fresh attempts.
    RetryJob(workspace: String, id: i64) -> Job,
    example = {"workspace": "demo", "id": 1}
}

/// A new job with the same kind and input as a finished one.
#[server(prefix = "/api", endpoint = "run_job_again", input = Json)]
pub async fn run_job_again(workspace: String, id: i64) -> Result<Job, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::RunReports>()?;
    let state = super::state()?;
    Ok(crate::backend::repo::jobs::run_again(&state.jobs(), &state.db, &auth, id).await?)
}

crate::endpoint_doc! {
    /// Starts a new job with the same kind and input as a finished one.
    RunJobAgain(workspace: String, id: i64) -> Job,
    example = {"workspace": "demo", "id": 1}
}
