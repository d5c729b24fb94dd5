//! A fake OAuth 2.0 authorization server for connecting connectors (HubSpot's and
//! GoHighLevel's consent pages and token endpoints, as RFC 6749 and their docs describe
//! them): `GET /authorize` approves at once and sends the browser back with a code;
//! `POST /token` trades a code (checking the client, the redirect URI and the PKCE S256
//! verifier) or a refresh token for tokens. Issued access tokens are handed to `on_issue`,
//! so the fake API accepts them; refresh tokens rotate when asked to, and a used or revoked
//! one gets `invalid_grant`.

#![allow(dead_code)]

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use axum::{
    extract::{Form, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Json, Router,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = "fake-client";
pub const CLIENT_SECRET: &str = "fake-client-secret";

pub struct Grants {
    /// code → (PKCE challenge, redirect URI)
    codes: HashMap<String, (String, String)>,
    /// The refresh tokens that are valid now.
    refresh: Vec<String>,
    pub issued: usize,
    /// Grant types seen at the token endpoint, in order.
    pub grant_types: Vec<String>,
    pub expires_in: i64,
    /// Each refresh answers a new refresh token (and the old one stops working).
    pub rotate: bool,
    /// Refresh grants answer `invalid_grant`.
    pub refuse_refresh: bool,
    /// Fields added to every token answer (GoHighLevel's `locationId`).
    pub extra: Value,
    /// The scopes the last authorization asked for.
    pub scopes: Option<String>,
}

#[derive(Clone)]
pub struct FakeGrant {
    pub addr: SocketAddr,
    pub grants: Arc<Mutex<Grants>>,
    on_issue: Arc<dyn Fn(&str) + Send + Sync>,
}

impl FakeGrant {
    pub async fn start(on_issue: Arc<dyn Fn(&str) + Send + Sync>) -> Self {
        let fake = FakeGrant {
            addr: "127.0.0.1:0".parse().unwrap(),
            grants: Arc::new(Mutex::new(Grants {
                codes: HashMap::new(),
                refresh: Vec::new(),
                issued: 0,
                grant_types: Vec::new(),
                expires_in: 1800,
                rotate: false,
                refuse_refresh: false,
                extra: json!({}),
                scopes: None,
            })),
            on_issue,
        };
        let app = Router::new()
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FakeGrant { addr, ..fake }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut Grants) -> R) -> R {
        f(&mut self.grants.lock().unwrap())
    }

    fn issue(&self, g: &mut Grants, refresh: Option<String>) -> Value {
        g.issued += 1;
        let access = format!("access-{}-{}", g.issued, uuid::Uuid::new_v4().simple());
        let refresh =
            refresh.unwrap_or_else(|| format!("refresh-{}", uuid::Uuid::new_v4().simple()));
        if !g.refresh.contains(&refresh) {
            g.refresh.push(refresh.clone());
        }
        (self.on_issue)(&access);
        let mut body = json!({
            "access_token": access, "token_type": "bearer", "expires_in": g.expires_in,
            "refresh_token": refresh,
        });
        if let (Some(b), Some(extra)) = (body.as_object_mut(), g.extra.as_object()) {
            for (k, v) in extra {
                b.insert(k.clone(), v.clone());
            }
        }
        body
    }
}

fn oauth_error(error: &str, description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

async fn authorize(
    State(f): State<FakeGrant>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if q.get("client_id").map(String::as_str) != Some(CLIENT_ID)
        || q.get("response_type").map(String::as_str) != Some("code")
        || q.get("code_challenge_method").map(String::as_str) != Some("S256")
    {
        return (StatusCode::BAD_REQUEST, "bad authorization request").into_response();
    }
    let code = format!("code-{}", uuid::Uuid::new_v4().simple());
    let redirect = q["redirect_uri"].clone();
    f.with(|g| {
        g.scopes = q.get("scope").cloned();
        g.codes.insert(
            code.clone(),
            (q["code_challenge"].clone(), redirect.clone()),
        )
    });
    Redirect::to(&format!("{redirect}?code={code}&state={}", q["state"])).into_response()
}

/// The client authenticates with HTTP Basic (as `oauth2` sends it) or in the form.
fn client_ok(headers: &HeaderMap, form: &HashMap<String, String>) -> bool {
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let expected = format!("{CLIENT_ID}:{CLIENT_SECRET}");
    basic.as_deref() == Some(expected.as_str())
        || (form.get("client_id").map(String::as_str) == Some(CLIENT_ID)
            && form.get("client_secret").map(String::as_str) == Some(CLIENT_SECRET))
}

async fn token(
    State(f): State<FakeGrant>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if !client_ok(&headers, &form) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    let mut g = f.grants.lock().unwrap();
    let grant_type = form.get("grant_type").cloned().unwrap_or_default();
    g.grant_types.push(grant_type.clone());
    match grant_type.as_str() {
        "authorization_code" => {
            let Some((challenge, redirect)) = form.get("code").and_then(|c| g.codes.remove(c))
            else {
                return oauth_error("invalid_grant", "unknown or used code");
            };
            let verifier = form.get("code_verifier").cloned().unwrap_or_default();
            let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            if computed != challenge {
                return oauth_error("invalid_grant", "PKCE verification failed");
            }
            if form.get("redirect_uri") != Some(&redirect) {
                return oauth_error("invalid_grant", "redirect_uri mismatch");
            }
            let body = f.issue(&mut g, None);
            Json(body).into_response()
        }
        "refresh_token" => {
            let presented = form.get("refresh_token").cloned().unwrap_or_default();
            if g.refuse_refresh || !g.refresh.contains(&presented) {
                return oauth_error(
                    "invalid_grant",
                    "refresh token is invalid, expired or revoked",
                );
            }
            let keep = if g.rotate {
                g.refresh.retain(|r| r != &presented);
                None
            } else {
                Some(presented)
            };
            let body = f.issue(&mut g, keep);
            Json(body).into_response()
        }
        other => oauth_error("unsupported_grant_type", other),
    }
}
