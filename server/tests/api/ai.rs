//! The AI analyst over the demo data: the offline analyst answers its question set with the
//! right numbers and declines the rest; every number in an answer — the offline analyst's,
//! and a scripted model's — equals a value from a tool result; tools called in workspace A
//! never reach B's records; provider settings are for admins and keep the key secret.

use serde_json::{json, Value};

use app::backend::ai::narrator::numbers_in;

use crate::chat::{answer_of, with_provider};
use crate::common::{owner_of_new_workspace, Session, TestApp};
use crate::fake_llm::{self, fixed, step, Reply};

async fn demo_workspace(app: &TestApp, email: &str) -> (Session, String) {
    let (s, ws) = owner_of_new_workspace(app, email).await;
    let _: Value = s
        .ok(
            &app.client,
            "create_demo_data",
            json!({"workspace": ws.slug}),
        )
        .await;
    (s, ws.slug)
}

/// Every number the answer states is one of the numbers in its tool results.
fn assert_grounded(m: &Value) {
    let mut known = vec![];
    for c in m["tool_calls"].as_array().into_iter().flatten() {
        known.extend(numbers_in(&c["result"].to_string()));
        known.extend(numbers_in(&c["arguments"].to_string()));
    }
    let text = m["content"].as_str().unwrap();
    for n in numbers_in(text) {
        assert!(
            known.iter().any(|k| (k - n).abs() < 1e-9),
            "{n} in the answer is in no tool result:\n{text}\n{}",
            m["tool_calls"]
        );
    }
}

fn result_of<'a>(m: &'a Value, tool: &str) -> &'a Value {
    let calls = m["tool_calls"].as_array().unwrap();
    &calls
        .iter()
        .rev()
        .find(|c| c["name"] == tool)
        .unwrap_or_else(|| panic!("no {tool} call in {m}"))["result"]
}

async fn offline_analyst(app: TestApp) {
    let (s, slug) = demo_workspace(&app, "offline@ai.example").await;

    // The pipeline: counts and totals as the deal board computes them.
    let m = answer_of(&app, &s, &slug, "Summarise the pipeline").await;
    assert_eq!(m["model"], "offline");
    assert_grounded(&m);
    let r = result_of(&m, "pipeline_summary");
    let pipelines: Vec<app::types::Pipeline> = s
        .ok(&app.client, "list_pipelines", json!({"workspace": slug}))
        .await;
    let default = pipelines
        .iter()
        .find(|p| p.is_default)
        .unwrap_or(&pipelines[0]);
    let open: Value = s
        .ok(&app.client, "list_deals", json!({"workspace": slug, "query": {"filters": {"pipeline": default.id.to_string(), "status": "open"}, "per_page": 1}}))
        .await;
    assert_eq!(r["open_deals"], open["total"]);
    assert!(m["content"]
        .as_str()
        .unwrap()
        .contains(&format!("{} open deals", open["total"])));

    // The biggest open deal is the first row.
    let m = answer_of(&app, &s, &slug, "What are the biggest open deals?").await;
    assert_grounded(&m);
    let top: Value = s
        .ok(&app.client, "list_deals", json!({"workspace": slug, "query": {"filters": {"status": "open"}, "sort": "-amount", "per_page": 1}}))
        .await;
    let top = &top["items"][0];
    let money: app::types::Money = serde_json::from_value(top["amount"].clone()).unwrap();
    let content = m["content"].as_str().unwrap();
    assert!(content.contains(&money.format()), "{content}");
    assert!(
        content.contains(&format!("/w/{slug}/deals/{}/edit", top["id"])),
        "{content}"
    );

    // A company by name, with its figures and a link to it.
    let companies: Value = s
        .ok(
            &app.client,
            "list_companies",
            json!({"workspace": slug, "query": {"per_page": 1}}),
        )
        .await;
    let company = &companies["items"][0];
    let name = company["name"].as_str().unwrap();
    let m = answer_of(&app, &s, &slug, &format!("Tell me about {name}")).await;
    assert_grounded(&m);
    let summary: Value = s
        .ok(
            &app.client,
            "get_company_summary",
            json!({"workspace": slug, "id": company["id"]}),
        )
        .await;
    let content = m["content"].as_str().unwrap();
    assert!(
        content.contains(&format!("[{name}](/w/{slug}/companies/{})", company["id"])),
        "{content}"
    );
    assert!(
        content.contains(&format!("across {} open deals", summary["open_deals"])),
        "{content}"
    );

    // Competitors of a company that has some.
    let with: Value = s
        .ok(
            &app.client,
            "list_companies",
            json!({"workspace": slug, "query": {"per_page": 200}}),
        )
        .await;
    let mut asked = false;
    for c in with["items"].as_array().unwrap() {
        let comps: Vec<Value> = s
            .ok(
                &app.client,
                "list_competitors",
                json!({"workspace": slug, "company_id": c["id"]}),
            )
            .await;
        if comps.is_empty() {
            continue;
        }
        let m = answer_of(
            &app,
            &s,
            &slug,
            &format!(
                "Who are the competitors of {}?",
                c["name"].as_str().unwrap()
            ),
        )
        .await;
        assert_grounded(&m);
        for comp in &comps {
            assert!(m["content"]
                .as_str()
                .unwrap()
                .contains(comp["competitor_name"].as_str().unwrap()));
        }
        asked = true;
        break;
    }
    assert!(asked, "the demo has competitors");

    // A metric's trend: first and last values as stored.
    let suggestions: Vec<String> = s
        .ok(
            &app.client,
            "suggested_questions",
            json!({"workspace": slug}),
        )
        .await;
    let metric_q = suggestions
        .iter()
        .find(|q| q.starts_with("How has"))
        .expect("a metric question");
    let m = answer_of(&app, &s, &slug, metric_q).await;
    assert_grounded(&m);
    let r = result_of(&m, "metric_trend");
    assert!(r["count"].as_u64().unwrap() > 0, "{m}");
    assert!(m["content"]
        .as_str()
        .unwrap()
        .contains(&format!("went from {}", r["first"])));

    // Every suggestion is answered (none declined), and grounded.
    for q in &suggestions {
        let m = answer_of(&app, &s, &slug, q).await;
        assert_eq!(m["status"], "complete");
        assert!(
            !m["tool_calls"].as_array().unwrap().is_empty(),
            "{q} was declined"
        );
        assert_grounded(&m);
    }

    // Anything else is declined, with how to configure a provider, and no numbers.
    let m = answer_of(&app, &s, &slug, "Write me a poem about our churn").await;
    assert!(m["tool_calls"].as_array().unwrap().is_empty());
    let content = m["content"].as_str().unwrap();
    assert!(
        content.contains("AI_PROVIDER") && content.contains("Settings → AI"),
        "{content}"
    );
    app.stop().await;
}

