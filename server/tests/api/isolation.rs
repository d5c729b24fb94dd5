//! Tenant isolation, for every server function the app registers: a viewer of workspace A,
//! calling with an API token, names workspace B and B's records in every way the function
//! accepts. Nothing of B may come back and nothing may change.
//!
//! The list of functions comes from the running registry, so a server function added later
//! is either covered by a probe here or fails `every_server_function_has_a_probe` until it is.

use crate::common;

use std::collections::{BTreeMap, HashSet};

use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

use app::types::{CreatedApiToken, CreatedInvitation, SessionInfo};
use common::TestApp;

const PW: &str = "correct horse battery";

/// What the probes may use: B's identifiers (the targets) and A's (the attacker's own).
struct World {
    a_slug: String,
    b_slug: String,
    b_member_ids: Vec<i64>,
    b_token_id: i64,
    b_invitation_id: i64,
    b_invitation_token: String,
    viewer_token: String,
    /// Strings that only B's data contains; none may appear in any answer.
    b_markers: Vec<String>,
    b: Records,
}

/// Ids of records in workspace B.
#[derive(Default)]
struct Records {
    company: i64,
    other_company: i64,
    contact: i64,
    deal: i64,
    pipeline: i64,
    stage: i64,
    activity: i64,
    signal: i64,
    metric: i64,
    competitor: i64,
    import: i64,
    job: i64,
    schedule: i64,
    report: i64,
    webhook: i64,
    delivery: i64,
    conversation: i64,
    question: i64,
    answer: i64,
    insight: i64,
}

