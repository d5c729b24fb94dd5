//! The chat against fake providers speaking the real OpenAI and Anthropic streaming formats:
//! text, tool calls (single, parallel, malformed arguments), 429 then success, server errors,
//! a bad key, a connection cut mid-answer, a slow answer stopped midway; the per-person rate
//! limit and the monthly budget. Each answer is followed over its SSE stream and read back
//! from storage.

use std::time::Duration;

use serde_json::{json, Value};

use crate::common::{self, owner_of_new_workspace, Session, TestApp};
use crate::fake_llm::{self, fixed, step, Fake, Reply};

pub(crate) async fn with_provider(
    app: &TestApp,
    email: &str,
    kind: &str,
    fake: &Fake,
) -> (Session, String) {
    let (s, ws) = owner_of_new_workspace(app, email).await;
    let base = if kind == "anthropic" {
        fake.anthropic_base_url()
    } else {
        fake.base_url()
    };
    let _: Value = s
        .ok(
            &app.client,
            "update_ai_settings",
            json!({"workspace": ws.slug, "input": {"provider": kind, "base_url": base, "model": "fake-model", "api_key": "sk-test-key"}}),
        )
        .await;
    (s, ws.slug)
}

pub(crate) async fn ask(app: &TestApp, s: &Session, slug: &str, content: &str) -> Value {
    s.ok(
        &app.client,
        "send_message",
        json!({"workspace": slug, "content": content}),
    )
    .await
}

/// The answer's SSE stream to its end: (event, data) pairs.
pub(crate) async fn follow(
    app: &TestApp,
    s: &Session,
    slug: &str,
    id: i64,
) -> Vec<(String, Value)> {
    let res = s
        .get(
            &app.client,
            &format!("/api/chat/messages/{id}/stream?workspace={slug}"),
        )
        .await;
    assert!(res.status().is_success(), "stream: {}", res.status());
    let text = tokio::time::timeout(Duration::from_secs(60), res.text())
        .await
        .expect("the stream ends")
        .unwrap();
    parse_sse(&text)
}

pub(crate) fn parse_sse(text: &str) -> Vec<(String, Value)> {
    text.split("\n\n")
        .filter_map(|frame| {
            let mut event = None;
            let mut data = String::new();
            for line in frame.lines() {
                if let Some(e) = line.strip_prefix("event:") {
                    event = Some(e.trim().to_owned());
                } else if let Some(d) = line.strip_prefix("data:") {
                    data.push_str(d.trim_start());
                }
            }
            Some((event?, serde_json::from_str(&data).ok()?))
        })
        .collect()
}

/// What the stream showed: the text from the snapshot and deltas, and the final status.
pub(crate) fn replay(events: &[(String, Value)]) -> (String, String) {
    let mut text = String::new();
    let mut status = String::new();
    for (name, data) in events {
        match name.as_str() {
            "snapshot" => text = data["message"]["content"].as_str().unwrap().to_owned(),
            "delta" => text.push_str(data["text"].as_str().unwrap()),
            "done" => status = data["status"].as_str().unwrap().to_owned(),
            _ => {}
        }
    }
    (text, status)
}

pub(crate) async fn stored(app: &TestApp, s: &Session, slug: &str, id: i64) -> Value {
    s.ok(
        &app.client,
        "get_message",
        json!({"workspace": slug, "message_id": id}),
    )
    .await
}

pub(crate) async fn answer_of(app: &TestApp, s: &Session, slug: &str, content: &str) -> Value {
    let sent = ask(app, s, slug, content).await;
    let id = sent["assistant_message_id"].as_i64().unwrap();
    let events = follow(app, s, slug, id).await;
    let (text, status) = replay(&events);
    let m = stored(app, s, slug, id).await;
    assert_eq!(m["content"], text, "the stream and the stored answer agree");
    assert_eq!(m["status"], status);
    m
}

