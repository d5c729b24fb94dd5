//! Apollo enrichment end to end, against `fake_apollo`, on both databases.

use serde_json::json;

use crate::common::{
    owner_of_new_workspace, spawn_with, test_config, wait_for_job, Session, TestApp, TestDb,
};
use crate::fake_apollo::{self as fake, FakeApollo};
use app::types::{Company, Connector, ConnectorKind, ConnectorState, Job};

async fn start(db: TestDb, known: &[&str]) -> (TestApp, FakeApollo) {
    let apollo = FakeApollo::start(known).await;
    let mut config = test_config(&db.url);
    config.apollo_api_url = apollo.base_url();
    (spawn_with(db, config, |_| None).await, apollo)
}

async fn company(app: &TestApp, s: &Session, ws: &str, input: serde_json::Value) -> Company {
    s.ok(
        &app.client,
        "create_company",
        json!({"workspace": ws, "input": input}),
    )
    .await
}

async fn apollo_card(app: &TestApp, s: &Session, ws: &str) -> Connector {
    let all: Vec<Connector> = s
        .ok(&app.client, "list_connectors", json!({"workspace": ws}))
        .await;
    all.into_iter()
        .find(|c| c.kind == ConnectorKind::Apollo)
        .unwrap()
}

crate::both_backends!(
    enrichment_fills_what_is_empty_and_never_what_a_person_typed,
    empty_db = |db: TestDb| async move {
        let (app, _apollo) = start(db, &["acme.example", "globex.example"]).await;
        let (s, ws) = owner_of_new_workspace(&app, "owner@enrich.example").await;
        let ws = ws.slug;
        let acme = company(
            &app,
            &s,
            &ws,
            json!({"name": "Acme", "domain": "acme.example", "industry": "Rockets"}),
        )
        .await;

        // Not connected: a clear refusal.
        let refused = s
            .call(
                &app.client,
                "enrich_company",
                json!({"workspace": ws, "id": acme.id}),
            )
            .await;
        assert_eq!(refused.status(), 409);

        let wrong = s
            .call(
                &app.client,
                "connect_connector",
                json!({"workspace": ws, "input": {"kind": "apollo", "access_token": "nope"}}),
            )
            .await;
        assert_eq!(wrong.status(), 422);
        let c: Connector = s
            .ok(
                &app.client,
                "connect_connector",
                json!({"workspace": ws, "input": {"kind": "apollo", "access_token": fake::KEY}}),
            )
            .await;
        assert_eq!(c.state, ConnectorState::Connected);
        assert_eq!(c.sync_job_id, None, "connecting spends no credits");

        let enriched: Company = s
            .ok(
                &app.client,
                "enrich_company",
                json!({"workspace": ws, "id": acme.id}),
            )
            .await;
        assert_eq!(
            enriched.industry.as_deref(),
            Some("Rockets"),
            "a typed value is kept"
        );
        assert_eq!(enriched.employee_count, Some(340));
        assert_eq!(enriched.country.as_deref(), Some("US"));
        assert_eq!(enriched.founded_year, Some(2012));
        assert_eq!(enriched.technologies.as_deref(), Some("Salesforce, AWS"));
        assert_eq!(
            enriched.funding.as_deref(),
            Some("Series B; 45,000,000 USD raised")
        );
        assert!(enriched.enriched_at.is_some());
        assert_eq!(enriched.field_sources["employee_count"].source, "apollo");
        assert_eq!(enriched.field_sources["industry"].source, "manual");
        assert_eq!(
            apollo_card(&app, &s, &ws).await.counts.get("credits"),
            Some(&1)
        );

        // A person corrects what Apollo wrote: the field is theirs now, and the next
        // enrichment leaves it.
        let edited: Company = s
            .ok(
                &app.client,
                "update_company",
                json!({"workspace": ws, "id": acme.id, "input": {
                    "name": "Acme", "domain": "acme.example", "industry": "Rockets",
                    "employee_count": 999, "country": "US", "founded_year": 2012}}),
            )
            .await;
        assert_eq!(edited.field_sources["employee_count"].source, "manual");
        assert_eq!(
            edited.field_sources["country"].source, "apollo",
            "an unchanged value keeps its source"
        );
        let again: Company = s
            .ok(
                &app.client,
                "enrich_company",
                json!({"workspace": ws, "id": acme.id}),
            )
            .await;
        assert_eq!(again.employee_count, Some(999), "a corrected value is kept");
        assert_eq!(again.field_sources["employee_count"].source, "manual");
        app.stop().await;
    }
);

crate::both_backends!(
    enriching_companies_missing_data_is_a_job_that_counts_its_credits,
    empty_db = |db: TestDb| async move {
        let (app, apollo) = start(
            db,
            &["c0.example", "c1.example", "c5.example", "c11.example"],
        )
        .await;
        let (s, ws) = owner_of_new_workspace(&app, "owner@bulk.example").await;
        let ws = ws.slug;
        for i in 0..12 {
            company(
                &app,
                &s,
                &ws,
                json!({"name": format!("Co {i}"), "domain": format!("c{i}.example")}),
            )
            .await;
        }
        company(&app, &s, &ws, json!({"name": "No domain"})).await;
        let _: Connector = s
            .ok(
                &app.client,
                "connect_connector",
                json!({"workspace": ws, "input": {"kind": "apollo", "access_token": fake::KEY}}),
            )
            .await;
        let job: Job = s
            .ok(&app.client, "enrich_companies", json!({"workspace": ws}))
            .await;
        assert_eq!(job.kind, "apollo_enrich");
        let done = wait_for_job(&app, &s, &ws, job.id).await;
        assert_eq!(done.job.status, "succeeded", "{:?}", done.job.last_error);
        let result = done.job.result.unwrap();
        assert_eq!(
            result["looked_up"], 12,
            "companies without a domain are left out"
        );
        assert_eq!(result["enriched"], 4);
        assert_eq!(result["credits"], 4);
        let calls = apollo.calls.lock().unwrap().clone();
        assert_eq!(calls.len(), 2, "ten domains a call: {calls:?}");
        assert!(calls.iter().all(|c| c.len() <= 10));
        assert!(
            done.events
                .iter()
                .any(|e| e.message == "12 of 12 companies"),
            "{:?}",
            done.events
        );
        assert_eq!(
            apollo_card(&app, &s, &ws).await.counts.get("credits"),
            Some(&4)
        );

        // Everything was looked at just now: a second run has nothing to do.
        let again: Job = s
            .ok(&app.client, "enrich_companies", json!({"workspace": ws}))
            .await;
        let second = wait_for_job(&app, &s, &ws, again.id).await;
        assert_eq!(second.job.result.unwrap()["looked_up"], 0);
        assert_eq!(apollo.calls.lock().unwrap().len(), 2);
        app.stop().await;
    }
);
