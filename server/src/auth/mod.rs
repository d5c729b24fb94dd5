//! Sign-in over HTTP: resolving the caller of every request (session cookie or bearer
//! token), gating pages that need a signed-in user, and the form and redirect endpoints
//! under `/auth/` (password sign-in and sign-up, sign-out, the OAuth redirect and callback).
//! These are plain forms and redirects so they work without JavaScript.
//!
//! Here: what the route groups share (redirects, cookies, the session a sign-in starts);
//! `caller` resolves who is asking, `gate` guards pages, `password` and `sign_out` are the
//! form endpoints, `oauth` the provider redirect and callback.

mod caller;
mod connect;
mod gate;
mod oauth;
mod password;
mod sign_out;

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
};

use app::backend::{
    audit::{self, actions, Entry},
    auth::{sessions, RequestMeta},
    entity::users,
    AppState, Error,
};

pub use caller::{authenticate, bearer_token, cookie};
pub use connect::{connect_callback, connect_start};
pub use gate::{gate_pages, safe_next};
pub use oauth::{oauth_callback, oauth_start, StartParams};
pub use password::{login, signup, LoginForm, SignupForm};
pub use sign_out::{logout, logout_everywhere};

fn see_other(location: &str) -> Response {
    Redirect::to(location).into_response()
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn meta(req_meta: &Option<axum::Extension<RequestMeta>>) -> RequestMeta {
    req_meta.as_ref().map(|m| m.0.clone()).unwrap_or_default()
}

fn with_cookies(mut res: Response, cookies: &[String]) -> Response {
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

async fn start_session(
    state: &AppState,
    user: &users::Model,
    meta: &RequestMeta,
    how: &str,
) -> Result<String, Error> {
    let (token, _) = sessions::create(&state.db, user.id, meta, &state.auth().sessions).await?;
    audit::record(
        &state.db,
        Entry {
            actor_user_id: Some(user.id),
            actor_label: user.email.clone(),
            action: actions::SIGN_IN,
            detail: Some(how.to_owned()),
            ip: meta.ip.clone(),
            ..Default::default()
        },
    )
    .await?;
    Ok(state.auth().sessions.cookie(&token))
}

fn internal(e: Error) -> Response {
    tracing::error!(error = %e, "sign-in request failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "something went wrong on our side; it has been logged",
    )
        .into_response()
}
