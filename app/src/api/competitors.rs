//! Competitor links over the API.

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::types::{ApiError, Competitor, CompetitorInput};

/// The companies `company_id` competes with, highest threat first.
#[server(prefix = "/api", endpoint = "list_competitors", input = Json)]
pub async fn list_competitors(
    workspace: String,
    company_id: i64,
) -> Result<Vec<Competitor>, ApiError> {
    let scope = super::scope(&workspace).await?;
    Ok(
        crate::backend::repo::competitors::of_company(&super::state()?.db, &scope, company_id)
            .await?,
    )
}

crate::endpoint_doc! {
    /// The companies a company competes with, highest threat first.
    ListCompetitors(workspace: String, company_id: i64) -> Vec<Competitor>,
    example = {"workspace": "demo", "company_id": 1}
}

/// Adds a competitor (or changes its threat level and notes).
#[server(prefix = "/api", endpoint = "save_competitor", input = Json)]
pub async fn save_competitor(
    workspace: String,
    input: CompetitorInput,
) -> Result<Competitor, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::Write>()?;
    let out = crate::backend::repo::competitors::upsert(&super::state()?.db, &auth, &input).await?;
    super::changed(&scope, "competitors", None).await;
    Ok(out)
}

crate::endpoint_doc! {
    /// Adds a competitor to a company, or changes its threat level and notes.
    SaveCompetitor(workspace: String, input: CompetitorInput) -> Competitor,
    example = {"workspace": "demo", "input": {"company_id": 1, "competitor_id": 2, "threat_level": "high", "notes": "Same segment, lower price."}}
}

#[server(prefix = "/api", endpoint = "delete_competitor", input = Json)]
pub async fn delete_competitor(workspace: String, id: i64) -> Result<(), ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::Write>()?;
    crate::backend::repo::competitors::delete(&super::state()?.db, &auth, id).await?;
    super::changed(&scope, "competitors", None).await;
    Ok(())
}

crate::endpoint_doc! {
    /// Removes a competitor link.
    DeleteCompetitor(workspace: String, id: i64) -> (),
    example = {"workspace": "demo", "id": 1}
}
