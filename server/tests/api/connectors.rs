//! Connectors end to end: the real server syncs from a fake HubSpot (`fake_hubspot`) that
//! speaks HubSpot's wire format, on both databases.

use std::collections::HashMap;

use serde_json::json;

use crate::common::{
    owner_of_new_workspace, spawn_with, test_config, wait_for_job, Session, TestApp, TestDb,
};
use crate::fake_hubspot::{self as fake, FakeHubspot, Objects};
use app::types::{Company, Connector, ConnectorState, Contact, Deal, JobDetail, Page};

/// A small HubSpot account: three companies (one sharing its domain with a company typed
/// in the workspace), three contacts and three deals, one of them won.
fn account(t: i64) -> HashMap<&'static str, Objects> {
    HashMap::from([
        (
            "companies",
            Objects::Kept(vec![
                fake::company(101, "Acme GmbH", "acme.example", t),
                fake::company(102, "Globex", "globex.example", t + 1),
                fake::company(103, "Initech", "initech.example", t + 2),
            ]),
        ),
        (
            "contacts",
            Objects::Kept(vec![
                fake::contact(201, "Ada", "ada@acme.example", Some(101), t),
                fake::contact(202, "Grace", "grace@globex.example", Some(102), t + 1),
                fake::contact(203, "Alan", "alan@elsewhere.example", None, t + 2),
            ]),
        ),
        (
            "deals",
            Objects::Kept(vec![
                fake::deal(
                    301,
                    "Acme renewal",
                    "12000.50",
                    "qualifiedtobuy",
                    Some(101),
                    t,
                ),
                fake::deal(302, "Globex pilot", "5000", "closedwon", Some(102), t + 1),
                fake::deal(
                    303,
                    "Initech expansion",
                    "80000",
                    "contractsent",
                    Some(103),
                    t + 2,
                ),
            ]),
        ),
    ])
}

async fn start(db: TestDb, objects: HashMap<&'static str, Objects>) -> (TestApp, FakeHubspot) {
    let hubspot = FakeHubspot::start(objects).await;
    let mut config = test_config(&db.url);
    config.hubspot_api_url = hubspot.base_url();
    (spawn_with(db, config, |_| None).await, hubspot)
}

async fn connect(app: &TestApp, s: &Session, ws: &str) -> Connector {
    s.ok(
        &app.client,
        "connect_connector",
        json!({"workspace": ws, "input": {"kind": "hubspot", "access_token": fake::TOKEN}}),
    )
    .await
}

async fn synced(app: &TestApp, s: &Session, ws: &str) -> Connector {
    let c: Vec<Connector> = s
        .ok(&app.client, "list_connectors", json!({"workspace": ws}))
        .await;
    let c = c.into_iter().next().expect("hubspot is listed");
    let job = wait_for_job(app, s, ws, c.sync_job_id.expect("a sync was queued")).await;
    assert_eq!(job.job.status, "succeeded", "{:?}", job.job.last_error);
    let c: Vec<Connector> = s
        .ok(&app.client, "list_connectors", json!({"workspace": ws}))
        .await;
    c.into_iter().next().unwrap()
}

async fn companies(app: &TestApp, s: &Session, ws: &str) -> Vec<Company> {
    let page: Page<Company> = s
        .ok(
            &app.client,
            "list_companies",
            json!({"workspace": ws, "query": {"per_page": 100}}),
        )
        .await;
    page.items
}

