//! Companies over the API. Lists take a `ListQuery`:
//! filters `industry`, `country` (ISO-2), `source`, `tag`, `size` (`1-10` … `5001+`);
//! sorts `name`, `domain`, `industry`, `country`, `employees`, `revenue`, `created`, `updated`
//! (prefix `-` for descending).

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::types::{ApiError, Company, CompanyInput, CompanySummary, Facets, ListQuery, Page};

#[server(prefix = "/api", endpoint = "list_companies", input = Json)]
pub async fn list_companies(
    workspace: String,
    query: ListQuery,
) -> Result<Page<Company>, ApiError> {
    let scope = super::scope(&workspace).await?;
    Ok(crate::backend::repo::companies::list(&super::state()?.db, &scope, &query).await?)
}

#[server(prefix = "/api", endpoint = "get_company", input = Json)]
pub async fn get_company(workspace: String, id: i64) -> Result<Company, ApiError> {
    let scope = super::scope(&workspace).await?;
    Ok(crate::backend::repo::companies::get(&super::state()?.db, &scope, id).await?)
}

/// The company with its deals, activities, competitors, latest signals, metric series and
/// contacts — everything its page shows.
#[server(prefix = "/api", endpoint = "get_company_summary", input = Json)]
pub async fn get_company_summary(workspace: String, id: i64) -> Result<CompanySummary, ApiError> {
    let scope = super::scope(&workspace).await?;
    Ok(crate::backend::repo::companies::summary(&super::state()?.db, &scope, id).await?)
}

#[server(prefix = "/api", endpoint = "create_company", input = Json)]
pub async fn create_company(workspace: String, input: CompanyInput) -> Result<Company, ApiError> {
    use crate::backend::auth::Action;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize(Action::Write)?;
    let out = crate::backend::repo::companies::create(&super::state()?.db, &auth, &input).await?;
    let event = serde_json::json!({ "company": &out });
    super::changed(&scope, "companies", Some(("company.created", event))).await;
    Ok(out)
}

/// Replaces all of the company's editable fields with `input`.
#[server(prefix = "/api", endpoint = "update_company", input = Json)]
pub async fn update_company(
    workspace: String,
    id: i64,
    input: CompanyInput,
) -> Result<Company, ApiError> {
    use crate::backend::auth::Action;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize(Action::Write)?;
    let out =
        crate::backend::repo::companies::update(&super::state()?.db, &auth, id, &input).await?;
    super::changed(&scope, "companies", None).await;
    Ok(out)
}

#[server(prefix = "/api", endpoint = "delete_company", input = Json)]
pub async fn delete_company(workspace: String, id: i64) -> Result<(), ApiError> {
    use crate::backend::auth::Action;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize(Action::Write)?;
    crate::backend::repo::companies::delete(&super::state()?.db, &auth, id).await?;
    super::changed(&scope, "companies", None).await;
    Ok(())
}

/// Industries, countries and size bands in use, for filter chips.
#[server(prefix = "/api", endpoint = "list_company_facets", input = Json)]
pub async fn list_company_facets(workspace: String) -> Result<Facets, ApiError> {
    let scope = super::scope(&workspace).await?;
    let (industries, countries) =
        crate::backend::repo::companies::facets(&super::state()?.db, &scope).await?;
    Ok(Facets {
        industries,
        countries,
        size_bands: crate::backend::repo::companies::SIZE_BANDS
            .iter()
            .map(|b| b.0.to_owned())
            .collect(),
    })
}
