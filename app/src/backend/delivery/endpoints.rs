//! A workspace's webhook endpoints (admins) and their delivery log. The secret is generated
//! here, shown once, and stored encrypted (it has to be read back to sign each delivery).
//! The endpoints' queries live here, beside the deliveries that use them.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};

use super::webhooks::{self, EVENT_TYPES};
use crate::backend::audit::{self, Entry};
use crate::backend::auth::{can, Authorized, Scope};
use crate::backend::entity::{webhook_deliveries, webhook_endpoints};
use crate::backend::repo::list;
use crate::backend::{AppState, Error, Result};
use crate::types::{
    parse_optional_text, CreatedWebhookEndpoint, FieldError, ListQuery, Page, WebhookDelivery,
    WebhookEndpoint, WebhookEndpointInput,
};

/// Endpoints per workspace: enough for any real use, small enough that every event stays cheap.
const MAX_ENDPOINTS: u64 = 20;

fn to_endpoint(m: webhook_endpoints::Model) -> WebhookEndpoint {
    WebhookEndpoint {
        id: m.id,
        url: m.url,
        description: m.description,
        event_types: serde_json::from_str(&m.event_types).unwrap_or_default(),
        enabled: m.enabled,
        created_at: m.created_at,
    }
}

fn to_delivery(m: webhook_deliveries::Model) -> WebhookDelivery {
    WebhookDelivery {
        id: m.id,
        endpoint_id: m.endpoint_id,
        event_type: m.event_type,
        event_id: m.event_id,
        status: m.status,
        attempts: m.attempts,
        response_code: m.response_code,
        response_excerpt: m.response_excerpt,
        error: m.error,
        duration_ms: m.duration_ms,
        job_id: m.job_id,
        redelivery_of: m.redelivery_of,
        payload: m.payload,
        created_at: m.created_at,
        last_attempt_at: m.last_attempt_at,
    }
}

struct Valid {
    url: String,
    description: String,
    event_types: String,
}

fn validate(input: &WebhookEndpointInput) -> Result<Valid> {
    let mut errors = Vec::new();
    let url = match webhooks::parse_url(&input.url) {
        Ok(u) => Some(u.to_string()),
        Err(m) => {
            errors.push(FieldError {
                field: "url".into(),
                message: m,
            });
            None
        }
    };
    let description = match parse_optional_text(Some(&input.description), 200) {
        Ok(d) => d.unwrap_or_default(),
        Err(m) => {
            errors.push(FieldError {
                field: "description".into(),
                message: m,
            });
            String::new()
        }
    };
    let mut types: Vec<&str> = Vec::new();
    for t in &input.event_types {
        match EVENT_TYPES.iter().find(|k| **k == t.trim()) {
            Some(k) => types.push(k),
            None => errors.push(FieldError {
                field: "event_types".into(),
                message: format!("unknown event `{t}`; available: {}", EVENT_TYPES.join(", ")),
            }),
        }
    }
    if input.event_types.is_empty() {
        errors.push(FieldError {
            field: "event_types".into(),
            message: "choose at least one event".into(),
        });
    }
    types.sort_unstable();
    types.dedup();
    match url {
        Some(url) if errors.is_empty() => Ok(Valid {
            url,
            description,
            event_types: serde_json::to_string(&types).unwrap_or_else(|_| "[]".into()),
        }),
        _ => Err(Error::Validation(errors)),
    }
}

