//! Recurring schedules over the API: "every Monday 08:00, pipeline review, to these
//! addresses". Members and above create and change them; everyone in the workspace sees them.

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::types::{ApiError, Schedule, ScheduleInput};

#[server(prefix = "/api", endpoint = "list_schedules", input = Json)]
pub async fn list_schedules(workspace: String) -> Result<Vec<Schedule>, ApiError> {
    let scope = super::scope(&workspace).await?;
    Ok(crate::backend::repo::schedules::list(&super::state()?.db, &scope).await?)
}

crate::endpoint_doc! {
    /// The workspace's recurring schedules.
    ListSchedules(workspace: String) -> Vec<Schedule>,
    example = {"workspace": "demo"}
}

#[server(prefix = "/api", endpoint = "get_schedule", input = Json)]
pub async fn get_schedule(workspace: String, id: i64) -> Result<Schedule, ApiError> {
    let scope = super::scope(&workspace).await?;
    Ok(crate::backend::repo::schedules::get(&super::state()?.db, &scope, id).await?)
}

crate::endpoint_doc! {
    /// One schedule.
    GetSchedule(workspace: String, id: i64) -> Schedule,
    example = {"workspace": "demo", "id": 1}
}

#[server(prefix = "/api", endpoint = "create_schedule", input = Json)]
pub async fn create_schedule(
    workspace: String,
    input: ScheduleInput,
) -> Result<Schedule, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::RunReports>()?;
    Ok(crate::backend::repo::schedules::create(&super::state()?.db, &auth, &input).await?)
}

crate::endpoint_doc! {
    /// Creates a recurring report: a cron expression in a time zone, the report's kind and input,
    /// and who receives it (members and above).
    ///
    /// Kinds: `market`, `competitor`, `pipeline`.
    CreateSchedule(workspace: String, input: ScheduleInput) -> Schedule,
    example = {"workspace": "demo", "input": {"name": "Monday pipeline review", "kind": "pipeline", "input": {"kind": "pipeline"}, "cron": "0 8 * * MON", "timezone": "Europe/Berlin", "recipients": ["sales@example.com"]}}
}

#[server(prefix = "/api", endpoint = "update_schedule", input = Json)]
pub async fn update_schedule(
    workspace: String,
    id: i64,
    input: ScheduleInput,
) -> Result<Schedule, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::RunReports>()?;
    Ok(crate::backend::repo::schedules::update(&super::state()?.db, &auth, id, &input).await?)
}

crate::endpoint_doc! {
    /// Replaces a schedule's settings with `input`.
    UpdateSchedule(workspace: String, id: i64, input: ScheduleInput) -> Schedule,
    example = {"workspace": "demo", "id": 1, "input": {"name": "Monday pipeline review", "kind": "pipeline", "input": {"kind": "pipeline"}, "cron": "0 7 * * MON", "timezone": "Europe/Berlin", "recipients": ["sales@example.com"], "enabled": false}}
}

#[server(prefix = "/api", endpoint = "delete_schedule", input = Json)]
pub async fn delete_schedule(workspace: String, id: i64) -> Result<(), ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::RunReports>()?;
    Ok(crate::backend::repo::schedules::delete(&super::state()?.db, &auth, id).await?)
}

crate::endpoint_doc! {
    /// Deletes a schedule.
    DeleteSchedule(workspace: String, id: i64) -> (),
    example = {"workspace": "demo", "id": 1}
}