/// Request bodies per endpoint. Every body names B (its slug or its records).
fn probes(w: &World) -> BTreeMap<&'static str, Vec<Value>> {
    let b = &w.b_slug;
    let a = &w.a_slug;
    let member = w.b_member_ids[0];
    let mut p: BTreeMap<&'static str, Vec<Value>> = BTreeMap::new();
    p.insert("system_status", vec![json!({})]);
    // The API reference describes the code, not anyone's data.
    p.insert("api_reference", vec![json!({})]);
    p.insert("current_session", vec![json!({})]);
    p.insert("sign_in_options", vec![json!({})]);
    p.insert("list_workspaces", vec![json!({})]);
    p.insert(
        "create_workspace",
        vec![json!({"name": "Intruder", "slug": "intruder"})],
    );
    p.insert("list_members", vec![json!({"workspace": b})]);
    // Only B's slug: in A's own workspace the call is legitimate (and would fill it).
    p.insert("create_demo_data", vec![json!({"workspace": b})]);
    p.insert(
        "change_member_role",
        vec![
            json!({"workspace": b, "user_id": member, "role": "viewer"}),
            json!({"workspace": a, "user_id": member, "role": "viewer"}),
        ],
    );
    p.insert(
        "remove_member",
        vec![
            json!({"workspace": b, "user_id": member}),
            json!({"workspace": a, "user_id": member}),
        ],
    );
    p.insert("leave_workspace", vec![json!({"workspace": b})]);
    p.insert(
        "create_invitation",
        vec![
            json!({"workspace": b, "role": "owner"}),
            json!({"workspace": a, "role": "owner"}),
        ],
    );
    p.insert("list_invitations", vec![json!({"workspace": b})]);
    p.insert(
        "revoke_invitation",
        vec![
            json!({"workspace": b, "id": w.b_invitation_id}),
            json!({"workspace": a, "id": w.b_invitation_id}),
        ],
    );
    // Invitation links are bearer secrets of their own; a token (any token) may not spend one.
    p.insert(
        "preview_invitation",
        vec![json!({"token": "not-a-real-invitation"})],
    );
    p.insert(
        "accept_invitation",
        vec![json!({"token": w.b_invitation_token})],
    );
    p.insert(
        "create_api_token",
        vec![json!({"workspace": b, "name": "intruder"})],
    );
    p.insert("list_api_tokens", vec![json!({"workspace": b})]);
    p.insert(
        "revoke_api_token",
        vec![
            json!({"workspace": b, "id": w.b_token_id}),
            json!({"workspace": a, "id": w.b_token_id}),
        ],
    );
    p.insert(
        "list_audit_log",
        vec![json!({"workspace": b}), json!({"workspace": a})],
    );

    // Workspace data: every call names B's workspace, and again A's workspace with B's ids.
    let r = &w.b;
    let q = json!({"search": "", "filters": {}});
    let both = |f: &dyn Fn(&str) -> Value| vec![f(b), f(a)];
    p.insert("list_companies", vec![json!({"workspace": b, "query": q})]);
    p.insert("list_company_facets", vec![json!({"workspace": b})]);
    p.insert(
        "get_company",
        both(&|ws| json!({"workspace": ws, "id": r.company})),
    );
    p.insert(
        "get_company_summary",
        both(&|ws| json!({"workspace": ws, "id": r.company})),
    );
    p.insert(
        "create_company",
        both(&|ws| json!({"workspace": ws, "input": {"name": "Intruder Inc"}})),
    );
    p.insert(
        "update_company",
        both(&|ws| json!({"workspace": ws, "id": r.company, "input": {"name": "Owned"}})),
    );
    p.insert(
        "delete_company",
        both(&|ws| json!({"workspace": ws, "id": r.company})),
    );
    p.insert(
        "list_contacts",
        vec![
            json!({"workspace": b, "query": q}),
            json!({"workspace": a, "query": {"filters": {"company": r.company.to_string()}}}),
        ],
    );
    p.insert(
        "get_contact",
        both(&|ws| json!({"workspace": ws, "id": r.contact})),
    );
    p.insert(
        "create_contact",
        both(&|ws| json!({"workspace": ws, "input": {"name": "X", "company_id": r.company}})),
    );
    p.insert(
        "update_contact",
        both(&|ws| json!({"workspace": ws, "id": r.contact, "input": {"name": "X"}})),
    );
    p.insert(
        "delete_contact",
        both(&|ws| json!({"workspace": ws, "id": r.contact})),
    );
    p.insert(
        "list_competitors",
        both(&|ws| json!({"workspace": ws, "company_id": r.company})),
    );
    p.insert("save_competitor", both(&|ws| json!({"workspace": ws, "input": {"company_id": r.company, "competitor_id": r.other_company, "threat_level": "low"}})));
    p.insert(
        "delete_competitor",
        both(&|ws| json!({"workspace": ws, "id": r.competitor})),
    );
    p.insert(
        "list_deals",
        vec![
            json!({"workspace": b, "query": q}),
            json!({"workspace": a, "query": {"filters": {"pipeline": r.pipeline.to_string()}}}),
        ],
    );
    p.insert(
        "deal_board",
        both(&|ws| json!({"workspace": ws, "pipeline_id": r.pipeline, "query": {}})),
    );
    p.insert(
        "get_deal",
        both(&|ws| json!({"workspace": ws, "id": r.deal})),
    );
    p.insert("create_deal", both(&|ws| json!({"workspace": ws, "input": {"name": "X", "pipeline_id": r.pipeline, "stage_id": r.stage, "amount": "1"}})));
    p.insert("update_deal", both(&|ws| json!({"workspace": ws, "id": r.deal, "input": {"name": "X", "pipeline_id": r.pipeline, "stage_id": r.stage, "amount": "1"}})));
    p.insert(
        "move_deal",
        both(&|ws| json!({"workspace": ws, "id": r.deal, "stage_id": r.stage})),
    );
    p.insert(
        "delete_deal",
        both(&|ws| json!({"workspace": ws, "id": r.deal})),
    );
    p.insert("list_pipelines", vec![json!({"workspace": b})]);
    p.insert("create_pipeline", both(&|ws| json!({"workspace": ws, "name": "X", "stages": [{"name": "A", "default_probability": 5, "kind": "open"}]})));
    p.insert("update_pipeline", both(&|ws| json!({"workspace": ws, "id": r.pipeline, "name": "X", "stages": [{"name": "A", "default_probability": 5, "kind": "open"}]})));
    p.insert(
        "delete_pipeline",
        both(&|ws| json!({"workspace": ws, "id": r.pipeline})),
    );
    p.insert(
        "list_activities",
        vec![
            json!({"workspace": b, "query": q}),
            json!({"workspace": a, "query": {"filters": {"company": r.company.to_string()}}}),
        ],
    );
    p.insert("create_activity", both(&|ws| json!({"workspace": ws, "input": {"kind": "note", "subject": "X", "company_id": r.company}})));
    p.insert("update_activity", both(&|ws| json!({"workspace": ws, "id": r.activity, "input": {"kind": "note", "subject": "X", "company_id": r.company}})));
    p.insert(
        "delete_activity",
        both(&|ws| json!({"workspace": ws, "id": r.activity})),
    );
    p.insert(
        "list_signals",
        vec![
            json!({"workspace": b, "query": q}),
            json!({"workspace": a, "query": {"filters": {"company": r.company.to_string()}}}),
        ],
    );
    p.insert("create_signal", both(&|ws| json!({"workspace": ws, "input": {"company_id": r.company, "source_kind": "news", "title": "X", "sentiment": 0.0, "published_at": "2026-01-01T00:00:00Z"}})));
    p.insert(
        "delete_signal",
        both(&|ws| json!({"workspace": ws, "id": r.signal})),
    );
    p.insert(
        "list_metrics",
        vec![
            json!({"workspace": b, "query": q}),
            json!({"workspace": a, "query": {"filters": {"company": r.company.to_string()}}}),
        ],
    );
    p.insert("create_metric", both(&|ws| json!({"workspace": ws, "input": {"company_id": r.company, "metric": "x", "value": 1.0, "observed_at": "2026-01-01T00:00:00Z"}})));
    p.insert(
        "delete_metric",
        both(&|ws| json!({"workspace": ws, "id": r.metric})),
    );
    p.insert(
        "get_import_preview",
        both(&|ws| json!({"workspace": ws, "id": r.import})),
    );
    p.insert(
        "check_import",
        both(&|ws| json!({"workspace": ws, "id": r.import, "options": {"mapping": ["name"]}})),
    );
    p.insert(
        "run_import",
        both(&|ws| json!({"workspace": ws, "id": r.import, "options": {"mapping": ["name"]}})),
    );
    p.insert(
        "start_import",
        both(&|ws| json!({"workspace": ws, "id": r.import, "options": {"mapping": ["name"]}})),
    );
    p.insert(
        "list_jobs",
        both(&|ws| json!({"workspace": ws, "query": {}})),
    );
    for f in ["get_job", "cancel_job", "retry_job", "run_job_again"] {
        p.insert(f, both(&|ws| json!({"workspace": ws, "id": r.job})));
    }
    let schedule_input = json!({"name": "Intruder schedule", "kind": "pipeline", "input": {"kind": "pipeline"}, "cron": "* * * * *"});
    p.insert(
        "start_report",
        vec![json!({"workspace": b, "input": {"kind": "pipeline"}})],
    );
    p.insert("list_reports", vec![json!({"workspace": b, "query": q})]);
    p.insert(
        "get_report",
        both(&|ws| json!({"workspace": ws, "id": r.report})),
    );
    p.insert(
        "delete_report",
        both(&|ws| json!({"workspace": ws, "id": r.report})),
    );
    p.insert("list_schedules", vec![json!({"workspace": b})]);
    p.insert(
        "create_schedule",
        vec![json!({"workspace": b, "input": schedule_input})],
    );
    p.insert(
        "get_schedule",
        both(&|ws| json!({"workspace": ws, "id": r.schedule})),
    );
    p.insert(
        "update_schedule",
        both(&|ws| json!({"workspace": ws, "id": r.schedule, "input": schedule_input})),
    );
    p.insert(
        "delete_schedule",
        both(&|ws| json!({"workspace": ws, "id": r.schedule})),
    );
    let hook_input = json!({"url": "http://127.0.0.1:9/intruder", "event_types": ["job.failed"]});
    p.insert("webhook_event_types", vec![json!({})]);
    p.insert(
        "get_dashboard",
        both(&|ws| json!({"workspace": ws, "query": {"days": 365}})),
    );
    p.insert("list_webhooks", vec![json!({"workspace": b})]);
    p.insert(
        "create_webhook",
        vec![json!({"workspace": b, "input": hook_input})],
    );
    p.insert(
        "update_webhook",
        both(&|ws| json!({"workspace": ws, "id": r.webhook, "input": hook_input})),
    );
    for f in ["delete_webhook", "test_webhook"] {
        p.insert(f, both(&|ws| json!({"workspace": ws, "id": r.webhook})));
    }
    p.insert(
        "list_webhook_deliveries",
        both(&|ws| json!({"workspace": ws, "id": r.webhook, "query": {}})),
    );
    p.insert(
        "redeliver_webhook",
        both(&|ws| json!({"workspace": ws, "delivery_id": r.delivery})),
    );

    // The AI analyst: B's conversation and messages named from A, B's settings and insights.
    p.insert("list_conversations", vec![json!({"workspace": b})]);
    p.insert("create_conversation", vec![json!({"workspace": b})]);
    p.insert("suggested_questions", vec![json!({"workspace": b})]);
    p.insert(
        "rename_conversation",
        both(&|ws| json!({"workspace": ws, "conversation_id": r.conversation, "title": "Owned"})),
    );
    for f in ["delete_conversation", "get_messages"] {
        p.insert(
            f,
            both(&|ws| json!({"workspace": ws, "conversation_id": r.conversation})),
        );
    }
    p.insert(
        "send_message",
        both(&|ws| json!({"workspace": ws, "conversation_id": r.conversation, "content": "Summarise the pipeline"})),
    );
    p.insert(
        "confirm_tool_call",
        both(&|ws| json!({"workspace": ws, "message_id": r.answer, "call_id": "offline_1", "confirm": true})),
    );
    for f in ["get_message", "stop_message", "retry_message"] {
        p.insert(
            f,
            both(&|ws| json!({"workspace": ws, "message_id": r.answer})),
        );
    }
    p.insert(
        "edit_message",
        both(&|ws| json!({"workspace": ws, "message_id": r.question, "content": "What are the biggest open deals?"})),
    );
    p.insert("get_ai_settings", both(&|ws| json!({"workspace": ws})));
    p.insert(
        "update_ai_settings",
        both(&|ws| json!({"workspace": ws, "input": {"provider": "openai", "base_url": "http://127.0.0.1:9/v1", "model": "stolen"}})),
    );
    p.insert("get_ai_usage", vec![json!({"workspace": b})]);
    p.insert("list_insights", vec![json!({"workspace": b})]);
    p.insert("run_insights", both(&|ws| json!({"workspace": ws})));
    // Admins only: the viewer is refused in A, and B does not exist for it.
    p.insert("list_connectors", both(&|ws| json!({"workspace": ws})));
    p.insert(
        "connect_connector",
        both(&|ws| json!({"workspace": ws, "input": {"kind": "hubspot", "access_token": "pat-x"}})),
    );
    p.insert(
        "sync_connector",
        both(&|ws| json!({"workspace": ws, "kind": "hubspot"})),
    );
    p.insert(
        "pause_connector",
        both(&|ws| json!({"workspace": ws, "kind": "hubspot", "paused": true})),
    );
    p.insert(
        "enrich_company",
        both(&|ws| json!({"workspace": ws, "id": r.company})),
    );
    p.insert("enrich_companies", both(&|ws| json!({"workspace": ws})));
    p.insert(
        "list_record_links",
        both(&|ws| json!({"workspace": ws, "object": "deal", "id": r.deal})),
    );
    p.insert(
        "disconnect_connector",
        both(&|ws| json!({"workspace": ws, "kind": "hubspot"})),
    );
    p.insert(
        "dismiss_insight",
        both(&|ws| json!({"workspace": ws, "id": r.insight})),
    );
    p
}

