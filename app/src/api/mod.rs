//! Server functions by area. Each is a stable JSON endpoint under `/api/` (explicit endpoint
//! names, no hashes) that browser and scripts share. They authenticate, validate, call the
//! backend and map its errors into `ApiError` — nothing else.
//!
//! Conventions: POST, JSON body with named arguments; workspace-scoped functions take the
//! workspace slug as `workspace`; lists take `page`/`per_page` and answer with `Page<T>`.

pub mod activities;
pub mod ai;
pub mod audit;
pub mod auth;
pub mod chat;
pub mod companies;
pub mod competitors;
pub mod connectors;
pub mod contacts;
pub mod dashboard;
pub mod deals;
pub mod demo;
pub mod imports;
pub mod insights;
pub mod jobs;
pub mod members;
pub mod metrics;
pub mod openapi;
pub mod reports;
pub mod schedules;
pub mod signals;
pub mod system;
pub mod tokens;
pub mod webhooks;
pub mod workspaces;

#[cfg(feature = "ssr")]
mod ctx {
    use leptos::prelude::use_context;

    use crate::backend::auth::{Principal, RequestMeta, Scope};
    use crate::backend::AppState;
    use crate::types::ApiError;

    pub(crate) fn state() -> Result<AppState, ApiError> {
        use_context::<AppState>().ok_or_else(|| {
            tracing::error!("AppState missing from the server-function context");
            ApiError::internal()
        })
    }

    fn parts() -> Option<http::request::Parts> {
        use_context::<http::request::Parts>()
    }

    /// The signed-in caller, if any (resolved by the server's auth middleware).
    pub(crate) fn maybe_principal() -> Option<Principal> {
        request_extension::<Principal>()
    }

    pub(crate) fn request_extension<T: Clone + Send + Sync + 'static>() -> Option<T> {
        parts().and_then(|p| p.extensions.get::<T>().cloned())
    }

    pub(crate) fn principal() -> Result<Principal, ApiError> {
        maybe_principal().ok_or_else(ApiError::unauthorized)
    }

    pub(crate) fn request_meta() -> RequestMeta {
        parts()
            .and_then(|p| p.extensions.get::<RequestMeta>().cloned())
            .unwrap_or_default()
    }

    /// A synced deal changed here: it goes back to its system in the background. Never fails
    /// the request: a send that cannot be queued is logged, and the next sync reconciles.
    pub(crate) async fn send_back(scope: &Scope, deal_id: i64) {
        let Ok(state) = state() else {
            return;
        };
        if let Err(e) =
            crate::backend::connectors::deal_changed(&state, scope.workspace(), deal_id).await
        {
            tracing::warn!(error = %e, deal = deal_id, "queueing a deal's write-back");
        }
    }

    /// Announces a write to workspace data: live views (dashboard, lists) refresh, and
    /// `webhook` (event type, data) goes to the endpoints subscribed to it. Never fails the
    /// request that made the change: a lost announcement only delays a live view.
    pub(crate) async fn changed(
        scope: &Scope,
        entity: &str,
        webhook: Option<(&str, serde_json::Value)>,
    ) {
        use crate::backend::events::{Event, Topic};
        let Ok(state) = state() else {
            return;
        };
        // At once, before the bus delivers it: the caller's next page must count afresh and
        // its next dashboard be computed again (left to the bus task, a loaded machine let
        // the next request read the dashboard cached before the change).
        state.list_counts().invalidate(scope.workspace_id());
        state.dashboards().invalidate(scope.workspace_id());
        state
            .events()
            .publish(Event::new(
                Some(scope.workspace_id()),
                Topic::Data {
                    entity: entity.to_owned(),
                },
            ))
            .await;
        if let Some((event, data)) = webhook {
            if let Err(e) = crate::backend::delivery::webhooks::emit(
                &state,
                scope.workspace(),
                event,
                data,
                None,
            )
            .await
            {
                tracing::warn!(error = %e, event, "queueing webhooks");
            }
        }
    }

    /// The caller's Scope in workspace `slug` (NotFound if they have none there).
    pub(crate) async fn scope(slug: &str) -> Result<Scope, ApiError> {
        let principal = principal()?;
        let state = state()?;
        Ok(crate::backend::auth::resolve_scope(&state, &principal, slug, &request_meta()).await?)
    }
}

#[cfg(feature = "ssr")]
pub(crate) use ctx::*;
