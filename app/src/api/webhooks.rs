//! Outgoing webhooks over the API (admins): endpoints with the events they receive, a test
//! event, the delivery log, and redelivery. The signing secret is in the answer to
//! `create_webhook` only.

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::types::{
    ApiError, CreatedWebhookEndpoint, ListQuery, Page, WebhookDelivery, WebhookEndpoint,
    WebhookEndpointInput,
};

/// The event types an endpoint can subscribe to.
#[server(prefix = "/api", endpoint = "webhook_event_types", input = Json)]
pub async fn webhook_event_types() -> Result<Vec<String>, ApiError> {
    super::principal()?;
    Ok(crate::backend::delivery::webhooks::EVENT_TYPES
        .iter()
        .map(|s| (*s).to_owned())
        .collect())
}

#[server(prefix = "/api", endpoint = "list_webhooks", input = Json)]
pub async fn list_webhooks(workspace: String) -> Result<Vec<WebhookEndpoint>, ApiError> {
    use crate::backend::auth::Action;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize(Action::ManageWorkspace)?;
    Ok(crate::backend::repo::webhooks::list_endpoints(&super::state()?.db, &auth).await?)
}

#[server(prefix = "/api", endpoint = "create_webhook", input = Json)]
pub async fn create_webhook(
    workspace: String,
    input: WebhookEndpointInput,
) -> Result<CreatedWebhookEndpoint, ApiError> {
    use crate::backend::auth::Action;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize(Action::ManageWorkspace)?;
    Ok(crate::backend::repo::webhooks::create_endpoint(&super::state()?, &auth, &input).await?)
}

#[server(prefix = "/api", endpoint = "update_webhook", input = Json)]
pub async fn update_webhook(
    workspace: String,
    id: i64,
    input: WebhookEndpointInput,
) -> Result<WebhookEndpoint, ApiError> {
    use crate::backend::auth::Action;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize(Action::ManageWorkspace)?;
    Ok(
        crate::backend::repo::webhooks::update_endpoint(&super::state()?.db, &auth, id, &input)
            .await?,
    )
}

#[server(prefix = "/api", endpoint = "delete_webhook", input = Json)]
pub async fn delete_webhook(workspace: String, id: i64) -> Result<(), ApiError> {
    use crate::backend::auth::Action;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize(Action::ManageWorkspace)?;
    Ok(crate::backend::repo::webhooks::delete_endpoint(&super::state()?.db, &auth, id).await?)
}

/// Sends a `webhook.test` event to the endpoint now.
#[server(prefix = "/api", endpoint = "test_webhook", input = Json)]
pub async fn test_webhook(workspace: String, id: i64) -> Result<(), ApiError> {
    use crate::backend::auth::Action;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize(Action::ManageWorkspace)?;
    Ok(crate::backend::repo::webhooks::send_test(&super::state()?, &auth, id).await?)
}

/// An endpoint's deliveries, newest first (filter `status`: pending, succeeded, failed).
#[server(prefix = "/api", endpoint = "list_webhook_deliveries", input = Json)]
pub async fn list_webhook_deliveries(
    workspace: String,
    id: i64,
    query: ListQuery,
) -> Result<Page<WebhookDelivery>, ApiError> {
    use crate::backend::auth::Action;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize(Action::ManageWorkspace)?;
    Ok(
        crate::backend::repo::webhooks::list_deliveries(&super::state()?.db, &auth, id, &query)
            .await?,
    )
}

#[server(prefix = "/api", endpoint = "redeliver_webhook", input = Json)]
pub async fn redeliver_webhook(
    workspace: String,
    delivery_id: i64,
) -> Result<WebhookDelivery, ApiError> {
    use crate::backend::auth::Action;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize(Action::ManageWorkspace)?;
    Ok(crate::backend::repo::webhooks::redeliver(&super::state()?, &auth, delivery_id).await?)
}
