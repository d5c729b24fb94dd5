//! Contacts over the API. Filters: `company`; sorts: `name`, `email`, `created`, `updated`.

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::types::{ApiError, Contact, ContactInput, ListQuery, Page};

#[server(prefix = "/api", endpoint = "list_contacts", input = Json)]
pub async fn list_contacts(workspace: String, query: ListQuery) -> Result<Page<Contact>, ApiError> {
    let scope = super::scope(&workspace).await?;
    Ok(crate::backend::repo::contacts::list(&super::state()?.db, &scope, &query).await?)
}

#[server(prefix = "/api", endpoint = "get_contact", input = Json)]
pub async fn get_contact(workspace: String, id: i64) -> Result<Contact, ApiError> {
    let scope = super::scope(&workspace).await?;
    Ok(crate::backend::repo::contacts::get(&super::state()?.db, &scope, id).await?)
}

#[server(prefix = "/api", endpoint = "create_contact", input = Json)]
pub async fn create_contact(workspace: String, input: ContactInput) -> Result<Contact, ApiError> {
    use crate::backend::auth::Action;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize(Action::Write)?;
    let out = crate::backend::repo::contacts::create(&super::state()?.db, &auth, &input).await?;
    super::changed(&scope, "contacts", None).await;
    Ok(out)
}

#[server(prefix = "/api", endpoint = "update_contact", input = Json)]
pub async fn update_contact(
    workspace: String,
    id: i64,
    input: ContactInput,
) -> Result<Contact, ApiError> {
    use crate::backend::auth::Action;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize(Action::Write)?;
    let out =
        crate::backend::repo::contacts::update(&super::state()?.db, &auth, id, &input).await?;
    super::changed(&scope, "contacts", None).await;
    Ok(out)
}

#[server(prefix = "/api", endpoint = "delete_contact", input = Json)]
pub async fn delete_contact(workspace: String, id: i64) -> Result<(), ApiError> {
    use crate::backend::auth::Action;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize(Action::Write)?;
    crate::backend::repo::contacts::delete(&super::state()?.db, &auth, id).await?;
    super::changed(&scope, "contacts", None).await;
    Ok(())
}
