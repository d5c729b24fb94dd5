//! Connecting HubSpot and GoHighLevel through OAuth: the app's real start and callback
//! routes, a fake authorization server (`fake_grant`) and the fake APIs, on both databases.
//! Tokens that expire are refreshed before a sync; a refused refresh stops the connector.

use std::sync::Arc;

use serde_json::json;

use crate::common::{
    owner_of_new_workspace, spawn_with, test_config, wait_for_job, Session, TestApp, TestDb,
};
use crate::fake_gohighlevel::{self as ghl, FakeGoHighLevel, Records};
use crate::fake_grant::{FakeGrant, CLIENT_ID, CLIENT_SECRET};
use crate::fake_hubspot::FakeHubspot;
use app::types::{Connector, ConnectorKind, ConnectorState};

fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

fn binding_of(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("hf_oauth="))
        .map(|r| r.split(';').next().unwrap_or("").to_owned())
}

/// Walks the browser's part: start at the app, approve at the provider, come back. Answers
/// where the app sends the browser at the end.
async fn grant(app: &TestApp, s: &Session, kind: &str, ws: &str) -> String {
    let start = app
        .client
        .get(app.url(&format!("/connectors/{kind}/oauth/start?workspace={ws}")))
        .header("cookie", s.header())
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 303);
    let binding = binding_of(&start).expect("a binding cookie");
    let at_provider = app.client.get(location(&start)).send().await.unwrap();
    assert_eq!(at_provider.status(), 303, "the provider approves");
    let back = app
        .client
        .get(location(&at_provider))
        .header("cookie", format!("{}; hf_oauth={binding}", s.header()))
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), 303);
    location(&back)
}

async fn card(app: &TestApp, s: &Session, ws: &str, kind: ConnectorKind) -> Connector {
    let all: Vec<Connector> = s
        .ok(&app.client, "list_connectors", json!({"workspace": ws}))
        .await;
    all.into_iter().find(|c| c.kind == kind).unwrap()
}

async fn start_hubspot(db: TestDb) -> (TestApp, FakeHubspot, FakeGrant) {
    let hubspot = FakeHubspot::start(Default::default()).await;
    let api = hubspot.clone();
    let grants = FakeGrant::start(Arc::new(move |token: &str| {
        let token = token.to_owned();
        api.with(|d| d.token = token);
    }))
    .await;
    let mut config = test_config(&db.url);
    config.hubspot_api_url = hubspot.base_url();
    config.hubspot_client_id = Some(CLIENT_ID.into());
    config.hubspot_client_secret = Some(CLIENT_SECRET.into());
    config.hubspot_auth_url = grants.url("/authorize");
    config.hubspot_token_url = grants.url("/token");
    (spawn_with(db, config, |_| None).await, hubspot, grants)
}

crate::both_backends!(
    hubspot_connects_through_oauth_and_refreshes_its_tokens,
    empty_db = |db: TestDb| async move {
        let (app, _hubspot, grants) = start_hubspot(db).await;
        // Tokens that expire within the refresh margin: every sync refreshes first.
        grants.with(|g| g.expires_in = 60);
        let (s, ws) = owner_of_new_workspace(&app, "owner@hs-oauth.example").await;
        let ws = ws.slug;
        let before = card(&app, &s, &ws, ConnectorKind::Hubspot).await;
        assert!(before.oauth, "an OAuth app is configured");
        assert!(!card(&app, &s, &ws, ConnectorKind::Apollo).await.oauth);

        let landed = grant(&app, &s, "hubspot", &ws).await;
        assert_eq!(
            landed,
            format!("/w/{ws}/settings/integrations?connected=hubspot")
        );
        let scopes = grants.with(|g| g.scopes.clone()).unwrap_or_default();
        assert!(scopes.contains("crm.objects.deals.write"), "{scopes}");
        let c = card(&app, &s, &ws, ConnectorKind::Hubspot).await;
        assert_eq!(c.state, ConnectorState::Connected);
        assert_eq!(c.account.as_deref(), Some("HubSpot account 4242"));
        let job = wait_for_job(&app, &s, &ws, c.sync_job_id.unwrap()).await;
        assert_eq!(job.job.status, "succeeded", "{:?}", job.job.last_error);
        let grant_types = grants.with(|g| g.grant_types.clone());
        assert_eq!(grant_types[0], "authorization_code");
        assert!(
            grant_types.len() >= 2 && grant_types[1..].iter().all(|t| t == "refresh_token"),
            "the expiring token was refreshed before the sync: {grant_types:?}"
        );
        let listed = s
            .call(&app.client, "list_connectors", json!({"workspace": ws}))
            .await
            .text()
            .await
            .unwrap();
        assert!(!listed.contains("access-") && !listed.contains("refresh-"));

        // HubSpot revokes the app's refresh token: the next sync stops the connector.
        grants.with(|g| g.refuse_refresh = true);
        let again: Connector = s
            .ok(
                &app.client,
                "sync_connector",
                json!({"workspace": ws, "kind": "hubspot"}),
            )
            .await;
        let job = wait_for_job(&app, &s, &ws, again.sync_job_id.unwrap()).await;
        assert_eq!(job.job.status, "failed");
        assert_eq!(job.job.attempts, 1, "a refused refresh is not retried");
        let c = card(&app, &s, &ws, ConnectorKind::Hubspot).await;
        assert_eq!(c.state, ConnectorState::NeedsAttention);
        let what = c.attention.unwrap_or_default();
        assert!(
            what.contains("refresh token") && what.contains("reconnect"),
            "{what}"
        );
        app.stop().await;
    }
);