async fn text_is_streamed_and_stored(app: TestApp) {
    // Slow enough that the stream is followed while the answer is written.
    let fake = fake_llm::start(vec![fixed(|| {
        Reply::Slow(
            fake_llm::oa_answer("Hello from the fake model."),
            Duration::from_millis(30),
        )
    })])
    .await;
    let (s, slug) = with_provider(&app, "text@chat.example", "openai", &fake).await;
    let sent = ask(&app, &s, &slug, "Say hello").await;
    let id = sent["assistant_message_id"].as_i64().unwrap();
    let events = follow(&app, &s, &slug, id).await;
    let deltas = events.iter().filter(|(n, _)| n == "delta").count();
    assert!(deltas >= 4, "token by token: {events:?}");
    let (text, status) = replay(&events);
    assert_eq!(
        (text.as_str(), status.as_str()),
        ("Hello from the fake model.", "complete")
    );
    let m = stored(&app, &s, &slug, id).await;
    assert_eq!(m["content"], "Hello from the fake model.");
    assert_eq!(m["model"], "openai/fake-model");
    assert_eq!(
        (m["prompt_tokens"].as_i64(), m["completion_tokens"].as_i64()),
        (Some(100), Some(20))
    );

    let (headers, body) = fake.requests().remove(0);
    assert_eq!(headers["authorization"], "Bearer sk-test-key");
    assert_eq!(body["stream"], true);
    assert_eq!(body["model"], "fake-model");
    assert!(body["tools"].as_array().unwrap().len() >= 7);
    assert_eq!(body["messages"][0]["role"], "system");
    assert_eq!(body["messages"][1]["content"], "Say hello");

    // The conversation keeps both turns, titled after the question; usage is counted.
    let msgs: Vec<Value> = s
        .ok(
            &app.client,
            "get_messages",
            json!({"workspace": slug, "conversation_id": sent["conversation_id"]}),
        )
        .await;
    assert_eq!(msgs.len(), 2);
    let convs: Vec<Value> = s
        .ok(
            &app.client,
            "list_conversations",
            json!({"workspace": slug}),
        )
        .await;
    assert_eq!(convs[0]["title"], "Say hello");
    let usage: Value = s
        .ok(&app.client, "get_ai_usage", json!({"workspace": slug}))
        .await;
    assert_eq!(usage["tokens"], 120);
    app.stop().await;
}

both_backends!(text_is_streamed_and_stored, text_is_streamed_and_stored);

both_backends!(
    parallel_tool_calls_run_and_the_model_reads_their_results,
    |app: TestApp| async move {
        let fake = fake_llm::start(vec![
            fixed(|| {
                Reply::Sse(fake_llm::oa_calls(&[
                    ("call_1", "pipeline_summary", "{}"),
                    ("call_2", "search_companies", r#"{"query": "Tool Target"}"#),
                ]))
            }),
            step(|req| {
                let results = fake_llm::tool_results(req);
                let open = &results[0]["open_deals"];
                let found = &results[1]["total"];
                Reply::Sse(fake_llm::oa_answer(&format!(
                    "There are {open} open deals and {found} matching companies."
                )))
            }),
        ])
        .await;
        let (s, slug) = with_provider(&app, "tools@chat.example", "openai", &fake).await;
        let _: Value = s
            .ok(
                &app.client,
                "create_company",
                json!({"workspace": slug, "input": {"name": "Tool Target GmbH"}}),
            )
            .await;
        let m = answer_of(&app, &s, &slug, "How is the pipeline?").await;
        assert_eq!(m["status"], "complete");
        let calls = m["tool_calls"].as_array().unwrap();
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0]["name"], "pipeline_summary");
        assert_eq!(calls[0]["status"], "ok");
        assert_eq!(calls[1]["arguments"], json!({"query": "Tool Target"}));
        assert_eq!(
            calls[1]["result"]["companies"][0]["name"],
            "Tool Target GmbH"
        );
        assert_eq!(
            calls[1]["result"]["companies"][0]["link"],
            format!(
                "/w/{slug}/companies/{}",
                calls[1]["result"]["companies"][0]["id"]
            )
        );
        assert_eq!(
            m["content"],
            "There are 0 open deals and 1 matching companies."
        );
        // The second request carried the assistant's two calls and both results.
        let (_, second) = fake.requests().remove(1);
        let msgs = second["messages"].as_array().unwrap();
        let assistant = msgs.iter().find(|m| m["role"] == "assistant").unwrap();
        assert_eq!(assistant["tool_calls"].as_array().unwrap().len(), 2);
        assert_eq!(msgs.iter().filter(|m| m["role"] == "tool").count(), 2);
        app.stop().await;
    }
);

