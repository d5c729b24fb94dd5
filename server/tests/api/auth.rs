//! Password sign-in, sessions, request security, workspaces, roles, invitations, API tokens
//! and the audit log — over real HTTP, on SQLite and PostgreSQL.

use crate::common;

use common::{session_cookie, TestApp};
use serde_json::{json, Value};

use app::types::{
    AuditEntry, CreatedApiToken, CreatedInvitation, Member, Page, SessionInfo, WorkspaceSummary,
};

const PW: &str = "correct horse battery";

async fn session_info(app: &TestApp, s: &common::Session) -> Option<SessionInfo> {
    s.ok(&app.client, "current_session", json!({})).await
}

both_backends!(
    sign_up_creates_an_owner_with_a_workspace,
    |app: TestApp| async move {
        let res = app
            .client
            .post(app.url("/auth/signup"))
            .header("origin", app.origin())
            .form(&[
                ("email", "Ada@Example.com"),
                ("name", "Ada Lovelace"),
                ("password", PW),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        let set_cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
        for attr in ["HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(set_cookie.contains(attr), "{set_cookie} lacks {attr}");
        }
        let s = app.sign_in("ada@example.com", PW).await.unwrap();
        let info = session_info(&app, &s).await.expect("signed in");
        assert_eq!(info.user.email, "ada@example.com", "stored lower-cased");
        assert_eq!(info.workspaces.len(), 1);
        assert_eq!(info.workspaces[0].role, app::types::Role::Owner);
        assert_eq!(info.workspaces[0].slug, "ada-s-workspace");
    }
);

both_backends!(
    bad_sign_up_input_is_refused_field_by_field,
    |app: TestApp| async move {
        for (form, field) in [
            (
                vec![("email", "not-an-email"), ("name", "X"), ("password", PW)],
                "email",
            ),
            (
                vec![("email", "x@example.com"), ("name", ""), ("password", PW)],
                "name",
            ),
            (
                vec![
                    ("email", "x@example.com"),
                    ("name", "X"),
                    ("password", "short"),
                ],
                "password",
            ),
        ] {
            let res = app
                .client
                .post(app.url("/auth/signup"))
                .header("origin", app.origin())
                .form(&form)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 303);
            assert!(session_cookie(&res).is_none(), "no session for bad input");
            let location = res.headers()["location"].to_str().unwrap();
            assert!(location.contains(&format!("field={field}")), "{location}");
        }
        app.sign_up("dup@example.com", "Dup", PW).await;
        let res = app
            .client
            .post(app.url("/auth/signup"))
            .header("origin", app.origin())
            .form(&[
                ("email", "DUP@example.com"),
                ("name", "Again"),
                ("password", PW),
            ])
            .send()
            .await
            .unwrap();
        assert!(session_cookie(&res).is_none());
        assert!(
            res.headers()["location"]
                .to_str()
                .unwrap()
                .contains("already%20exists")
                || res.headers()["location"]
                    .to_str()
                    .unwrap()
                    .contains("already+exists")
        );
    }
);

both_backends!(sessions_rotate_and_end, |app: TestApp| async move {
    let first = app.sign_up("bo@example.com", "Bo", PW).await;
    // A wrong password says only "invalid", whether or not the account exists.
    let wrong = app
        .sign_in("bo@example.com", "wrong password!")
        .await
        .unwrap_err();
    let unknown = app
        .sign_in("nobody@example.com", "wrong password!")
        .await
        .unwrap_err();
    assert!(wrong.starts_with("/login?error=invalid"), "{wrong}");
    assert!(unknown.starts_with("/login?error=invalid"), "{unknown}");

    let second = app.sign_in("bo@example.com", PW).await.unwrap();
    assert_ne!(
        first.cookie, second.cookie,
        "every sign-in gets a new session token"
    );
    assert!(
        session_info(&app, &first).await.is_some(),
        "other sessions stay"
    );

    // Sign-out ends exactly this session.
    let res = app
        .client
        .post(app.url("/auth/logout"))
        .header("cookie", second.header())
        .header("origin", app.origin())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    assert!(session_info(&app, &second).await.is_none());
    assert!(session_info(&app, &first).await.is_some());

    // "Sign out everywhere" ends all of them.
    let third = app.sign_in("bo@example.com", PW).await.unwrap();
    app.client
        .post(app.url("/auth/logout-everywhere"))
        .header("cookie", third.header())
        .header("origin", app.origin())
        .send()
        .await
        .unwrap();
    assert!(session_info(&app, &first).await.is_none());
    assert!(session_info(&app, &third).await.is_none());
});

both_backends!(
    forged_cookies_are_signed_out_and_cleared,
    |app: TestApp| async move {
        let res = app
            .client
            .post(app.url("/api/current_session"))
            .header("cookie", "hf_session=forged-value")
            .header("origin", app.origin())
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert!(
            res.headers()["set-cookie"]
                .to_str()
                .unwrap()
                .contains("Max-Age=0"),
            "the stale cookie is cleared"
        );
        assert_eq!(res.json::<Value>().await.unwrap(), Value::Null);
        // Protected pages send signed-out visitors to the sign-in page and back.
        let page = app
            .client
            .get(app.url("/w/anything/deals?x=1"))
            .header("cookie", "hf_session=forged")
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 303);
        assert_eq!(
            page.headers()["location"],
            "/login?next=%2Fw%2Fanything%2Fdeals%3Fx%3D1"
        );
    }
);

