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
    let state = super::state()?;
    Ok(crate::backend::repo::deals::list(
        state.list_db(),
        &scope,
        &query,
        Some(state.list_counts()),
    )
    .await?)
}

crate::endpoint_doc! {
    /// Deals matching a list query.
    ///
    /// Filters: `pipeline`, `stage`, `owner` (id or `none`), `company`, `status`
    /// (open/won/lost), `min_amount`, `max_amount`, `close_after`, `close_before` (YYYY-MM-DD);
    /// sorts: `name`, `amount`, `close`, `probability`, `created`, `updated`, `stage`.
    ListDeals(workspace: String, query: ListQuery) -> Page<Deal>,
    example = {"workspace": "demo", "query": {"filters": {"status": "open"}, "sort": "-amount", "per_page": 10}}
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

crate::endpoint_doc! {
    /// One pipeline as a board: each stage with its count and totals over every matching deal,
    /// and its most recently changed deals.
    DealBoard(
        workspace: String,
        pipeline_id: i64,
        query: ListQuery,
        /// Deals shown per stage (default 25, at most 100).
        per_stage: Option<u64>,
    ) -> Vec<BoardColumn>,
    example = {"workspace": "demo", "pipeline_id": 1, "query": {"filters": {"owner": "none"}}, "per_stage": 5}
}

#[server(prefix = "/api", endpoint = "get_deal", input = Json)]
pub async fn get_deal(workspace: String, id: i64) -> Result<Deal, ApiError> {
    let scope = super::scope(&workspace).await?;
    Ok(crate::backend::repo::deals::get(&super::state()?.db, &scope, id).await?)
}

crate::endpoint_doc! {
    /// One deal.
    GetDeal(workspace: String, id: i64) -> Deal,
    example = {"workspace": "demo", "id": 1}
}

#[server(prefix = "/api", endpoint = "create_deal", input = Json)]
pub async fn create_deal(workspace: String, input: DealInput) -> Result<Deal, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::Write>()?;
    let out = crate::backend::repo::deals::create(&super::state()?.db, &auth, &input).await?;
    let event = serde_json::json!({ "deal": &out });
    super::changed(&scope, "deals", Some(("deal.created", event))).await;
    Ok(out)
}

crate::endpoint_doc! {
    /// Creates a deal in a stage of a pipeline.
    ///
    /// `amount` is decimal text in `currency` units (default USD); `probability` defaults to the
    /// stage's.
    CreateDeal(workspace: String, input: DealInput) -> Deal,
    example = {"workspace": "demo", "input": {"name": "Northwind renewal", "pipeline_id": 1, "stage_id": 1, "company_id": 1, "amount": "48,000", "currency": "USD", "expected_close": "2026-12-31"}}
}

#[server(prefix = "/api", endpoint = "update_deal", input = Json)]
pub async fn update_deal(workspace: String, id: i64, input: DealInput) -> Result<Deal, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::Write>()?;
    let db = &super::state()?.db;
    let before = crate::backend::repo::deals::get(db, &scope, id).await?;
    let out = crate::backend::repo::deals::update(db, &auth, id, &input).await?;
    super::changed(&scope, "deals", stage_changed(&before, &out)).await;
    super::send_back(&scope, id).await;
    Ok(out)
}

crate::endpoint_doc! {
    /// Replaces a deal's fields with `input`.
    UpdateDeal(workspace: String, id: i64, input: DealInput) -> Deal,
    example = {"workspace": "demo", "id": 1, "input": {"name": "Northwind renewal (3 years)", "pipeline_id": 1, "stage_id": 2, "company_id": 1, "amount": "140,000.00", "probability": 60}}
}

/// Moves a deal to another stage of its pipeline.
#[server(prefix = "/api", endpoint = "move_deal", input = Json)]
pub async fn move_deal(workspace: String, id: i64, stage_id: i64) -> Result<Deal, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::Write>()?;
    let db = &super::state()?.db;
    let before = crate::backend::repo::deals::get(db, &scope, id).await?;
    let out = crate::backend::repo::deals::move_to_stage(db, &auth, id, stage_id).await?;
    super::changed(&scope, "deals", stage_changed(&before, &out)).await;
    super::send_back(&scope, id).await;
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

