//! Market metrics over the API. Filters: `company`, `segment`, `metric`, `since`
//! (YYYY-MM-DD); sorts: `observed` (default newest first), `value`.

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::types::{ApiError, ListQuery, MetricInput, MetricPoint, Page};

#[server(prefix = "/api", endpoint = "list_metrics", input = Json)]
pub async fn list_metrics(
    workspace: String,
    query: ListQuery,
) -> Result<Page<MetricPoint>, ApiError> {
    let scope = super::scope(&workspace).await?;
    let state = super::state()?;
    Ok(crate::backend::repo::metrics::list(
        state.list_db(),
        &scope,
        &query,
        Some(state.list_counts()),
    )
    .await?)
}

crate::endpoint_doc! {
    /// Market metric points, newest first.
    ///
    /// Filters: `company`, `segment`, `metric`, `since` (YYYY-MM-DD); sorts: `observed`
    /// (default, newest first), `value`.
    ListMetrics(workspace: String, query: ListQuery) -> Page<MetricPoint>,
    example = {"workspace": "demo", "query": {"filters": {"metric": "headcount"}, "per_page": 24}}
}

#[server(prefix = "/api", endpoint = "create_metric", input = Json)]
pub async fn create_metric(workspace: String, input: MetricInput) -> Result<MetricPoint, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::Write>()?;
    let out = crate::backend::repo::metrics::create(&super::state()?.db, &auth, &input).await?;
    super::changed(&scope, "metrics", None).await;
    Ok(out)
}

crate::endpoint_doc! {
    /// Records one metric value for a company or a segment.
    CreateMetric(workspace: String, input: MetricInput) -> MetricPoint,
    example = {"workspace": "demo", "input": {"company_id": 1, "metric": "headcount", "value": 130, "unit": "people", "observed_at": "2026-06-01T00:00:00Z"}}
}

#[server(prefix = "/api", endpoint = "delete_metric", input = Json)]
pub async fn delete_metric(workspace: String, id: i64) -> Result<(), ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::Write>()?;
    crate::backend::repo::metrics::delete(&super::state()?.db, &auth, id).await?;
    super::changed(&scope, "metrics", None).await;
    Ok(())
}

crate::endpoint_doc! {
    /// Deletes a metric point.
    DeleteMetric(workspace: String, id: i64) -> (),
    example = {"workspace": "demo", "id": 1}
}