both_backends!(cross_site_writes_are_refused, |app: TestApp| async move {
    let s = app.sign_up("cy@example.com", "Cy", PW).await;
    for origin in [Some("https://evil.example"), None] {
        let mut req = app
            .client
            .post(app.url("/api/create_workspace"))
            .header("cookie", s.header())
            .json(&json!({"name": "Evil"}));
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 403, "origin {origin:?}");
        assert_eq!(res.json::<Value>().await.unwrap()["code"], "forbidden");
    }
    // Sign-in forms are checked too (login CSRF).
    let res = app
        .client
        .post(app.url("/auth/login"))
        .header("origin", "https://evil.example")
        .form(&[("email", "cy@example.com"), ("password", PW)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let info = session_info(&app, &s).await.unwrap();
    assert_eq!(info.workspaces.len(), 1, "nothing was created");
});

both_backends!(
    security_headers_on_pages_and_api,
    |app: TestApp| async move {
        let page = app.client.get(app.url("/login")).send().await.unwrap();
        let h = page.headers().clone();
        let html = page.text().await.unwrap();
        let csp = h["content-security-policy"].to_str().unwrap();
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|r| r.split('\'').next())
            .expect("nonce in CSP");
        assert!(
            html.contains(&format!("nonce=\"{nonce}\"")),
            "the page's scripts carry the CSP nonce"
        );
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("'wasm-unsafe-eval'"));
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert!(h.contains_key("referrer-policy"));
        let api = app.call("sign_in_options", json!({})).await;
        assert_eq!(api.headers()["x-content-type-options"], "nosniff");
        assert!(api.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'"));
    }
);