crate::both_backends!(
    first_sync_fills_the_workspace_and_later_syncs_follow_changes,
    empty_db = |db: TestDb| async move {
        let t = fake::now_ms() - 3_600_000;
        let (app, hubspot) = start(db, account(t)).await;
        let (s, ws) = owner_of_new_workspace(&app, "owner@sync.example").await;
        let ws = ws.slug;
        // A company typed here before connecting: HubSpot's Acme matches it by domain.
        let typed: Company = s
            .ok(
                &app.client,
                "create_company",
                json!({"workspace": ws, "input": {"name": "ACME (ours)", "domain": "acme.example",
                       "tags": ["key account"]}}),
            )
            .await;

        let connected = connect(&app, &s, &ws).await;
        assert_eq!(connected.state, ConnectorState::Connected);
        assert_eq!(connected.account.as_deref(), Some("HubSpot account 4242"));
        let after_first = synced(&app, &s, &ws).await;
        assert!(after_first.last_sync_at.is_some());

        let list = companies(&app, &s, &ws).await;
        assert_eq!(
            list.len(),
            3,
            "Acme matched by domain, not doubled: {list:?}"
        );
        let acme = list
            .iter()
            .find(|c| c.id == typed.id)
            .expect("the typed Acme is kept");
        assert_eq!(
            acme.name, "Acme GmbH",
            "HubSpot owns the name of a synced company"
        );
        assert_eq!(
            acme.tags,
            vec!["key account"],
            "tags are not HubSpot's: kept"
        );
        assert_eq!(acme.industry.as_deref(), Some("Computer Software"));
        assert_eq!(acme.country.as_deref(), Some("DE"));
        assert_eq!(
            acme.external_ids.get("hubspot").map(String::as_str),
            Some("101")
        );
        assert_eq!(acme.field_sources["industry"].source, "hubspot");
        assert!(!acme.field_sources.contains_key("tags"));

        let contacts: Page<Contact> = s
            .ok(
                &app.client,
                "list_contacts",
                json!({"workspace": ws, "query": {"per_page": 100}}),
            )
            .await;
        assert_eq!(contacts.items.len(), 3);
        let ada = contacts
            .items
            .iter()
            .find(|c| c.name == "Ada Example")
            .unwrap();
        assert_eq!(
            ada.company_id,
            Some(typed.id),
            "contact ↔ company association kept"
        );

        let deals: Page<Deal> = s
            .ok(
                &app.client,
                "list_deals",
                json!({"workspace": ws, "query": {"per_page": 100}}),
            )
            .await;
        assert_eq!(deals.items.len(), 3);
        let won = deals
            .items
            .iter()
            .find(|d| d.name == "Globex pilot")
            .unwrap();
        assert!(won.closed_at.is_some(), "a deal in a won stage is closed");
        assert_eq!(won.amount.minor, 500_000);
        assert_eq!(won.amount.currency.as_str(), "EUR");
        let renewal = deals
            .items
            .iter()
            .find(|d| d.name == "Acme renewal")
            .unwrap();
        assert_eq!(
            renewal.company_id,
            Some(typed.id),
            "deal ↔ company association kept"
        );
        assert_eq!(renewal.amount.minor, 1_200_050);

        // HubSpot changes one company and gains another; the next sync searches for them.
        let later = fake::now_ms();
        hubspot.put(
            "companies",
            fake::company(102, "Globex Corporation", "globex.example", later),
        );
        hubspot.put(
            "companies",
            fake::company(104, "Umbrella", "umbrella.example", later),
        );
        // Initech takes a domain another company here holds: it keeps its own, and the page
        // is written (a unique domain would otherwise fail it on every retry).
        hubspot.put(
            "companies",
            fake::company(103, "Initech", "acme.example", later),
        );
        let hits_before = hubspot.hits().len();
        let again: Connector = s
            .ok(
                &app.client,
                "sync_connector",
                json!({"workspace": ws, "kind": "hubspot"}),
            )
            .await;
        assert_ne!(again.sync_job_id, after_first.sync_job_id);
        synced(&app, &s, &ws).await;
        let calls = hubspot.hits()[hits_before..].to_vec();
        assert!(
            calls
                .iter()
                .any(|c| c.starts_with("POST /crm/v3/objects/companies/search")),
            "an incremental sync searches: {calls:?}"
        );
        assert!(
            !calls.iter().any(|c| c.starts_with("GET /crm/v3/objects/")),
            "an incremental sync lists nothing: {calls:?}"
        );
        let list = companies(&app, &s, &ws).await;
        assert_eq!(list.len(), 4, "{list:?}");
        assert!(list.iter().any(|c| c.name == "Globex Corporation"));
        let initech = list.iter().find(|c| c.name == "Initech").unwrap();
        assert_eq!(initech.domain.as_deref(), Some("initech.example"));
        let deals: Page<Deal> = s
            .ok(
                &app.client,
                "list_deals",
                json!({"workspace": ws, "query": {"per_page": 100}}),
            )
            .await;
        assert_eq!(deals.items.len(), 3, "a re-sync doubles nothing");
        app.stop().await;
    }
);