crate::both_backends!(
    connector_oauth_refuses_strangers_and_forged_callbacks,
    empty_db = |db: TestDb| async move {
        let (app, _hubspot, _grants) = start_hubspot(db).await;
        let (a, ws_a) = owner_of_new_workspace(&app, "owner@oauth-a.example").await;
        let (b, _ws_b) = owner_of_new_workspace(&app, "owner@oauth-b.example").await;
        // B cannot begin connecting A's workspace.
        let res = app
            .client
            .get(app.url(&format!(
                "/connectors/hubspot/oauth/start?workspace={}",
                ws_a.slug
            )))
            .header("cookie", b.header())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        assert!(location(&res).contains("error="), "{}", location(&res));
        assert!(binding_of(&res).is_none_or(|b| b.is_empty()));

        // A callback whose state was never issued connects nothing.
        let forged = app
            .client
            .get(app.url("/connectors/hubspot/oauth/callback?code=x&state=forged"))
            .header("cookie", format!("{}; hf_oauth=whatever", a.header()))
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 303);
        assert!(location(&forged).contains("error="));
        // A callback from another browser (no binding cookie) neither.
        let start = app
            .client
            .get(app.url(&format!(
                "/connectors/hubspot/oauth/start?workspace={}",
                ws_a.slug
            )))
            .header("cookie", a.header())
            .send()
            .await
            .unwrap();
        let at_provider = app.client.get(location(&start)).send().await.unwrap();
        let stolen = app
            .client
            .get(location(&at_provider))
            .header("cookie", a.header())
            .send()
            .await
            .unwrap();
        assert!(location(&stolen).contains("error="));
        let c = card(&app, &a, &ws_a.slug, ConnectorKind::Hubspot).await;
        assert_eq!(c.state, ConnectorState::NotConnected);
        app.stop().await;
    }
);

crate::both_backends!(
    gohighlevel_connects_a_location_through_oauth_with_rotating_refresh_tokens,
    empty_db = |db: TestDb| async move {
        let now = chrono::Utc::now().timestamp_millis();
        let api = FakeGoHighLevel::start(
            Records::Kept(vec![ghl::contact(
                "cA",
                "Ada",
                "ada@acme.example",
                Some(("Acme", "acme.example")),
                now,
            )]),
            Records::Kept(Vec::new()),
        )
        .await;
        let hook = api.clone();
        let grants = FakeGrant::start(Arc::new(move |token: &str| {
            let token = token.to_owned();
            hook.with(|d| d.token = token);
        }))
        .await;
        grants.with(|g| {
            g.expires_in = 60;
            g.rotate = true;
            g.extra = json!({"locationId": ghl::LOCATION, "userType": "Location",
                             "companyId": "agency1", "userId": "user1"});
        });
        let mut config = test_config(&db.url);
        config.gohighlevel_api_url = api.base_url();
        let (auth_url, token_url) = (grants.url("/authorize"), grants.url("/token"));
        let app = spawn_with(db, config, move |name| match name {
            "OAUTH_PROVIDERS" => Some("gohighlevel".into()),
            "OAUTH_GOHIGHLEVEL_CLIENT_ID" => Some(CLIENT_ID.into()),
            "OAUTH_GOHIGHLEVEL_CLIENT_SECRET" => Some(CLIENT_SECRET.into()),
            "OAUTH_GOHIGHLEVEL_AUTH_URL" => Some(auth_url.clone()),
            "OAUTH_GOHIGHLEVEL_TOKEN_URL" => Some(token_url.clone()),
            _ => None,
        })
        .await;
        let (s, ws) = owner_of_new_workspace(&app, "owner@ghl-oauth.example").await;
        let ws = ws.slug;
        let landed = grant(&app, &s, "gohighlevel", &ws).await;
        assert_eq!(
            landed,
            format!("/w/{ws}/settings/integrations?connected=gohighlevel")
        );
        let scopes = grants.with(|g| g.scopes.clone()).unwrap_or_default();
        assert!(scopes.contains("opportunities.readonly"), "{scopes}");
        let c = card(&app, &s, &ws, ConnectorKind::Gohighlevel).await;
        assert_eq!(
            c.account.as_deref(),
            Some("GoHighLevel: Acme Dental Berlin")
        );
        let job = wait_for_job(&app, &s, &ws, c.sync_job_id.unwrap()).await;
        assert_eq!(job.job.status, "succeeded", "{:?}", job.job.last_error);
        // Each refresh spends its refresh token and gets the next: a second sync refreshes
        // with the latest, never a spent one (which GoHighLevel refuses).
        let again: Connector = s
            .ok(
                &app.client,
                "sync_connector",
                json!({"workspace": ws, "kind": "gohighlevel"}),
            )
            .await;
        let job = wait_for_job(&app, &s, &ws, again.sync_job_id.unwrap()).await;
        assert_eq!(job.job.status, "succeeded", "{:?}", job.job.last_error);
        let grant_types = grants.with(|g| g.grant_types.clone());
        assert!(
            grant_types.len() >= 3 && grant_types[1..].iter().all(|t| t == "refresh_token"),
            "{grant_types:?}"
        );
        app.stop().await;
    }
);