pub async fn list_endpoints(
    db: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<Vec<WebhookEndpoint>> {
    Ok(webhook_endpoints::Entity::find()
        .filter(webhook_endpoints::Column::WorkspaceId.eq(scope.workspace_id()))
        .order_by_asc(webhook_endpoints::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(to_endpoint)
        .collect())
}

async fn find_endpoint(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i64,
) -> Result<webhook_endpoints::Model> {
    webhook_endpoints::Entity::find_by_id(id)
        .filter(webhook_endpoints::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(db)
        .await?
        .ok_or(Error::NotFound("webhook endpoint"))
}

pub async fn create_endpoint(
    state: &AppState,
    auth: &Authorized<'_, can::ManageWorkspace>,
    input: &WebhookEndpointInput,
) -> Result<CreatedWebhookEndpoint> {
    let db = &state.db;
    let v = validate(input)?;
    let existing = webhook_endpoints::Entity::find()
        .filter(webhook_endpoints::Column::WorkspaceId.eq(auth.workspace_id()))
        .count(db)
        .await?;
    if existing >= MAX_ENDPOINTS {
        return Err(Error::Conflict(format!(
            "a workspace can have at most {MAX_ENDPOINTS} webhook endpoints"
        )));
    }
    let secret = webhooks::new_secret();
    let now = Utc::now();
    let row = webhook_endpoints::ActiveModel {
        workspace_id: Set(auth.workspace_id()),
        url: Set(v.url),
        description: Set(v.description),
        event_types: Set(v.event_types),
        secret_enc: Set(state.auth().secrets.encrypt(&secret)),
        enabled: Set(input.enabled),
        created_by: Set(Some(auth.user_id())),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    audit::record(
        db,
        Entry::in_scope(auth, "webhook.create")
            .target("webhook_endpoint", row.id)
            .detail(row.url.clone()),
    )
    .await?;
    Ok(CreatedWebhookEndpoint {
        endpoint: to_endpoint(row),
        secret,
    })
}

pub async fn update_endpoint(
    db: &impl ConnectionTrait,
    auth: &Authorized<'_, can::ManageWorkspace>,
    id: i64,
    input: &WebhookEndpointInput,
) -> Result<WebhookEndpoint> {
    let existing = find_endpoint(db, auth, id).await?;
    let v = validate(input)?;
    let row = webhook_endpoints::ActiveModel {
        id: Set(existing.id),
        url: Set(v.url),
        description: Set(v.description),
        event_types: Set(v.event_types),
        enabled: Set(input.enabled),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .update(db)
    .await?;
    audit::record(
        db,
        Entry::in_scope(auth, "webhook.update")
            .target("webhook_endpoint", row.id)
            .detail(row.url.clone()),
    )
    .await?;
    Ok(to_endpoint(row))
}

pub async fn delete_endpoint(
    db: &impl ConnectionTrait,
    auth: &Authorized<'_, can::ManageWorkspace>,
    id: i64,
) -> Result<()> {
    let existing = find_endpoint(db, auth, id).await?;
    webhook_endpoints::Entity::delete_by_id(existing.id)
        .exec(db)
        .await?;
    audit::record(
        db,
        Entry::in_scope(auth, "webhook.delete")
            .target("webhook_endpoint", existing.id)
            .detail(existing.url),
    )
    .await
}

/// Sends a `webhook.test` event to one endpoint (whatever it subscribed to).
pub async fn send_test(
    state: &AppState,
    auth: &Authorized<'_, can::ManageWorkspace>,
    id: i64,
) -> Result<()> {
    let endpoint = find_endpoint(&state.db, auth, id).await?;
    webhooks::emit(
        state,
        auth.workspace(),
        "webhook.test",
        serde_json::json!({ "message": "A test event from Hyperformant", "endpoint_id": endpoint.id }),
        Some(endpoint.id),
    )
    .await?;
    Ok(())
}

/// The delivery log of one endpoint (filter `status`), newest first.
pub async fn list_deliveries(
    db: &impl ConnectionTrait,
    scope: &Scope,
    endpoint_id: i64,
    q: &ListQuery,
) -> Result<Page<WebhookDelivery>> {
    list::check_filters(q, &["status"])?;
    let endpoint = find_endpoint(db, scope, endpoint_id).await?;
    let req = list::page_request(q);
    let mut select = webhook_deliveries::Entity::find()
        .filter(webhook_deliveries::Column::EndpointId.eq(endpoint.id))
        .filter(webhook_deliveries::Column::WorkspaceId.eq(scope.workspace_id()));
    if let Some(s) = q.filter("status") {
        if !migrations::DELIVERY_STATUSES.contains(&s) {
            return Err(Error::field(
                "filters",
                "`status` must be pending, succeeded or failed",
            ));
        }
        select = select.filter(webhook_deliveries::Column::Status.eq(s));
    }
    let page = select.clone().order_by_desc(webhook_deliveries::Column::Id);
    let (rows, total, total_exact) =
        list::page_and_count::<_, webhook_deliveries::Model>(db, None, &select, page, &req).await?;
    Ok(Page {
        items: rows.into_iter().map(to_delivery).collect(),
        total,
        total_exact,
        page: req.page,
        per_page: req.per_page,
    })
}

/// Sends a recorded delivery again (same event, fresh signature) as a new delivery.
pub async fn redeliver(
    state: &AppState,
    auth: &Authorized<'_, can::ManageWorkspace>,
    delivery_id: i64,
) -> Result<WebhookDelivery> {
    let delivery = webhook_deliveries::Entity::find_by_id(delivery_id)
        .filter(webhook_deliveries::Column::WorkspaceId.eq(auth.workspace_id()))
        .one(&state.db)
        .await?
        .ok_or(Error::NotFound("webhook delivery"))?;
    let again = webhooks::redeliver(state, auth.workspace(), &delivery).await?;
    audit::record(
        &state.db,
        Entry::in_scope(auth, "webhook.redeliver")
            .target("webhook_delivery", again.id)
            .detail(format!(
                "{} (again from #{})",
                delivery.event_type, delivery.id
            )),
    )
    .await?;
    Ok(to_delivery(again))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_input_is_checked_field_by_field() {
        let Err(Error::Validation(fields)) = validate(&WebhookEndpointInput {
            url: "ftp://x".into(),
            description: String::new(),
            event_types: vec!["deal.exploded".into()],
            enabled: true,
        }) else {
            panic!()
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["url", "event_types"]);
        let ok = validate(&WebhookEndpointInput {
            url: "https://hooks.example.com/in".into(),
            description: "CRM sync".into(),
            event_types: vec![
                "report.completed".into(),
                "job.failed".into(),
                "job.failed".into(),
            ],
            enabled: true,
        })
        .unwrap();
        assert_eq!(ok.event_types, r#"["job.failed","report.completed"]"#);
    }
}