/// Two server processes on one PostgreSQL database: a session that the second one has just
/// answered from its access cache stops working there as soon as the first signs it out (the
/// bus's notice clears the cache), not when the cache entry would have expired.
// PostgreSQL only: processes share events over LISTEN/NOTIFY; SQLite's bus is one process's.
#[tokio::test]
async fn a_sign_out_reaches_every_process_at_once() {
    let db = common::TestDb::new(common::Backend::Postgres).await;
    let first = common::spawn_app_on(db).await;
    let other = server::Application::build(
        common::test_config(&first.db.url),
        common::test_leptos_options(),
    )
    .await
    .expect("a second process");
    let other_addr = other.local_addr();
    let other_task = tokio::spawn(other.run_until(std::future::pending()));
    let signed_in = |cookie: String| {
        let client = first.client.clone();
        async move {
            let res = client
                .post(format!("http://{other_addr}/api/current_session"))
                .header("cookie", cookie)
                .header("origin", format!("http://{other_addr}"))
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            assert!(res.status().is_success());
            !res.json::<Value>().await.unwrap().is_null()
        }
    };

    let s = first.sign_up("kit@example.com", "Kit", PW).await;
    assert!(
        signed_in(s.header()).await,
        "the other process knows the session"
    );
    assert!(
        signed_in(s.header()).await,
        "and now answers it from its cache"
    );
    first
        .client
        .post(first.url("/auth/logout"))
        .header("cookie", s.header())
        .header("origin", first.origin())
        .send()
        .await
        .unwrap();
    // Well inside the cache's lifetime (`access_cache::TTL`, 10 s).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    while signed_in(s.header()).await {
        assert!(
            std::time::Instant::now() < deadline,
            "the other process still accepts a signed-out session"
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    other_task.abort();
}

both_backends!(
    rate_limit_answers_429_with_retry_after,
    config = |c: &mut server::Config| c.sign_in_attempts_per_account = 3,
    |app: TestApp| async move {
        app.sign_up("dee@example.com", "Dee", PW).await; // counts as one attempt
        let mut statuses = vec![];
        for _ in 0..4 {
            let res = app
                .client
                .post(app.url("/auth/login"))
                .header("origin", app.origin())
                .header("accept", "application/json")
                .form(&[("email", "dee@example.com"), ("password", "wrong password")])
                .send()
                .await
                .unwrap();
            statuses.push(res.status().as_u16());
            if res.status() == 429 {
                let retry: u64 = res.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!((1..=60).contains(&retry));
                assert_eq!(res.json::<Value>().await.unwrap()["code"], "rate_limited");
            }
        }
        assert_eq!(statuses, vec![303, 303, 429, 429]);
        // Even the right password waits: the limit is on attempts, not failures.
        assert!(app.sign_in("dee@example.com", PW).await.is_err());
    }
);

both_backends!(workspaces_and_slugs, |app: TestApp| async move {
    let s = app.sign_up("eve@example.com", "Eve", PW).await;
    let ws: WorkspaceSummary = s
        .ok(
            &app.client,
            "create_workspace",
            json!({"name": "Acme Corp", "slug": "acme"}),
        )
        .await;
    assert_eq!(ws.slug, "acme");
    let dup = s
        .call(
            &app.client,
            "create_workspace",
            json!({"name": "Other", "slug": "acme"}),
        )
        .await;
    assert_eq!(dup.status(), 422);
    let body: Value = dup.json().await.unwrap();
    assert_eq!(body["fields"][0]["field"], "slug");
    let bad = s
        .call(
            &app.client,
            "create_workspace",
            json!({"name": "X", "slug": "Not A Slug"}),
        )
        .await;
    assert_eq!(bad.status(), 422);
    let derived: WorkspaceSummary = s
        .ok(
            &app.client,
            "create_workspace",
            json!({"name": "Acme Corp"}),
        )
        .await;
    assert_eq!(derived.slug, "acme-corp");
    let list: Vec<WorkspaceSummary> = s.ok(&app.client, "list_workspaces", json!({})).await;
    assert_eq!(list.len(), 3);
    // The workspace page is reachable for members, and looks missing for everyone else.
    assert_eq!(s.get(&app.client, "/w/acme").await.status(), 200);
    let other = app.sign_up("mal@example.com", "Mal", PW).await;
    let res = other.get(&app.client, "/w/acme").await;
    assert_eq!(res.status(), 404);
    let nope = other.get(&app.client, "/w/does-not-exist").await;
    assert_eq!(nope.status(), 404);
});

both_backends!(
    invitations_roles_and_the_last_owner,
    |app: TestApp| async move {
        let owner = app.sign_up("olga@example.com", "Olga", PW).await;
        let ws = session_info(&app, &owner).await.unwrap().workspaces[0]
            .slug
            .clone();
        let inv: CreatedInvitation = owner
            .ok(
                &app.client,
                "create_invitation",
                json!({"workspace": ws, "role": "viewer"}),
            )
            .await;
        let token = inv.url.rsplit('/').next().unwrap().to_owned();

        // A new person signs up through the link and lands in the workspace as a viewer.
        let vic = app
            .sign_up_with(&[
                ("email", "vic@example.com"),
                ("name", "Vic"),
                ("password", PW),
                ("invite", &token),
            ])
            .await;
        let info = session_info(&app, &vic).await.unwrap();
        assert_eq!(
            info.workspaces.len(),
            1,
            "joined instead of getting a workspace of their own"
        );
        assert_eq!(info.workspaces[0].role, app::types::Role::Viewer);

        // The link works once.
        let late = app.sign_up("lee@example.com", "Lee", PW).await;
        let again = late
            .call(&app.client, "accept_invitation", json!({"token": token}))
            .await;
        assert_eq!(again.status(), 404);

        // A viewer may not manage members.
        let vic_id = info.user.id;
        let res = vic
            .call(
                &app.client,
                "change_member_role",
                json!({"workspace": ws, "user_id": vic_id, "role": "admin"}),
            )
            .await;
        assert_eq!(res.status(), 403);

        // The owner promotes Vic, who as admin still cannot touch the owner.
        let m: Member = owner
            .ok(
                &app.client,
                "change_member_role",
                json!({"workspace": ws, "user_id": vic_id, "role": "admin"}),
            )
            .await;
        assert_eq!(m.role, app::types::Role::Admin);
        let owner_id = session_info(&app, &owner).await.unwrap().user.id;
        let res = vic
            .call(
                &app.client,
                "change_member_role",
                json!({"workspace": ws, "user_id": owner_id, "role": "member"}),
            )
            .await;
        assert_eq!(res.status(), 403);

        // The last owner can neither leave nor be demoted.
        let res = owner
            .call(&app.client, "leave_workspace", json!({"workspace": ws}))
            .await;
        assert_eq!(res.status(), 409);
        let res = owner
            .call(
                &app.client,
                "change_member_role",
                json!({"workspace": ws, "user_id": owner_id, "role": "admin"}),
            )
            .await;
        assert_eq!(res.status(), 409);

        // Revoked and expired invitations do not work.
        let inv2: CreatedInvitation = owner
            .ok(
                &app.client,
                "create_invitation",
                json!({"workspace": ws, "role": "member"}),
            )
            .await;
        let _: () = owner
            .ok(
                &app.client,
                "revoke_invitation",
                json!({"workspace": ws, "id": inv2.invitation.id}),
            )
            .await;
        let t2 = inv2.url.rsplit('/').next().unwrap().to_owned();
        assert_eq!(
            late.call(&app.client, "preview_invitation", json!({"token": t2}))
                .await
                .status(),
            404
        );
        let inv3: CreatedInvitation = owner
            .ok(
                &app.client,
                "create_invitation",
                json!({"workspace": ws, "role": "member"}),
            )
            .await;
        let conn = app.db.connect().await;
        use sea_orm::ConnectionTrait;
        conn.execute_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            format!(
                "UPDATE invitations SET expires_at = created_at WHERE id = {}",
                inv3.invitation.id
            ),
        ))
        .await
        .unwrap();
        let t3 = inv3.url.rsplit('/').next().unwrap().to_owned();
        assert_eq!(
            late.call(&app.client, "accept_invitation", json!({"token": t3}))
                .await
                .status(),
            404
        );

        // Removing a member works; the audit log saw it all.
        let _: () = owner
            .ok(
                &app.client,
                "remove_member",
                json!({"workspace": ws, "user_id": vic_id}),
            )
            .await;
        // At once, though Vic's membership was checked (and cached) moments ago.
        let res = vic
            .call(&app.client, "list_members", json!({"workspace": ws}))
            .await;
        assert_eq!(res.status(), 404, "a removed member loses access at once");
        let log: Page<AuditEntry> = owner
            .ok(&app.client, "list_audit_log", json!({"workspace": ws}))
            .await;
        let actions: Vec<&str> = log.items.iter().map(|e| e.action.as_str()).collect();
        for expected in [
            "member.invited",
            "member.joined",
            "member.role_changed",
            "member.removed",
            "member.invitation_revoked",
            "auth.sign_in",
            "workspace.created",
        ] {
            assert!(
                actions.contains(&expected),
                "{expected} missing from {actions:?}"
            );
        }
        let filtered: Page<AuditEntry> = owner
            .ok(
                &app.client,
                "list_audit_log",
                json!({"workspace": ws, "action": "member."}),
            )
            .await;
        assert!(filtered
            .items
            .iter()
            .all(|e| e.action.starts_with("member.")));
    }
);

