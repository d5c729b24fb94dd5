//! The Axum router: health checks, sign-in endpoints, Leptos pages and server functions,
//! static files, and the layers every request passes (request id, tracing, compression,
//! security headers, the API error edge, the cross-site check, authentication).

use std::time::Duration;

use axum::{
    extract::{FromRef, Request},
    http::{HeaderName, HeaderValue, StatusCode},
    middleware,
    response::{IntoResponse, Response},
    routing::{any, get, post},
    Json, Router,
};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes, ResponseOptions};
use leptos_config::LeptosOptions;
use serde_json::json;
use tower::ServiceBuilder;
use tower_http::{
    compression::CompressionLayer,
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::{DefaultOnFailure, DefaultOnResponse, TraceLayer},
};
use tracing::Level;

use app::{backend::AppState, shell, App};

use crate::{api_edge, auth, chat, files, live, request_owner, security};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub struct RouterSettings {
    pub api_max_body_bytes: usize,
}

/// Axum state: the Leptos site settings and the application state.
#[derive(Clone)]
pub struct ServerState {
    pub leptos: LeptosOptions,
    pub app: AppState,
}

impl FromRef<ServerState> for LeptosOptions {
    fn from_ref(s: &ServerState) -> Self {
        s.leptos.clone()
    }
}

impl FromRef<ServerState> for AppState {
    fn from_ref(s: &ServerState) -> Self {
        s.app.clone()
    }
}

pub fn build(state: AppState, options: LeptosOptions, settings: RouterSettings) -> Router {
    let routes = generate_route_list(App);
    let dev_reload = (options.env == leptos_config::Env::DEV).then_some(options.reload_port);
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            // Pages get a CSP naming this response's nonce (Leptos puts it on its scripts).
            if let (Some(nonce), Some(res)) = (
                leptos::nonce::use_nonce(),
                leptos::prelude::use_context::<ResponseOptions>(),
            ) {
                if let Ok(v) = HeaderValue::from_str(&security::page_csp(&nonce, dev_reload)) {
                    res.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, v);
                }
            }
        }
    };
    let server_state = ServerState {
        leptos: options.clone(),
        app: state.clone(),
    };

    let site = Router::<ServerState>::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/auth/login", post(auth::login))
        .route("/auth/signup", post(auth::signup))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/logout-everywhere", post(auth::logout_everywhere))
        .route("/auth/oauth/{provider}/start", get(auth::oauth_start))
        .route("/auth/oauth/{provider}/callback", get(auth::oauth_callback))
        .route("/api/{*rest}", any(api_edge::unknown_endpoint))
        .leptos_routes_with_context(&server_state, routes, context.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            ServerState,
            _,
        >(context, shell))
        .with_state(server_state)
        .layer(middleware::from_fn(request_owner::scope))
        // JSON bodies are small; file uploads (below) stream past this limit with their own.
        .layer(RequestBodyLimitLayer::new(settings.api_max_body_bytes));

    let uploads = Router::new()
        .route("/api/imports/upload", post(files::upload))
        .route("/api/imports/{id}/errors.csv", get(files::error_report))
        .route("/api/export/{file}", get(files::export))
        .route("/api/reports/{id}/download", get(files::report_download))
        .route("/api/jobs/{id}/events", get(live::job_events))
        .route("/api/events", get(live::workspace_events))
        .route("/api/chat/messages/{id}/stream", get(chat::message_stream))
        .route("/api/chat/ask", post(chat::ask))
        .route("/api/openapi.json", get(openapi_json))
        .route("/hooks/hubspot", post(crate::hooks::hubspot))
        .route("/connectors/{kind}/oauth/start", get(auth::connect_start))
        .route(
            "/connectors/{kind}/oauth/callback",
            get(auth::connect_callback),
        )
        .with_state(state.clone());

    uploads.merge(site).layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(|req: &Request| {
                        let id = req
                            .headers()
                            .get(REQUEST_ID)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("-");
                        tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
                    })
                    .on_response(DefaultOnResponse::new().level(Level::INFO).latency_unit(tower_http::LatencyUnit::Millis))
                    .on_failure(DefaultOnFailure::new().level(Level::WARN)),
            )
            .layer(PropagateRequestIdLayer::new(REQUEST_ID))
            .layer(CompressionLayer::new())
            .layer(middleware::from_fn(security::headers))
            .layer(middleware::from_fn(api_edge::map_errors))
            .layer(middleware::from_fn_with_state(state.clone(), security::csrf))
            .layer(middleware::from_fn_with_state(state.clone(), auth::authenticate))
            .layer(middleware::from_fn_with_state(state, auth::gate_pages)),
    )
}

/// The process is up and serving HTTP.
async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// The OpenAPI 3.1 document of every endpoint (built in `app::api::openapi`).
async fn openapi_json(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    Json(app::api::openapi::document_for(&state.auth().public_url)).into_response()
}

/// The database answers and the schema is current; otherwise 503 with the reason.
async fn readyz(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    let check = tokio::time::timeout(
        Duration::from_secs(5),
        app::backend::system::readiness(&state),
    )
    .await;
    match check {
        Ok(Ok(())) => Json(json!({ "status": "ready" })).into_response(),
        Ok(Err(reason)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "reason": reason })),
        )
            .into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "reason": "database check timed out" })),
        )
            .into_response(),
    }
}