crate::both_backends!(
    a_revoked_token_stops_the_connector_until_reconnected,
    empty_db = |db: TestDb| async move {
        let (app, hubspot) = start(db, account(fake::now_ms())).await;
        let (s, ws) = owner_of_new_workspace(&app, "owner@revoked.example").await;
        let ws = ws.slug;
        connect(&app, &s, &ws).await;
        synced(&app, &s, &ws).await;

        hubspot.with(|d| d.token = "rotated-elsewhere".into());
        let c: Connector = s
            .ok(
                &app.client,
                "sync_connector",
                json!({"workspace": ws, "kind": "hubspot"}),
            )
            .await;
        let job = wait_for_job(&app, &s, &ws, c.sync_job_id.unwrap()).await;
        assert_eq!(job.job.status, "failed");
        assert_eq!(job.job.attempts, 1, "a refused token is not retried");
        let c: Vec<Connector> = s
            .ok(&app.client, "list_connectors", json!({"workspace": ws}))
            .await;
        assert_eq!(c[0].state, ConnectorState::NeedsAttention);
        let what = c[0].attention.clone().unwrap_or_default();
        assert!(what.contains("reconnect"), "{what}");

        let refused = s
            .call(
                &app.client,
                "sync_connector",
                json!({"workspace": ws, "kind": "hubspot"}),
            )
            .await;
        assert_eq!(refused.status(), 409);

        // Reconnecting with the new token clears the state.
        hubspot.with(|d| d.token = fake::TOKEN.into());
        let back = connect(&app, &s, &ws).await;
        assert_eq!(back.state, ConnectorState::Connected);
        assert_eq!(back.attention, None);
        app.stop().await;
    }
);

crate::both_backends!(
    a_wrong_token_is_refused_at_connect_and_never_returned,
    empty_db = |db: TestDb| async move {
        let (app, _hubspot) = start(db, account(fake::now_ms())).await;
        let (s, ws) = owner_of_new_workspace(&app, "owner@token.example").await;
        let ws = ws.slug;
        let res = s
            .call(
                &app.client,
                "connect_connector",
                json!({"workspace": ws, "input": {"kind": "hubspot", "access_token": "pat-wrong"}}),
            )
            .await;
        assert_eq!(res.status(), 422);
        let body = res.text().await.unwrap();
        assert!(
            body.contains("access_token") && body.contains("refused"),
            "{body}"
        );
        let c: Vec<Connector> = s
            .ok(&app.client, "list_connectors", json!({"workspace": ws}))
            .await;
        assert_eq!(c[0].state, ConnectorState::NotConnected);

        connect(&app, &s, &ws).await;
        let listed = s
            .call(&app.client, "list_connectors", json!({"workspace": ws}))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            !listed.contains(fake::TOKEN),
            "the token is never returned: {listed}"
        );
        app.stop().await;
    }
);