both_backends!(
    malformed_tool_arguments_are_reported_to_the_model,
    |app: TestApp| async move {
        let fake = fake_llm::start(vec![
            fixed(|| {
                Reply::Sse(fake_llm::oa_calls(&[(
                    "call_x",
                    "company_overview",
                    r#"{"company_id": "#,
                )]))
            }),
            step(|req| {
                let err = fake_llm::tool_results(req)[0]["error"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned();
                Reply::Sse(fake_llm::oa_answer(if err.contains("not valid") {
                    "Sorry, my lookup was malformed."
                } else {
                    "unexpected"
                }))
            }),
        ])
        .await;
        let (s, slug) = with_provider(&app, "malformed@chat.example", "openai", &fake).await;
        let m = answer_of(&app, &s, &slug, "Tell me about Acme").await;
        assert_eq!(m["status"], "complete");
        assert_eq!(m["tool_calls"][0]["status"], "error");
        assert_eq!(m["content"], "Sorry, my lookup was malformed.");
        app.stop().await;
    }
);

both_backends!(rate_limited_once_then_answered, |app: TestApp| async move {
    let fake = fake_llm::start(vec![
        fixed(|| {
            Reply::Status(
                429,
                r#"{"error":{"message":"Rate limit reached","type":"rate_limit"}}"#.into(),
            )
        }),
        fixed(|| Reply::Sse(fake_llm::oa_answer("After a pause."))),
    ])
    .await;
    let (s, slug) = with_provider(&app, "retry@chat.example", "openai", &fake).await;
    let m = answer_of(&app, &s, &slug, "Anything").await;
    assert_eq!(
        (m["status"].as_str(), m["content"].as_str()),
        (Some("complete"), Some("After a pause."))
    );
    assert_eq!(fake.hits(), 2);
    app.stop().await;
});

both_backends!(
    provider_failures_are_clear_errors,
    |app: TestApp| async move {
        let bad_key = fake_llm::start(vec![fixed(|| {
            Reply::Status(
                401,
                r#"{"error":{"message":"Incorrect API key provided"}}"#.into(),
            )
        })])
        .await;
        let (s, slug) = with_provider(&app, "badkey@chat.example", "openai", &bad_key).await;
        let m = answer_of(&app, &s, &slug, "Anything").await;
        assert_eq!(m["status"], "error");
        assert!(
            m["error"]
                .as_str()
                .unwrap()
                .contains("rejected the API key"),
            "{m}"
        );
        assert_eq!(bad_key.hits(), 1, "a bad key is not retried");

        let down =
            fake_llm::start(vec![fixed(|| Reply::Status(503, "upstream down".into()))]).await;
        let (s, slug) = with_provider(&app, "down@chat.example", "openai", &down).await;
        let m = answer_of(&app, &s, &slug, "Anything").await;
        assert_eq!(m["status"], "error");
        assert!(m["error"].as_str().unwrap().contains("503"), "{m}");
        assert_eq!(down.hits(), 3, "server errors are retried, then reported");

        let missing = fake_llm::start(vec![fixed(|| {
            Reply::Status(
                404,
                r#"{"error":{"message":"The model does not exist"}}"#.into(),
            )
        })])
        .await;
        let (s, slug) = with_provider(&app, "missing@chat.example", "openai", &missing).await;
        let m = answer_of(&app, &s, &slug, "Anything").await;
        assert!(
            m["error"]
                .as_str()
                .unwrap()
                .contains("does not know the model `fake-model`"),
            "{m}"
        );
        app.stop().await;
    }
);

both_backends!(
    a_connection_cut_mid_answer_keeps_the_partial_answer_as_stopped,
    |app: TestApp| async move {
        let fake = fake_llm::start(vec![fixed(|| {
            Reply::Drop(vec![
                fake_llm::oa_text("The first half "),
                fake_llm::oa_text("and then"),
            ])
        })])
        .await;
        let (s, slug) = with_provider(&app, "cut@chat.example", "openai", &fake).await;
        let m = answer_of(&app, &s, &slug, "Anything").await;
        assert_eq!(m["status"], "stopped", "{m}");
        assert_eq!(m["content"], "The first half and then");
        assert!(
            m["error"]
                .as_str()
                .unwrap()
                .contains("closed the connection"),
            "{m}"
        );
        app.stop().await;
    }
);

/// An answer left `streaming` by a process that died (another process on the same database):
/// the sweep marks it stopped once it is older than any live answer can be, keeps its text,
/// and a reader following it from this process gets `done`. A fresher one — possibly still
/// being written elsewhere — is left alone.
async fn an_answer_whose_process_died_is_closed_by_the_sweep(app: TestApp) {
    use app::backend::entity::ai_messages;
    use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};
    let fake = fake_llm::start(vec![fixed(|| {
        Reply::Sse(fake_llm::oa_answer("Written before the crash."))
    })])
    .await;
    let (s, slug) = with_provider(&app, "sweep@chat.example", "openai", &fake).await;
    let dead = answer_of(&app, &s, &slug, "First").await["id"]
        .as_i64()
        .unwrap();
    let alive = answer_of(&app, &s, &slug, "Second").await["id"]
        .as_i64()
        .unwrap();
    // As the other process left them: still `streaming`, one untouched for longer than any
    // live answer goes without a save, one saved just now.
    let limit = app::backend::ai::chat::interrupted_after(app.state.ai());
    let long_ago = chrono::Utc::now()
        - chrono::Duration::from_std(limit).unwrap()
        - chrono::Duration::seconds(5);
    for (id, at) in [(dead, long_ago), (alive, chrono::Utc::now())] {
        ai_messages::Entity::update_many()
            .col_expr(ai_messages::Column::Status, Expr::value("streaming"))
            .col_expr(ai_messages::Column::UpdatedAt, Expr::value(at))
            .filter(ai_messages::Column::Id.eq(id))
            .exec(&app.state.db)
            .await
            .unwrap();
    }

    // Not live here: the reader polls the stored message until it is no longer streaming.
    let reader = {
        let (app, s, slug) = (&app, &s, slug.clone());
        async move { follow(app, s, &slug, dead).await }
    };
    let sweep = async {
        tokio::time::sleep(Duration::from_millis(700)).await;
        app::backend::ai::chat::sweep_interrupted(&app.state)
            .await
            .unwrap()
    };
    let (events, swept) = tokio::join!(reader, sweep);
    assert_eq!(swept, 1, "only the answer untouched for too long");
    let (text, status) = replay(&events);
    assert_eq!(
        (text.as_str(), status.as_str()),
        ("Written before the crash.", "stopped")
    );
    let m = stored(&app, &s, &slug, dead).await;
    assert!(
        m["error"]
            .as_str()
            .unwrap()
            .contains("stopped before it was finished"),
        "{m}"
    );
    assert_eq!(stored(&app, &s, &slug, alive).await["status"], "streaming");
    app.stop().await;
}