fn registered_endpoints() -> Vec<String> {
    let mut names: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_owned())
        .collect();
    names.sort();
    names.dedup();
    names
}

async fn session_info(app: &TestApp, s: &common::Session) -> SessionInfo {
    s.ok::<Option<SessionInfo>>(&app.client, "current_session", json!({}))
        .await
        .unwrap()
}

async fn setup(app: &TestApp) -> World {
    // Workspace B: an owner with a member, a token and a pending invitation.
    let b_owner = app
        .sign_up("bella@b-corp.example", "Bella Secret", PW)
        .await;
    let b_ws: app::types::WorkspaceSummary = b_owner
        .ok(
            &app.client,
            "create_workspace",
            json!({"name": "B Corp Confidential", "slug": "b-corp"}),
        )
        .await;
    let inv: CreatedInvitation = b_owner
        .ok(
            &app.client,
            "create_invitation",
            json!({"workspace": b_ws.slug, "role": "member"}),
        )
        .await;
    let b_member = app
        .sign_up("bruno@b-corp.example", "Bruno Hidden", PW)
        .await;
    let member_inv: CreatedInvitation = b_owner
        .ok(
            &app.client,
            "create_invitation",
            json!({"workspace": b_ws.slug, "role": "member"}),
        )
        .await;
    let _: Value = b_member
        .ok(
            &app.client,
            "accept_invitation",
            json!({"token": member_inv.url.rsplit('/').next().unwrap()}),
        )
        .await;
    let b_token: CreatedApiToken = b_owner
        .ok(
            &app.client,
            "create_api_token",
            json!({"workspace": b_ws.slug, "name": "b-secret-script"}),
        )
        .await;
    let b_member_ids = vec![
        session_info(app, &b_member).await.user.id,
        session_info(app, &b_owner).await.user.id,
    ];
    let b = b_records(app, &b_owner, &b_ws.slug).await;

    // Workspace A: an owner and a viewer whose token the attacker uses.
    let a_owner = app.sign_up("alma@a-corp.example", "Alma", PW).await;
    let a_slug = session_info(app, &a_owner).await.workspaces[0].slug.clone();
    let a_inv: CreatedInvitation = a_owner
        .ok(
            &app.client,
            "create_invitation",
            json!({"workspace": a_slug, "role": "viewer"}),
        )
        .await;
    let viewer = app
        .sign_up_with(&[
            ("email", "vera@a-corp.example"),
            ("name", "Vera"),
            ("password", PW),
            ("invite", a_inv.url.rsplit('/').next().unwrap()),
        ])
        .await;
    let viewer_token: CreatedApiToken = viewer
        .ok(
            &app.client,
            "create_api_token",
            json!({"workspace": a_slug, "name": "viewer"}),
        )
        .await;

    World {
        a_slug,
        b_slug: b_ws.slug.clone(),
        b_member_ids,
        b_token_id: b_token.info.id,
        b_invitation_id: inv.invitation.id,
        b_invitation_token: inv.url.rsplit('/').next().unwrap().to_owned(),
        viewer_token: viewer_token.token,
        b_markers: vec![
            "B Corp Confidential".into(),
            "bella@b-corp.example".into(),
            "bruno@b-corp.example".into(),
            "Bruno Hidden".into(),
            "b-secret-script".into(),
            b_token.info.prefix.clone(),
            "Zyzzyva Secret Holdings".into(),
            "zyzzyva-secret.example".into(),
            "Quuxly Confidential".into(),
            "Secret renewal deal".into(),
            "Whispered note".into(),
            "Hush hush headline".into(),
            "Hidden chat title".into(),
            "Covert insight text".into(),
            "bruno.contact@b-corp.example".into(),
            "Imported Secretly".into(),
            "Clandestine job input".into(),
            "Covert schedule".into(),
            "Covert report".into(),
            "covert.recipient@b-corp.example".into(),
            "Hidden hook".into(),
            "b-hidden-hook".into(),
        ],
        b,
    }
}

