//! OAuth 2.0 sign-in against a fake provider: a real Axum server on a free loopback port that
//! implements the authorization-code flow with PKCE (authorize → redirect with code → token
//! exchange checking the S256 verifier → user info with the bearer token). Every failure mode
//! of the issue is driven through the app's real endpoints.

use crate::common;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    extract::{Form, Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Json, Router,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use common::{TestApp, TestDb};

#[derive(Default)]
struct FakeState {
    /// provider → the profile it returns.
    profiles: HashMap<String, Value>,
    /// code → (provider, PKCE challenge, redirect_uri)
    codes: HashMap<String, (String, String, String)>,
    /// access token → provider
    tokens: HashMap<String, String>,
    /// provider → deny the next authorization
    deny: HashMap<String, bool>,
    exchanges: usize,
}

type Shared = Arc<Mutex<FakeState>>;

async fn authorize(
    State(s): State<Shared>,
    Path(provider): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let redirect = q["redirect_uri"].clone();
    let state = q["state"].clone();
    assert_eq!(
        q.get("code_challenge_method").map(String::as_str),
        Some("S256"),
        "PKCE is always used"
    );
    assert_eq!(q.get("response_type").map(String::as_str), Some("code"));
    let mut st = s.lock().unwrap();
    if st.deny.remove(&provider).unwrap_or(false) {
        return Redirect::to(&format!(
            "{redirect}?error=access_denied&error_description=The+user+said+no&state={state}"
        ))
        .into_response();
    }
    let code = format!("code-{}", st.codes.len() + 1);
    st.codes.insert(
        code.clone(),
        (provider, q["code_challenge"].clone(), redirect.clone()),
    );
    Redirect::to(&format!("{redirect}?code={code}&state={state}")).into_response()
}

async fn token(
    State(s): State<Shared>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let mut st = s.lock().unwrap();
    st.exchanges += 1;
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let expected = base64::engine::general_purpose::STANDARD
        .encode(format!("{provider}-client:{provider}-secret"));
    let creds_ok = basic == format!("Basic {expected}");
    let Some((p, challenge, redirect)) = f.get("code").and_then(|c| st.codes.remove(c)) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant", "error_description": "unknown code"})),
        )
            .into_response();
    };
    let verifier = f.get("code_verifier").cloned().unwrap_or_default();
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    if p != provider
        || computed != challenge
        || Some(&redirect) != f.get("redirect_uri")
        || !creds_ok
    {
        return (
            StatusCode::BAD_REQUEST,
            Json(
                json!({"error": "invalid_grant", "error_description": "PKCE or redirect mismatch"}),
            ),
        )
            .into_response();
    }
    let access = format!("at-{provider}-{}", st.tokens.len() + 1);
    st.tokens.insert(access.clone(), provider);
    Json(json!({"access_token": access, "token_type": "Bearer", "expires_in": 3600, "refresh_token": "rt-secret"})).into_response()
}

async fn userinfo(
    State(s): State<Shared>,
    Path(provider): Path<String>,
    headers: HeaderMap,
) -> Response {
    let st = s.lock().unwrap();
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    match st.tokens.get(bearer) {
        Some(p) if *p == provider => {
            Json(st.profiles.get(&provider).cloned().unwrap_or(json!({}))).into_response()
        }
        _ => StatusCode::UNAUTHORIZED.into_response(),
    }
}

struct Fake {
    base: String,
    state: Shared,
}

async fn start_fake() -> Fake {
    let state: Shared = Arc::default();
    let router = Router::new()
        .route("/{provider}/authorize", get(authorize))
        .route("/{provider}/token", post(token))
        .route("/{provider}/userinfo", get(userinfo))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    Fake { base, state }
}

const PROVIDERS: [&str; 3] = ["alpha", "beta", "gamma"];

async fn spawn_with_fake(db: TestDb, fake: &Fake) -> TestApp {
    let mut env: HashMap<String, String> = HashMap::new();
    env.insert("OAUTH_PROVIDERS".into(), PROVIDERS.join(","));
    for p in PROVIDERS {
        let k = p.to_uppercase();
        env.insert(format!("OAUTH_{k}_CLIENT_ID"), format!("{p}-client"));
        env.insert(format!("OAUTH_{k}_CLIENT_SECRET"), format!("{p}-secret"));
        env.insert(
            format!("OAUTH_{k}_AUTH_URL"),
            format!("{}/{p}/authorize", fake.base),
        );
        env.insert(
            format!("OAUTH_{k}_TOKEN_URL"),
            format!("{}/{p}/token", fake.base),
        );
        env.insert(
            format!("OAUTH_{k}_USERINFO_URL"),
            format!("{}/{p}/userinfo", fake.base),
        );
    }
    let config = common::test_config(&db.url);
    common::spawn_with(db, config, move |k| env.get(k).cloned()).await
}