both_backends!(
    api_tokens_work_until_revoked_or_expired,
    |app: TestApp| async move {
        let s = app.sign_up("tia@example.com", "Tia", PW).await;
        let ws = session_info(&app, &s).await.unwrap().workspaces[0]
            .slug
            .clone();
        let created: CreatedApiToken = s
            .ok(
                &app.client,
                "create_api_token",
                json!({"workspace": ws, "name": "script", "expires_in_days": 30}),
            )
            .await;
        assert!(created.token.starts_with("hf_"));
        assert!(created.token.starts_with(&created.info.prefix));

        // The token works on any endpoint, without a cookie and without an Origin header.
        let res = app
            .call_with_token(&created.token, "list_members", json!({"workspace": ws}))
            .await;
        assert_eq!(res.status(), 200);
        let listed: Vec<app::types::ApiTokenInfo> = s
            .ok(&app.client, "list_api_tokens", json!({"workspace": ws}))
            .await;
        assert!(listed[0].last_used_at.is_some(), "last use is recorded");
        assert!(
            !serde_json::to_string(&listed)
                .unwrap()
                .contains(&created.token),
            "the token is never shown again"
        );

        // Tokens cannot create workspaces.
        let res = app
            .call_with_token(&created.token, "create_workspace", json!({"name": "X"}))
            .await;
        assert_eq!(res.status(), 403);

        // Revoked: a clear 401.
        let _: app::types::ApiTokenInfo = s
            .ok(
                &app.client,
                "revoke_api_token",
                json!({"workspace": ws, "id": created.info.id}),
            )
            .await;
        let res = app
            .call_with_token(&created.token, "list_members", json!({"workspace": ws}))
            .await;
        assert_eq!(res.status(), 401);
        assert!(res.json::<Value>().await.unwrap()["message"]
            .as_str()
            .unwrap()
            .contains("revoked"));

        // Expired: a clear 401.
        let second: CreatedApiToken = s
            .ok(
                &app.client,
                "create_api_token",
                json!({"workspace": ws, "name": "old"}),
            )
            .await;
        let conn = app.db.connect().await;
        use sea_orm::ConnectionTrait;
        conn.execute_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            format!(
                "UPDATE api_tokens SET expires_at = created_at WHERE id = {}",
                second.info.id
            ),
        ))
        .await
        .unwrap();
        let res = app
            .call_with_token(&second.token, "list_members", json!({"workspace": ws}))
            .await;
        assert_eq!(res.status(), 401);
        assert!(res.json::<Value>().await.unwrap()["message"]
            .as_str()
            .unwrap()
            .contains("expired"));

        // Garbage tokens too.
        let res = app
            .call_with_token(
                "hf_not-a-real-token",
                "list_members",
                json!({"workspace": ws}),
            )
            .await;
        assert_eq!(res.status(), 401);
        let log: Page<AuditEntry> = s
            .ok(
                &app.client,
                "list_audit_log",
                json!({"workspace": ws, "action": "token."}),
            )
            .await;
        assert_eq!(log.items.len(), 3, "two created, one revoked");
    }
);