async fn b_records(app: &TestApp, s: &common::Session, ws: &str) -> Records {
    let id = |v: Value| v["id"].as_i64().unwrap();
    let company = id(s.ok(&app.client, "create_company", json!({"workspace": ws, "input": {"name": "Zyzzyva Secret Holdings", "domain": "zyzzyva-secret.example"}})).await);
    let other_company = id(s
        .ok(
            &app.client,
            "create_company",
            json!({"workspace": ws, "input": {"name": "Quuxly Confidential"}}),
        )
        .await);
    let contact = id(s.ok(&app.client, "create_contact", json!({"workspace": ws, "input": {"name": "Bruno Contact", "email": "bruno.contact@b-corp.example", "company_id": company}})).await);
    let pipelines: Vec<app::types::Pipeline> = s
        .ok(&app.client, "list_pipelines", json!({"workspace": ws}))
        .await;
    let (pipeline, stage) = (pipelines[0].id, pipelines[0].stages[1].id);
    let deal = id(s.ok(&app.client, "create_deal", json!({"workspace": ws, "input": {"name": "Secret renewal deal", "pipeline_id": pipeline, "stage_id": pipelines[0].stages[0].id, "company_id": company, "amount": "987654"}})).await);
    let activity = id(s.ok(&app.client, "create_activity", json!({"workspace": ws, "input": {"kind": "note", "subject": "Whispered note", "company_id": company}})).await);
    let signal = id(s.ok(&app.client, "create_signal", json!({"workspace": ws, "input": {"company_id": company, "source_kind": "news", "title": "Hush hush headline", "sentiment": -0.5, "published_at": "2026-01-01T00:00:00Z"}})).await);
    let metric = id(s.ok(&app.client, "create_metric", json!({"workspace": ws, "input": {"company_id": company, "metric": "headcount", "value": 4242.0, "observed_at": "2026-01-01T00:00:00Z"}})).await);
    let competitor = id(s.ok(&app.client, "save_competitor", json!({"workspace": ws, "input": {"company_id": company, "competitor_id": other_company, "threat_level": "high"}})).await);
    let import = app
        .client
        .post(app.url(&format!(
            "/api/imports/upload?workspace={ws}&entity=companies&filename=secret.csv"
        )))
        .header("cookie", s.header())
        .header("origin", app.origin())
        .body("name\nImported Secretly\n")
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    // A job of B's, due tomorrow so it stays queued (a cancel that leaked would show).
    let job = {
        use app::backend::jobs::{queue, NewJob};
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let conn = app.db.connect().await;
        let ws_id = app::backend::entity::workspaces::Entity::find()
            .filter(app::backend::entity::workspaces::Column::Slug.eq(ws))
            .one(&conn)
            .await
            .unwrap()
            .unwrap()
            .id;
        let mut new = NewJob::new("pipeline_report", json!({"title": "Clandestine job input"}))
            .in_workspace(common::workspace(&app.state.db, ws_id).await);
        new.run_at = Some(chrono::Utc::now() + chrono::Duration::days(1));
        queue::enqueue(&conn, &new).await.unwrap().id
    };
    let schedule = id(s.ok(&app.client, "create_schedule", json!({"workspace": ws, "input": {"name": "Covert schedule", "kind": "pipeline", "input": {"kind": "pipeline"}, "cron": "0 8 * * MON", "recipients": ["covert.recipient@b-corp.example"]}})).await);
    let report: Value = s
        .ok(
            &app.client,
            "start_report",
            json!({"workspace": ws, "input": {"kind": "pipeline", "title": "Covert report"}}),
        )
        .await;
    let report = report["report_id"].as_i64().unwrap();
    let hook: Value = s
        .ok(&app.client, "create_webhook", json!({"workspace": ws, "input": {"url": "http://127.0.0.1:9/b-hidden-hook", "description": "Hidden hook", "event_types": ["webhook.test"]}}))
        .await;
    let webhook = hook["endpoint"]["id"].as_i64().unwrap();
    s.ok::<()>(
        &app.client,
        "test_webhook",
        json!({"workspace": ws, "id": webhook}),
    )
    .await;
    let deliveries: Value = s
        .ok(
            &app.client,
            "list_webhook_deliveries",
            json!({"workspace": ws, "id": webhook, "query": {}}),
        )
        .await;
    let delivery = deliveries["items"][0]["id"].as_i64().unwrap();
    let sent: Value = s
        .ok(
            &app.client,
            "send_message",
            json!({"workspace": ws, "content": "Tell me about Zyzzyva Secret Holdings"}),
        )
        .await;
    let answer = sent["assistant_message_id"].as_i64().unwrap();
    for _ in 0..200 {
        let m: Value = s
            .ok(
                &app.client,
                "get_message",
                json!({"workspace": ws, "message_id": answer}),
            )
            .await;
        if m["status"] != "streaming" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    s.ok::<Value>(
        &app.client,
        "rename_conversation",
        json!({"workspace": ws, "conversation_id": sent["conversation_id"], "title": "Hidden chat title"}),
    )
    .await;
    let insight = {
        use app::backend::repo::ai::{add_insights, insight_ids, NewInsight};
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let conn = app.db.connect().await;
        let ws_id = app::backend::entity::workspaces::Entity::find()
            .filter(app::backend::entity::workspaces::Column::Slug.eq(ws))
            .one(&conn)
            .await
            .unwrap()
            .unwrap()
            .id;
        add_insights(
            &conn,
            common::workspace(&conn, ws_id).await,
            vec![NewInsight {
                kind: "stalled_deal",
                subject: "Secret renewal deal".into(),
                subject_id: Some(deal),
                fingerprint: "b-insight".into(),
                text: "Covert insight text".into(),
                facts: json!({}),
                source: "template".into(),
            }],
        )
        .await
        .unwrap();
        insight_ids(&conn, common::workspace(&conn, ws_id).await)
            .await
            .unwrap()[0]
    };
    Records {
        company,
        other_company,
        contact,
        deal,
        pipeline,
        stage,
        activity,
        signal,
        metric,
        competitor,
        import,
        job,
        schedule,
        report,
        webhook,
        delivery,
        conversation: sent["conversation_id"].as_i64().unwrap(),
        question: sent["user_message_id"].as_i64().unwrap(),
        answer,
        insight,
    }
}

/// Everything a probe could change, as text (volatile "last used" times left out).
async fn snapshot(app: &TestApp) -> String {
    let conn = app.db.connect().await;
    let backend = conn.get_database_backend();
    let mut out = String::new();
    for (table, cols) in [
        ("users", "id, email, name, password_hash"),
        ("workspaces", "id, name, slug"),
        ("memberships", "id, workspace_id, user_id, role"),
        (
            "invitations",
            "id, workspace_id, role, accepted_at, accepted_by, revoked_at",
        ),
        ("api_tokens", "id, workspace_id, user_id, name, revoked_at"),
        ("identities", "id, user_id"),
        ("companies", "id, workspace_id, name, domain, tags"),
        ("reports", "id, workspace_id, title"),
        ("contacts", "id, workspace_id, name, email, company_id"),
        (
            "competitors",
            "id, workspace_id, company_id, competitor_id, threat_level",
        ),
        ("pipelines", "id, workspace_id, name"),
        ("pipeline_stages", "id, pipeline_id, name, position"),
        (
            "deals",
            "id, workspace_id, stage_id, name, amount_minor, closed_at",
        ),
        ("activities", "id, workspace_id, subject, company_id"),
        ("signals", "id, workspace_id, title"),
        ("market_metrics", "id, workspace_id, metric"),
        ("jobs", "id, workspace_id, kind, status, payload"),
        ("schedules", "id, workspace_id, name, cron, enabled"),
        (
            "webhook_endpoints",
            "id, workspace_id, url, description, event_types",
        ),
        (
            "webhook_deliveries",
            "id, endpoint_id, workspace_id, event_id",
        ),
        (
            "ai_settings",
            "workspace_id AS id, provider, base_url, model",
        ),
        ("ai_insights", "id, workspace_id, dismissed_at"),
        ("connectors", "id, workspace_id, kind, state, account"),
        (
            "external_links",
            "id, workspace_id, source, object, local_id",
        ),
    ] {
        let rows = conn
            .query_all_raw(Statement::from_string(
                backend,
                format!("SELECT {cols} FROM {table} ORDER BY id"),
            ))
            .await
            .unwrap();
        out.push_str(&format!("{table}: {} rows\n", rows.len()));
        for r in rows {
            let n = cols.split(',').count();
            let vals: Vec<String> = (0..n)
                .map(|i| {
                    r.try_get_by_index::<Option<String>>(i)
                        .ok()
                        .flatten()
                        .or_else(|| {
                            r.try_get_by_index::<Option<i64>>(i)
                                .ok()
                                .flatten()
                                .map(|v| v.to_string())
                        })
                        .or_else(|| {
                            r.try_get_by_index::<Option<chrono::DateTime<chrono::Utc>>>(i)
                                .ok()
                                .flatten()
                                .map(|v| v.to_rfc3339())
                        })
                        .unwrap_or_else(|| "NULL".into())
                })
                .collect();
            out.push_str(&vals.join("|"));
            out.push('\n');
        }
    }
    // Audit entries about workspace B (any write to B would add one).
    let rows = conn
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT COUNT(*) FROM audit_log WHERE workspace_id IS NOT NULL",
        ))
        .await
        .unwrap();
    out.push_str(&format!(
        "audit: {:?}\n",
        rows[0].try_get_by_index::<i64>(0).ok()
    ));
    out
}

