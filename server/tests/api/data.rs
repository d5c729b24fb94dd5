//! Workspace data over real HTTP on SQLite and PostgreSQL: validation with field errors,
//! lists (search, filters, sorts, page boundaries), deals across stages, and the rules that
//! keep records inside their workspace.

use crate::common;

use common::{Session, TestApp};
use serde_json::{json, Value};

use app::types::{BoardColumn, Company, CompanySummary, Deal, Page, Pipeline};

const PW: &str = "correct horse battery";

async fn owner(app: &TestApp, email: &str) -> (Session, String) {
    let s = app.sign_up(email, "Owner", PW).await;
    let info: Option<app::types::SessionInfo> =
        s.ok(&app.client, "current_session", json!({})).await;
    let slug = info.unwrap().workspaces[0].slug.clone();
    (s, slug)
}

async fn company(app: &TestApp, s: &Session, ws: &str, input: Value) -> Company {
    s.ok(
        &app.client,
        "create_company",
        json!({"workspace": ws, "input": input}),
    )
    .await
}

async fn list(app: &TestApp, s: &Session, ws: &str, query: Value) -> Page<Company> {
    s.ok(
        &app.client,
        "list_companies",
        json!({"workspace": ws, "query": query}),
    )
    .await
}

fn names(p: &Page<Company>) -> Vec<&str> {
    p.items.iter().map(|c| c.name.as_str()).collect()
}

