//! The GoHighLevel connector end to end: the real server syncs a location from a fake
//! GoHighLevel (`fake_gohighlevel`) that speaks its wire format, on both databases.

use serde_json::json;

use crate::common::{
    owner_of_new_workspace, spawn_with, test_config, wait_for_job, Session, TestApp, TestDb,
};
use crate::fake_gohighlevel::{self as fake, FakeGoHighLevel, Records};
use app::types::{
    Company, Connector, ConnectorKind, ConnectorState, Contact, Deal, JobDetail, Page, Pipeline,
};

/// A small location: three contacts (two at Acme, whose website matches a company typed in
/// the workspace; one at a business known only by name) and two opportunities, one won.
fn location(t: i64) -> (Records, Records) {
    (
        Records::Kept(vec![
            fake::contact(
                "cA",
                "Ada",
                "ada@acme.example",
                Some(("Acme Dental", "https://www.acme.example/team")),
                t,
            ),
            fake::contact(
                "cB",
                "Bert",
                "bert@acme.example",
                Some(("Acme Dental", "acme.example")),
                t + 1,
            ),
            fake::contact(
                "cC",
                "Cleo",
                "cleo@smile.example",
                Some(("Smile Clinic", "")),
                t + 2,
            ),
        ]),
        Records::Kept(vec![
            fake::opportunity(
                "o1",
                "Acme implants",
                12000.5,
                "stQualified",
                "open",
                "cA",
                t,
            ),
            fake::opportunity(
                "o2",
                "Smile whitening",
                800.0,
                "stProposal",
                "won",
                "cC",
                t + 1,
            ),
        ]),
    )
}

async fn start(db: TestDb, records: (Records, Records)) -> (TestApp, FakeGoHighLevel) {
    let ghl = FakeGoHighLevel::start(records.0, records.1).await;
    let mut config = test_config(&db.url);
    config.gohighlevel_api_url = ghl.base_url();
    (spawn_with(db, config, |_| None).await, ghl)
}

fn input(token: &str, location: &str) -> serde_json::Value {
    json!({"kind": "gohighlevel", "access_token": token, "location_id": location})
}

async fn connect(app: &TestApp, s: &Session, ws: &str) -> Connector {
    s.ok(
        &app.client,
        "connect_connector",
        json!({"workspace": ws, "input": input(fake::TOKEN, fake::LOCATION)}),
    )
    .await
}

async fn ghl(app: &TestApp, s: &Session, ws: &str) -> Connector {
    let all: Vec<Connector> = s
        .ok(&app.client, "list_connectors", json!({"workspace": ws}))
        .await;
    all.into_iter()
        .find(|c| c.kind == ConnectorKind::Gohighlevel)
        .expect("GoHighLevel is listed")
}

async fn synced(app: &TestApp, s: &Session, ws: &str) -> Connector {
    let c = ghl(app, s, ws).await;
    let job = wait_for_job(app, s, ws, c.sync_job_id.expect("a sync was queued")).await;
    assert_eq!(job.job.status, "succeeded", "{:?}", job.job.last_error);
    ghl(app, s, ws).await
}

async fn list<T: serde::de::DeserializeOwned>(
    app: &TestApp,
    s: &Session,
    ws: &str,
    what: &str,
) -> Vec<T> {
    let page: Page<T> = s
        .ok(
            &app.client,
            what,
            json!({"workspace": ws, "query": {"per_page": 100}}),
        )
        .await;
    page.items
}

