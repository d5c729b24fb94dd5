//! Who is asking: every request's caller resolved once (a bearer token or a session
//! cookie), with its origin for the audit log, and the per-caller API rate limit.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderMap, HeaderValue},
    middleware::Next,
    response::Response,
};

use app::backend::{
    auth::{bearer, sessions, Principal, RequestMeta, Via},
    AppState,
};
use app::components::theme::cookie_value;
use app::types::ApiError;

use crate::api_edge::json_error;

/// What the request says about its origin, for the audit log and rate limits.
fn request_meta(req: &Request, trust_proxy: bool) -> RequestMeta {
    let forwarded = trust_proxy
        .then(|| req.headers().get("x-forwarded-for"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    RequestMeta {
        ip: forwarded.or(peer),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| cookie_value(h, name))
}

pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Resolves the caller once per request and puts `Principal` and `RequestMeta` in the
/// request's extensions. A bad bearer token is refused here (401, JSON) — a script should
/// hear at once that its token is wrong; a stale session cookie is cleared and the request
/// continues signed out.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let meta = request_meta(&req, state.auth().trust_proxy);
    req.extensions_mut().insert(meta);
    let mut clear_cookie = false;

    if let Some(token) = bearer_token(req.headers()).map(str::to_owned) {
        match bearer::authenticate(&state, &token).await {
            Ok((row, user)) => {
                req.extensions_mut().insert(Principal {
                    user_id: user.id,
                    email: user.email,
                    name: user.name,
                    via: Via::Token {
                        token_id: row.id,
                        workspace_id: row.workspace_id,
                    },
                });
            }
            Err(e) => return json_error(&ApiError::from(e)),
        }
    } else if let Some(token) = cookie(req.headers(), sessions::COOKIE).map(str::to_owned) {
        match sessions::authenticate(&state, &token).await {
            Ok(Some((session, user))) => {
                req.extensions_mut().insert(Principal {
                    user_id: user.id,
                    email: user.email,
                    name: user.name,
                    via: Via::Session {
                        session_id: session.id,
                    },
                });
            }
            Ok(None) => clear_cookie = true,
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                return json_error(&ApiError::new(
                    app::types::ErrorCode::Unavailable,
                    "the database is not answering; try again shortly",
                ));
            }
        }
    }

    if let Some(refused) = over_api_limit(&state, &req) {
        return refused;
    }

    let mut res = next.run(req).await;
    if clear_cookie && !res.headers().contains_key(header::SET_COOKIE) {
        if let Ok(v) = HeaderValue::from_str(&state.auth().sessions.clear_cookie()) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// The per-caller API rate limit (`API_RATE_LIMIT_PER_MINUTE`): every request under `/api/`
/// by a token or a session counts; over the quota the answer is `429` with `Retry-After`
/// and the JSON error `rate_limited`. Pages are not counted (server-side rendering calls
/// server functions in-process, not over HTTP).
fn over_api_limit(state: &AppState, req: &Request) -> Option<Response> {
    if !req.uri().path().starts_with("/api/") {
        return None;
    }
    let principal = req.extensions().get::<Principal>()?;
    let wait = state.auth().api_limits.check(principal).err()?;
    let secs = wait.as_secs_f64().ceil() as u64;
    tracing::info!(
        user = principal.user_id,
        retry_after = secs,
        "API rate limit reached"
    );
    let err = ApiError {
        retry_after: Some(secs),
        ..ApiError::new(
            app::types::ErrorCode::RateLimited,
            format!("too many requests for this token or session; try again in {secs} s"),
        )
    };
    let mut res = json_error(&err);
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    Some(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_parsing() {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer hf_abc"),
        );
        assert_eq!(bearer_token(&h), Some("hf_abc"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic xyz"));
        assert_eq!(bearer_token(&h), None);
    }
}