both_backends!(company_validation_and_crud, |app: TestApp| async move {
    let (s, ws) = owner(&app, "c@example.com").await;
    // Every bad field is reported, next to its name, and nothing is written.
    let res = s
        .call(
            &app.client,
            "create_company",
            json!({"workspace": ws, "input": {
                "name": "", "domain": "not a domain", "employee_count": -1, "annual_revenue": "-5",
                "country": "Germany", "website": "javascript:alert(1)"
            }}),
        )
        .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    for f in [
        "name",
        "domain",
        "employee_count",
        "annual_revenue",
        "country",
        "website",
    ] {
        assert!(fields.contains(&f), "{f} missing in {fields:?}");
    }
    assert_eq!(list(&app, &s, &ws, json!({})).await.total, 0);

    let acme = company(&app, &s, &ws, json!({
        "name": "Acme <b>Corp</b>", "domain": "https://www.ACME.com/x", "industry": "Software",
        "employee_count": 120, "annual_revenue": "1,250,000.50", "country": "de", "tags": ["SaaS", "b2b"]
    }))
    .await;
    assert_eq!(acme.domain.as_deref(), Some("acme.com"));
    assert_eq!(acme.name, "Acme <b>Corp</b>", "stored as text");
    assert_eq!(acme.annual_revenue.unwrap().minor, 125_000_050);
    assert_eq!(acme.country.as_deref(), Some("DE"));

    // Domains are unique per workspace.
    let dup = s
        .call(
            &app.client,
            "create_company",
            json!({"workspace": ws, "input": {"name": "Other", "domain": "acme.com"}}),
        )
        .await;
    assert_eq!(dup.status(), 422);
    assert_eq!(
        dup.json::<Value>().await.unwrap()["fields"][0]["field"],
        "domain"
    );

    // Update replaces the fields; delete removes.
    let updated: Company = s.ok(&app.client, "update_company", json!({"workspace": ws, "id": acme.id, "input": {"name": "Acme", "domain": "acme.com", "tags": []}})).await;
    assert_eq!(updated.industry, None);
    assert!(updated.tags.is_empty());
    let _: () = s
        .ok(
            &app.client,
            "delete_company",
            json!({"workspace": ws, "id": acme.id}),
        )
        .await;
    let gone = s
        .call(
            &app.client,
            "get_company",
            json!({"workspace": ws, "id": acme.id}),
        )
        .await;
    assert_eq!(gone.status(), 404);

    // The page escapes what the API stored as text — in the body and in the <title>.
    let c = company(
        &app,
        &s,
        &ws,
        json!({"name": "</title><script>alert('x')</script>"}),
    )
    .await;
    let html = s
        .get(&app.client, &format!("/w/{ws}/companies/{}", c.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !html.contains("<script>alert('x')</script>"),
        "stored markup reached the page"
    );
    assert!(!html.contains("</title><script>"));
    assert!(html.contains("&lt;script&gt;"));

    let audit: Page<app::types::AuditEntry> = s
        .ok(
            &app.client,
            "list_audit_log",
            json!({"workspace": ws, "action": "company."}),
        )
        .await;
    let actions: Vec<&str> = audit.items.iter().map(|e| e.action.as_str()).collect();
    for a in ["company.created", "company.updated", "company.deleted"] {
        assert!(actions.contains(&a), "{a} not audited");
    }
});

both_backends!(
    company_lists_search_filter_sort_and_page,
    |app: TestApp| async move {
        let (s, ws) = owner(&app, "l@example.com").await;
        for (i, (name, industry, country, employees, tag)) in [
            ("Alpha Analytics", "Software", "DE", 15, "saas"),
            ("beta Bank", "Finance", "US", 3000, "fintech"),
            ("Gamma Goods", "Retail", "DE", 40, ""),
            ("Delta Data", "Software", "US", 700, "saas"),
            ("Epsilon Energy", "Energy", "FR", 9000, ""),
        ]
        .iter()
        .enumerate()
        {
            company(&app, &s, &ws, json!({"name": name, "domain": format!("c{i}.example.com"), "industry": industry,
            "country": country, "employee_count": employees, "tags": if tag.is_empty() { vec![] } else { vec![*tag] }})).await;
        }
        // Default sort is by name, case-insensitively.
        assert_eq!(
            names(&list(&app, &s, &ws, json!({})).await),
            [
                "Alpha Analytics",
                "beta Bank",
                "Delta Data",
                "Epsilon Energy",
                "Gamma Goods"
            ]
        );
        // Search matches inside names and domains.
        assert_eq!(
            names(&list(&app, &s, &ws, json!({"search": "DATA"})).await),
            ["Delta Data"]
        );
        assert_eq!(
            list(&app, &s, &ws, json!({"search": "c2.example"}))
                .await
                .total,
            1
        );
        // LIKE wildcards in the search are literal.
        assert_eq!(list(&app, &s, &ws, json!({"search": "%"})).await.total, 0);
        // Filters combine.
        let p = list(
            &app,
            &s,
            &ws,
            json!({"filters": {"industry": "Software", "country": "us"}}),
        )
        .await;
        assert_eq!(names(&p), ["Delta Data"]);
        assert_eq!(
            list(&app, &s, &ws, json!({"filters": {"tag": "SaaS"}}))
                .await
                .total,
            2
        );
        assert_eq!(
            names(&list(&app, &s, &ws, json!({"filters": {"size": "5001+"}})).await),
            ["Epsilon Energy"]
        );
        // Sorts, both directions.
        assert_eq!(
            names(&list(&app, &s, &ws, json!({"sort": "-employees", "per_page": 2})).await),
            ["Epsilon Energy", "beta Bank"]
        );
        assert_eq!(
            names(&list(&app, &s, &ws, json!({"sort": "employees", "per_page": 1})).await),
            ["Alpha Analytics"]
        );
        // Page boundaries: the last page is partial, past the end is empty, totals stay.
        let last = list(&app, &s, &ws, json!({"per_page": 2, "page": 3})).await;
        assert_eq!((last.items.len(), last.total, last.pages()), (1, 5, 3));
        let past = list(&app, &s, &ws, json!({"per_page": 2, "page": 9})).await;
        assert_eq!((past.items.len(), past.total), (0, 5));
        // Pages never overlap, even with equal sort values.
        let mut seen = vec![];
        for page in 1..=5 {
            let p = list(
                &app,
                &s,
                &ws,
                json!({"sort": "industry", "per_page": 1, "page": page}),
            )
            .await;
            seen.push(p.items[0].id);
        }
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 5);
        // Unknown filters and sorts are refused, not ignored.
        for q in [
            json!({"filters": {"industy": "x"}}),
            json!({"sort": "password"}),
            json!({"filters": {"size": "huge"}}),
        ] {
            let res = s
                .call(
                    &app.client,
                    "list_companies",
                    json!({"workspace": ws, "query": q}),
                )
                .await;
            assert_eq!(res.status(), 422, "{q}");
        }
    }
);