both_backends!(
    an_answer_whose_process_died_is_closed_by_the_sweep,
    an_answer_whose_process_died_is_closed_by_the_sweep
);

both_backends!(
    stop_aborts_a_slow_answer_upstream_and_keeps_what_was_written,
    |app: TestApp| async move {
        let fake = fake_llm::start(vec![fixed(|| {
            let mut f: Vec<String> = (0..40)
                .map(|i| fake_llm::oa_text(&format!("word{i} ")))
                .collect();
            f.push(fake_llm::oa_finish("stop"));
            f.push(fake_llm::OA_DONE.into());
            Reply::Slow(f, Duration::from_millis(100))
        })])
        .await;
        let (s, slug) = with_provider(&app, "stop@chat.example", "openai", &fake).await;
        let sent = ask(&app, &s, &slug, "Write slowly").await;
        let id = sent["assistant_message_id"].as_i64().unwrap();
        // Wait for some text, then stop.
        let (app_ref, s_ref, slug_ref) = (&app, &s, &slug);
        common::eventually("the first words to be stored", move || async move {
            stored(app_ref, s_ref, slug_ref, id).await["content"]
                .as_str()
                .unwrap()
                .contains("word2")
        })
        .await;
        let stopped: Value = s
            .ok(
                &app.client,
                "stop_message",
                json!({"workspace": slug, "message_id": id}),
            )
            .await;
        assert_eq!(stopped["status"], "stopped");
        let content = stopped["content"].as_str().unwrap().to_owned();
        assert!(
            content.starts_with("word0 word1 word2") && !content.contains("word39"),
            "{content}"
        );
        // The stored answer stays as it was stopped, and the upstream request was dropped.
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(
            stored(&app, &s, &slug, id).await["content"],
            content.as_str()
        );
        let fake_ref = &fake;
        common::eventually("the provider's stream to be dropped", move || async move {
            fake_ref.aborted()
        })
        .await;
        let (text, status) = replay(&follow(&app, &s, &slug, id).await);
        assert_eq!(
            (text.as_str(), status.as_str()),
            (content.as_str(), "stopped")
        );

        // Retry writes the answer again, replacing it.
        let again: Value = s
            .ok(
                &app.client,
                "retry_message",
                json!({"workspace": slug, "message_id": id}),
            )
            .await;
        assert_ne!(again["assistant_message_id"].as_i64(), Some(id));
        let msgs: Vec<Value> = s
            .ok(
                &app.client,
                "get_messages",
                json!({"workspace": slug, "conversation_id": sent["conversation_id"]}),
            )
            .await;
        assert_eq!(msgs.len(), 2, "the old answer was replaced");
        let _: Value = s
            .ok(
                &app.client,
                "stop_message",
                json!({"workspace": slug, "message_id": again["assistant_message_id"]}),
            )
            .await;
        app.stop().await;
    }
);