both_backends!(
    failed_sign_ins_are_audited_for_the_account,
    |app: TestApp| async move {
        let s = app.sign_up("fay@example.com", "Fay", PW).await;
        let ws = session_info(&app, &s).await.unwrap().workspaces[0]
            .slug
            .clone();
        let _ = app.sign_in("fay@example.com", "not the password").await;
        let log: Page<AuditEntry> = s
            .ok(
                &app.client,
                "list_audit_log",
                json!({"workspace": ws, "action": "auth."}),
            )
            .await;
        let actions: Vec<&str> = log.items.iter().map(|e| e.action.as_str()).collect();
        assert!(actions.contains(&"auth.sign_in_failed"), "{actions:?}");
        assert!(actions.contains(&"auth.sign_in"));
        assert!(
            log.items.iter().all(|e| e.ip.is_some()),
            "entries carry the client address"
        );
    }
);

both_backends!(expired_sessions_are_signed_out, |app: TestApp| async move {
    use sea_orm::ConnectionTrait;
    let idle = app.sign_up("ian@example.com", "Ian", PW).await;
    let old = app.sign_in("ian@example.com", PW).await.unwrap();
    assert!(session_info(&app, &idle).await.is_some());
    let conn = app.db.connect().await;
    let backend = conn.get_database_backend();
    let hash = |c: &str| {
        use sha2::Digest;
        base16(&sha2::Sha256::digest(c.as_bytes()))
    };
    // Unused for longer than the idle limit (168 h in the test configuration).
    let past = (chrono::Utc::now() - chrono::Duration::hours(200)).to_rfc3339();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => format!(
            "UPDATE sessions SET last_seen_at = '{past}'::timestamptz WHERE token_hash = '{}'",
            hash(&idle.cookie)
        ),
        _ => format!(
            "UPDATE sessions SET last_seen_at = '{past}' WHERE token_hash = '{}'",
            hash(&idle.cookie)
        ),
    };
    conn.execute_raw(sea_orm::Statement::from_string(backend, sql))
        .await
        .unwrap();
    // Past its absolute end, however recently used.
    let sql = match backend {
        sea_orm::DbBackend::Postgres => format!(
            "UPDATE sessions SET expires_at = '{past}'::timestamptz WHERE token_hash = '{}'",
            hash(&old.cookie)
        ),
        _ => format!(
            "UPDATE sessions SET expires_at = '{past}' WHERE token_hash = '{}'",
            hash(&old.cookie)
        ),
    };
    conn.execute_raw(sea_orm::Statement::from_string(backend, sql))
        .await
        .unwrap();
    // Edits made straight in the database reach a process once its access cache forgets
    // what it checked (`access_cache::TTL`); that wait is skipped here.
    app.state.access().clear();
    assert!(
        session_info(&app, &idle).await.is_none(),
        "idle session ended"
    );
    assert!(
        session_info(&app, &old).await.is_none(),
        "absolute limit reached"
    );
});

