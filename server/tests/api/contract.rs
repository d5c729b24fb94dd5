//! The API contract: `/api/openapi.json` against the running server.
//!
//! - Every registered server function is in the document (`endpoint_doc!` beside it), and the
//!   document is sound: OpenAPI 3.1, unique operation ids, every `$ref` resolves, every
//!   example body is valid input, every paginated list takes the same `query`.
//! - Every operation in the document is called — with its documented example, the ids in it
//!   pointed at records of a seeded workspace `demo` — with a bearer token (a browser session
//!   for the two session-only ones, nothing for public ones), and every answer is validated
//!   against the documented schema with a JSON Schema validator. Destructive operations run
//!   last, each on a record made for it. Paginated lists are also asked for page 2 of 1 and
//!   with an unknown filter (a `422`), so they all follow one convention.
//! - The per-token rate limit answers `429` with `Retry-After` and the JSON error.
//!
//! The tests that start the server run on both databases: an answer's shape can differ
//! between them (a column's or an aggregate's type), and the schema check is where it shows.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::{json, Value};

use app::api::openapi::{self, Auth};
use common::{Session, TestApp};

const PW: &str = "correct horse battery";

fn document() -> Value {
    openapi::document().clone()
}

/// Validates `instance` against `schema` (a fragment of `doc`, whose `$ref`s point into
/// `doc`'s components); the error lists every violation.
fn check(doc: &Value, schema: &Value, instance: &Value, what: &str) {
    let root = json!({"allOf": [schema], "components": doc["components"]});
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("{what}: the schema does not compile: {e}\n{schema}"));
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{e} (at `{}`)", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: does not match its schema:\n{}\n{instance}",
        errors.join("\n")
    );
}

/// (path, method, operation) for every operation in the document.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            out.push((path.clone(), method.clone(), op.clone()));
        }
    }
    out
}

fn registered_paths() -> Vec<String> {
    let mut paths: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_owned())
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

#[test]
fn every_server_function_is_in_the_document() {
    let doc = document();
    let registered = registered_paths();
    assert!(
        registered.len() > 50,
        "the server-function registry looks empty: {registered:?}"
    );
    let missing: Vec<&String> = registered
        .iter()
        .filter(|p| doc["paths"][p.as_str()].get("post").is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "server functions missing from /api/openapi.json — add a `crate::endpoint_doc!` entry \
         beside each (see app/src/api/openapi/mod.rs): {missing:?}"
    );
    for e in openapi::endpoints() {
        assert!(
            registered.iter().any(|p| p == e.path),
            "{} is documented but not a registered server function",
            e.path
        );
    }
}

fn collect_refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => {
                        out.insert(r.clone());
                    }
                    _ => collect_refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// The `$ref` a schema names directly or as one arm of `anyOf` (an `Option`).
fn named_ref(schema: &Value) -> Option<String> {
    if let Some(r) = schema["$ref"].as_str() {
        return Some(r.to_owned());
    }
    schema["anyOf"]
        .as_array()?
        .iter()
        .find_map(|s| s["$ref"].as_str().map(str::to_owned))
}

#[test]
fn the_document_is_sound() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");

    let mut ids = BTreeSet::new();
    let tags: BTreeSet<&str> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for (path, method, op) in operations(&doc) {
        let id = op["operationId"].as_str().expect("operationId").to_owned();
        assert!(ids.insert(id.clone()), "operationId {id} is not unique");
        assert!(
            !op["summary"].as_str().unwrap_or("").is_empty(),
            "{method} {path} has no summary: document it"
        );
        let tag = op["tags"][0].as_str().expect("a tag");
        assert!(tags.contains(tag), "{id}: tag {tag} is not declared");
        let Some(json_body) = op["requestBody"]["content"].get("application/json") else {
            continue;
        };
        check(
            &doc,
            &json_body["schema"],
            &json_body["example"],
            &format!("the example of {id}"),
        );
        // One pagination convention: whatever answers a page takes the standard list query.
        let ok = &op["responses"]["200"]["content"]["application/json"]["schema"];
        if named_ref(ok).is_some_and(|r| r.ends_with("Page")) {
            let query = &json_body["schema"]["properties"]["query"];
            assert_eq!(
                named_ref(query).as_deref(),
                Some("#/components/schemas/ListQuery"),
                "{id} answers a page, so it must take `query: ListQuery` like every list"
            );
        }
    }

    let mut refs = BTreeSet::new();
    collect_refs(&doc, &mut refs);
    for r in refs {
        let pointer = r.strip_prefix('#').expect("local $ref");
        assert!(doc.pointer(pointer).is_some(), "dangling $ref {r}");
    }
}

