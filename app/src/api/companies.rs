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
    let state = super::state()?;
    Ok(crate::backend::repo::companies::list(
        state.list_db(),
        &scope,
        &query,
        Some(state.list_counts()),
    )
    .await?)
}

crate::endpoint_doc! {
    /// Companies matching a list query.
    ///
    /// Filters: `industry`, `country` (ISO-2), `source`, `tag`, `size` (`1-10` … `5001+`); sorts:
    /// `name`, `domain`, `industry`, `country`, `employees`, `revenue`, `created`, `updated`.
    ListCompanies(workspace: String, query: ListQuery) -> Page<Company>,
    example = {"workspace": "demo", "query": {"search": "a", "filters": {"industry": "Software"}, "sort": "-employees", "page": 1, "per_page": 5}}
}

#[server(prefix = "/api", endpoint = "get_company", input = Json)]
pub async fn get_company(workspace: String, id: i64) -> Result<Company, ApiError> {
    let scope = super::scope(&workspace).await?;
    Ok(crate::backend::repo::companies::get(&super::state()?.db, &scope, id).await?)
}

crate::endpoint_doc! {
    /// One company.
    GetCompany(workspace: String, id: i64) -> Company,
    example = {"workspace": "demo", "id": 1}
}

/// The company with its deals, activities, competitors, latest signals, metric series and
/// contacts — everything its page shows.
#[server(prefix = "/api", endpoint = "get_company_summary", input = Json)]
pub async fn get_company_summary(workspace: String, id: i64) -> Result<CompanySummary, ApiError> {
    let scope = super::scope(&workspace).await?;
    Ok(crate::backend::repo::companies::summary(&super::state()?.db, &scope, id).await?)
}

crate::endpoint_doc! {
    /// A company with everything its page shows: deals, activities, competitors, latest
    /// signals, metric series and contacts.
    GetCompanySummary(workspace: String, id: i64) -> CompanySummary,
    example = {"workspace": "demo", "id": 1}
}

#[server(prefix = "/api", endpoint = "create_company", input = Json)]
pub async fn create_company(workspace: String, input: CompanyInput) -> Result<Company, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::Write>()?;
    let out = crate::backend::repo::companies::create(&super::state()?.db, &auth, &input).await?;
    let event = serde_json::json!({ "company": &out });
    super::changed(&scope, "companies", Some(("company.created", event))).await;
    Ok(out)
}

crate::endpoint_doc! {
    /// Creates a company.
    ///
    /// `domain` is unique in the workspace (`409` otherwise); `annual_revenue` is decimal text in
    /// `revenue_currency` units.
    CreateCompany(workspace: String, input: CompanyInput) -> Company,
    example = {"workspace": "demo", "input": {"name": "Northwind Analytics", "domain": "northwind-analytics.example", "industry": "Software", "employee_count": 120, "annual_revenue": "12,500,000", "revenue_currency": "USD", "country": "DE", "city": "Berlin", "tags": ["prospect"]}}
}

/// Replaces all of the company's editable fields with `input`.
#[server(prefix = "/api", endpoint = "update_company", input = Json)]
pub async fn update_company(
    workspace: String,
    id: i64,
    input: CompanyInput,
) -> Result<Company, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::Write>()?;
    let out =
        crate::backend::repo::companies::update(&super::state()?.db, &auth, id, &input).await?;
    super::changed(&scope, "companies", None).await;
    Ok(out)
}

crate::endpoint_doc! {
    /// Replaces all of a company's editable fields with `input` (omitted optional fields are
    /// cleared).
    UpdateCompany(workspace: String, id: i64, input: CompanyInput) -> Company,
    example = {"workspace": "demo", "id": 1, "input": {"name": "Northwind Analytics GmbH", "industry": "Software", "country": "DE", "tags": ["customer"]}}
}

#[server(prefix = "/api", endpoint = "delete_company", input = Json)]
pub async fn delete_company(workspace: String, id: i64) -> Result<(), ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::Write>()?;
    crate::backend::repo::companies::delete(&super::state()?.db, &auth, id).await?;
    super::changed(&scope, "companies", None).await;
    Ok(())
}

crate::endpoint_doc! {
    /// Deletes a company with its contacts, activities, competitor links, metrics and signals;
    /// its deals stay, without a company.
    DeleteCompany(workspace: String, id: i64) -> (),
    example = {"workspace": "demo", "id": 1}
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

crate::endpoint_doc! {
    /// The industries, countries and size bands in use, for filters.
    ListCompanyFacets(workspace: String) -> Facets,
    example = {"workspace": "demo"}
}
