//! Activities over the API. Filters: `kind`, `company`, `deal`, `contact`, `open_tasks`;
//! sorts: `occurred` (default newest first), `created`, `due`.

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::types::{Activity, ActivityInput, ApiError, ListQuery, Page};

#[server(prefix = "/api", endpoint = "list_activities", input = Json)]
pub async fn list_activities(
    workspace: String,
    query: ListQuery,
) -> Result<Page<Activity>, ApiError> {
    let scope = super::scope(&workspace).await?;
    let state = super::state()?;
    Ok(crate::backend::repo::activities::list(
        state.list_db(),
        &scope,
        &query,
        Some(state.list_counts()),
    )
    .await?)
}

crate::endpoint_doc! {
    /// Activities, newest first.
    ///
    /// Filters: `kind`, `company`, `deal`, `contact`, `open_tasks`; sorts: `occurred` (default,
    /// newest first), `created`, `due`.
    ListActivities(workspace: String, query: ListQuery) -> Page<Activity>,
    example = {"workspace": "demo", "query": {"filters": {"kind": "meeting"}, "sort": "-occurred", "per_page": 10}}
}

#[server(prefix = "/api", endpoint = "create_activity", input = Json)]
pub async fn create_activity(
    workspace: String,
    input: ActivityInput,
) -> Result<Activity, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::Write>()?;
    let out = crate::backend::repo::activities::create(&super::state()?.db, &auth, &input).await?;
    super::changed(&scope, "activities", None).await;
    Ok(out)
}

crate::endpoint_doc! {
    /// Logs a call, e-mail, meeting, note or task.
    CreateActivity(workspace: String, input: ActivityInput) -> Activity,
    example = {"workspace": "demo", "input": {"kind": "call", "subject": "Intro call", "body": "Budget approved for Q3.", "company_id": 1}}
}

#[server(prefix = "/api", endpoint = "update_activity", input = Json)]
pub async fn update_activity(
    workspace: String,
    id: i64,
    input: ActivityInput,
) -> Result<Activity, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::Write>()?;
    let out =
        crate::backend::repo::activities::update(&super::state()?.db, &auth, id, &input).await?;
    super::changed(&scope, "activities", None).await;
    Ok(out)
}

crate::endpoint_doc! {
    /// Replaces an activity's fields with `input`.
    UpdateActivity(workspace: String, id: i64, input: ActivityInput) -> Activity,
    example = {"workspace": "demo", "id": 1, "input": {"kind": "note", "subject": "Follow-up notes", "company_id": 1}}
}

#[server(prefix = "/api", endpoint = "delete_activity", input = Json)]
pub async fn delete_activity(workspace: String, id: i64) -> Result<(), ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::Write>()?;
    crate::backend::repo::activities::delete(&super::state()?.db, &auth, id).await?;
    super::changed(&scope, "activities", None).await;
    Ok(())
}

crate::endpoint_doc! {
    /// Deletes an activity.
    DeleteActivity(workspace: String, id: i64) -> (),
    example = {"workspace": "demo", "id": 1}
}