crate::endpoint_doc! {
    /// Moves a deal to another stage of its pipeline.
    MoveDeal(workspace: String, id: i64, stage_id: i64) -> Deal,
    example = {"workspace": "demo", "id": 1, "stage_id": 2}
}

#[server(prefix = "/api", endpoint = "delete_deal", input = Json)]
pub async fn delete_deal(workspace: String, id: i64) -> Result<(), ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::Write>()?;
    crate::backend::repo::deals::delete(&super::state()?.db, &auth, id).await?;
    super::changed(&scope, "deals", None).await;
    Ok(())
}

crate::endpoint_doc! {
    /// Deletes a deal.
    DeleteDeal(workspace: String, id: i64) -> (),
    example = {"workspace": "demo", "id": 1}
}

#[server(prefix = "/api", endpoint = "list_pipelines", input = Json)]
pub async fn list_pipelines(workspace: String) -> Result<Vec<Pipeline>, ApiError> {
    let scope = super::scope(&workspace).await?;
    Ok(crate::backend::repo::pipelines::list(&super::state()?.db, &scope).await?)
}

crate::endpoint_doc! {
    /// The workspace's pipelines with their stages, in order.
    ListPipelines(workspace: String) -> Vec<Pipeline>,
    example = {"workspace": "demo"}
}

/// Creates a pipeline with its stages (admins).
#[server(prefix = "/api", endpoint = "create_pipeline", input = Json)]
pub async fn create_pipeline(
    workspace: String,
    name: String,
    stages: Vec<StageInput>,
) -> Result<Pipeline, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::ManageWorkspace>()?;
    let out =
        crate::backend::repo::pipelines::create(&super::state()?.db, &auth, &name, &stages).await?;
    // Announced like a deal change: boards, pickers and the dashboard list pipelines.
    super::changed(&scope, "deals", None).await;
    Ok(out)
}

crate::endpoint_doc! {
    /// Creates a pipeline with its stages, in order (admins).
    CreatePipeline(workspace: String, name: String, stages: Vec<StageInput>) -> Pipeline,
    example = {"workspace": "demo", "name": "Partnerships", "stages": [{"name": "Talking", "default_probability": 20, "kind": "open"}, {"name": "Signed", "default_probability": 100, "kind": "won"}, {"name": "Dropped", "default_probability": 0, "kind": "lost"}]}
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
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::ManageWorkspace>()?;
    let out =
        crate::backend::repo::pipelines::update(&super::state()?.db, &auth, id, &name, &stages)
            .await?;
    // A stage's kind decides which deals count as open, won or lost (dashboard, list
    // filters and their remembered totals), so this is a change of the deals' data.
    super::changed(&scope, "deals", None).await;
    Ok(out)
}

crate::endpoint_doc! {
    /// Renames a pipeline and replaces its stages, in order (admins).
    ///
    /// Stages with an `id` keep it; omitted stages are removed unless they hold deals.
    UpdatePipeline(workspace: String, id: i64, name: String, stages: Vec<StageInput>) -> Pipeline,
    example = {"workspace": "demo", "id": 3, "name": "Partners", "stages": [{"name": "Talking", "default_probability": 25, "kind": "open"}, {"name": "Signed", "default_probability": 100, "kind": "won"}, {"name": "Dropped", "default_probability": 0, "kind": "lost"}]}
}

#[server(prefix = "/api", endpoint = "delete_pipeline", input = Json)]
pub async fn delete_pipeline(workspace: String, id: i64) -> Result<(), ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::ManageWorkspace>()?;
    crate::backend::repo::pipelines::delete(&super::state()?.db, &auth, id).await?;
    super::changed(&scope, "deals", None).await;
    Ok(())
}

crate::endpoint_doc! {
    /// Deletes a pipeline without deals (admins).
    DeletePipeline(workspace: String, id: i64) -> (),
    example = {"workspace": "demo", "id": 3}
}
