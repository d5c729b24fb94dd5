//! Connecting a connector through OAuth (HubSpot, GoHighLevel): the redirect to the
//! provider, with the browser-binding cookie, and the callback that keeps the granted tokens
//! as the workspace's credential. Only a signed-in admin or owner of the workspace gets
//! through either step.

use axum::{
    extract::{Path, Query, State},
    http::HeaderMap,
    response::Response,
    Extension,
};
use serde::Deserialize;

use app::backend::{
    auth::{can, oauth, resolve_scope, Principal, RequestMeta},
    connectors, AppState, Error,
};
use app::types::ConnectorKind;

use super::{cookie, encode, see_other, with_cookies};

#[derive(Debug, Deserialize)]
pub struct ConnectParams {
    workspace: String,
}

fn binding_cookie(state: &AppState, value: &str, max_age: i64) -> String {
    format!(
        "{}={value}; Path=/connectors; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        oauth::BINDING_COOKIE,
        if state.auth().sessions.secure_cookie {
            "; Secure"
        } else {
            ""
        }
    )
}

/// Back to the Integrations page (or the start page, when the workspace is not known),
/// saying what went wrong.
fn back(slug: Option<&str>, error: &str) -> Response {
    match slug {
        Some(slug) => see_other(&format!(
            "/w/{}/settings/integrations?error={}",
            encode(slug),
            encode(error)
        )),
        None => see_other(&format!("/?error={}", encode(error))),
    }
}

/// Who is asking, as the request's authentication found them.
type Caller = (Option<Extension<Principal>>, Option<Extension<RequestMeta>>);

/// The workspace as the signed-in person reaches it (the caller authorizes).
async fn admin_scope(
    state: &AppState,
    (principal, meta): &Caller,
    slug: &str,
) -> Result<app::backend::auth::Scope, Error> {
    let Some(Extension(principal)) = principal else {
        return Err(Error::Unauthorized("sign in to connect a system".into()));
    };
    let meta = meta.as_ref().map(|m| m.0.clone()).unwrap_or_default();
    resolve_scope(state, principal, slug, &meta).await
}

/// `GET /connectors/{kind}/oauth/start?workspace=…`
pub async fn connect_start(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    Query(params): Query<ConnectParams>,
    principal: Option<Extension<Principal>>,
    meta: Option<Extension<RequestMeta>>,
) -> Response {
    let caller = (principal, meta);
    let Some(kind) = ConnectorKind::parse(&kind) else {
        return back(Some(&params.workspace), "unknown connector");
    };
    let started = match admin_scope(&state, &caller, &params.workspace).await {
        Ok(scope) => match scope.authorize::<can::ManageWorkspace>() {
            Ok(auth) => connectors::oauth::start(&state, &auth, &params.workspace, kind).await,
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    match started {
        Ok(s) => with_cookies(
            see_other(&s.redirect_to),
            &[binding_cookie(&state, &s.binding, 600)],
        ),
        Err(e) => back(Some(&params.workspace), &e.to_string()),
    }
}

/// `GET /connectors/{kind}/oauth/callback?code=…&state=…`
pub async fn connect_callback(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    Query(params): Query<oauth::CallbackParams>,
    headers: HeaderMap,
    principal: Option<Extension<Principal>>,
    meta: Option<Extension<RequestMeta>>,
) -> Response {
    let caller = (principal, meta);
    let clear = binding_cookie(&state, "", 0);
    let Some(kind) = ConnectorKind::parse(&kind) else {
        return with_cookies(back(None, "unknown connector"), &[clear]);
    };
    let binding = cookie(&headers, oauth::BINDING_COOKIE).map(str::to_owned);
    let (granted, slug) =
        match connectors::oauth::finish(&state, kind, params, binding.as_deref()).await {
            Ok(done) => done,
            Err(e) => {
                tracing::info!(connector = kind.as_str(), error = %e, "connector OAuth failed");
                return with_cookies(back(None, &e.to_string()), &[clear]);
            }
        };
    let connected = match admin_scope(&state, &caller, &slug).await {
        Ok(scope) => match scope.authorize::<can::ManageWorkspace>() {
            Ok(auth) => connectors::oauth::connect(&state, &auth, kind, granted).await,
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    let res = match connected {
        Ok(_) => see_other(&format!(
            "/w/{}/settings/integrations?connected={}",
            encode(&slug),
            kind.as_str()
        )),
        Err(e) => back(Some(&slug), &e.to_string()),
    };
    with_cookies(res, &[clear])
}
