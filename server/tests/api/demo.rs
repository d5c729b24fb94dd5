//! Demo data on SQLite and PostgreSQL: the empty-state button (admins only, empty workspaces
//! only), determinism of the generator, and the first-start demo workspace that the first
//! account to sign up owns.

use crate::common;

use common::{Backend, Session, TestApp, TestDb};
use serde_json::{json, Value};

use app::backend::demo::{self, DemoActor, DemoSpec};
use app::types::{Company, Deal, DemoDataReport, Page, SessionInfo};

const PW: &str = "correct horse battery";

async fn first_workspace(app: &TestApp, s: &Session) -> String {
    let info: Option<SessionInfo> = s.ok(&app.client, "current_session", json!({})).await;
    info.unwrap().workspaces[0].slug.clone()
}

/// The list's total, asked from a page near `expected` rows so the count (which stops a
/// thousand rows past the page asked for) is exact.
async fn total(app: &TestApp, s: &Session, endpoint: &str, ws: &str, expected: u64) -> u64 {
    let query = json!({"per_page": 200, "page": (expected / 200).max(1)});
    let page: Page<Value> = s
        .ok(
            &app.client,
            endpoint,
            json!({"workspace": ws, "query": query}),
        )
        .await;
    assert!(page.total_exact, "{endpoint}: counted to the end");
    page.total
}

both_backends!(
    demo_button_fills_an_empty_workspace_once,
    |app: TestApp| async move {
        let owner = app.sign_up("o@example.com", "Owner", PW).await;
        let ws = first_workspace(&app, &owner).await;

        // A viewer may look but not fill the workspace.
        let inv: app::types::CreatedInvitation = owner
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
            .call(&app.client, "create_demo_data", json!({"workspace": ws}))
            .await;
        assert_eq!(res.status(), 403);
        assert_eq!(total(&app, &owner, "list_companies", &ws, 0).await, 0);
        let dashboard = || async {
            let d: app::types::Dashboard = owner
                .ok(
                    &app.client,
                    "get_dashboard",
                    json!({"workspace": ws, "query": {"days": 365}}),
                )
                .await;
            d.computed_at
        };
        let empty_at = dashboard().await;

        let report: DemoDataReport = owner
            .ok(&app.client, "create_demo_data", json!({"workspace": ws}))
            .await;
        // The dashboard seen empty a moment ago is computed again, not served from its cache.
        assert!(dashboard().await > empty_at);
        let standard = DemoSpec::standard();
        assert_eq!(report.companies, standard.companies as u64);
        assert_eq!(report.deals, standard.deals as u64);
        assert!(report.contacts >= report.companies, "{report:?}");
        assert!(
            report.competitors > 0 && report.activities >= report.deals,
            "{report:?}"
        );
        assert!(report.metrics > 0 && report.signals > 0, "{report:?}");
        assert_eq!(
            total(&app, &owner, "list_companies", &ws, report.companies).await,
            report.companies
        );
        assert_eq!(
            total(&app, &owner, "list_deals", &ws, report.deals).await,
            report.deals
        );

        // Deals are owned by members who can own deals (the owner, not the viewer), and sit in
        // every kind of stage.
        let deals: Page<Deal> = owner
            .ok(
                &app.client,
                "list_deals",
                json!({"workspace": ws, "query": {"per_page": 100}}),
            )
            .await;
        assert!(
            deals
                .items
                .iter()
                .all(|d| d.owner_name.as_deref() == Some("Owner")),
            "deals belong to members who can own them, never to the viewer"
        );
        for status in ["open", "won", "lost"] {
            let n: Page<Deal> = owner
                .ok(
                    &app.client,
                    "list_deals",
                    json!({"workspace": ws, "query": {"filters": {"status": status}}}),
                )
                .await;
            assert!(n.total > 0, "no {status} deals");
        }

        // A second run would mix demo rows into the first: refused, nothing added.
        let res = owner
            .call(&app.client, "create_demo_data", json!({"workspace": ws}))
            .await;
        assert_eq!(res.status(), 409);
        assert_eq!(
            total(&app, &owner, "list_companies", &ws, report.companies).await,
            report.companies
        );

        // The audit log says who did it.
        let audit: Page<Value> = owner
            .ok(&app.client, "list_audit_log", json!({"workspace": ws}))
            .await;
        assert!(
            serde_json::to_string(&audit.items)
                .unwrap()
                .contains(demo::ACTION_SEEDED),
            "demo seeding is audited"
        );
    }
);

