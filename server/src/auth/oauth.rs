//! Signing in through a provider: the redirect to it (with the browser-binding cookie) and
//! the callback that finishes the flow and starts a session or connects the account.

use axum::{
    extract::{Path, Query, State},
    http::HeaderMap,
    response::Response,
};
use serde::Deserialize;

use app::backend::{
    audit::{self, actions, Entry},
    auth::{
        oauth::{self, CallbackParams},
        Principal, RequestMeta, Via,
    },
    entity::users,
    AppState,
};

use super::{cookie, encode, internal, meta, safe_next, see_other, start_session, with_cookies};

#[derive(Debug, Deserialize)]
pub struct StartParams {
    next: Option<String>,
}

fn binding_cookie(state: &AppState, value: &str, max_age: i64) -> String {
    format!(
        "{}={value}; Path=/auth/oauth; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        oauth::BINDING_COOKIE,
        if state.auth().sessions.secure_cookie {
            "; Secure"
        } else {
            ""
        }
    )
}

pub async fn oauth_start(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    Query(params): Query<StartParams>,
) -> Response {
    let next = safe_next(params.next.as_deref());
    match state.auth().oauth.start(&state.db, &provider, &next).await {
        Ok(started) => with_cookies(
            see_other(&started.redirect_to),
            &[binding_cookie(&state, &started.binding, 600)],
        ),
        Err(e) => {
            tracing::info!(provider, error = %e, "OAuth start refused");
            see_other(&format!("/login?error={}", e.code()))
        }
    }
}

pub async fn oauth_callback(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    Query(params): Query<CallbackParams>,
    headers: HeaderMap,
    principal: Option<axum::Extension<Principal>>,
    req_meta: Option<axum::Extension<RequestMeta>>,
) -> Response {
    let meta = meta(&req_meta);
    let clear = binding_cookie(&state, "", 0);
    let binding = cookie(&headers, oauth::BINDING_COOKIE).map(str::to_owned);
    let current_user = match &principal {
        Some(axum::Extension(p)) if matches!(p.via, Via::Session { .. }) => {
            use sea_orm::EntityTrait;
            users::Entity::find_by_id(p.user_id)
                .one(&state.db)
                .await
                .ok()
                .flatten()
        }
        _ => None,
    };
    let result = state
        .auth()
        .oauth
        .finish(
            &state.db,
            &provider,
            params,
            binding.as_deref(),
            oauth::Caller {
                current_user: current_user.as_ref(),
                signup_allowed: state.auth().signup_allowed,
                ip: meta.ip.clone(),
            },
        )
        .await;
    match result {
        Ok(signed_in) => {
            if current_user.is_some() {
                // Connecting a provider to the signed-in account: the session stays.
                return with_cookies(see_other("/account?notice=connected"), &[clear]);
            }
            match start_session(&state, &signed_in.user, &meta, &format!("oauth:{provider}")).await
            {
                Ok(cookie) => with_cookies(
                    see_other(&safe_next(Some(&signed_in.next))),
                    &[cookie, clear],
                ),
                Err(e) => internal(e),
            }
        }
        Err(e) => failed(&state, &provider, e, meta, clear).await,
    }
}

/// Where a failed sign-in goes: back to the sign-in page with the reason (recorded, unless
/// the server itself failed), the binding cookie cleared.
async fn failed(
    state: &AppState,
    provider: &str,
    e: oauth::OAuthError,
    meta: RequestMeta,
    clear: String,
) -> Response {
    tracing::info!(provider, code = e.code(), error = %e, "OAuth sign-in failed");
    if !matches!(e, oauth::OAuthError::Internal(_)) {
        let _ = audit::record(
            &state.db,
            Entry {
                actor_label: format!("via {}", provider.chars().take(64).collect::<String>()),
                action: actions::SIGN_IN_FAILED,
                detail: Some(e.to_string()),
                ip: meta.ip,
                ..Default::default()
            },
        )
        .await;
    }
    let detail = match &e {
        oauth::OAuthError::Denied(d)
        | oauth::OAuthError::Exchange(d)
        | oauth::OAuthError::Profile(d) => {
            format!("&detail={}", encode(d))
        }
        _ => String::new(),
    };
    with_cookies(
        see_other(&format!("/login?error={}{detail}", e.code())),
        &[clear],
    )
}
