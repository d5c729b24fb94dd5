//! Guarding pages: signed-out visitors of protected pages go to the sign-in page (and back
//! afterwards), `/` to the first workspace; a page gets its session loaded before it renders.

use axum::{
    extract::{Request, State},
    http::Method,
    middleware::Next,
    response::Response,
};

use app::backend::{
    auth::{load_session_info, PageSession, Principal},
    workspaces, AppState,
};

use super::{encode, see_other};

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
}