both_backends!(deals_follow_their_pipeline, |app: TestApp| async move {
    let (s, ws) = owner(&app, "d@example.com").await;
    let pipelines: Vec<Pipeline> = s
        .ok(&app.client, "list_pipelines", json!({"workspace": ws}))
        .await;
    assert_eq!(
        pipelines
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        ["New business", "Renewals"]
    );
    let nb = &pipelines[0];
    assert_eq!(
        nb.stages
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>(),
        [
            "Lead",
            "Qualified",
            "Proposal",
            "Negotiation",
            "Won",
            "Lost"
        ]
    );
    let renewals = &pipelines[1];
    let acme = company(&app, &s, &ws, json!({"name": "Acme"})).await;

    // A stage of another pipeline, a negative amount and a stranger as owner are refused.
    let res = s
        .call(&app.client, "create_deal", json!({"workspace": ws, "input": {
            "name": "Bad", "pipeline_id": nb.id, "stage_id": renewals.stages[0].id, "amount": "-10", "owner_id": 999999
        }}))
        .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"stage_id") && fields.contains(&"amount") && fields.contains(&"owner_id"),
        "{fields:?}"
    );

    let lead = nb.stages[0].id;
    let won = nb.stages[4].id;
    let d1: Deal = s.ok(&app.client, "create_deal", json!({"workspace": ws, "input": {
        "name": "Acme expansion", "pipeline_id": nb.id, "stage_id": lead, "company_id": acme.id, "amount": "12,500", "expected_close": "2027-01-31"
    }})).await;
    assert_eq!(d1.probability, 10, "the stage's default");
    assert_eq!(d1.amount.minor, 1_250_000);
    assert!(d1.closed_at.is_none());
    let _d2: Deal = s.ok(&app.client, "create_deal", json!({"workspace": ws, "input": {
        "name": "Small", "pipeline_id": nb.id, "stage_id": lead, "amount": "100", "currency": "EUR", "probability": 40
    }})).await;

    // Moving to Won closes the deal, takes the stage's probability, and is audited.
    let moved: Deal = s
        .ok(
            &app.client,
            "move_deal",
            json!({"workspace": ws, "id": d1.id, "stage_id": won}),
        )
        .await;
    assert_eq!(moved.stage_name, "Won");
    assert_eq!(moved.probability, 100);
    assert!(moved.closed_at.is_some());
    assert!(moved.stage_entered_at >= d1.stage_entered_at);
    let res = s
        .call(
            &app.client,
            "move_deal",
            json!({"workspace": ws, "id": d1.id, "stage_id": renewals.stages[0].id}),
        )
        .await;
    assert_eq!(res.status(), 422);

    // The board totals come from every deal of the stage, per currency.
    let board: Vec<BoardColumn> = s
        .ok(
            &app.client,
            "deal_board",
            json!({"workspace": ws, "pipeline_id": nb.id, "query": {}}),
        )
        .await;
    let lead_col = board.iter().find(|c| c.stage.id == lead).unwrap();
    assert_eq!(lead_col.count, 1);
    assert_eq!(lead_col.total[0].format(), "€100");
    assert_eq!(lead_col.weighted[0].minor, 4000);
    let won_col = board.iter().find(|c| c.stage.id == won).unwrap();
    assert_eq!((won_col.count, won_col.total[0].minor), (1, 1_250_000));

    // Lists filter by status and amount.
    let open: Page<Deal> = s
        .ok(
            &app.client,
            "list_deals",
            json!({"workspace": ws, "query": {"filters": {"status": "open"}}}),
        )
        .await;
    assert_eq!(
        open.items
            .iter()
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>(),
        ["Small"]
    );
    let big: Page<Deal> = s
        .ok(
            &app.client,
            "list_deals",
            json!({"workspace": ws, "query": {"filters": {"min_amount": "1000"}}}),
        )
        .await;
    assert_eq!(big.total, 1);

    // The company page sees its deal and totals.
    let summary: CompanySummary = s
        .ok(
            &app.client,
            "get_company_summary",
            json!({"workspace": ws, "id": acme.id}),
        )
        .await;
    assert_eq!(summary.deals.len(), 1);
    assert_eq!(summary.won_total[0].minor, 1_250_000);
    assert_eq!(summary.open_deals, 0);

    // A stage holding deals cannot be removed.
    let stages: Vec<Value> = nb.stages.iter().skip(1).map(|st| json!({"id": st.id, "name": st.name, "default_probability": st.default_probability, "kind": st.kind})).collect();
    let res = s
        .call(
            &app.client,
            "update_pipeline",
            json!({"workspace": ws, "id": nb.id, "name": "New business", "stages": stages}),
        )
        .await;
    assert_eq!(res.status(), 409);

    let audit: Page<app::types::AuditEntry> = s
        .ok(
            &app.client,
            "list_audit_log",
            json!({"workspace": ws, "action": "deal.stage_changed"}),
        )
        .await;
    assert_eq!(audit.total, 1);
    assert!(audit.items[0]
        .detail
        .as_deref()
        .unwrap()
        .contains("Lead → Won"));
});