// An access-cache entry in use is read again in the background before it expires: a role
// changed straight in the database applies within moments of the entry turning
// `RENEW_AFTER` old, while every request in between is answered from the entry. Before, the
// entry was kept unread to its `TTL` and the first request after that read it in line.
both_backends!(
    a_membership_in_use_is_renewed_in_the_background,
    |app: TestApp| async move {
        use app::backend::auth::access_cache::RENEW_AFTER;
        use sea_orm::ConnectionTrait;
        let s = app.sign_up("rene@example.com", "René", PW).await;
        let info = session_info(&app, &s).await.unwrap();
        let slug = info.workspaces[0].slug.clone();
        let settings = |s: common::Session| {
            let (client, slug) = (app.client.clone(), slug.clone());
            async move {
                s.call(&client, "get_ai_settings", json!({"workspace": slug}))
                    .await
                    .status()
                    .as_u16()
            }
        };
        assert_eq!(settings(s.clone()).await, 200, "an owner may");
        let conn = app.db.connect().await;
        let backend = conn.get_database_backend();
        conn.execute_raw(sea_orm::Statement::from_string(
            backend,
            format!(
                "UPDATE memberships SET role = 'viewer' WHERE user_id = {}",
                info.user.id
            ),
        ))
        .await
        .unwrap();
        assert_eq!(settings(s.clone()).await, 200, "kept, and young");
        app.state.access().age(RENEW_AFTER);
        assert_eq!(
            settings(s.clone()).await,
            200,
            "answered from the entry while it is read again"
        );
        // Well inside the TTL: only the background read can have brought the new role.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        loop {
            if settings(s.clone()).await == 403 {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the role changed in the database never applied"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
);

fn base16(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
