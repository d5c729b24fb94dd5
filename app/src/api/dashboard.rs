//! The dashboard's figures: KPIs against the previous period and the charts, for a period
//! (`days` 7/30/90/180/365, or `from`/`to` dates) and optionally one owner.

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::types::{ApiError, Dashboard, DashboardQuery};

#[server(prefix = "/api", endpoint = "get_dashboard", input = Json)]
pub async fn get_dashboard(
    workspace: String,
    query: DashboardQuery,
) -> Result<Dashboard, ApiError> {
    let scope = super::scope(&workspace).await?;
    let state = super::state()?;
    let d = crate::backend::dashboard::get(&state, &scope, &query).await?;
    Ok((*d).clone())
}

crate::endpoint_doc! {
    /// The dashboard's figures: KPIs against the previous period, and the charts' data.
    ///
    /// The period is the last `days` days (30, 90 or 365; default 90) or `from`..=`to`
    /// (YYYY-MM-DD); `owner` narrows it to one member's deals and activities.
    GetDashboard(workspace: String, query: DashboardQuery) -> Dashboard,
    example = {"workspace": "demo", "query": {"days": 90}}
}
