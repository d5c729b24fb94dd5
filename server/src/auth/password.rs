//! The password forms: sign-in and sign-up (with an invitation, joining its workspace), rate
//! limited per address and account.

use axum::{
    extract::State,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Form,
};
use serde::Deserialize;

use app::backend::{
    audit::{self, actions, Entry},
    auth::{accounts, Principal, RequestMeta, Via},
    entity::users,
    repo, AppState, Error,
};
use app::types::ApiError;

use super::{encode, internal, meta, safe_next, see_other, start_session, with_cookies};
use crate::api_edge::json_error;

/// A refusal for too many attempts: 429 with Retry-After, as JSON for scripts and as a
/// small page for people.
fn too_many(wait_secs: u64, headers: &HeaderMap) -> Response {
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"));
    let mut res = if wants_json {
        json_error(&ApiError::rate_limited(wait_secs))
    } else {
        (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            format!(
                "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Too many attempts · Hyperformant</title>\
                 <link rel=\"stylesheet\" href=\"/pkg/hyperformant.css\"></head>\
                 <body class=\"flex min-h-screen items-center justify-center\"><main class=\"max-w-sm p-8 text-center\">\
                 <h1 class=\"text-xl font-semibold\">Too many sign-in attempts</h1>\
                 <p class=\"mt-2 text-sm text-zinc-500\">For your account's safety, wait {wait_secs} seconds before trying again.</p>\
                 <p class=\"mt-6\"><a class=\"text-sm font-medium text-brand-600\" href=\"/login\">Back to sign in</a></p></main></body></html>"
            ),
        )
            .into_response()
    };
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(wait_secs));
    res
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    req_meta: Option<axum::Extension<RequestMeta>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let meta = meta(&req_meta);
    let next = safe_next(form.next.as_deref());
    if !state.auth().password_enabled {
        return see_other(&format!(
            "/login?error=password_disabled&next={}",
            encode(&next)
        ));
    }
    if let Err(wait) = state
        .auth()
        .limits
        .check(meta.ip.as_deref(), form.email.trim())
    {
        tracing::warn!(ip = ?meta.ip, "sign-in rate limit reached");
        return too_many(wait.as_secs().max(1), &headers);
    }
    match accounts::check_password(&state.db, &form.email, &form.password).await {
        Ok(Some(user)) => match start_session(&state, &user, &meta, "password").await {
            Ok(cookie) => with_cookies(see_other(&next), &[cookie]),
            Err(e) => internal(e),
        },
        Ok(None) => {
            let known_user = match app::types::Email::parse(&form.email) {
                Ok(e) => accounts::find_by_email(&state.db, &e).await.ok().flatten(),
                Err(_) => None,
            };
            let _ = audit::record(
                &state.db,
                Entry {
                    actor_user_id: known_user.map(|u| u.id),
                    actor_label: form.email.trim().chars().take(320).collect(),
                    action: actions::SIGN_IN_FAILED,
                    detail: Some("wrong e-mail or password".into()),
                    ip: meta.ip.clone(),
                    ..Default::default()
                },
            )
            .await;
            see_other(&format!(
                "/login?error=invalid&email={}&next={}",
                encode(form.email.trim()),
                encode(&next)
            ))
        }
        Err(e) => internal(e),
    }
}

#[derive(Debug, Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
    /// An invitation token: the new account joins that workspace instead of getting its own,
    /// and may sign up even when sign-up is otherwise closed.
    invite: Option<String>,
}

pub async fn signup(
    State(state): State<AppState>,
    req_meta: Option<axum::Extension<RequestMeta>>,
    headers: HeaderMap,
    Form(form): Form<SignupForm>,
) -> Response {
    let meta = meta(&req_meta);
    let next = safe_next(form.next.as_deref());
    let invite = form.invite.clone().filter(|t| !t.is_empty());
    let back = |error: &str, field: Option<&str>| {
        let mut url = format!(
            "/signup?error={}&email={}&name={}&next={}",
            encode(error),
            encode(form.email.trim()),
            encode(form.name.trim()),
            encode(&next)
        );
        if let Some(f) = field {
            url.push_str(&format!("&field={}", encode(f)));
        }
        if let Some(t) = &invite {
            url.push_str(&format!("&invite={}", encode(t)));
        }
        see_other(&url)
    };
    if !state.auth().password_enabled {
        return back("password sign-up is turned off on this server", None);
    }
    if let Err(wait) = state
        .auth()
        .limits
        .check(meta.ip.as_deref(), form.email.trim())
    {
        return too_many(wait.as_secs().max(1), &headers);
    }
    let invite_ok = match &invite {
        Some(t) => repo::invitations::preview(&state.db, t, None).await.is_ok(),
        None => false,
    };
    let first_run = accounts::is_first_run(&state.db).await.unwrap_or(false);
    if !state.auth().signup_allowed && !invite_ok && !first_run {
        return back(
            "sign-up is closed on this server; ask an administrator for an invitation",
            None,
        );
    }
    let input = accounts::PasswordSignUp {
        email: form.email.clone(),
        name: form.name.clone(),
        password: form.password.clone(),
    };
    let user = match accounts::sign_up(&state.db, input, meta.ip.clone(), !invite_ok).await {
        Ok(u) => u,
        Err(Error::Validation(fields)) => {
            let f = fields.first();
            return back(
                &f.map(|f| format!("{}: {}", f.field, f.message))
                    .unwrap_or_else(|| "invalid input".into()),
                f.map(|f| f.field.as_str()),
            );
        }
        Err(e) => return internal(e),
    };
    let cookie = match start_session(&state, &user, &meta, "password (new account)").await {
        Ok(c) => c,
        Err(e) => return internal(e),
    };
    let target = match (&invite, invite_ok) {
        (Some(token), true) => join_invited(&state, token, &user, &meta).await,
        _ => next,
    };
    with_cookies(see_other(&target), &[cookie])
}

/// Accepts the invitation `token` for the account just made: where to go next (its
/// workspace, or the invitation's page when it could not be accepted).
async fn join_invited(
    state: &AppState,
    token: &str,
    user: &users::Model,
    meta: &RequestMeta,
) -> String {
    let principal = Principal {
        user_id: user.id,
        email: user.email.clone(),
        name: user.name.clone(),
        via: Via::Session { session_id: 0 },
    };
    match repo::invitations::accept(&state.db, token, &principal, meta.ip.clone()).await {
        Ok(ws) => format!("/w/{}", ws.slug),
        Err(e) => {
            tracing::warn!(error = %e, "invitation could not be accepted at sign-up");
            format!("/invite/{token}")
        }
    }
}