both_backends!(related_records_validate, |app: TestApp| async move {
    let (s, ws) = owner(&app, "r@example.com").await;
    let a = company(&app, &s, &ws, json!({"name": "A"})).await;
    let b = company(&app, &s, &ws, json!({"name": "B"})).await;
    // Competitors: never oneself; upsert changes the threat level.
    let res = s.call(&app.client, "save_competitor", json!({"workspace": ws, "input": {"company_id": a.id, "competitor_id": a.id, "threat_level": "high"}})).await;
    assert_eq!(res.status(), 422);
    let _: Value = s.ok(&app.client, "save_competitor", json!({"workspace": ws, "input": {"company_id": a.id, "competitor_id": b.id, "threat_level": "low"}})).await;
    let c: app::types::Competitor = s.ok(&app.client, "save_competitor", json!({"workspace": ws, "input": {"company_id": a.id, "competitor_id": b.id, "threat_level": "high"}})).await;
    assert_eq!(c.threat_level, app::types::ThreatLevel::High);
    let list: Vec<app::types::Competitor> = s
        .ok(
            &app.client,
            "list_competitors",
            json!({"workspace": ws, "company_id": a.id}),
        )
        .await;
    assert_eq!((list.len(), list[0].competitor_name.as_str()), (1, "B"));

    // Contacts: e-mails unique per workspace.
    let _: Value = s.ok(&app.client, "create_contact", json!({"workspace": ws, "input": {"name": "Ann", "email": "ann@a.com", "company_id": a.id}})).await;
    let dup = s
        .call(
            &app.client,
            "create_contact",
            json!({"workspace": ws, "input": {"name": "Ann 2", "email": "ANN@a.com"}}),
        )
        .await;
    assert_eq!(dup.status(), 422);

    // Activities must be attached to something of this workspace.
    let res = s
        .call(
            &app.client,
            "create_activity",
            json!({"workspace": ws, "input": {"kind": "call", "subject": "Hello"}}),
        )
        .await;
    assert_eq!(res.status(), 422);
    let _: Value = s.ok(&app.client, "create_activity", json!({"workspace": ws, "input": {"kind": "note", "subject": "Met at expo", "company_id": a.id}})).await;

    // Signals: sentiment within −1…1.
    let res = s.call(&app.client, "create_signal", json!({"workspace": ws, "input": {"company_id": a.id, "source_kind": "news", "title": "x", "sentiment": 1.5, "published_at": "2026-01-01T00:00:00Z"}})).await;
    assert_eq!(res.status(), 422);
    let _: Value = s.ok(&app.client, "create_signal", json!({"workspace": ws, "input": {"company_id": a.id, "source_kind": "review", "title": "Great support", "sentiment": 0.8, "published_at": "2026-01-01T00:00:00Z"}})).await;

    // Metrics belong to a company or a segment.
    let res = s.call(&app.client, "create_metric", json!({"workspace": ws, "input": {"metric": "headcount", "value": 10.0, "observed_at": "2026-01-01T00:00:00Z"}})).await;
    assert_eq!(res.status(), 422);
    let _: Value = s.ok(&app.client, "create_metric", json!({"workspace": ws, "input": {"company_id": a.id, "metric": "headcount", "value": 10.0, "observed_at": "2026-01-01T00:00:00Z"}})).await;

    let summary: CompanySummary = s
        .ok(
            &app.client,
            "get_company_summary",
            json!({"workspace": ws, "id": a.id}),
        )
        .await;
    assert_eq!(summary.contacts.len(), 1);
    assert_eq!(summary.recent_activities.len(), 1);
    assert_eq!(summary.latest_signals.len(), 1);
    assert_eq!(summary.metrics[0].metric, "headcount");
    assert_eq!(summary.average_sentiment, Some(0.8));
    let b_summary: CompanySummary = s
        .ok(
            &app.client,
            "get_company_summary",
            json!({"workspace": ws, "id": b.id}),
        )
        .await;
    assert_eq!(b_summary.competitor_of[0].competitor_name, "A");

    // A viewer reads but never writes.
    let inv: app::types::CreatedInvitation = s
        .ok(
            &app.client,
            "create_invitation",
            json!({"workspace": ws, "role": "viewer"}),
        )
        .await;
    let viewer = app
        .sign_up_with(&[
            ("email", "v@example.com"),
            ("name", "V"),
            ("password", PW),
            ("invite", inv.url.rsplit('/').next().unwrap()),
        ])
        .await;
    let res = viewer
        .call(
            &app.client,
            "create_company",
            json!({"workspace": ws, "input": {"name": "Nope"}}),
        )
        .await;
    assert_eq!(res.status(), 403);
    let page: Page<Company> = viewer
        .ok(
            &app.client,
            "list_companies",
            json!({"workspace": ws, "query": {}}),
        )
        .await;
    assert_eq!(page.total, 2);
});

