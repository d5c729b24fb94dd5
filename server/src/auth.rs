//! Sign-in over HTTP: resolving the caller of every request (session cookie or bearer
//! token), gating pages that need a signed-in user, and the form and redirect endpoints
//! under `/auth/` (password sign-in and sign-up, sign-out, the OAuth redirect and callback).
//! These are plain forms and redirects so they work without JavaScript.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, Path, Query, Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
    Form,
};
use serde::Deserialize;

use app::backend::{
    audit::{self, actions, Entry},
    auth::{
        accounts, bearer, load_session_info,
        oauth::{self, CallbackParams},
        sessions, PageSession, Principal, RequestMeta, Via,
    },
    entity::users,
    repo, workspaces, AppState, Error,
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

/// Page paths that need a signed-in user.
fn is_protected_page(path: &str) -> bool {
    path.starts_with("/w/") || path == "/account" || path.starts_with("/workspaces/")
}

/// A local path to continue to after signing in; anything else (other hosts, `//evil`,
/// schemes) becomes `/`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && n.len() <= 2048 =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

fn see_other(location: &str) -> Response {
    Redirect::to(location).into_response()
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Sends signed-out visitors of protected pages to the sign-in page (and back afterwards),
/// `/` to the first workspace, and signed-in visitors of the sign-in page onwards.
pub async fn gate_pages(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return next.run(req).await;
    }
    let path = req.uri().path();
    let signed_in = req.extensions().get::<Principal>();
    match (path, signed_in) {
        ("/", Some(p)) => {
            return match workspaces::list_for_user(&state.db, p.user_id).await {
                Ok(list) => match list.first() {
                    Some(w) => see_other(&format!("/w/{}", w.slug)),
                    None => see_other("/workspaces/new"),
                },
                Err(e) => {
                    tracing::error!(error = %e, "listing workspaces");
                    see_other("/login")
                }
            };
        }
        ("/", None) => return see_other("/login"),
        ("/login" | "/signup", Some(_)) => {
            let next_param = req.uri().query().and_then(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .find(|(k, _)| k == "next")
                    .map(|(_, v)| v.into_owned())
            });
            return see_other(&safe_next(next_param.as_deref()));
        }
        (p, None) if is_protected_page(p) => {
            let target = req
                .uri()
                .path_and_query()
                .map(|pq| pq.as_str())
                .unwrap_or(p);
            return see_other(&format!("/login?next={}", encode(target)));
        }
        _ => {}
    }
    // A page renders from the session loaded here, so nothing in the render waits for it
    // (see `PageSession`).
    if let Some(p) = signed_in.filter(|_| is_page(path)).cloned() {
        match load_session_info(&state.db, &p).await {
            Ok(info) => {
                req.extensions_mut().insert(PageSession(info));
            }
            Err(e) => tracing::error!(error = %e, "loading the session for a page"),
        }
    }
    next.run(req).await
}

/// A path the Leptos router renders (not an endpoint, a sign-in route or a static file).
fn is_page(path: &str) -> bool {
    !(path.starts_with("/api/")
        || path.starts_with("/auth/")
        || path.starts_with("/pkg/")
        || path == "/healthz"
        || path == "/readyz"
        || path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.')))
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
    let mut target = next;
    if let (Some(token), true) = (&invite, invite_ok) {
        let principal = Principal {
            user_id: user.id,
            email: user.email.clone(),
            name: user.name.clone(),
            via: Via::Session { session_id: 0 },
        };
        match repo::invitations::accept(&state.db, token, &principal, meta.ip.clone()).await {
            Ok(ws) => target = format!("/w/{}", ws.slug),
            Err(e) => {
                tracing::warn!(error = %e, "invitation could not be accepted at sign-up");
                target = format!("/invite/{token}");
            }
        }
    }
    with_cookies(see_other(&target), &[cookie])
}

pub async fn logout(
    State(state): State<AppState>,
    principal: Option<axum::Extension<Principal>>,
    req_meta: Option<axum::Extension<RequestMeta>>,
) -> Response {
    let meta = meta(&req_meta);
    if let Some(axum::Extension(p)) = principal {
        if let Via::Session { session_id } = p.via {
            if let Err(e) = sessions::revoke(&state.db, session_id).await {
                return internal(e);
            }
            state.access_changed().await;
            let _ = audit::record(
                &state.db,
                Entry {
                    actor_user_id: Some(p.user_id),
                    actor_label: p.email,
                    action: actions::SIGN_OUT,
                    ip: meta.ip,
                    ..Default::default()
                },
            )
            .await;
        }
    }
    with_cookies(
        see_other("/login?notice=signed_out"),
        &[state.auth().sessions.clear_cookie()],
    )
}

pub async fn logout_everywhere(
    State(state): State<AppState>,
    principal: Option<axum::Extension<Principal>>,
    req_meta: Option<axum::Extension<RequestMeta>>,
) -> Response {
    let meta = meta(&req_meta);
    if let Some(axum::Extension(p)) = principal {
        if !matches!(p.via, Via::Session { .. }) {
            return json_error(&ApiError::new(
                app::types::ErrorCode::Forbidden,
                "sign out in the browser, not with an API token",
            ));
        }
        match sessions::revoke_all(&state.db, p.user_id).await {
            Ok(n) => {
                state.access_changed().await;
                let _ = audit::record(
                    &state.db,
                    Entry {
                        actor_user_id: Some(p.user_id),
                        actor_label: p.email,
                        action: actions::SIGN_OUT_EVERYWHERE,
                        detail: Some(format!("{n} session(s) ended")),
                        ip: meta.ip,
                        ..Default::default()
                    },
                )
                .await;
            }
            Err(e) => return internal(e),
        }
    }
    with_cookies(
        see_other("/login?notice=signed_out_everywhere"),
        &[state.auth().sessions.clear_cookie()],
    )
}

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
        Err(e) => {
            tracing::info!(provider, code = e.code(), error = %e, "OAuth sign-in failed");
            if !matches!(e, oauth::OAuthError::Internal(_)) {
                let _ = audit::record(
                    &state.db,
                    Entry {
                        actor_label: format!(
                            "via {}",
                            provider.chars().take(64).collect::<String>()
                        ),
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
    }
}

fn internal(e: Error) -> Response {
    tracing::error!(error = %e, "sign-in request failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "something went wrong on our side; it has been logged",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_stay_on_this_site() {
        assert_eq!(safe_next(Some("/w/acme/deals?x=1")), "/w/acme/deals?x=1");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "javascript:alert(1)",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }

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