both_backends!(
    anthropic_streams_text_and_uses_tools,
    |app: TestApp| async move {
        let fake = fake_llm::start(vec![
            fixed(|| Reply::Sse(fake_llm::an_call("toolu_1", "pipeline_summary", "{}"))),
            step(|req| {
                let r = &fake_llm::tool_results(req)[0];
                Reply::Sse(fake_llm::an_answer(&format!(
                    "The {} pipeline has {} open deals.",
                    r["pipeline"].as_str().unwrap_or("?"),
                    r["open_deals"]
                )))
            }),
        ])
        .await;
        let (s, slug) = with_provider(&app, "anthropic@chat.example", "anthropic", &fake).await;
        let m = answer_of(&app, &s, &slug, "Pipeline?").await;
        assert_eq!(m["status"], "complete", "{m}");
        assert_eq!(m["model"], "anthropic/fake-model");
        assert_eq!(m["tool_calls"][0]["name"], "pipeline_summary");
        let pipeline = m["tool_calls"][0]["result"]["pipeline"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            m["content"],
            format!("The {pipeline} pipeline has 0 open deals.")
        );
        let (headers, first) = fake.requests().remove(0);
        assert_eq!(headers["x-api-key"], "sk-test-key");
        assert_eq!(headers["anthropic-version"], "2023-06-01");
        assert!(first["system"].as_str().unwrap().contains("tools"));
        assert!(first["tools"][0]["input_schema"].is_object());
        let (_, second) = fake.requests().remove(1);
        let last = second["messages"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(last["content"][0]["type"], "tool_result");
        assert_eq!(last["content"][0]["tool_use_id"], "toolu_1");
        app.stop().await;
    }
);

both_backends!(
    edit_and_resend_replaces_what_followed,
    |app: TestApp| async move {
        let fake = fake_llm::start(vec![step(|req| {
            let q = req["messages"].as_array().unwrap().last().unwrap()["content"]
                .as_str()
                .unwrap()
                .to_owned();
            Reply::Sse(fake_llm::oa_answer(&format!("You asked: {q}")))
        })])
        .await;
        let (s, slug) = with_provider(&app, "edit@chat.example", "openai", &fake).await;
        let first = ask(&app, &s, &slug, "First question").await;
        follow(
            &app,
            &s,
            &slug,
            first["assistant_message_id"].as_i64().unwrap(),
        )
        .await;
        let edited: Value = s
        .ok(&app.client, "edit_message", json!({"workspace": slug, "message_id": first["user_message_id"], "content": "Edited question"}))
        .await;
        let id = edited["assistant_message_id"].as_i64().unwrap();
        let (text, _) = replay(&follow(&app, &s, &slug, id).await);
        assert_eq!(text, "You asked: Edited question");
        let msgs: Vec<Value> = s
            .ok(
                &app.client,
                "get_messages",
                json!({"workspace": slug, "conversation_id": first["conversation_id"]}),
            )
            .await;
        let contents: Vec<&str> = msgs
            .iter()
            .map(|m| m["content"].as_str().unwrap())
            .collect();
        assert_eq!(contents, ["Edited question", "You asked: Edited question"]);
        app.stop().await;
    }
);

both_backends!(
    the_monthly_budget_and_the_rate_limit_say_so,
    config = |c: &mut server::Config| c.ai_rate_limit_per_minute = 2,
    |app: TestApp| async move {
        let fake = fake_llm::start(vec![fixed(|| Reply::Sse(fake_llm::oa_answer("Fine.")))]).await;
        let (s, slug) = with_provider(&app, "budget@chat.example", "openai", &fake).await;
        let _: Value = s
        .ok(&app.client, "update_ai_settings", json!({"workspace": slug, "input": {"provider": "openai", "base_url": fake.base_url(), "model": "fake-model", "monthly_token_budget": 100}}))
        .await;
        let settings: Value = s
            .ok(&app.client, "get_ai_settings", json!({"workspace": slug}))
            .await;
        assert_eq!(
            settings["has_api_key"], true,
            "leaving the key out keeps it"
        );
        answer_of(&app, &s, &slug, "One").await; // 120 tokens: over the budget now
        let res = s
            .call(
                &app.client,
                "send_message",
                json!({"workspace": slug, "content": "Two"}),
            )
            .await;
        assert_eq!(res.status().as_u16(), 403);
        let err: Value = res.json().await.unwrap();
        assert!(err["message"].as_str().unwrap().contains("budget"), "{err}");

        // Without a budget, the third question in a minute is refused by the rate limit.
        let _: Value = s
        .ok(&app.client, "update_ai_settings", json!({"workspace": slug, "input": {"provider": "openai", "base_url": fake.base_url(), "model": "fake-model"}}))
        .await;
        let res = s
            .call(
                &app.client,
                "send_message",
                json!({"workspace": slug, "content": "Three"}),
            )
            .await;
        assert_eq!(res.status().as_u16(), 429);
        app.stop().await;
    }
);