both_backends!(counts_stop_at_their_limit, |app: TestApp| async move {
    // Lists count at most so far past the page (an exact COUNT(*) over a million rows costs
    // every page view); the answer says whether it stopped early.
    use app::backend::{entity::companies, repo::list::count_up_to};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

    let (s, ws) = owner(&app, "counter@example.com").await;
    for name in ["Ada", "Bea", "Cy", "Dot"] {
        company(&app, &s, &ws, json!({ "name": name })).await;
    }
    let db = app.db.connect().await;
    let all = companies::Entity::find().order_by_asc(companies::Column::NameKey);
    assert_eq!(count_up_to(&db, &all, 10).await.unwrap(), (4, true));
    assert_eq!(count_up_to(&db, &all, 4).await.unwrap(), (4, true));
    assert_eq!(count_up_to(&db, &all, 3).await.unwrap(), (3, false));
    let some = all.filter(companies::Column::NameKey.ne("ada"));
    assert_eq!(count_up_to(&db, &some, 2).await.unwrap(), (2, false));

    let page = list(&app, &s, &ws, json!({ "per_page": 2 })).await;
    assert_eq!((page.total, page.total_exact), (4, true));
    assert!(page.has_next());
});

both_backends!(
    list_totals_follow_every_announced_change,
    |app: TestApp| async move {
        use app::backend::demo::{self, DemoActor, DemoSpec};
        use app::backend::events::{Event, Topic};
        let (s, ws) = common::owner_of_new_workspace(&app, "totals@example.com").await;
        let software = json!({"filters": {"industry": "Software"}});
        assert_eq!(list(&app, &s, &ws.slug, software.clone()).await.total, 0);

        // Through the API, the writer's next page counts afresh.
        company(
            &app,
            &s,
            &ws.slug,
            json!({"name": "Counted", "industry": "Software"}),
        )
        .await;
        assert_eq!(list(&app, &s, &ws.slug, software.clone()).await.total, 1);

        // A write from elsewhere (`server seed`, a worker process) that nothing announced: the rows
        // are read fresh, the total is the remembered one — which shows the count is not redone.
        let spec = DemoSpec {
            companies: 40,
            deals: 0,
            keep_indexes: true,
            ..DemoSpec::standard()
        };
        let actor = DemoActor {
            user_id: None,
            label: "test".into(),
            ip: None,
        };
        // `seed` refuses a workspace with companies; this one is fresh.
        let (s2, ws2) = common::owner_of_new_workspace(&app, "seeded@example.com").await;
        let all = json!({});
        assert_eq!(list(&app, &s2, &ws2.slug, all.clone()).await.total, 0);
        demo::seed(
            &app.state.db,
            common::workspace(&app.state.db, ws2.id).await,
            &[],
            &actor,
            &spec,
        )
        .await
        .unwrap();
        let stale = list(&app, &s2, &ws2.slug, all.clone()).await;
        assert_eq!((stale.total, stale.items.is_empty()), (0, false));

        // Announced on the bus (as another process's change arrives over LISTEN/NOTIFY), it is
        // counted on the next page.
        app.state
            .events()
            .publish(Event::new(
                Some(ws2.id),
                Topic::Data {
                    entity: "companies".into(),
                },
            ))
            .await;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let total = list(&app, &s2, &ws2.slug, all.clone()).await.total;
            if total == 40 {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "total stuck at {total}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        // The other workspace's total was not disturbed and is still right.
        assert_eq!(list(&app, &s, &ws.slug, software).await.total, 1);
    }
);