crate::both_backends!(
    gohighlevel_first_sync_fills_the_workspace_and_later_syncs_follow_changes,
    empty_db = |db: TestDb| async move {
        let t = chrono::Utc::now().timestamp_millis() - 3_600_000;
        let (app, ghl_fake) = start(db, location(t)).await;
        let (s, ws) = owner_of_new_workspace(&app, "owner@ghl.example").await;
        let ws = ws.slug;
        // Typed here before connecting, with an industry: GoHighLevel only fills gaps.
        let typed: Company = s
            .ok(
                &app.client,
                "create_company",
                json!({"workspace": ws, "input": {"name": "ACME (ours)", "domain": "acme.example",
                       "industry": "Dental care", "tags": ["key account"]}}),
            )
            .await;

        let connected = connect(&app, &s, &ws).await;
        assert_eq!(connected.state, ConnectorState::Connected);
        assert_eq!(
            connected.account.as_deref(),
            Some("GoHighLevel: Acme Dental Berlin")
        );
        let first = synced(&app, &s, &ws).await;
        assert_eq!(first.counts.get("contacts"), Some(&3), "{:?}", first.counts);
        assert_eq!(first.counts.get("deals"), Some(&2), "{:?}", first.counts);

        let companies: Vec<Company> = list(&app, &s, &ws, "list_companies").await;
        assert_eq!(
            companies.len(),
            2,
            "Acme matched by website, Smile made: {companies:?}"
        );
        let acme = companies
            .iter()
            .find(|c| c.id == typed.id)
            .expect("typed Acme kept");
        assert_eq!(acme.name, "ACME (ours)", "a typed name is not overwritten");
        assert_eq!(acme.industry.as_deref(), Some("Dental care"));
        assert_eq!(acme.tags, vec!["key account"]);
        assert_eq!(
            acme.external_ids.get("gohighlevel").map(String::as_str),
            Some("domain:acme.example")
        );
        let smile = companies
            .iter()
            .find(|c| c.name == "Smile Clinic")
            .expect("Smile made");
        assert_eq!(smile.field_sources["name"].source, "gohighlevel");

        let contacts: Vec<Contact> = list(&app, &s, &ws, "list_contacts").await;
        assert_eq!(contacts.len(), 3);
        for c in &contacts {
            let expected = if c.name == "Cleo Example" {
                smile.id
            } else {
                typed.id
            };
            assert_eq!(
                c.company_id,
                Some(expected),
                "{} is at its business",
                c.name
            );
        }

        let pipelines: Vec<Pipeline> = s
            .ok(&app.client, "list_pipelines", json!({"workspace": ws}))
            .await;
        let sales = pipelines
            .iter()
            .find(|p| p.name == "Sales")
            .expect("Sales synced");
        let stages: Vec<&str> = sales.stages.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            stages,
            ["New lead", "Qualified", "Proposal sent", "Won", "Lost"]
        );

        let deals: Vec<Deal> = list(&app, &s, &ws, "list_deals").await;
        assert_eq!(deals.len(), 2);
        let won = deals.iter().find(|d| d.name == "Smile whitening").unwrap();
        assert!(
            won.closed_at.is_some(),
            "a won opportunity is a closed deal"
        );
        assert_eq!(won.company_id, Some(smile.id), "deal → contact → company");
        let open = deals.iter().find(|d| d.name == "Acme implants").unwrap();
        assert_eq!(open.amount.minor, 1_200_050);
        assert!(open.closed_at.is_none());
        assert_eq!(open.company_id, Some(typed.id));

        // Changes in GoHighLevel: one opportunity lost, one contact's e-mail, one new contact.
        let later = chrono::Utc::now().timestamp_millis();
        ghl_fake.put(
            "opportunities",
            fake::opportunity(
                "o1",
                "Acme implants",
                12000.5,
                "stQualified",
                "lost",
                "cA",
                later,
            ),
        );
        ghl_fake.put(
            "contacts",
            fake::contact(
                "cB",
                "Bert",
                "bert@new.example",
                Some(("Acme Dental", "acme.example")),
                later,
            ),
        );
        ghl_fake.put(
            "contacts",
            fake::contact(
                "cD",
                "Dora",
                "dora@acme.example",
                Some(("Acme Dental", "acme.example")),
                later + 1,
            ),
        );
        let hits_before = ghl_fake.hits().len();
        let again: Connector = s
            .ok(
                &app.client,
                "sync_connector",
                json!({"workspace": ws, "kind": "gohighlevel"}),
            )
            .await;
        assert_ne!(again.sync_job_id, first.sync_job_id);
        synced(&app, &s, &ws).await;
        let searches: Vec<String> = ghl_fake.hits()[hits_before..]
            .iter()
            .filter(|c| c.contains("/search"))
            .cloned()
            .collect();
        assert!(
            searches
                .iter()
                .all(|c| c.contains("\"filters\"") && c.contains("\"range\"")),
            "an incremental sync asks only for changes: {searches:?}"
        );
        let contacts: Vec<Contact> = list(&app, &s, &ws, "list_contacts").await;
        assert_eq!(contacts.len(), 4, "one new, none doubled: {contacts:?}");
        assert!(contacts
            .iter()
            .any(|c| c.email.as_deref() == Some("bert@new.example")));
        let companies: Vec<Company> = list(&app, &s, &ws, "list_companies").await;
        assert_eq!(companies.len(), 2, "no company doubled");
        let deals: Vec<Deal> = list(&app, &s, &ws, "list_deals").await;
        assert_eq!(deals.len(), 2);
        let lost = deals.iter().find(|d| d.name == "Acme implants").unwrap();
        assert!(
            lost.closed_at.is_some(),
            "a lost opportunity closes its deal"
        );
        app.stop().await;
    }
);

