//! Insights over the API: notable changes the daily insights job found (a deal stalled past
//! its stage's median, a competitor's sentiment dropping, a metric jumping), and dismissing them.

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::types::{ApiError, Insight};

#[server(prefix = "/api", endpoint = "list_insights", input = Json)]
pub async fn list_insights(
    workspace: String,
    include_dismissed: Option<bool>,
    limit: Option<u64>,
) -> Result<Vec<Insight>, ApiError> {
    let scope = super::scope(&workspace).await?;
    Ok(crate::backend::repo::ai::insights(
        &super::state()?.db,
        &scope,
        include_dismissed.unwrap_or(false),
        limit.unwrap_or(50),
    )
    .await?)
}

crate::endpoint_doc! {
    /// The workspace's insights, newest first (dismissed ones only when asked).
    ListInsights(workspace: String, include_dismissed: Option<bool>, limit: Option<u64>) -> Vec<Insight>,
    example = {"workspace": "demo", "limit": 5}
}

#[server(prefix = "/api", endpoint = "dismiss_insight", input = Json)]
pub async fn dismiss_insight(workspace: String, id: i64) -> Result<Insight, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::Write>()?;
    let insight = crate::backend::repo::ai::dismiss_insight(&super::state()?.db, &auth, id).await?;
    super::changed(&scope, "insights", None).await;
    Ok(insight)
}

crate::endpoint_doc! {
    /// Hides an insight from the dashboard and the insights page (members and above).
    DismissInsight(workspace: String, id: i64) -> Insight,
    example = {"workspace": "demo", "id": 1}
}

#[server(prefix = "/api", endpoint = "run_insights", input = Json)]
pub async fn run_insights(workspace: String) -> Result<crate::types::Job, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::RunReports>()?;
    let job = crate::backend::ai::insights::start(&super::state()?, &auth).await?;
    Ok(crate::backend::repo::jobs::to_job(job))
}

crate::endpoint_doc! {
    /// Looks for new insights now (members and above), as the daily job does; answers the job
    /// to follow.
    RunInsights(workspace: String) -> crate::types::Job,
    example = {"workspace": "demo"}
}