both_backends!(
    the_same_seed_gives_the_same_workspace,
    |app: TestApp| async move {
        let conn = app.db.connect().await;
        let spec = DemoSpec {
            companies: 40,
            deals: 150,
            seed: 7,
            anchor: demo::today(),
            keep_indexes: false,
        };
        let a = demo::create_workspace(&conn, "A", "demo-a").await.unwrap();
        let b = demo::create_workspace(&conn, "B", "demo-b").await.unwrap();
        let c = demo::create_workspace(&conn, "C", "demo-c").await.unwrap();
        let actor = DemoActor::default();
        let ra = demo::seed(&conn, a, &[], &actor, &spec).await.unwrap();
        let rb = demo::seed(&conn, b, &[], &actor, &spec).await.unwrap();
        let rc = demo::seed(
            &conn,
            c,
            &[],
            &actor,
            &DemoSpec {
                seed: 8,
                ..spec.clone()
            },
        )
        .await
        .unwrap();
        let counts = |r: &DemoDataReport| {
            (
                r.companies,
                r.contacts,
                r.competitors,
                r.deals,
                r.activities,
                r.metrics,
                r.signals,
            )
        };
        assert_eq!(counts(&ra), counts(&rb));
        assert_eq!(
            rc.companies, ra.companies,
            "the spec sets the size, the seed the content"
        );

        use app::backend::entity::{companies, deals};
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        let rows = |ws: i64| {
            let conn = conn.clone();
            async move {
                let cos: Vec<(String, Option<String>, Option<i32>)> = companies::Entity::find()
                    .filter(companies::Column::WorkspaceId.eq(ws))
                    .order_by_asc(companies::Column::Id)
                    .all(&conn)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|c| (c.name, c.domain, c.employee_count))
                    .collect();
                let ds: Vec<(String, i64, i32)> = deals::Entity::find()
                    .filter(deals::Column::WorkspaceId.eq(ws))
                    .order_by_asc(deals::Column::Id)
                    .all(&conn)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|d| (d.name, d.amount_minor, d.probability))
                    .collect();
                (cos, ds)
            }
        };
        let (ca, da) = rows(a.get()).await;
        let (cb, db) = rows(b.get()).await;
        let (cc, _) = rows(c.get()).await;
        assert_eq!(ca, cb, "same seed, same companies");
        assert_eq!(da, db, "same seed, same deals");
        assert_ne!(ca, cc, "another seed, other companies");
        assert!(da.iter().all(|d| d.1 > 0), "amounts are positive");

        // A bad size is a clear error, and writes nothing.
        let empty = demo::create_workspace(&conn, "E", "demo-e").await.unwrap();
        let err = demo::seed(
            &conn,
            empty,
            &[],
            &actor,
            &DemoSpec {
                companies: 0,
                ..spec
            },
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("companies must be"), "{err}");
        assert!(rows(empty.get()).await.0.is_empty());
    }
);

async fn first_start(app: TestApp) {
    // The first account owns the demo workspace and its deals.
    let first = app.sign_up("first@example.com", "First", PW).await;
    let info: Option<SessionInfo> = first.ok(&app.client, "current_session", json!({})).await;
    let info = info.unwrap();
    assert_eq!(info.workspaces.len(), 1);
    assert_eq!(info.workspaces[0].slug, demo::DEMO_SLUG);
    assert_eq!(info.workspaces[0].role, app::types::Role::Owner);
    let companies: Page<Company> = first
        .ok(
            &app.client,
            "list_companies",
            json!({"workspace": "demo", "query": {}}),
        )
        .await;
    assert_eq!(companies.total, DemoSpec::standard().companies as u64);
    let unowned: Page<Deal> = first
        .ok(
            &app.client,
            "list_deals",
            json!({"workspace": "demo", "query": {"per_page": 100}}),
        )
        .await;
    assert!(
        unowned.items.iter().all(|d| d.owner_id.is_some()),
        "every demo deal has an owner"
    );

    // Everyone after that starts with an empty workspace of their own and cannot see the demo.
    let second = app.sign_up("second@example.com", "Second", PW).await;
    let ws = first_workspace(&app, &second).await;
    assert_ne!(ws, demo::DEMO_SLUG);
    assert_eq!(total(&app, &second, "list_companies", &ws, 0).await, 0);
    let res = second
        .call(
            &app.client,
            "list_companies",
            json!({"workspace": "demo", "query": {}}),
        )
        .await;
    assert_eq!(res.status(), 404);
    app.stop().await;
}

both_backends!(
    first_start_seeds_a_demo_the_first_account_owns,
    config = |c: &mut server::Config| c.seed_demo = true,
    first_start
);

/// A seed gives its transaction's connection a page cache big enough for a million deals;
/// the connection goes back to the pool with the usual one, after a refused seed too.
// SQLite only: the page cache (PRAGMA cache_size) is SQLite's, set per connection.
#[tokio::test]
async fn a_seed_gives_its_connection_back_with_the_usual_page_cache() {
    use app::backend::db::{self, PoolSettings};
    use sea_orm::{ConnectionTrait, DbBackend, Statement};

    let test_db = TestDb::new(Backend::Sqlite).await;
    // One connection: whatever the seed did to it, the PRAGMA below sees.
    let conn = db::connect(
        &test_db.url,
        PoolSettings {
            max_connections: 1,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    db::migrate(&conn).await.unwrap();
    let cache_kib = || async {
        let row = conn
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA cache_size",
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    };
    assert_eq!(cache_kib().await, -db::SQLITE_CACHE_KIB);
    let ws = demo::create_workspace(&conn, "A", "demo-a").await.unwrap();
    let spec = DemoSpec {
        companies: 20,
        deals: 40,
        seed: 1,
        anchor: demo::today(),
        keep_indexes: false,
    };
    let actor = DemoActor::default();
    demo::seed(&conn, ws, &[], &actor, &spec).await.unwrap();
    assert_eq!(cache_kib().await, -db::SQLITE_CACHE_KIB);
    // The workspace is no longer empty: refused, on the same path through the transaction.
    assert!(demo::seed(&conn, ws, &[], &actor, &spec).await.is_err());
    assert_eq!(cache_kib().await, -db::SQLITE_CACHE_KIB);
}