async fn isolation(app: TestApp) {
    let world = setup(&app).await;
    let table = probes(&world);
    let before = snapshot(&app).await;

    for endpoint in registered_endpoints() {
        let bodies = table
            .get(endpoint.as_str())
            .unwrap_or_else(|| panic!("server function `{endpoint}` has no isolation probe: add one in server/tests/isolation.rs"));
        for body in bodies {
            let res = app
                .call_with_token(&world.viewer_token, &endpoint, body.clone())
                .await;
            let status = res.status().as_u16();
            let text = res.text().await.unwrap();
            for marker in &world.b_markers {
                assert!(
                    !text.contains(marker.as_str()),
                    "{endpoint} {body} leaked `{marker}`: {text}"
                );
            }
            let names_b =
                body.get("workspace").and_then(Value::as_str) == Some(world.b_slug.as_str());
            if names_b {
                // Indistinguishable from a workspace that does not exist.
                assert_eq!(status, 404, "{endpoint} {body} → {status} {text}");
                let err: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(err["message"], "workspace not found", "{endpoint}");
            } else if !(200..300).contains(&status) {
                assert!(
                    matches!(status, 403 | 404),
                    "{endpoint} {body} → {status} {text}"
                );
            }
        }
    }
    let after = snapshot(&app).await;
    assert_eq!(before, after, "a probe changed data");
}

