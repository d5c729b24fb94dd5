//! The spine end to end over real HTTP, on SQLite and on PostgreSQL: server-rendered pages,
//! the `system_status` server function, health checks and the JSON error model.

use crate::common;

use common::{Backend, TestApp};
use serde_json::{json, Value};

both_backends!(
    home_page_is_server_rendered_html,
    |app: TestApp| async move {
        // Signed out, `/` leads to the sign-in page; signed in, to the first workspace.
        let res = app.client.get(app.url("/")).send().await.unwrap();
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], "/login");
        let s = app
            .sign_up("home@example.com", "Home Owner", "correct horse battery")
            .await;
        let res = s.get(&app.client, "/").await;
        assert_eq!(res.status(), 303);
        let workspace = res.headers()["location"].to_str().unwrap().to_owned();
        assert!(workspace.starts_with("/w/"), "{workspace}");

        let res = s.get(&app.client, &workspace).await;
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert!(
            res.headers().contains_key("x-request-id"),
            "every response carries a request id"
        );
        let html = res.text().await.unwrap();
        assert!(html.contains("<!DOCTYPE html>"));
        assert!(
            html.contains(r#"aria-label="Main""#),
            "the sidebar navigation is rendered"
        );
        assert!(html.contains("Dashboard"));
        assert!(
            html.contains("Home Owner"),
            "the signed-in person is in the first paint"
        );
        assert!(
            html.contains("/pkg/hyperformant.js"),
            "the hydration script is referenced"
        );
        // The dashboard's figures are in the first paint, not fetched after load.
        assert!(html.contains(r#"data-testid="kpis""#));
        assert!(html.contains("Open pipeline"));
    }
);

both_backends!(
    system_status_reports_backend_and_migrations,
    |app: TestApp| async move {
        let res = app.call("system_status", json!({})).await;
        assert_eq!(res.status(), 401, "signed-out callers get nothing");
        assert_eq!(res.json::<Value>().await.unwrap()["code"], "unauthorized");
        let s = app
            .sign_up("sys@example.com", "Sys", "correct horse battery")
            .await;
        let res = s.call(&app.client, "system_status", json!({})).await;
        assert_eq!(res.status(), 200);
        let status: app::types::SystemStatus = res.json().await.unwrap();
        let expected = match app.db.backend {
            Backend::Sqlite => app::types::DatabaseBackend::Sqlite,
            Backend::Postgres => app::types::DatabaseBackend::Postgres,
        };
        assert_eq!(status.backend, expected);
        assert!(!status.database_version.is_empty());
        assert!(status.is_current());
        assert!(status
            .migrations
            .iter()
            .any(|m| m.name == "m20261123_000001_identity" && m.applied));
        assert!(status.migrations.iter().all(|m| m.applied));
    }
);

both_backends!(health_and_readiness, |app: TestApp| async move {
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.json::<Value>().await.unwrap()["status"], "ready");
});

both_backends!(
    malformed_json_is_a_400_json_error,
    |app: TestApp| async move {
        let res = app
            .client
            .post(app.url("/api/system_status"))
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "bad_request");
        assert!(body["message"]
            .as_str()
            .unwrap()
            .contains("invalid request body"));
    }
);

both_backends!(
    unknown_endpoints_and_methods_answer_in_json,
    |app: TestApp| async move {
        let res = app.call("no_such_function", json!({})).await;
        assert_eq!(res.status(), 404);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "not_found");

        let res = app
            .client
            .get(app.url("/api/system_status"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 405);
        assert_eq!(res.headers()["allow"], "POST");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "method_not_allowed");
    }
);

both_backends!(oversized_bodies_are_413_json, |app: TestApp| async move {
    let big = "x".repeat(200 * 1024);
    let res = app
        .client
        .post(app.url("/api/system_status"))
        .header("content-type", "application/json")
        .body(format!(r#"{{"pad":"{big}"}}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "payload_too_large");
});

both_backends!(unknown_pages_are_404_html, |app: TestApp| async move {
    let res = app
        .client
        .get(app.url("/no/such/page"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let html = res.text().await.unwrap();
    assert!(html.contains("This page does not exist"));
});

both_backends!(graceful_shutdown_completes, |app: TestApp| async move {
    // Stopping waits for the server task and closes every pool it opened: on PostgreSQL
    // the list pages' pool is one of its own.
    let state = app.state.clone();
    app.stop().await;
    for pool in [&state.db, state.list_db()] {
        let closed = match pool.get_database_backend() {
            sea_orm::DbBackend::Postgres => pool.get_postgres_connection_pool().is_closed(),
            _ => pool.get_sqlite_connection_pool().is_closed(),
        };
        assert!(closed, "a pool is still open after the stop");
    }
});

// A database the server may not migrate: /readyz must say 503 and why.
both_backends!(
    readiness_fails_while_migrations_are_pending,
    config = |c: &mut server::Config| c.migrate_on_start = false,
    |app: TestApp| async move {
        let res = app.client.get(app.url("/readyz")).send().await.unwrap();
        assert_eq!(res.status(), 503);
        let body: Value = res.json().await.unwrap();
        assert!(
            body["reason"].as_str().unwrap().contains("pending"),
            "{body}"
        );
    }
);

both_backends!(
    concurrent_pages_render_for_their_own_request,
    |app: TestApp| async move {
        // Many pages rendered at once must not share anything: each shows its own person,
        // and its CSP names the nonce its own scripts carry.
        let mut people = Vec::new();
        for i in 0..3 {
            let email = format!("racer{i}@example.com");
            let s = app
                .sign_up(&email, &format!("Racer Number{i}"), "correct horse battery")
                .await;
            let home = s.get(&app.client, "/").await;
            let workspace = home.headers()["location"].to_str().unwrap().to_owned();
            people.push((s, email, workspace));
        }
        let mut tasks = Vec::new();
        for round in 0..12 {
            for (i, (s, email, workspace)) in people.iter().enumerate() {
                let (s, email, client) = (s.clone(), email.clone(), app.client.clone());
                let page = ["", "/companies", "/deals", "/settings/members"][(round + i) % 4];
                let path = format!("{workspace}{page}");
                tasks.push(tokio::spawn(async move {
                    let res = s.get(&client, &path).await;
                    assert_eq!(res.status(), 200, "{path}");
                    let csp = res.headers()["content-security-policy"]
                        .to_str()
                        .unwrap()
                        .to_owned();
                    let html = res.text().await.unwrap();
                    (path, email, csp, html)
                }));
            }
        }
        for t in tasks {
            let (path, email, csp, html) = t.await.unwrap();
            assert!(html.contains(&email), "{path} shows its own person");
            for other in (0..3).map(|i| format!("racer{i}@example.com")) {
                assert!(
                    other == email || !html.contains(&other),
                    "{path} leaks {other}"
                );
            }
            let nonce = csp
                .split("'nonce-")
                .nth(1)
                .and_then(|r| r.split('\'').next())
                .unwrap_or_else(|| panic!("{path}: page CSP without a nonce: {csp}"));
            assert!(
                html.contains(&format!("nonce=\"{nonce}\"")),
                "{path}: the scripts carry the CSP's nonce"
            );
        }
    }
);