crate::both_backends!(
    gohighlevel_refuses_a_wrong_token_or_location_and_stops_on_a_revoked_one,
    empty_db = |db: TestDb| async move {
        let now = chrono::Utc::now().timestamp_millis();
        let (app, ghl_fake) = start(db, location(now)).await;
        let (s, ws) = owner_of_new_workspace(&app, "owner@ghl-token.example").await;
        let ws = ws.slug;
        for (body, field) in [
            (input("pit-wrong", fake::LOCATION), "access_token"),
            (input(fake::TOKEN, "someOtherLocation"), "location_id"),
            (
                json!({"kind": "gohighlevel", "access_token": fake::TOKEN}),
                "location_id",
            ),
        ] {
            let res = s
                .call(
                    &app.client,
                    "connect_connector",
                    json!({"workspace": ws, "input": body}),
                )
                .await;
            assert_eq!(res.status(), 422);
            let text = res.text().await.unwrap();
            assert!(text.contains(field), "{field}: {text}");
        }
        assert_eq!(ghl(&app, &s, &ws).await.state, ConnectorState::NotConnected);

        connect(&app, &s, &ws).await;
        synced(&app, &s, &ws).await;
        let listed = s
            .call(&app.client, "list_connectors", json!({"workspace": ws}))
            .await
            .text()
            .await
            .unwrap();
        assert!(!listed.contains(fake::TOKEN), "the token is never returned");

        ghl_fake.with(|d| d.token = "revoked".into());
        let c: Connector = s
            .ok(
                &app.client,
                "sync_connector",
                json!({"workspace": ws, "kind": "gohighlevel"}),
            )
            .await;
        let job = wait_for_job(&app, &s, &ws, c.sync_job_id.unwrap()).await;
        assert_eq!(job.job.status, "failed");
        assert_eq!(job.job.attempts, 1, "a refused token is not retried");
        let c = ghl(&app, &s, &ws).await;
        assert_eq!(c.state, ConnectorState::NeedsAttention);
        let what = c.attention.unwrap_or_default();
        assert!(
            what.contains("GoHighLevel") && what.contains("reconnect"),
            "{what}"
        );
        app.stop().await;
    }
);

crate::both_backends!(
    gohighlevel_rate_limits_are_waited_out_and_a_truncated_page_writes_nothing,
    empty_db = |db: TestDb| async move {
        let now = chrono::Utc::now().timestamp_millis();
        let (app, ghl_fake) = start(db, location(now)).await;
        let (s, ws) = owner_of_new_workspace(&app, "owner@ghl-limits.example").await;
        let ws = ws.slug;
        ghl_fake.with(|d| {
            d.rate_limit_next = 1;
            d.truncate = Some("contacts");
        });
        let c = connect(&app, &s, &ws).await;
        let job_id = c.sync_job_id.unwrap();
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
        assert!(
            error.contains("GoHighLevel") && error.contains("could not be read"),
            "{error}"
        );
        let contacts: Vec<Contact> = list(&app, &s, &ws, "list_contacts").await;
        assert!(contacts.is_empty(), "nothing half-written");
        let done = wait_for_job(&app, &s, &ws, job_id).await;
        assert_eq!(done.job.status, "succeeded", "{:?}", done.job.last_error);
        let contacts: Vec<Contact> = list(&app, &s, &ws, "list_contacts").await;
        assert_eq!(contacts.len(), 3);
        app.stop().await;
    }
);