both_backends!(offline_analyst_answers_with_real_numbers, offline_analyst);

// A scripted model that quotes figures from what the tools answered: the figures reach
// the answer unchanged.
both_backends!(
    a_scripted_models_answers_are_grounded_in_tool_results,
    |app: TestApp| async move {
        let fake = fake_llm::start(vec![
            fixed(|| {
                Reply::Sse(fake_llm::oa_calls(&[
                    ("c1", "pipeline_summary", "{}"),
                    ("c2", "list_deals", r#"{"status": "open", "limit": 3}"#),
                ]))
            }),
            step(|req| {
                let results = fake_llm::tool_results(req);
                let (p, d) = (&results[0], &results[1]);
                let deals: Vec<String> = d["deals"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| {
                        format!(
                            "[{}]({}) at {}",
                            x["name"].as_str().unwrap(),
                            x["link"].as_str().unwrap(),
                            x["amount"].as_str().unwrap()
                        )
                    })
                    .collect();
                Reply::Sse(fake_llm::oa_answer(&format!(
                    "{} open deals worth {} (weighted {}); win rate {}%. Largest: {}.",
                    p["open_deals"],
                    p["open_total"].as_str().unwrap_or("?"),
                    p["open_weighted"].as_str().unwrap_or("?"),
                    p["win_rate_percent"],
                    deals.join(", ")
                )))
            }),
        ])
        .await;
        let (s, slug) = with_provider(&app, "grounded@ai.example", "openai", &fake).await;
        let _: Value = s
            .ok(&app.client, "create_demo_data", json!({"workspace": slug}))
            .await;
        let m = answer_of(&app, &s, &slug, "How is the pipeline doing?").await;
        assert_eq!(m["status"], "complete", "{m}");
        assert!(numbers_in(m["content"].as_str().unwrap()).len() >= 6, "{m}");
        assert_grounded(&m);
        app.stop().await;
    }
);

// Tools run as the caller in the caller's workspace: B's ids answer "not found" in A, and
// A's searches never list B's companies.
both_backends!(
    tools_in_workspace_a_never_reach_b,
    |app: TestApp| async move {
        let (b, b_ws) = owner_of_new_workspace(&app, "b@ai.example").await;
        let b_company: Value = b
            .ok(
                &app.client,
                "create_company",
                json!({"workspace": b_ws.slug, "input": {"name": "Beta Secret Widgets"}}),
            )
            .await;
        let b_id = b_company["id"].as_i64().unwrap();
        let fake = fake_llm::start(vec![
            step(move |_| {
                Reply::Sse(fake_llm::oa_calls(&[
                    (
                        "c1",
                        "company_overview",
                        &format!(r#"{{"company_id": {b_id}}}"#),
                    ),
                    (
                        "c2",
                        "competitor_comparison",
                        &format!(r#"{{"company_id": {b_id}}}"#),
                    ),
                    ("c3", "search_companies", r#"{"query": "Beta Secret"}"#),
                    ("c4", "list_deals", &format!(r#"{{"company_id": {b_id}}}"#)),
                    (
                        "c5",
                        "recent_signals",
                        &format!(r#"{{"company_id": {b_id}}}"#),
                    ),
                ]))
            }),
            fixed(|| Reply::Sse(fake_llm::oa_answer("Nothing found."))),
        ])
        .await;
        let (a, a_slug) = with_provider(&app, "a@ai.example", "openai", &fake).await;
        let m = answer_of(&app, &a, &a_slug, "Tell me about Beta").await;
        let calls = m["tool_calls"].as_array().unwrap();
        assert_eq!(calls.len(), 5);
        assert!(!m.to_string().contains("Beta Secret Widgets"), "{m}");
        assert_eq!(calls[0]["result"]["error"], "company not found");
        assert_eq!(calls[1]["result"]["error"], "company not found");
        assert_eq!(calls[2]["result"]["total"], 0);
        assert_eq!(calls[3]["result"]["total"], 0);
        assert_eq!(calls[4]["result"]["total"], 0);

        // And the offline analyst in A does not find B's company by name.
        let _: Value = a
            .ok(
                &app.client,
                "update_ai_settings",
                json!({"workspace": a_slug, "input": {"provider": "offline"}}),
            )
            .await;
        let m = answer_of(&app, &a, &a_slug, "Tell me about Beta Secret Widgets").await;
        assert!(
            m["content"]
                .as_str()
                .unwrap()
                .contains("no company matching"),
            "{m}"
        );
        app.stop().await;
    }
);

both_backends!(
    provider_settings_are_for_admins_and_the_key_stays_secret,
    |app: TestApp| async move {
        let (s, ws) = owner_of_new_workspace(&app, "settings@ai.example").await;
        let slug = ws.slug;
        let v: Value = s
            .ok(&app.client, "get_ai_settings", json!({"workspace": slug}))
            .await;
        assert_eq!(
            (v["provider"].as_str(), v["source"].as_str()),
            (Some("offline"), Some("server"))
        );
        let res = s
            .call(
                &app.client,
                "update_ai_settings",
                json!({"workspace": slug, "input": {"provider": "gpt", "base_url": "ftp://x"}}),
            )
            .await;
        assert_eq!(res.status().as_u16(), 422);
        let err: Value = res.json().await.unwrap();
        let fields: Vec<&str> = err["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        assert!(
            fields.contains(&"provider") && fields.contains(&"base_url"),
            "{err}"
        );

        let v: Value = s
        .ok(&app.client, "update_ai_settings", json!({"workspace": slug, "input": {"provider": "anthropic", "model": "claude-test", "api_key": "sk-ant-very-secret"}}))
        .await;
        assert_eq!(v["has_api_key"], true);
        assert!(!v.to_string().contains("very-secret"));
        let conn = app.db.connect().await;
        use sea_orm::EntityTrait;
        let row = app::backend::entity::ai_settings::Entity::find()
            .one(&conn)
            .await
            .unwrap()
            .unwrap();
        let stored = row.api_key_enc.unwrap();
        assert!(!stored.contains("very-secret"), "encrypted at rest");
        assert_eq!(
            app.state.auth().secrets.decrypt(&stored).unwrap(),
            "sk-ant-very-secret"
        );

        // A viewer may chat but not see or change the provider.
        let invite: Value = s
            .ok(
                &app.client,
                "create_invitation",
                json!({"workspace": slug, "role": "viewer"}),
            )
            .await;
        let viewer = app
            .sign_up("viewer@ai.example", "Vi", "correct horse battery")
            .await;
        let _: Value = viewer
            .ok(
                &app.client,
                "accept_invitation",
                json!({"token": invite["url"].as_str().unwrap().rsplit('/').next().unwrap()}),
            )
            .await;
        let res = viewer
            .call(&app.client, "get_ai_settings", json!({"workspace": slug}))
            .await;
        assert_eq!(res.status().as_u16(), 403);
        app.stop().await;
    }
);

async fn workspace_id(app: &TestApp, slug: &str) -> i64 {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let conn = app.db.connect().await;
    app::backend::entity::workspaces::Entity::find()
        .filter(app::backend::entity::workspaces::Column::Slug.eq(slug))
        .one(&conn)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn insights_find_what_changed(app: TestApp) {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let fake = fake_llm::start(vec![fixed(|| {
        Reply::Sse(fake_llm::oa_answer("Heads up: this changed."))
    })])
    .await;
    let (s, slug) = with_provider(&app, "insights@ai.example", "openai", &fake).await;
    let ws = workspace_id(&app, &slug).await;
    let conn = app.db.connect().await;
    let now = chrono::Utc::now();
    let pipelines: Vec<app::types::Pipeline> = s
        .ok(&app.client, "list_pipelines", json!({"workspace": slug}))
        .await;
    let stage = pipelines[0].stages[0].id;
    let mut stalled = 0;
    for (i, age) in [5, 6, 7, 60].into_iter().enumerate() {
        let d: Value = s
            .ok(&app.client, "create_deal", json!({"workspace": slug, "input": {"name": format!("Deal {i}"), "pipeline_id": pipelines[0].id, "stage_id": stage, "amount": "1000"}}))
            .await;
        let id = d["id"].as_i64().unwrap();
        app::backend::entity::deals::ActiveModel {
            id: Set(id),
            stage_entered_at: Set(now - chrono::Duration::days(age)),
            ..Default::default()
        }
        .update(&conn)
        .await
        .unwrap();
        stalled = id;
    }
    let rival: Value = s
        .ok(
            &app.client,
            "create_company",
            json!({"workspace": slug, "input": {"name": "Rival Co"}}),
        )
        .await;
    let me: Value = s
        .ok(
            &app.client,
            "create_company",
            json!({"workspace": slug, "input": {"name": "Us Inc"}}),
        )
        .await;
    let _: Value = s
        .ok(&app.client, "save_competitor", json!({"workspace": slug, "input": {"company_id": me["id"], "competitor_id": rival["id"], "threat_level": "high"}}))
        .await;
    for (days, sentiment) in [(3, -0.6), (10, -0.5), (40, 0.5), (50, 0.6)] {
        let _: Value = s
            .ok(&app.client, "create_signal", json!({"workspace": slug, "input": {"company_id": rival["id"], "source_kind": "news", "title": format!("News {days}"), "sentiment": sentiment, "published_at": now - chrono::Duration::days(days)}}))
            .await;
    }
    for (days, value) in [(20, 100.0), (5, 150.0)] {
        let _: Value = s
            .ok(&app.client, "create_metric", json!({"workspace": slug, "input": {"company_id": rival["id"], "metric": "web_traffic", "value": value, "observed_at": now - chrono::Duration::days(days)}}))
            .await;
    }

    let found =
        app::backend::ai::insights::find(&conn, crate::common::workspace(&conn, ws).await, now)
            .await
            .unwrap();
    let kinds: Vec<&str> = found.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        ["stalled_deal", "sentiment_drop", "metric_jump"],
        "{found:?}"
    );
    assert_eq!(found[0].subject_id, Some(stalled));
    assert_eq!(found[1].subject_id, rival["id"].as_i64());
    for f in &found {
        app::backend::ai::narrator::grounded(&f.text, &f.facts.to_string())
            .unwrap_or_else(|n| panic!("{n} in {} is not in {}", f.text, f.facts));
    }

    // Run: the model phrases them (its text states no numbers, so it passes); again: nothing new.
    assert_eq!(
        app::backend::ai::insights::run(
            &app.state,
            crate::common::workspace(&app.state.db, ws).await
        )
        .await
        .unwrap(),
        3
    );
    assert_eq!(
        app::backend::ai::insights::run(
            &app.state,
            crate::common::workspace(&app.state.db, ws).await
        )
        .await
        .unwrap(),
        0
    );
    let list: Vec<Value> = s
        .ok(&app.client, "list_insights", json!({"workspace": slug}))
        .await;
    assert_eq!(list.len(), 3);
    assert!(
        list.iter()
            .all(|i| i["source"] == "model:openai/fake-model"
                && i["text"] == "Heads up: this changed."),
        "{list:?}"
    );
    let _: Value = s
        .ok(
            &app.client,
            "dismiss_insight",
            json!({"workspace": slug, "id": list[0]["id"]}),
        )
        .await;
    let left: Vec<Value> = s
        .ok(&app.client, "list_insights", json!({"workspace": slug}))
        .await;
    assert_eq!(left.len(), 2);
    let usage: Value = s
        .ok(&app.client, "get_ai_usage", json!({"workspace": slug}))
        .await;
    assert_eq!(
        usage["tokens"], 360,
        "three phrasings of 120 tokens count for the workspace"
    );
    app.stop().await;
}

both_backends!(insights_find_what_changed, insights_find_what_changed);

// "Start a report" prepares it and waits: only the person's confirmation starts it, as them.
both_backends!(
    start_report_waits_for_confirmation,
    |app: TestApp| async move {
        let (s, slug) = demo_workspace(&app, "confirm@ai.example").await;
        let m = answer_of(&app, &s, &slug, "Start a pipeline report").await;
        let call = &m["tool_calls"][0];
        assert_eq!(
            (call["name"].as_str(), call["status"].as_str()),
            (Some("start_report"), Some("needs_confirmation")),
            "{m}"
        );
        assert!(m["content"].as_str().unwrap().contains("Confirm it"), "{m}");
        let reports: Value = s
            .ok(
                &app.client,
                "list_reports",
                json!({"workspace": slug, "query": {}}),
            )
            .await;
        assert_eq!(
            reports["total"], 0,
            "nothing starts before the confirmation"
        );

        let confirmed: Value = s
        .ok(&app.client, "confirm_tool_call", json!({"workspace": slug, "message_id": m["id"], "call_id": call["id"], "confirm": true}))
        .await;
        let call = &confirmed["tool_calls"][0];
        assert_eq!(call["status"], "confirmed");
        let report_id = call["result"]["report_id"].as_i64().unwrap();
        assert_eq!(
            call["result"]["link"],
            format!("/w/{slug}/reports/{report_id}")
        );
        let report: Value = s
            .ok(
                &app.client,
                "get_report",
                json!({"workspace": slug, "id": report_id}),
            )
            .await;
        assert_eq!(report["kind"], "pipeline");
        // Once answered, the call cannot be confirmed again.
        let again = s
        .call(&app.client, "confirm_tool_call", json!({"workspace": slug, "message_id": m["id"], "call_id": call["id"], "confirm": true}))
        .await;
        assert_eq!(again.status().as_u16(), 409);

        // A viewer's confirmation is refused: starting reports needs a member.
        let invite: Value = s
            .ok(
                &app.client,
                "create_invitation",
                json!({"workspace": slug, "role": "viewer"}),
            )
            .await;
        let viewer = app
            .sign_up("viewer-confirm@ai.example", "Vi", "correct horse battery")
            .await;
        let _: Value = viewer
            .ok(
                &app.client,
                "accept_invitation",
                json!({"token": invite["url"].as_str().unwrap().rsplit('/').next().unwrap()}),
            )
            .await;
        let vm = answer_of(&app, &viewer, &slug, "Start a market report").await;
        let res = viewer
        .call(&app.client, "confirm_tool_call", json!({"workspace": slug, "message_id": vm["id"], "call_id": vm["tool_calls"][0]["id"], "confirm": true}))
        .await;
        assert_eq!(res.status().as_u16(), 403);
        app.stop().await;
    }
);

/// When a stream says `done`, the stored message is already finished: a script that reads it
/// right after the stream's end finds the same text and status. The final save used to
/// happen after `done` went out; a quick reader then found the last periodic save. That is a
/// race of about a millisecond, so this asks many times (the full suite caught it once in
/// `offline_analyst_answers_with_real_numbers::postgres`; this loop does not reliably).
async fn finished_when_the_stream_says_so(app: TestApp) {
    let (s, slug) = demo_workspace(&app, "done@ai.example").await;
    for _ in 0..20 {
        let m = answer_of(&app, &s, &slug, "What are the biggest open deals?").await;
        assert_eq!(m["status"], "complete");
    }
}

both_backends!(
    finished_when_the_stream_says_so,
    finished_when_the_stream_says_so
);