/// The caller an operation is made with.
#[derive(Clone, Copy, Debug)]
enum As {
    Owner,
    /// The owner's token in their other (empty) workspace.
    Personal,
    /// A member's token (leaves the workspace at the end).
    Member,
    OwnerSession,
    JoinerSession,
    Nobody,
}

struct World {
    owner: Session,
    joiner: Session,
    token: String,
    personal_token: String,
    personal_slug: String,
    member_token: String,
    member_id: i64,
    joiner_id: i64,
    invitation_to_accept: String,
    invitation_to_preview: String,
    ids: BTreeMap<&'static str, i64>,
}

impl World {
    fn id(&self, what: &str) -> i64 {
        *self
            .ids
            .get(what)
            .unwrap_or_else(|| panic!("no `{what}` in the contract world"))
    }
}

async fn token_for(app: &TestApp, s: &Session, ws: &str, name: &str) -> (String, i64) {
    let t: Value = s
        .ok(
            &app.client,
            "create_api_token",
            json!({"workspace": ws, "name": name}),
        )
        .await;
    (
        t["token"].as_str().unwrap().to_owned(),
        t["info"]["id"].as_i64().unwrap(),
    )
}

async fn invite(app: &TestApp, s: &Session, role: &str) -> (String, i64) {
    let inv: Value = s
        .ok(
            &app.client,
            "create_invitation",
            json!({"workspace": "demo", "role": role}),
        )
        .await;
    let token = inv["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    (token, inv["invitation"]["id"].as_i64().unwrap())
}

async fn user_id(app: &TestApp, s: &Session) -> i64 {
    let info: Value = s.ok(&app.client, "current_session", json!({})).await;
    info["user"]["id"].as_i64().unwrap()
}

/// A seeded workspace `demo` (the slug every example names), its owner, a member and a
/// would-be member, tokens, and one record of each kind for the operations that need one.
async fn setup(app: &TestApp) -> World {
    use app::backend::demo::{self, DemoActor, DemoSpec};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    let owner = app
        .sign_up("owner@contract.example", "Olga Owner", PW)
        .await;
    let personal: Value = owner.ok(&app.client, "current_session", json!({})).await;
    let personal_slug = personal["workspaces"][0]["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    let _: Value = owner
        .ok(
            &app.client,
            "create_workspace",
            json!({"name": "Demo workspace", "slug": "demo"}),
        )
        .await;
    let owner_id = user_id(app, &owner).await;

    let conn = app.db.connect().await;
    let ws_id = app::backend::entity::workspaces::Entity::find()
        .filter(app::backend::entity::workspaces::Column::Slug.eq("demo"))
        .one(&conn)
        .await
        .unwrap()
        .unwrap()
        .id;
    let spec = DemoSpec {
        companies: 40,
        deals: 120,
        seed: 7,
        anchor: demo::today(),
        keep_indexes: false,
    };
    let actor = DemoActor {
        user_id: Some(owner_id),
        label: "contract test".into(),
        ip: None,
    };
    demo::seed(
        &conn,
        common::workspace(&conn, ws_id).await,
        &[owner_id],
        &actor,
        &spec,
    )
    .await
    .expect("seed the demo workspace");

    let (token, _) = token_for(app, &owner, "demo", "contract").await;
    let (personal_token, _) = token_for(app, &owner, &personal_slug, "personal").await;
    let (_, spare_token) = token_for(app, &owner, "demo", "spare").await;

    let (member_invite, _) = invite(app, &owner, "viewer").await;
    let member = app
        .sign_up("member@contract.example", "Mo Member", PW)
        .await;
    let _: Value = member
        .ok(
            &app.client,
            "accept_invitation",
            json!({"token": member_invite}),
        )
        .await;
    let member_id = user_id(app, &member).await;
    let (member_token, _) = token_for(app, &member, "demo", "member").await;
    let joiner = app
        .sign_up("joiner@contract.example", "Jo Joiner", PW)
        .await;
    let joiner_id = user_id(app, &joiner).await;
    let (invitation_to_accept, _) = invite(app, &owner, "member").await;
    let (invitation_to_preview, invitation) = invite(app, &owner, "member").await;

    let call = |endpoint: &'static str, body: Value| {
        let token = token.clone();
        async move {
            let res = app.call_with_token(&token, endpoint, body).await;
            let status = res.status();
            let text = res.text().await.unwrap();
            assert!(status.is_success(), "setup {endpoint}: {status} {text}");
            serde_json::from_str::<Value>(&text).unwrap()
        }
    };
    let id = |v: Value| v["id"].as_i64().expect("an id");

    let companies = call(
        "list_companies",
        json!({"workspace": "demo", "query": {"per_page": 2}}),
    )
    .await;
    let company2 = companies["items"][1]["id"].as_i64().unwrap();
    let company = id(call(
        "create_company",
        json!({"workspace": "demo", "input": {"name": "Contract Target Ltd", "domain": "contract-target.example"}}),
    )
    .await);
    let pipelines = call("list_pipelines", json!({"workspace": "demo"})).await;
    let pipeline = pipelines[0]["id"].as_i64().unwrap();
    let stage = pipelines[0]["stages"][0]["id"].as_i64().unwrap();
    let stage2 = pipelines[0]["stages"][1]["id"].as_i64().unwrap();
    let spare_pipeline = id(call("create_pipeline", json!({"workspace": "demo", "name": "Spare", "stages": [{"name": "Only", "default_probability": 10, "kind": "open"}]})).await);
    let deal = id(call("create_deal", json!({"workspace": "demo", "input": {"name": "Contract deal", "pipeline_id": pipeline, "stage_id": stage, "company_id": company, "amount": "1000"}})).await);
    let contact = id(call(
        "create_contact",
        json!({"workspace": "demo", "input": {"name": "Con Tact", "company_id": company}}),
    )
    .await);
    let activity = id(call("create_activity", json!({"workspace": "demo", "input": {"kind": "note", "subject": "Contract note", "company_id": company}})).await);
    let metric = id(call("create_metric", json!({"workspace": "demo", "input": {"company_id": company, "metric": "headcount", "value": 10.0, "observed_at": "2026-01-01T00:00:00Z"}})).await);
    let signal = id(call("create_signal", json!({"workspace": "demo", "input": {"company_id": company, "source_kind": "news", "title": "Contract news", "sentiment": 0.1, "published_at": "2026-01-01T00:00:00Z"}})).await);
    let competitor = id(call("save_competitor", json!({"workspace": "demo", "input": {"company_id": company, "competitor_id": company2, "threat_level": "low"}})).await);
    let schedule = id(call("create_schedule", json!({"workspace": "demo", "input": {"name": "Contract schedule", "kind": "pipeline", "input": {"kind": "pipeline"}, "cron": "0 8 * * MON"}})).await);
    // Two conversations with a finished answer each (the offline analyst answers at once):
    // one for reading, retrying and stopping, a spare one to edit and delete.
    let ask = |content: &'static str| async move {
        let sent = call(
            "send_message",
            json!({"workspace": "demo", "content": content}),
        )
        .await;
        let answer = sent["assistant_message_id"].as_i64().unwrap();
        for _ in 0..200 {
            let m = call(
                "get_message",
                json!({"workspace": "demo", "message_id": answer}),
            )
            .await;
            if m["status"] != "streaming" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        sent
    };
    let chat = ask("Summarise the pipeline").await;
    let spare_chat = ask("What are the biggest open deals?").await;
    let report_chat = ask("Start a pipeline report").await;
    let insight = {
        use app::backend::repo::ai::{add_insights, NewInsight};
        add_insights(
            &conn,
            common::workspace(&conn, ws_id).await,
            vec![NewInsight {
                kind: "stalled_deal",
                subject: "Contract deal".into(),
                subject_id: Some(deal),
                fingerprint: "contract".into(),
                text: "Contract deal has been in its stage for long.".into(),
                facts: json!({"days": 40}),
                source: "template".into(),
            }],
        )
        .await
        .unwrap();
        app::backend::repo::ai::insight_ids(&conn, common::workspace(&conn, ws_id).await)
            .await
            .unwrap()[0]
    };
    let hook = call("create_webhook", json!({"workspace": "demo", "input": {"url": "http://127.0.0.1:9/contract", "event_types": ["webhook.test"]}})).await;
    let webhook = hook["endpoint"]["id"].as_i64().unwrap();
    call("test_webhook", json!({"workspace": "demo", "id": webhook})).await;
    let deliveries = call(
        "list_webhook_deliveries",
        json!({"workspace": "demo", "id": webhook, "query": {}}),
    )
    .await;
    let delivery = deliveries["items"][0]["id"].as_i64().unwrap();
    // A finished report, so its download answers with the file.
    let started = call(
        "start_report",
        json!({"workspace": "demo", "input": {"kind": "pipeline"}}),
    )
    .await;
    let report = started["report_id"].as_i64().expect("a report id");
    for _ in 0..1200 {
        let r = call("get_report", json!({"workspace": "demo", "id": report})).await;
        if r["status"] != "queued" && r["status"] != "running" {
            assert_eq!(r["status"], "succeeded", "the contract's report: {r}");
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // An upload with three columns (as the examples map them), one row of them invalid, so
    // the error report has something to say.
    let upload: Value = app
        .client
        .post(app.url(
            "/api/imports/upload?workspace=demo&entity=companies&filename=contract.csv",
        ))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body("name,domain,industry\nImported Co,imported-contract.example,Software\n,not a domain,Retail\n")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let import = upload["id"].as_i64().expect("upload answers the import id");
    // Another, for the import that runs as a job (the first one is run directly).
    let upload: Value =
        app.client
            .post(app.url(
                "/api/imports/upload?workspace=demo&entity=companies&filename=contract-job.csv",
            ))
            .bearer_auth(&token)
            .header("content-type", "text/csv")
            .body("name,domain,industry\nJob Imported Co,job-imported.example,Software\n")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let import_by_job = upload["id"].as_i64().expect("upload answers the import id");

    // A job due tomorrow, so it is still queued when the cancel comes.
    let job = {
        use app::backend::jobs::{queue, NewJob};
        let mut new = NewJob::new("pipeline_report", json!({"kind": "pipeline"}))
            .in_workspace(common::workspace(&app.state.db, ws_id).await);
        new.run_at = Some(chrono::Utc::now() + chrono::Duration::days(1));
        queue::enqueue(&conn, &new).await.unwrap().id
    };

    World {
        owner,
        joiner,
        token,
        personal_token,
        personal_slug,
        member_token,
        member_id,
        joiner_id,
        invitation_to_accept,
        invitation_to_preview,
        ids: BTreeMap::from([
            ("company", company),
            ("company2", company2),
            ("pipeline", pipeline),
            ("stage", stage),
            ("stage2", stage2),
            ("spare_pipeline", spare_pipeline),
            ("deal", deal),
            ("contact", contact),
            ("activity", activity),
            ("metric", metric),
            ("signal", signal),
            ("competitor", competitor),
            ("schedule", schedule),
            ("conversation", chat["conversation_id"].as_i64().unwrap()),
            ("answer", chat["assistant_message_id"].as_i64().unwrap()),
            (
                "spare_conversation",
                spare_chat["conversation_id"].as_i64().unwrap(),
            ),
            (
                "spare_question",
                spare_chat["user_message_id"].as_i64().unwrap(),
            ),
            ("insight", insight),
            (
                "report_answer",
                report_chat["assistant_message_id"].as_i64().unwrap(),
            ),
            ("report", report),
            ("webhook", webhook),
            ("delivery", delivery),
            ("import", import),
            ("import_by_job", import_by_job),
            ("job", job),
            ("invitation", invitation),
            ("spare_token", spare_token),
        ]),
    }
}

/// Which record an operation's `id` names. A new operation that takes an `id` needs a line
/// here (and a record in `setup`).
fn id_kind(op: &str) -> &'static str {
    match op {
        "get_company" | "get_company_summary" | "update_company" | "delete_company" => "company",
        "get_contact" | "update_contact" | "delete_contact" => "contact",
        "get_deal" | "update_deal" | "move_deal" | "delete_deal" | "list_record_links" => "deal",
        "enrich_company" => "company",
        "update_activity" | "delete_activity" => "activity",
        "delete_metric" => "metric",
        "delete_signal" => "signal",
        "delete_competitor" => "competitor",
        "update_pipeline" | "delete_pipeline" => "spare_pipeline",
        "get_import_preview" | "check_import" | "run_import" | "import_error_report" => "import",
        "start_import" => "import_by_job",
        "get_job" | "cancel_job" | "retry_job" | "run_job_again" | "job_events" => "job",
        "get_schedule" | "update_schedule" | "delete_schedule" => "schedule",
        "get_report" | "delete_report" | "download_report" => "report",
        "update_webhook" | "delete_webhook" | "test_webhook" | "list_webhook_deliveries" => {
            "webhook"
        }
        "revoke_invitation" => "invitation",
        "chat_message_stream" => "answer",
        "dismiss_insight" => "insight",
        "revoke_api_token" => "spare_token",
        other => panic!("contract.rs: which record does `{other}`'s `id` name? Add it to id_kind"),
    }
}

/// The example body with its ids pointed at the world's records.
fn fill(op: &str, example: &Value, w: &World) -> Value {
    let mut body = example.clone();
    let Some(obj) = body.as_object_mut() else {
        return body;
    };
    let ids: Vec<String> = obj.keys().cloned().collect();
    for key in ids {
        let value = match key.as_str() {
            "id" => json!(w.id(id_kind(op))),
            "company_id" => json!(w.id("company")),
            "competitor_id" => json!(w.id("company2")),
            "pipeline_id" => json!(w.id("pipeline")),
            "stage_id" if matches!(op, "move_deal" | "update_deal") => json!(w.id("stage2")),
            "stage_id" => json!(w.id("stage")),
            "delivery_id" => json!(w.id("delivery")),
            "conversation_id" if matches!(op, "delete_conversation") => {
                json!(w.id("spare_conversation"))
            }
            "conversation_id" => json!(w.id("conversation")),
            "message_id" if op == "edit_message" => json!(w.id("spare_question")),
            "message_id" if op == "confirm_tool_call" => json!(w.id("report_answer")),
            "message_id" => json!(w.id("answer")),
            "user_id" if op == "remove_member" => json!(w.joiner_id),
            "user_id" => json!(w.member_id),
            "token" if op == "accept_invitation" => json!(w.invitation_to_accept),
            "token" => json!(w.invitation_to_preview),
            "workspace" if op == "create_demo_data" => json!(w.personal_slug),
            "input" | "query" => {
                let mut inner = obj[&key].clone();
                for (k, v) in inner.as_object_mut().into_iter().flatten() {
                    match k.as_str() {
                        "company_id" => *v = json!(w.id("company")),
                        "competitor_id" => *v = json!(w.id("company2")),
                        "pipeline_id" => *v = json!(w.id("pipeline")),
                        "stage_id" if op == "update_deal" => *v = json!(w.id("stage2")),
                        "stage_id" => *v = json!(w.id("stage")),
                        "filters" => {
                            if let Some(c) = v.get_mut("company") {
                                *c = json!(w.id("company").to_string());
                            }
                        }
                        _ => {}
                    }
                }
                inner
            }
            _ => continue,
        };
        obj.insert(key, value);
    }
    body
}

/// Operations that change or remove what others read, in the order they run — after all
/// the others. Jobs: cancelled (it is queued), run again (it is finished), then retried.
const LATE: &[&str] = &[
    "sync_connector",
    "pause_connector",
    "disconnect_connector",
    "update_activity",
    "update_company",
    "update_contact",
    "update_deal",
    "move_deal",
    "update_pipeline",
    "update_schedule",
    "update_webhook",
    "change_member_role",
    "redeliver_webhook",
    "cancel_job",
    "run_job_again",
    "retry_job",
    "run_import",
    "stop_message",
    "retry_message",
    "edit_message",
    "dismiss_insight",
    "delete_conversation",
    "delete_activity",
    "delete_competitor",
    "delete_contact",
    "delete_deal",
    "delete_metric",
    "delete_signal",
    "delete_company",
    "delete_pipeline",
    "delete_schedule",
    "delete_report",
    "delete_webhook",
    "revoke_invitation",
    "revoke_api_token",
    "remove_member",
    "leave_workspace",
];

fn caller_for(op: &str, auth: Option<Auth>) -> As {
    match (op, auth) {
        ("accept_invitation", _) => As::JoinerSession,
        (_, Some(Auth::Session)) => As::OwnerSession,
        (_, Some(Auth::None)) => As::Nobody,
        ("create_demo_data", _) => As::Personal,
        ("leave_workspace", _) => As::Member,
        _ => As::Owner,
    }
}

fn auth_of(op: &Value) -> Auth {
    match &op["security"] {
        s if s == &json!([{}]) => Auth::None,
        s if s == &json!([{"sessionCookie": []}]) => Auth::Session,
        _ => Auth::Required,
    }
}

fn request(
    app: &TestApp,
    w: &World,
    who: As,
    method: &str,
    target: &str,
) -> reqwest::RequestBuilder {
    let url = app.url(target);
    let rb = match method {
        "get" => app.client.get(url),
        _ => app.client.post(url),
    };
    match who {
        As::Owner => rb.bearer_auth(&w.token),
        As::Personal => rb.bearer_auth(&w.personal_token),
        As::Member => rb.bearer_auth(&w.member_token),
        As::OwnerSession => rb
            .header("cookie", w.owner.header())
            .header("origin", app.origin()),
        As::JoinerSession => rb
            .header("cookie", w.joiner.header())
            .header("origin", app.origin()),
        As::Nobody => rb,
    }
}

/// The example path and query of a plain-HTTP operation, ids filled in.
fn target_of(path: &str, op: &Value, w: &World) -> String {
    let id = op["operationId"].as_str().unwrap();
    let mut target = path.to_owned();
    let mut query = Vec::new();
    for p in op["parameters"].as_array().into_iter().flatten() {
        let name = p["name"].as_str().unwrap();
        let value = match (name, p["example"].as_str()) {
            ("id", _) => w.id(id_kind(id)).to_string(),
            (_, Some(ex)) => ex.to_owned(),
            (_, None) => continue,
        };
        match p["in"].as_str() {
            Some("path") => target = target.replace(&format!("{{{name}}}"), &value),
            Some("query") => query.push(format!("{name}={value}")),
            _ => {}
        }
    }
    if query.is_empty() {
        target
    } else {
        format!("{target}?{}", query.join("&"))
    }
}

/// Calls one operation as documented and validates the answer against its schema.
async fn exercise(app: &TestApp, w: &World, doc: &Value, path: &str, method: &str, op: &Value) {
    let id = op["operationId"].as_str().unwrap();
    let who = caller_for(id, Some(auth_of(op)));
    let mut rb;
    let mut sent = None;
    if let Some(json_body) = op["requestBody"]["content"].get("application/json") {
        let body = fill(id, &json_body["example"], w);
        check(doc, &json_body["schema"], &body, &format!("{id}'s request"));
        rb = request(app, w, who, method, path).json(&body);
        sent = Some(body);
    } else {
        rb = request(app, w, who, method, &target_of(path, op, w));
        if let Some((media, content)) = op["requestBody"]["content"]
            .as_object()
            .and_then(|c| c.iter().next())
        {
            let example = content["example"].as_str().expect("a raw example body");
            rb = rb.header("content-type", media).body(example.to_owned());
        }
    }
    let res = tokio::time::timeout(Duration::from_secs(30), rb.send())
        .await
        .unwrap_or_else(|_| panic!("{id}: no answer"))
        .expect("request");
    let status = res.status();
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let (media, content) = op["responses"]["200"]["content"]
        .as_object()
        .and_then(|c| c.iter().next())
        .unwrap_or_else(|| panic!("{id}: no documented answer"));
    if media == "text/event-stream" {
        assert!(status.is_success(), "{id}: {status}");
        assert!(content_type.starts_with(media), "{id}: {content_type}");
        // The first event arrives at once (a job snapshot, or `hello`); then hang up.
        let first = tokio::time::timeout(Duration::from_secs(10), {
            let mut res = res;
            async move { res.chunk().await }
        })
        .await
        .unwrap_or_else(|_| panic!("{id}: no first event"))
        .expect("stream")
        .expect("a first chunk");
        let text = String::from_utf8_lossy(&first);
        assert!(text.contains("event:"), "{id}: {text}");
        return;
    }
    let text = res.text().await.unwrap();
    assert!(
        status.is_success(),
        "{id} ({method} {path}) with {sent:?} answered {status}: {text}"
    );
    assert!(
        content_type.starts_with(media.as_str()),
        "{id}: answered {content_type}, documented {media}"
    );
    if media == "application/json" {
        let value: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{id}: not JSON ({e}): {text}"));
        check(doc, &content["schema"], &value, &format!("{id}'s answer"));
    } else {
        assert!(!text.is_empty(), "{id}: an empty {media} answer");
    }
}

/// Every paginated list follows one convention: page and per_page are honoured and echoed,
/// and an unknown filter is a `422` in the error model.
async fn check_pagination(app: &TestApp, w: &World, doc: &Value, path: &str, op: &Value) {
    let id = op["operationId"].as_str().unwrap();
    let json_body = &op["requestBody"]["content"]["application/json"];
    let mut body = fill(id, &json_body["example"], w);
    body["query"]["page"] = json!(2);
    body["query"]["per_page"] = json!(1);
    let res = request(app, w, As::Owner, "post", path)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let page: Value = res.json().await.unwrap();
    assert!(status.is_success(), "{id} page 2: {status} {page}");
    assert_eq!(page["page"], 2, "{id} echoes the page");
    assert_eq!(page["per_page"], 1, "{id} echoes per_page");
    assert!(page["items"].as_array().unwrap().len() <= 1, "{id}: {page}");

    body["query"]["filters"] = json!({"no_such_filter": "x"});
    let res = request(app, w, As::Owner, "post", path)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let err: Value = res.json().await.unwrap();
    assert_eq!(status, 422, "{id}: an unknown filter: {err}");
    assert_eq!(err["code"], "validation", "{id}");
    assert!(
        err["message"].as_str().unwrap().contains("no_such_filter"),
        "{id} names the unknown filter: {err}"
    );
    let error_schema =
        &doc["components"]["responses"]["Error"]["content"]["application/json"]["schema"];
    check(doc, error_schema, &err, &format!("{id}'s error"));
}

both_backends!(
    every_documented_endpoint_answers_as_documented,
    empty_db = |db: crate::common::TestDb| async move {
        // HubSpot, for the connector endpoints: a fake that takes the documented example token.
        let hubspot = crate::fake_hubspot::FakeHubspot::start(Default::default()).await;
        hubspot.with(|d| d.token = "pat-na1-00000000-0000-0000-0000-000000000000".into());
        // Apollo, for the enrichment endpoints: connected before they are called.
        let apollo = crate::fake_apollo::FakeApollo::start(&["contract-target.example"]).await;
        let mut config = crate::common::test_config(&db.url);
        config.hubspot_api_url = hubspot.base_url();
        config.apollo_api_url = apollo.base_url();
        let app = crate::common::spawn_with(db, config, |_| None).await;
        let w = setup(&app).await;
        let connected = request(&app, &w, As::Owner, "post", "/api/connect_connector")
            .json(&json!({"workspace": "demo", "input": {"kind": "apollo", "access_token": crate::fake_apollo::KEY}}))
            .send()
            .await
            .unwrap();
        assert!(
            connected.status().is_success(),
            "{}",
            connected.text().await.unwrap()
        );
        let served: Value = app
            .client
            .get(app.url("/api/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut doc = document();
        doc["servers"] = served["servers"].clone();
        assert_eq!(served, doc, "the server serves the document");
        assert_eq!(served["servers"][0]["url"], app.origin());

        let mut ops = operations(&doc);
        let is_server_fn = |op: &Value| {
            op["requestBody"]["content"]
                .get("application/json")
                .is_some()
        };
        let rank = |op: &Value| {
            let id = op["operationId"].as_str().unwrap();
            match LATE.iter().position(|l| *l == id) {
                Some(i) => 2 + i,
                None if is_server_fn(op) => 0,
                // Plain-HTTP routes after the reads (the error report needs `check_import`).
                None => 1,
            }
        };
        ops.sort_by_key(|(path, _, op)| (rank(op), path.clone()));

        let mut called = BTreeSet::new();
        for (path, method, op) in &ops {
            exercise(&app, &w, &doc, path, method, op).await;
            called.insert(op["operationId"].as_str().unwrap().to_owned());
            let answers_page =
                named_ref(&op["responses"]["200"]["content"]["application/json"]["schema"])
                    .is_some_and(|r| r.ends_with("Page"));
            if answers_page && rank(op) == 0 {
                check_pagination(&app, &w, &doc, path, op).await;
            }
        }
        let documented: BTreeSet<String> = ops
            .iter()
            .map(|(_, _, op)| op["operationId"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(called, documented);
        assert!(called.len() > 80, "{} operations", called.len());
    }
);

/// A low limit: a token's seventh request in a minute is refused with `429`, `Retry-After`
/// and the JSON error; another token and a session have their own budgets.
async fn rate_limit(app: TestApp) {
    let owner = app.sign_up("limit@contract.example", "Lim It", PW).await;
    let info: Value = owner.ok(&app.client, "current_session", json!({})).await;
    let ws = info["workspaces"][0]["slug"].as_str().unwrap().to_owned();
    let (token, _) = token_for(&app, &owner, &ws, "busy").await;
    let (other, _) = token_for(&app, &owner, &ws, "calm").await;

    let list = json!({"workspace": ws, "query": {}});
    for i in 0..6 {
        let res = app
            .call_with_token(&token, "list_companies", list.clone())
            .await;
        assert_eq!(res.status(), 200, "request {i} is within the limit");
    }
    let res = app
        .call_with_token(&token, "list_companies", list.clone())
        .await;
    assert_eq!(res.status(), 429);
    let retry_after: u64 = res
        .headers()
        .get("retry-after")
        .expect("Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["code"], "rate_limited");
    assert_eq!(err["retry_after"], retry_after);
    let doc = document();
    let schema =
        &doc["components"]["responses"]["RateLimited"]["content"]["application/json"]["schema"];
    check(&doc, schema, &err, "the 429 answer");

    // Plain-HTTP endpoints count too.
    let res = app
        .client
        .get(app.url(&format!("/api/export/companies.csv?workspace={ws}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);

    let res = app
        .call_with_token(&other, "list_companies", list.clone())
        .await;
    assert_eq!(res.status(), 200, "another token has its own budget");
    let res = owner.call(&app.client, "list_companies", list).await;
    assert_eq!(res.status(), 200, "so has the browser session");
}

both_backends!(
    a_token_over_its_rate_limit_gets_429,
    config = |c: &mut server::Config| c.api_rate_limit_per_minute = 6,
    rate_limit
);

both_backends!(
    the_reference_page_renders_without_sign_in,
    |app: TestApp| async move {
        let res = app.client.get(app.url("/docs/api")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let html = res.text().await.unwrap();
        // Every endpoint is on the page with its curl example, server-rendered.
        for e in openapi::endpoints() {
            assert!(html.contains(e.path), "{} is not on /docs/api", e.path);
        }
        assert!(html.contains("curl -s -X POST"), "curl examples");
        assert!(
            html.contains("id=\"schema-CompanyPage\""),
            "schemas have anchors"
        );
        assert!(!html.contains("cdn."), "no external CDN");
    }
);
