//! Reports over the API: start one (answers at once with the report and job ids; follow the
//! job's progress at `/api/jobs/{job_id}/events`), list, get, delete. The files are plain
//! HTTP downloads: `GET /api/reports/{id}/download?workspace=…&format=html|md|pdf`.

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::types::{ApiError, ListQuery, Page, Report, ReportInput, StartedReport};

#[server(prefix = "/api", endpoint = "start_report", input = Json)]
pub async fn start_report(
    workspace: String,
    input: ReportInput,
) -> Result<StartedReport, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::RunReports>()?;
    let state = super::state()?;
    Ok(crate::backend::reports::start(&state, &auth, &input).await?)
}

crate::endpoint_doc! {
    /// Starts a report in the background (members and above) and answers at once with its id and
    /// its job's id.
    ///
    /// Kinds: `market` (segment: `industry`, `country`, `size_band`), `competitor` (`company_id`
    /// required), `pipeline` (`pipeline_id`, default the default pipeline). `from`/`to` set the
    /// period; `deliver_to` e-mails the PDF when done. An unknown kind is a field error.
    StartReport(workspace: String, input: ReportInput) -> StartedReport,
    example = {"workspace": "demo", "input": {"kind": "pipeline", "deliver_to": ["sales@example.com"]}}
}

#[server(prefix = "/api", endpoint = "list_reports", input = Json)]
pub async fn list_reports(workspace: String, query: ListQuery) -> Result<Page<Report>, ApiError> {
    let scope = super::scope(&workspace).await?;
    Ok(crate::backend::repo::reports::list(super::state()?.list_db(), &scope, &query).await?)
}

crate::endpoint_doc! {
    /// Reports, newest first.
    ///
    /// Filters: `kind` (market, competitor, pipeline), `status` (queued, running, succeeded, failed,
    /// cancelled; several comma-separated); sorts: `created`, `finished`.
    ListReports(workspace: String, query: ListQuery) -> Page<Report>,
    example = {"workspace": "demo", "query": {"filters": {"kind": "market"}, "per_page": 10}}
}

#[server(prefix = "/api", endpoint = "get_report", input = Json)]
pub async fn get_report(workspace: String, id: i64) -> Result<Report, ApiError> {
    let scope = super::scope(&workspace).await?;
    Ok(crate::backend::repo::reports::get(&super::state()?.db, &scope, id).await?)
}

crate::endpoint_doc! {
    /// One report: its input, status, summary and the formats it can be downloaded in.
    GetReport(workspace: String, id: i64) -> Report,
    example = {"workspace": "demo", "id": 1}
}

#[server(prefix = "/api", endpoint = "delete_report", input = Json)]
pub async fn delete_report(workspace: String, id: i64) -> Result<(), ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::RunReports>()?;
    crate::backend::repo::reports::delete(&super::state()?.db, &auth, id).await?;
    super::changed(&scope, "report", None).await;
    Ok(())
}

crate::endpoint_doc! {
    /// Deletes a report and its files.
    DeleteReport(workspace: String, id: i64) -> (),
    example = {"workspace": "demo", "id": 1}
}
