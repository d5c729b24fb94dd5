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

crate::endpoint_doc! {
    /// The event types a webhook endpoint can subscribe to.
    WebhookEventTypes() -> Vec<String>,
    example = {}
}

#[server(prefix = "/api", endpoint = "list_webhooks", input = Json)]
pub async fn list_webhooks(workspace: String) -> Result<Vec<WebhookEndpoint>, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::ManageWorkspace>()?;
    Ok(crate::backend::delivery::endpoints::list_endpoints(&super::state()?.db, &auth).await?)
}

crate::endpoint_doc! {
    /// The workspace's webhook endpoints (admins).
    ListWebhooks(workspace: String) -> Vec<WebhookEndpoint>,
    example = {"workspace": "demo"}
}

#[server(prefix = "/api", endpoint = "create_webhook", input = Json)]
pub async fn create_webhook(
    workspace: String,
    input: WebhookEndpointInput,
) -> Result<CreatedWebhookEndpoint, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::ManageWorkspace>()?;
    Ok(
        crate::backend::delivery::endpoints::create_endpoint(&super::state()?, &auth, &input)
            .await?,
    )
}

crate::endpoint_doc! {
    /// Adds a webhook endpoint (admins); its signing secret is in this answer only.
    CreateWebhook(workspace: String, input: WebhookEndpointInput) -> CreatedWebhookEndpoint,
    example = {"workspace": "demo", "input": {"url": "https://hooks.example.com/hyperformant", "description": "CRM sync", "event_types": ["deal.created", "deal.stage_changed"]}}
}

#[server(prefix = "/api", endpoint = "update_webhook", input = Json)]
pub async fn update_webhook(
    workspace: String,
    id: i64,
    input: WebhookEndpointInput,
) -> Result<WebhookEndpoint, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::ManageWorkspace>()?;
    Ok(
        crate::backend::delivery::endpoints::update_endpoint(
            &super::state()?.db,
            &auth,
            id,
            &input,
        )
        .await?,
    )
}

crate::endpoint_doc! {
    /// Changes a webhook endpoint's address, description, events or whether it is on.
    UpdateWebhook(workspace: String, id: i64, input: WebhookEndpointInput) -> WebhookEndpoint,
    example = {"workspace": "demo", "id": 1, "input": {"url": "https://hooks.example.com/hyperformant", "description": "CRM sync", "event_types": ["deal.created"], "enabled": false}}
}

#[server(prefix = "/api", endpoint = "delete_webhook", input = Json)]
pub async fn delete_webhook(workspace: String, id: i64) -> Result<(), ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::ManageWorkspace>()?;
    Ok(
        crate::backend::delivery::endpoints::delete_endpoint(&super::state()?.db, &auth, id)
            .await?,
    )
}

crate::endpoint_doc! {
    /// Deletes a webhook endpoint and its delivery log.
    DeleteWebhook(workspace: String, id: i64) -> (),
    example = {"workspace": "demo", "id": 1}
}

/// Sends a `webhook.test` event to the endpoint now.
#[server(prefix = "/api", endpoint = "test_webhook", input = Json)]
pub async fn test_webhook(workspace: String, id: i64) -> Result<(), ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::ManageWorkspace>()?;
    Ok(crate::backend::delivery::endpoints::send_test(&super::state()?, &auth, id).await?)
}

crate::endpoint_doc! {
    /// Sends a `webhook.test` event to the endpoint now.
    TestWebhook(workspace: String, id: i64) -> (),
    example = {"workspace": "demo", "id": 1}
}

/// An endpoint's deliveries, newest first (filter `status`: pending, succeeded, failed).
#[server(prefix = "/api", endpoint = "list_webhook_deliveries", input = Json)]
pub async fn list_webhook_deliveries(
    workspace: String,
    id: i64,
    query: ListQuery,
) -> Result<Page<WebhookDelivery>, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::ManageWorkspace>()?;
    Ok(
        crate::backend::delivery::endpoints::list_deliveries(
            &super::state()?.db,
            &auth,
            id,
            &query,
        )
        .await?,
    )
}

crate::endpoint_doc! {
    /// An endpoint's deliveries, newest first (filter `status`: pending, succeeded, failed).
    ListWebhookDeliveries(workspace: String, id: i64, query: ListQuery) -> Page<WebhookDelivery>,
    example = {"workspace": "demo", "id": 1, "query": {"filters": {"status": "failed"}, "per_page": 20}}
}

#[server(prefix = "/api", endpoint = "redeliver_webhook", input = Json)]
pub async fn redeliver_webhook(
    workspace: String,
    delivery_id: i64,
) -> Result<WebhookDelivery, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::ManageWorkspace>()?;
    Ok(
        crate::backend::delivery::endpoints::redeliver(&super::state()?, &auth, delivery_id)
            .await?,
    )
}

crate::endpoint_doc! {
    /// Sends a delivery again, as a new delivery.
    RedeliverWebhook(workspace: String, delivery_id: i64) -> WebhookDelivery,
    example = {"workspace": "demo", "delivery_id": 1}
}
