//! Inbound webhooks of connected systems: plain routes, authenticated by the sender's
//! signature instead of a session or token.

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
};

use app::backend::{connectors::hubspot::webhook, AppState, Error};
use app::types::ApiError;

use crate::api_edge::json_error;

/// `POST /hooks/hubspot`: HubSpot's change events, signed with the app's client secret (v3).
/// The signed URI is the one HubSpot called: this server's `PUBLIC_URL` and the path.
pub async fn hubspot(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(secret) = state.connectors().hubspot_client_secret.clone() else {
        return json_error(&ApiError::from(Error::Unavailable(
            "HubSpot webhooks are not set up here (HUBSPOT_CLIENT_SECRET)".into(),
        )));
    };
    let path_and_query = uri
        .path_and_query()
        .map_or("/hooks/hubspot", |p| p.as_str());
    let full = format!(
        "{}{path_and_query}",
        state.auth().public_url.trim_end_matches('/')
    );
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Err(e) = webhook::verify(
        &secret,
        method.as_str(),
        &full,
        &body,
        header("x-hubspot-signature-v3"),
        header("x-hubspot-request-timestamp"),
        chrono::Utc::now().timestamp_millis(),
    ) {
        tracing::warn!(error = %e, "refused a HubSpot webhook");
        return json_error(&ApiError::from(Error::Unauthorized(e.to_string())));
    }
    match webhook::received(&state, &body).await {
        Ok(queued) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({"queued": queued})),
        )
            .into_response(),
        Err(e) => json_error(&ApiError::from(e)),
    }
}
