//! Request security that applies to every route: the cross-site request check for
//! cookie-authenticated writes, and the security headers on every response.

use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method},
    middleware::Next,
    response::Response,
};

use app::backend::{auth::sessions, AppState};
use app::types::{ApiError, ErrorCode};

use crate::api_edge::json_error;
use crate::auth::{bearer_token, cookie};

/// `scheme://host[:port]` of a URL, lower-cased.
fn origin_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    let host = u.host_str()?;
    Some(match u.port() {
        Some(p) => format!("{}://{}:{}", u.scheme(), host, p).to_lowercase(),
        None => format!("{}://{}", u.scheme(), host).to_lowercase(),
    })
}

/// The origin a request says it comes from (Origin, else Referer).
fn claimed_origin(headers: &HeaderMap) -> Option<String> {
    if let Some(o) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        if o != "null" {
            return origin_of(o);
        }
        return None;
    }
    headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(origin_of)
}

/// Same-origin: the claimed origin is the configured public URL's, or the host the request
/// was addressed to (so http://127.0.0.1:3000 and http://localhost:3000 both work locally).
pub fn is_same_origin(headers: &HeaderMap, public_url: &str) -> bool {
    let Some(claimed) = claimed_origin(headers) else {
        return false;
    };
    if origin_of(public_url).as_deref() == Some(claimed.as_str()) {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match (host, claimed.split_once("://")) {
        (Some(host), Some((_, claimed_host))) => claimed_host.eq_ignore_ascii_case(host),
        _ => false,
    }
}

/// State-changing requests that a browser authenticates with our cookie must come from our
/// own pages (CSRF defence, on top of SameSite=Lax). Bearer-token requests are exempt: a
/// browser never attaches those by itself. The sign-in forms are checked too (login CSRF).
pub async fn csrf(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || bearer_token(req.headers()).is_some() {
        return next.run(req).await;
    }
    let has_session = cookie(req.headers(), sessions::COOKIE).is_some();
    let is_auth_form = req.uri().path().starts_with("/auth/");
    if (has_session || is_auth_form) && !is_same_origin(req.headers(), &state.auth().public_url) {
        tracing::warn!(path = %req.uri().path(), origin = ?req.headers().get(header::ORIGIN), "cross-site request refused");
        return json_error(&ApiError::new(
            ErrorCode::Forbidden,
            "cross-site request refused: this request must come from Hyperformant's own pages",
        ));
    }
    next.run(req).await
}

/// The policy for server-rendered pages: scripts only from us or carrying this response's
/// nonce (Leptos' hydration scripts), WASM compilation allowed, no framing, no plugins.
pub fn page_csp(nonce: &str, dev_reload: Option<u32>) -> String {
    let reload = dev_reload
        .map(|port| format!(" ws://127.0.0.1:{port} ws://localhost:{port}"))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; font-src 'self'; \
         connect-src 'self'{reload}; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
    )
}

/// For everything that is not a page (JSON, files): nothing may run or be framed.
const DEFAULT_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

pub async fn headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    // A route that may be framed by our own pages (a report's HTML) says so itself.
    if !h.contains_key(header::X_FRAME_OPTIONS) {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    );
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DEFAULT_CSP),
        );
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn same_origin_rules() {
        let public = "http://127.0.0.1:3000";
        assert!(is_same_origin(
            &headers(&[(header::ORIGIN, "http://127.0.0.1:3000")]),
            public
        ));
        assert!(is_same_origin(
            &headers(&[
                (header::ORIGIN, "http://localhost:3000"),
                (header::HOST, "localhost:3000")
            ]),
            public
        ));
        assert!(is_same_origin(
            &headers(&[(header::REFERER, "http://127.0.0.1:3000/w/acme")]),
            public
        ));
        assert!(!is_same_origin(
            &headers(&[
                (header::ORIGIN, "https://evil.example"),
                (header::HOST, "127.0.0.1:3000")
            ]),
            public
        ));
        assert!(!is_same_origin(
            &headers(&[(header::ORIGIN, "null")]),
            public
        ));
        assert!(
            !is_same_origin(&headers(&[]), public),
            "no origin at all is refused"
        );
        assert!(!is_same_origin(
            &headers(&[
                (header::ORIGIN, "http://127.0.0.1:3000.evil.example"),
                (header::HOST, "127.0.0.1:3000")
            ]),
            public
        ));
    }

    #[test]
    fn page_policy_carries_the_nonce() {
        let csp = page_csp("abc", None);
        assert!(csp.contains("'nonce-abc'"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-eval'") || csp.contains("wasm-unsafe-eval"));
        assert!(page_csp("n", Some(3001)).contains("ws://127.0.0.1:3001"));
    }
}