crate::both_backends!(
    rate_limits_are_waited_out_and_a_truncated_page_writes_nothing,
    empty_db = |db: TestDb| async move {
        let (app, hubspot) = start(db, account(fake::now_ms())).await;
        let (s, ws) = owner_of_new_workspace(&app, "owner@limits.example").await;
        let ws = ws.slug;
        // Two 429s with Retry-After: 1 are waited out inside the call.
        hubspot.with(|d| {
            d.rate_limit_next = 2;
            d.truncate = Some(("companies", 0));
        });
        let c = connect(&app, &s, &ws).await;
        let job_id = c.sync_job_id.unwrap();
        // The truncated page fails the attempt with a clear error and writes nothing.
        let mut error = None;
        for _ in 0..600 {
            let d: JobDetail = s
                .ok(
                    &app.client,
                    "get_job",
                    json!({"workspace": ws, "id": job_id}),
                )
                .await;
            if let Some(e) = d.job.last_error.clone() {
                error = Some(e);
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let error = error.expect("the attempt failed");
        assert!(error.contains("could not be read"), "{error}");
        assert!(
            companies(&app, &s, &ws).await.is_empty(),
            "nothing half-written"
        );
        // HubSpot answers whole pages again: the retry completes the sync.
        hubspot.with(|d| d.truncate = None);
        let done = wait_for_job(&app, &s, &ws, job_id).await;
        assert_eq!(done.job.status, "succeeded", "{:?}", done.job.last_error);
        assert_eq!(companies(&app, &s, &ws).await.len(), 3);
        assert!(hubspot.hits().len() > 8);
        app.stop().await;
    }
);

crate::both_backends!(
    only_admins_manage_connectors_and_only_their_workspaces,
    empty_db = |db: TestDb| async move {
        let (app, _hubspot) = start(db, account(fake::now_ms())).await;
        let (a, ws_a) = owner_of_new_workspace(&app, "owner@a.example").await;
        let (b, ws_b) = owner_of_new_workspace(&app, "owner@b.example").await;
        connect(&app, &a, &ws_a.slug).await;
        // B's owner sees B's connectors only, and cannot reach A's.
        let mine: Vec<Connector> = b
            .ok(
                &app.client,
                "list_connectors",
                json!({"workspace": ws_b.slug}),
            )
            .await;
        assert_eq!(mine[0].state, ConnectorState::NotConnected);
        let theirs = b
            .call(
                &app.client,
                "list_connectors",
                json!({"workspace": ws_a.slug}),
            )
            .await;
        assert!(
            matches!(theirs.status().as_u16(), 403 | 404),
            "{}",
            theirs.status()
        );
        let cross = b
            .call(
                &app.client,
                "sync_connector",
                json!({"workspace": ws_a.slug, "kind": "hubspot"}),
            )
            .await;
        assert!(matches!(cross.status().as_u16(), 403 | 404));
        app.stop().await;
    }
);

/// A `server worker` process for the sync, with its own HubSpot URL and the app's key.
fn sync_worker(url: &str, key: &str, hubspot: &str, data: &std::path::Path) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("worker")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", url)
        .env("JOB_WORKERS", "1")
        .env("JOB_LEASE_SECONDS", "2")
        .env("SECRET_KEY", key)
        .env("HUBSPOT_API_URL", hubspot)
        .env(
            "LEPTOS_CONFIG",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../Leptos.toml"),
        )
        .env("DATA_DIR", data)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("start `server worker`")
}

async fn count(db: &sea_orm::DatabaseConnection, sql: &str) -> i64 {
    use sea_orm::ConnectionTrait;
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql,
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

crate::both_backends!(
    a_worker_killed_mid_sync_resumes_at_the_next_page_without_doubles,
    empty_db = |db: TestDb| async move {
        let t = fake::now_ms() - 60_000;
        let generated: fake::Generator = std::sync::Arc::new(move |i| {
            fake::company(i + 1, &format!("Co {i}"), &format!("co{i}.example"), t)
        });
        let hubspot = FakeHubspot::start(HashMap::from([(
            "companies",
            Objects::Generated(1_500, generated),
        )]))
        .await;
        hubspot.with(|d| d.page_delay_ms = 150);
        let mut config = test_config(&db.url);
        config.hubspot_api_url = hubspot.base_url();
        // No worker in the app: the sync runs in the worker processes started below.
        config.job_workers = Some(0);
        let key = config.secret_key.clone().unwrap();
        let app = spawn_with(db, config, |_| None).await;
        let url = app.db.url.clone();
        let (s, ws) = owner_of_new_workspace(&app, "owner@crash.example").await;
        let ws = ws.slug;
        let job_id = connect(&app, &s, &ws).await.sync_job_id.unwrap();
        let conn = app.db.connect().await;
        let data = tempfile::tempdir().unwrap();

        let mut first = sync_worker(&url, &key, &hubspot.base_url(), data.path());
        crate::common::eventually("the first worker to have written 5 pages", || {
            let conn = conn.clone();
            async move { count(&conn, "SELECT COUNT(*) FROM companies").await >= 500 }
        })
        .await;
        // SIGKILL between two pages or inside one: no shutdown, no release.
        first.kill().expect("kill -9 the worker");
        first.wait().unwrap();
        let at_kill = count(&conn, "SELECT COUNT(*) FROM companies").await;
        assert!(at_kill < 1_500, "killed mid-sync: {at_kill}");
        let listed_before = hubspot.hits().len();

        let mut second = sync_worker(&url, &key, &hubspot.base_url(), data.path());
        let done = wait_for_job(&app, &s, &ws, job_id).await;
        second.kill().ok();
        second.wait().ok();
        assert_eq!(done.job.status, "succeeded", "{:?}", done.job.last_error);
        assert_eq!(done.job.attempts, 2, "the reclaim counted as an attempt");
        assert_eq!(count(&conn, "SELECT COUNT(*) FROM companies").await, 1_500);
        assert_eq!(
            count(
                &conn,
                "SELECT COUNT(*) FROM external_links WHERE object = 'company'"
            )
            .await,
            1_500,
            "one link per HubSpot company"
        );
        // The second worker started from the saved cursor, not from the first page.
        let resumed: Vec<String> = hubspot.hits()[listed_before..]
            .iter()
            .filter(|h| h.starts_with("GET /crm/v3/objects/companies"))
            .cloned()
            .collect();
        assert!(
            !resumed.iter().any(|h| h.ends_with("after=0")),
            "resumed at the next page: {resumed:?}"
        );
        assert!(
            resumed.len() <= 15 - (at_kill as usize / 100) + 1,
            "{resumed:?}"
        );
        conn.close().await.ok();
        app.stop().await;
    }
);

async fn hook(app: &TestApp, body: &str, signature: &str, timestamp: i64) -> reqwest::Response {
    app.client
        .post(app.url("/hooks/hubspot"))
        .header("content-type", "application/json")
        .header("x-hubspot-signature-v3", signature)
        .header("x-hubspot-request-timestamp", timestamp.to_string())
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

crate::both_backends!(
    a_signed_hubspot_webhook_triggers_a_sync_and_a_forged_one_nothing,
    empty_db = |db: TestDb| async move {
        use app::backend::connectors::hubspot::webhook::sign;
        let hubspot = FakeHubspot::start(account(fake::now_ms() - 60_000)).await;
        let mut config = test_config(&db.url);
        config.hubspot_api_url = hubspot.base_url();
        config.hubspot_client_secret = Some("client-secret".into());
        let app = spawn_with(db, config, |_| None).await;
        let (s, ws) = owner_of_new_workspace(&app, "owner@hook.example").await;
        let ws = ws.slug;
        connect(&app, &s, &ws).await;
        let first = synced(&app, &s, &ws).await.sync_job_id;
        hubspot.put(
            "companies",
            fake::company(103, "Initech Global", "initech.example", fake::now_ms()),
        );
        let uri = app.url("/hooks/hubspot");
        let body = format!(
            r#"[{{"eventId":1,"subscriptionId":2,"portalId":{},"appId":3,"occurredAt":{},"subscriptionType":"company.propertyChange","attemptNumber":0,"objectId":103,"propertyName":"name","propertyValue":"Initech Global","changeSource":"CRM"}}]"#,
            fake::PORTAL_ID,
            fake::now_ms()
        );
        let now = fake::now_ms();

        let forged = hook(
            &app,
            &body,
            &sign("guessed", "POST", &uri, body.as_bytes(), &now.to_string()),
            now,
        )
        .await;
        assert_eq!(forged.status(), 401);
        let old = now - 6 * 60 * 1000;
        let replayed = hook(
            &app,
            &body,
            &sign(
                "client-secret",
                "POST",
                &uri,
                body.as_bytes(),
                &old.to_string(),
            ),
            old,
        )
        .await;
        assert_eq!(replayed.status(), 401, "older than five minutes");
        let c: Vec<Connector> = s
            .ok(&app.client, "list_connectors", json!({"workspace": ws}))
            .await;
        assert_eq!(c[0].sync_job_id, first, "a refused call starts nothing");

        let signed = hook(
            &app,
            &body,
            &sign(
                "client-secret",
                "POST",
                &uri,
                body.as_bytes(),
                &now.to_string(),
            ),
            now,
        )
        .await;
        assert_eq!(signed.status(), 200);
        let answer: serde_json::Value = signed.json().await.unwrap();
        assert_eq!(answer["queued"], 1);
        let after = synced(&app, &s, &ws).await;
        assert_ne!(after.sync_job_id, first);
        assert!(companies(&app, &s, &ws)
            .await
            .iter()
            .any(|c| c.name == "Initech Global"));
        app.stop().await;
    }
);

async fn deal_named(app: &TestApp, s: &Session, ws: &str, name: &str) -> Deal {
    let deals: Page<Deal> = s
        .ok(
            &app.client,
            "list_deals",
            json!({"workspace": ws, "query": {"per_page": 100}}),
        )
        .await;
    deals
        .items
        .into_iter()
        .find(|d| d.name == name)
        .expect("the deal")
}

/// The `connector_push` jobs of the workspace, finished.
async fn pushes_done(app: &TestApp, s: &Session, ws: &str, n: usize) -> Vec<app::types::Job> {
    for _ in 0..1200 {
        let page: Page<app::types::Job> = s
            .ok(
                &app.client,
                "list_jobs",
                json!({"workspace": ws, "query": {"filters": {"kind": "connector_push"}, "per_page": 50}}),
            )
            .await;
        if page.items.len() >= n && page.items.iter().all(|j| j.is_finished()) {
            return page.items;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{n} write-backs did not finish");
}

crate::both_backends!(
    a_deal_changed_here_goes_back_to_hubspot_unless_hubspot_changed_it_too,
    empty_db = |db: TestDb| async move {
        let (app, hubspot) = start(db, account(fake::now_ms() - 60_000)).await;
        let (s, ws) = owner_of_new_workspace(&app, "owner@push.example").await;
        let ws = ws.slug;
        connect(&app, &s, &ws).await;
        synced(&app, &s, &ws).await;

        // Moved to Closed Won on the board: HubSpot's deal follows.
        let renewal = deal_named(&app, &s, &ws, "Acme renewal").await;
        let pipelines: Vec<app::types::Pipeline> = s
            .ok(&app.client, "list_pipelines", json!({"workspace": ws}))
            .await;
        let hub = pipelines
            .iter()
            .find(|p| p.id == renewal.pipeline_id)
            .unwrap();
        let won = hub
            .stages
            .iter()
            .find(|st| st.name == "Closed Won")
            .unwrap();
        let _: Deal = s
            .ok(
                &app.client,
                "move_deal",
                json!({"workspace": ws, "id": renewal.id, "stage_id": won.id}),
            )
            .await;
        let jobs = pushes_done(&app, &s, &ws, 1).await;
        assert_eq!(jobs[0].status, "succeeded", "{:?}", jobs[0].last_error);
        let remote = hubspot.find("deals", "301").unwrap();
        let prop = |o: &fake::Obj, k: &str| {
            o.props
                .iter()
                .find(|(p, _)| *p == k)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(prop(&remote, "dealstage").as_deref(), Some("closedwon"));
        assert_eq!(prop(&remote, "amount").as_deref(), Some("12000.50"));
        let links: Vec<app::types::RecordLink> = s
            .ok(
                &app.client,
                "list_record_links",
                json!({"workspace": ws, "object": "deal", "id": renewal.id}),
            )
            .await;
        assert_eq!(links[0].external_id, "301");
        assert_eq!(links[0].conflict, None);

        // HubSpot changes the Globex deal; then it is re-valued here before the next sync.
        let pilot = deal_named(&app, &s, &ws, "Globex pilot").await;
        let mut changed = hubspot.find("deals", "302").unwrap();
        changed.updated_ms = fake::now_ms() + 1_000;
        hubspot.put("deals", changed);
        let _: Deal = s
            .ok(
                &app.client,
                "update_deal",
                json!({"workspace": ws, "id": pilot.id, "input": {
                    "name": "Globex pilot", "pipeline_id": pilot.pipeline_id, "stage_id": pilot.stage_id,
                    "company_id": pilot.company_id, "amount": "9,999.00", "currency": "EUR"}}),
            )
            .await;
        pushes_done(&app, &s, &ws, 2).await;
        let remote = hubspot.find("deals", "302").unwrap();
        assert_eq!(
            prop(&remote, "amount").as_deref(),
            Some("5000"),
            "nothing overwritten"
        );
        let links: Vec<app::types::RecordLink> = s
            .ok(
                &app.client,
                "list_record_links",
                json!({"workspace": ws, "object": "deal", "id": pilot.id}),
            )
            .await;
        let conflict = links[0].conflict.clone().expect("the conflict is kept");
        assert!(conflict.contains("HubSpot changed this deal"), "{conflict}");
        app.stop().await;
    }
);