fn cookie_from(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| {
            c.strip_prefix(&format!("{name}="))
                .map(|r| r.split(';').next().unwrap_or("").to_owned())
        })
}

fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

/// Starts the flow at the app: (binding cookie, provider URL).
async fn start(app: &TestApp, provider: &str) -> (String, String) {
    let res = app
        .client
        .get(app.url(&format!("/auth/oauth/{provider}/start?next=/account")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let binding = cookie_from(&res, "hf_oauth").expect("binding cookie");
    (binding, location(&res))
}

/// The provider's answer: the callback URL it sends the browser to.
async fn at_provider(app: &TestApp, provider_url: &str) -> String {
    let res = app.client.get(provider_url).send().await.unwrap();
    assert_eq!(res.status(), 303, "provider redirects back");
    location(&res)
}

async fn callback(app: &TestApp, url: &str, binding: Option<&str>) -> reqwest::Response {
    let mut req = app.client.get(url);
    if let Some(b) = binding {
        req = req.header("cookie", format!("hf_oauth={b}"));
    }
    req.send().await.unwrap()
}

async fn full_sign_in(app: &TestApp, provider: &str) -> reqwest::Response {
    let (binding, url) = start(app, provider).await;
    let back = at_provider(app, &url).await;
    callback(app, &back, Some(&binding)).await
}

fn profile(fake: &Fake, provider: &str, p: Value) {
    fake.state
        .lock()
        .unwrap()
        .profiles
        .insert(provider.into(), p);
}

async fn whoami(app: &TestApp, res: &reqwest::Response) -> app::types::SessionInfo {
    let cookie = cookie_from(res, "hf_session").expect("signed in");
    let r = app
        .client
        .post(app.url("/api/current_session"))
        .header("cookie", format!("hf_session={cookie}"))
        .header("origin", app.origin())
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    r.json::<Option<app::types::SessionInfo>>()
        .await
        .unwrap()
        .expect("session")
}

async fn run_flow_tests(db: TestDb) {
    let fake = start_fake().await;
    let app = spawn_with_fake(db, &fake).await;

    // The sign-in page lists every configured provider.
    let opts: Value = app
        .call("sign_in_options", json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(opts["providers"].as_array().unwrap().len(), 3);

    // 1. A new person: account and first workspace are created; tokens are stored encrypted.
    profile(
        &fake,
        "alpha",
        json!({"sub": "a-1", "email": "Nia@Example.com", "email_verified": true, "name": "Nia"}),
    );
    let res = full_sign_in(&app, "alpha").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/account");
    assert!(
        res.headers()
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().unwrap().starts_with("hf_oauth=;")),
        "binding cookie cleared"
    );
    let nia = whoami(&app, &res).await;
    assert_eq!(nia.user.email, "nia@example.com");
    assert_eq!(nia.workspaces.len(), 1);
    let conn = app.db.connect().await;
    use sea_orm::{ConnectionTrait, EntityTrait};
    let identities = app::backend::entity::identities::Entity::find()
        .all(&conn)
        .await
        .unwrap();
    assert_eq!(identities.len(), 1);
    let stored = identities[0].access_token_enc.clone().unwrap();
    assert!(
        !stored.contains("at-alpha"),
        "provider tokens are not stored in clear"
    );

    // 2. The returning person is recognised (same user, no second account).
    let again = full_sign_in(&app, "alpha").await;
    assert_eq!(whoami(&app, &again).await.user.id, nia.user.id);

    // 3. A second provider vouching for the same e-mail links to the same user…
    profile(
        &fake,
        "beta",
        json!({"sub": "b-1", "email": "nia@example.com", "email_verified": true, "name": "Nia B"}),
    );
    let beta = full_sign_in(&app, "beta").await;
    assert_eq!(whoami(&app, &beta).await.user.id, nia.user.id);
    // …but one that does not vouch for it does not.
    profile(
        &fake,
        "gamma",
        json!({"sub": "g-1", "email": "nia@example.com", "email_verified": false}),
    );
    let gamma = full_sign_in(&app, "gamma").await;
    assert!(
        location(&gamma).starts_with("/login?error=email_taken"),
        "{}",
        location(&gamma)
    );
    assert!(cookie_from(&gamma, "hf_session").is_none());

    // 4. A password account's e-mail was never verified: a provider cannot take it over.
    app.sign_up("pat@example.com", "Pat", "correct horse battery")
        .await;
    profile(
        &fake,
        "alpha",
        json!({"sub": "a-2", "email": "pat@example.com", "email_verified": true}),
    );
    let takeover = full_sign_in(&app, "alpha").await;
    assert!(location(&takeover).starts_with("/login?error=email_taken"));

    // 5. Failure modes: each a clear error and nothing changed.
    profile(
        &fake,
        "alpha",
        json!({"sub": "a-3", "email": "quinn@example.com", "email_verified": true}),
    );
    let users_before = app::backend::entity::users::Entity::find()
        .all(&conn)
        .await
        .unwrap()
        .len();

    // Tampered state.
    let (binding, url) = start(&app, "alpha").await;
    let back = at_provider(&app, &url).await;
    let tampered = back.replace("state=", "state=x");
    let res = callback(&app, &tampered, Some(&binding)).await;
    assert!(
        location(&res).starts_with("/login?error=invalid_state"),
        "{}",
        location(&res)
    );

    // Replayed state: the first use succeeds, the second is refused.
    let (binding, url) = start(&app, "alpha").await;
    let back = at_provider(&app, &url).await;
    let first = callback(&app, &back, Some(&binding)).await;
    assert!(cookie_from(&first, "hf_session").is_some());
    let replay = callback(&app, &back, Some(&binding)).await;
    assert!(location(&replay).starts_with("/login?error=invalid_state"));
    let after_success = app::backend::entity::users::Entity::find()
        .all(&conn)
        .await
        .unwrap()
        .len();
    assert_eq!(after_success, users_before + 1);

    // Missing binding cookie (another browser; the PKCE verifier cannot be had).
    let (_binding, url) = start(&app, "alpha").await;
    let back = at_provider(&app, &url).await;
    let res = callback(&app, &back, None).await;
    assert!(location(&res).starts_with("/login?error=browser_mismatch"));
    let (_binding, url) = start(&app, "alpha").await;
    let back = at_provider(&app, &url).await;
    let res = callback(&app, &back, Some("someone-elses-cookie")).await;
    assert!(location(&res).starts_with("/login?error=browser_mismatch"));

    // State issued for one provider, presented to another.
    let (binding, url) = start(&app, "alpha").await;
    let back = at_provider(&app, &url).await;
    let res = callback(&app, &back.replace("/alpha/", "/beta/"), Some(&binding)).await;
    assert!(location(&res).starts_with("/login?error=invalid_state"));

    // Provider error callback.
    fake.state.lock().unwrap().deny.insert("alpha".into(), true);
    let (binding, url) = start(&app, "alpha").await;
    let back = at_provider(&app, &url).await;
    let res = callback(&app, &back, Some(&binding)).await;
    let loc = location(&res);
    assert!(loc.starts_with("/login?error=provider_denied"), "{loc}");
    assert!(loc.contains("The+user+said+no") || loc.contains("The%20user%20said%20no"));

    // Missing parameters.
    let res = callback(&app, &app.url("/auth/oauth/alpha/callback"), Some("x")).await;
    assert!(location(&res).starts_with("/login?error=missing_params"));

    // Unknown provider, at both ends.
    let res = app
        .client
        .get(app.url("/auth/oauth/nope/start"))
        .send()
        .await
        .unwrap();
    assert!(location(&res).starts_with("/login?error=unknown_provider"));
    let res = callback(
        &app,
        &app.url("/auth/oauth/nope/callback?code=x&state=y"),
        Some("x"),
    )
    .await;
    assert!(location(&res).starts_with("/login?error=unknown_provider"));

    // A profile without the id field.
    profile(&fake, "alpha", json!({"email": "x@example.com"}));
    let res = full_sign_in(&app, "alpha").await;
    assert!(location(&res).starts_with("/login?error=profile_failed"));
    // No e-mail at all for a new person.
    profile(&fake, "alpha", json!({"sub": "a-9"}));
    let res = full_sign_in(&app, "alpha").await;
    assert!(location(&res).starts_with("/login?error=no_email"));

    let users_after = app::backend::entity::users::Entity::find()
        .all(&conn)
        .await
        .unwrap()
        .len();
    assert_eq!(users_after, after_success, "failed flows created nobody");
    let states_left: i64 = {
        let row = conn
            .query_one_raw(sea_orm::Statement::from_string(
                conn.get_database_backend(),
                "SELECT COUNT(*) FROM oauth_states",
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index(0).unwrap()
    };
    // Every state presented was spent, failed ones included; only the tampered flow's own
    // state (never presented) waits for its expiry.
    assert_eq!(states_left, 1);
    assert!(fake.state.lock().unwrap().exchanges >= 4);
}

// The server's OAUTH_* variables name the fake provider, which starts first.
both_backends!(oauth_flow_and_failures, empty_db = run_flow_tests);
