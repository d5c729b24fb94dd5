//! Deals and pipelines over the API. Deal lists: filters `pipeline`, `stage`, `owner` (id or
//! `none`), `company`, `status` (open/won/lost), `min_amount`, `max_amount`, `close_after`,
//! `close_before` (YYYY-MM-DD); sorts `name`, `amount`, `close`, `probability`, `created`,
//! `updated`, `stage`.

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::types::{ApiError, BoardColumn, Deal, DealInput, ListQuery, Page, Pipeline, StageInput};

#[server(prefix = "/api", endpoint = "list_deals", input = Json)]
pub async fn list_deals(workspace: String, query: ListQuery) -> Result<Page<Deal>, ApiError> {
    let scope = super::scope(&workspace).await?;
    Ok(crate::backend::repo::deals::list(&super::state()?.db, &scope, &query).await?)
}

/// One pipeline as a board: each stage with its count and totals (over every matching deal)
/// and its `per_stage` (default 25, at most 100) most recently changed deals.
#[server(prefix = "/api", endpoint = "deal_board", input = Json)]
pub async fn deal_board(
    workspace: String,
    pipeline_id: i64,
    query: ListQuery,
    per_stage: Option<u64>,
) -> Result<Vec<BoardColumn>, ApiError> {
    let scope = super::scope(&workspace).await?;
    let n = per_stage.unwrap_or(25).clamp(1, 100);
    Ok(
        crate::backend::repo::deals::board(&super::state()?.db, &scope, pipeline_id, &query, n)
            .await?,
    )
}

#[server(prefix = "/api", endpoint = "get_deal", input = Json)]
pub async fn get_deal(workspace: String, id: i64) -> Result<Deal, ApiError> {
    let scope = super::scope(&workspace).await?;
    Ok(crate::backend::repo::deals::get(&super::state()?.db, &scope, id).await?)
}

#[server(prefix = "/api", endpoint = "create_deal", input = Json)]
pub async fn create_deal(workspace: String, input: DealInput) -> Result<Deal, ApiError> {
    use crate::backend::auth::Action;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize(Action::Write)?;
    let out = crate::backend::repo::deals::create(&super::state()?.db, &auth, &input).await?;
    let event = serde_json::json!({ "deal": &out });
    super::changed(&scope, "deals", Some(("deal.created", event))).await;
    Ok(out)
}

#[server(prefix = "/api", endpoint = "update_deal", input = Json)]
pub async fn update_deal(workspace: String, id: i64, input: DealInput) -> Result<Deal, ApiError> {
    use crate::backend::auth::Action;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize(Action::Write)?;
    let db = &super::state()?.db;
    let before = crate::backend::repo::deals::get(db, &scope, id).await?;
    let out = crate::backend::repo::deals::update(db, &auth, id, &input).await?;
    super::changed(&scope, "deals", stage_changed(&before, &out)).await;
    Ok(out)
}

/// Moves a deal to another stage of its pipeline.
#[server(prefix = "/api", endpoint = "move_deal", input = Json)]
pub async fn move_deal(workspace: String, id: i64, stage_id: i64) -> Result<Deal, ApiError> {
    use crate::backend::auth::Action;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize(Action::Write)?;
    let db = &super::state()?.db;
    let before = crate::backend::repo::deals::get(db, &scope, id).await?;
    let out = crate::backend::repo::deals::move_to_stage(db, &auth, id, stage_id).await?;
    super::changed(&scope, "deals", stage_changed(&before, &out)).await;
    Ok(out)
}

/// The `deal.stage_changed` webhook event, when the stage did change.
#[cfg(feature = "ssr")]
fn stage_changed(before: &Deal, after: &Deal) -> Option<(&'static str, serde_json::Value)> {
    (before.stage_id != after.stage_id).then(|| {
        (
            "deal.stage_changed",
            serde_json::json!({
                "deal": after,
                "from_stage": { "id": before.stage_id, "name": before.stage_name, "kind": before.stage_kind },
                "to_stage": { "id": after.stage_id, "name": after.stage_name, "kind": after.stage_kind },
            }),
        )
    })
}

#[server(prefix = "/api", endpoint = "delete_deal", input = Json)]
pub async fn delete_deal(workspace: String, id: i64) -> Result<(), ApiError> {
    use crate::backend::auth::Action;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize(Action::Write)?;
    crate::backend::repo::deals::delete(&super::state()?.db, &auth, id).await?;
    super::changed(&scope, "deals", None).await;
    Ok(())
}

#[server(prefix = "/api", endpoint = "list_pipelines", input = Json)]
pub async fn list_pipelines(workspace: String) -> Result<Vec<Pipeline>, ApiError> {
    let scope = super::scope(&workspace).await?;
    Ok(crate::backend::repo::pipelines::list(&super::state()?.db, &scope).await?)
}

/// Creates a pipeline with its stages (admins).
#[server(prefix = "/api", endpoint = "create_pipeline", input = Json)]
pub async fn create_pipeline(
    workspace: String,
    name: String,
    stages: Vec<StageInput>,
) -> Result<Pipeline, ApiError> {
    use crate::backend::auth::Action;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize(Action::ManageWorkspace)?;
    Ok(crate::backend::repo::pipelines::create(&super::state()?.db, &auth, &name, &stages).await?)
}

/// Renames a pipeline and replaces its stages, in order (admins). Stages keep their id;
/// omitted stages are removed unless they hold deals.
#[server(prefix = "/api", endpoint = "update_pipeline", input = Json)]
pub async fn update_pipeline(
    workspace: String,
    id: i64,
    name: String,
    stages: Vec<StageInput>,
) -> Result<Pipeline, ApiError> {
    use crate::backend::auth::Action;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize(Action::ManageWorkspace)?;
    Ok(
        crate::backend::repo::pipelines::update(&super::state()?.db, &auth, id, &name, &stages)
            .await?,
    )
}

#[server(prefix = "/api", endpoint = "delete_pipeline", input = Json)]
pub async fn delete_pipeline(workspace: String, id: i64) -> Result<(), ApiError> {
    use crate::backend::auth::Action;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize(Action::ManageWorkspace)?;
    Ok(crate::backend::repo::pipelines::delete(&super::state()?.db, &auth, id).await?)
}
