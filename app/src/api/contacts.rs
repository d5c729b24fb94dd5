//! Contacts over the API. Filters: `company`; sorts: `name`, `email`, `created`, `updated`.

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::types::{ApiError, Contact, ContactInput, ListQuery, Page};

#[server(prefix = "/api", endpoint = "list_contacts", input = Json)]
pub async fn list_contacts(workspace: String, query: ListQuery) -> Result<Page<Contact>, ApiError> {
    let scope = super::scope(&workspace).await?;
    let state = super::state()?;
    Ok(crate::backend::repo::contacts::list(
        state.list_db(),
        &scope,
        &query,
        Some(state.list_counts()),
    )
    .await?)
}

crate::endpoint_doc! {
    /// Contacts matching a list query.
    ///
    /// Filters: `company`; sorts: `name`, `email`, `created`, `updated`.
    ListContacts(workspace: String, query: ListQuery) -> Page<Contact>,
    example = {"workspace": "demo", "query": {"filters": {"company": "1"}, "sort": "name", "per_page": 10}}
}

#[server(prefix = "/api", endpoint = "get_contact", input = Json)]
pub async fn get_contact(workspace: String, id: i64) -> Result<Contact, ApiError> {
    let scope = super::scope(&workspace).await?;
    Ok(crate::backend::repo::contacts::get(&super::state()?.db, &scope, id).await?)
}

crate::endpoint_doc! {
    /// One contact.
    GetContact(workspace: String, id: i64) -> Contact,
    example = {"workspace": "demo", "id": 1}
}

#[server(prefix = "/api", endpoint = "create_contact", input = Json)]
pub async fn create_contact(workspace: String, input: ContactInput) -> Result<Contact, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::Write>()?;
    let out = crate::backend::repo::contacts::create(&super::state()?.db, &auth, &input).await?;
    super::changed(&scope, "contacts", None).await;
    Ok(out)
}

crate::endpoint_doc! {
    /// Creates a contact, optionally at a company.
    CreateContact(workspace: String, input: ContactInput) -> Contact,
    example = {"workspace": "demo", "input": {"name": "Ada Lovelace", "email": "ada@northwind-analytics.example", "title": "CTO", "company_id": 1}}
}

#[server(prefix = "/api", endpoint = "update_contact", input = Json)]
pub async fn update_contact(
    workspace: String,
    id: i64,
    input: ContactInput,
) -> Result<Contact, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::Write>()?;
    let out =
        crate::backend::repo::contacts::update(&super::state()?.db, &auth, id, &input).await?;
    super::changed(&scope, "contacts", None).await;
    Ok(out)
}

crate::endpoint_doc! {
    /// Replaces a contact's fields with `input`.
    UpdateContact(workspace: String, id: i64, input: ContactInput) -> Contact,
    example = {"workspace": "demo", "id": 1, "input": {"name": "Ada King", "title": "CTO", "company_id": 1}}
}

#[server(prefix = "/api", endpoint = "delete_contact", input = Json)]
pub async fn delete_contact(workspace: String, id: i64) -> Result<(), ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::Write>()?;
    crate::backend::repo::contacts::delete(&super::state()?.db, &auth, id).await?;
    super::changed(&scope, "contacts", None).await;
    Ok(())
}

crate::endpoint_doc! {
    /// Deletes a contact.
    DeleteContact(workspace: String, id: i64) -> (),
    example = {"workspace": "demo", "id": 1}
}