// No job workers: the jobs setup leaves behind (a webhook delivery to a closed port that
// retries with backoff, a report) would otherwise change status between the two snapshots,
// and the comparison must only ever see what a probe did.
both_backends!(
    no_server_function_crosses_workspaces,
    config = |c: &mut server::Config| c.job_workers = Some(0),
    isolation
);

#[tokio::test]
async fn every_server_function_has_a_probe() {
    let dummy = World {
        a_slug: "a".into(),
        b_slug: "b".into(),
        b_member_ids: vec![1],
        b_token_id: 1,
        b_invitation_id: 1,
        b_invitation_token: "t".into(),
        viewer_token: "v".into(),
        b_markers: vec![],
        b: Records::default(),
    };
    let probed: HashSet<&str> = probes(&dummy).keys().copied().collect();
    let registered = registered_endpoints();
    assert!(
        !registered.is_empty(),
        "the registry is empty: are the server functions linked?"
    );
    let missing: Vec<&String> = registered
        .iter()
        .filter(|e| !probed.contains(e.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "server functions without an isolation probe: {missing:?}"
    );
    let stale: Vec<&&str> = probed
        .iter()
        .filter(|p| !registered.iter().any(|r| r == *p))
        .collect();
    assert!(
        stale.is_empty(),
        "probes for functions that no longer exist: {stale:?}"
    );
}
