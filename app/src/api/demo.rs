//! Demo data over the API: the companies page's empty state offers it.

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::types::{ApiError, DemoDataReport};

/// Fills the (empty) workspace with the standard demo: ~250 companies, ~1,200 deals and what
/// hangs off them. Admins and owners; 409 if the workspace already has companies or deals.
#[server(prefix = "/api", endpoint = "create_demo_data", input = Json)]
pub async fn create_demo_data(workspace: String) -> Result<DemoDataReport, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::ManageWorkspace>()?;
    let out = crate::backend::demo::seed_for(&super::state()?.db, &auth).await?;
    // Every list, total and dashboard of the workspace changed (a dashboard seen empty a
    // moment ago would otherwise stay empty until its minute ran out).
    super::changed(&scope, "demo", None).await;
    Ok(out)
}

crate::endpoint_doc! {
    /// Fills an empty workspace with the standard demo data (admins and owners).
    ///
    /// About 250 companies, 1,200 deals and what hangs off them; `409` if the workspace already
    /// has companies or deals.
    CreateDemoData(workspace: String) -> DemoDataReport,
    example = {"workspace": "demo"}
}
