//! `POST /api/chat/ask`: a question and its answer's stream in one request, the answer
//! starting while the question is still being stored; refusals as JSON errors before
//! anything streams; a question that cannot be stored ends its answer with the error.

use std::time::Duration;

use serde_json::{json, Value};

use crate::chat::{parse_sse, replay, stored, with_provider};
use crate::common::{self, owner_of_new_workspace, Backend, Session, TestApp};
use crate::fake_llm::{self, fixed, Reply};

async fn post_ask(app: &TestApp, s: &Session, body: Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/chat/ask"))
        .header("cookie", s.header())
        .header("origin", app.origin())
        .json(&body)
        .send()
        .await
        .expect("request")
}

/// An answer's events as they arrive.
struct Events {
    res: reqwest::Response,
    buf: String,
    seen: Vec<(String, Value)>,
}

impl Events {
    fn new(res: reqwest::Response) -> Self {
        assert!(res.status().is_success(), "ask: {}", res.status());
        let media = res.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(media.starts_with("text/event-stream"), "{media}");
        Self {
            res,
            buf: String::new(),
            seen: vec![],
        }
    }

    /// Reads until an event named `name` (true), or the stream's end (false).
    async fn until(&mut self, name: &str) -> bool {
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let frame: String = self.buf.drain(..end + 2).collect();
                if let Some(ev) = parse_sse(&frame).pop() {
                    let found = ev.0 == name;
                    self.seen.push(ev);
                    if found {
                        return true;
                    }
                }
            }
            let chunk = tokio::time::timeout(Duration::from_secs(30), self.res.chunk())
                .await
                .expect("the stream moves on")
                .expect("the stream");
            match chunk {
                Some(c) => self.buf.push_str(&String::from_utf8_lossy(&c)),
                None => return false,
            }
        }
    }

    fn named(&self, name: &str) -> Vec<&Value> {
        self.seen
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v)
            .collect()
    }
}

/// Holds back every write of the chat: SQLite's writers queue on the app's write gate,
/// PostgreSQL's on a lock on the conversations (which a question inserts into or touches).
enum Held<'a> {
    Gate(Option<tokio::sync::MutexGuard<'a, ()>>),
    Lock(sea_orm::DatabaseTransaction),
}

async fn hold_writes(app: &TestApp) -> Held<'_> {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    match app.db.backend {
        Backend::Sqlite => Held::Gate(app.state.writes().enter().await),
        Backend::Postgres => {
            let txn = app.state.db.begin().await.unwrap();
            txn.execute_unprepared("LOCK TABLE ai_conversations IN EXCLUSIVE MODE")
                .await
                .unwrap();
            Held::Lock(txn)
        }
    }
}

async fn release(held: Held<'_>) {
    match held {
        Held::Gate(g) => drop(g),
        Held::Lock(txn) => txn.commit().await.unwrap(),
    }
}

both_backends!(
    the_answer_streams_in_the_questions_own_request,
    answer_streams_in_the_questions_request
);

async fn answer_streams_in_the_questions_request(app: TestApp) {
    let fake = fake_llm::start(vec![fixed(|| {
        Reply::Slow(
            fake_llm::oa_answer("Hello from the fake model."),
            Duration::from_millis(20),
        )
    })])
    .await;
    let (s, slug) = with_provider(&app, "ask@chat.example", "openai", &fake).await;
    let mut events =
        Events::new(post_ask(&app, &s, json!({"workspace": slug, "content": "Say hello"})).await);
    assert!(events.until("end").await, "{:?}", events.seen);
    assert!(events.named("snapshot").is_empty(), "{:?}", events.seen);
    let sent = events.named("sent");
    assert_eq!(sent.len(), 1, "{:?}", events.seen);
    let sent = sent[0]["sent"].clone();
    let (text, status) = replay(&events.seen);
    assert_eq!(
        (text.as_str(), status.as_str()),
        ("Hello from the fake model.", "complete")
    );
    assert!(events.named("delta").len() >= 4, "token by token");
    let answer_id = sent["assistant_message_id"].as_i64().unwrap();
    let m = stored(&app, &s, &slug, answer_id).await;
    assert_eq!(m["content"], text);
    assert_eq!(m["status"], "complete");
    let conversation = sent["conversation_id"].clone();
    let msgs: Vec<Value> = s
        .ok(
            &app.client,
            "get_messages",
            json!({"workspace": slug, "conversation_id": conversation}),
        )
        .await;
    let ids: Vec<i64> = msgs.iter().map(|m| m["id"].as_i64().unwrap()).collect();
    assert_eq!(
        ids,
        [sent["user_message_id"].as_i64().unwrap(), answer_id],
        "the question, then its answer"
    );
    let convs: Vec<Value> = s
        .ok(
            &app.client,
            "list_conversations",
            json!({"workspace": slug}),
        )
        .await;
    assert_eq!(convs[0]["title"], "Say hello");

    // A follow-up in the same conversation: the model reads the earlier turn.
    let mut events = Events::new(
        post_ask(
            &app,
            &s,
            json!({"workspace": slug, "conversation_id": conversation, "content": "And again"}),
        )
        .await,
    );
    events.until("end").await;
    assert_eq!(replay(&events.seen).1, "complete");
    let (_, body) = fake.requests().pop().unwrap();
    let turns: Vec<(&str, &str)> = body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .skip(1)
        .map(|m| {
            (
                m["role"].as_str().unwrap(),
                m["content"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        turns,
        [
            ("user", "Say hello"),
            ("assistant", "Hello from the fake model."),
            ("user", "And again")
        ]
    );
    app.stop().await;
}

// The first token does not wait for the question's write: with every chat write held
// back, the answer's text arrives, and `sent` (and `done`, which follows the final save)
// only once the writes go on.
both_backends!(
    the_first_token_does_not_wait_for_the_question_to_be_stored,
    first_token_before_the_question_is_stored
);

async fn first_token_before_the_question_is_stored(app: TestApp) {
    let fake = fake_llm::start(vec![fixed(|| {
        Reply::Sse(fake_llm::oa_answer("Streamed before it was stored."))
    })])
    .await;
    let (s, slug) = with_provider(&app, "early@chat.example", "openai", &fake).await;
    let held = hold_writes(&app).await;
    let mut events =
        Events::new(post_ask(&app, &s, json!({"workspace": slug, "content": "Quick"})).await);
    assert!(
        events.until("delta").await,
        "a first token while the write waits"
    );
    // The whole answer has come from the model; give the write every chance to pass.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(events.named("sent").is_empty(), "{:?}", events.seen);
    release(held).await;
    assert!(events.until("sent").await, "{:?}", events.seen);
    assert!(events.until("end").await, "{:?}", events.seen);
    let (text, status) = replay(&events.seen);
    assert_eq!(
        (text.as_str(), status.as_str()),
        ("Streamed before it was stored.", "complete")
    );
    let id = events.named("sent")[0]["sent"]["assistant_message_id"]
        .as_i64()
        .unwrap();
    assert_eq!(stored(&app, &s, &slug, id).await["content"], text);
    app.stop().await;
}

both_backends!(
    a_question_that_cannot_be_stored_ends_its_answer_with_the_error,
    second_question_at_once_is_refused_when_stored
);

/// Two questions at once in one conversation both pass the first check (nothing is being
/// answered yet); when they are stored, one after the other (SQLite's write gate,
/// PostgreSQL's lock on the conversation's row), the second finds the first's answer
/// running, so its answer ends with the error and nothing of it is stored.
async fn second_question_at_once_is_refused_when_stored(app: TestApp) {
    let fake = fake_llm::start(vec![fixed(|| {
        Reply::Slow(
            fake_llm::oa_answer("A slow and careful answer."),
            Duration::from_millis(50),
        )
    })])
    .await;
    let (s, slug) = with_provider(&app, "twice@chat.example", "openai", &fake).await;
    let conversation: Value = s
        .ok(
            &app.client,
            "create_conversation",
            json!({"workspace": slug}),
        )
        .await;
    let held = hold_writes(&app).await;
    let body =
        json!({"workspace": slug, "conversation_id": conversation["id"], "content": "Twice"});
    let mut first = Events::new(post_ask(&app, &s, body.clone()).await);
    let mut second = Events::new(post_ask(&app, &s, body).await);
    assert!(first.until("delta").await && second.until("delta").await);
    release(held).await;
    first.until("end").await;
    second.until("end").await;
    let outcomes: Vec<(usize, String, String)> = [&first, &second]
        .iter()
        .map(|e| {
            let done = e.named("done")[0].clone();
            (
                e.named("sent").len(),
                done["status"].as_str().unwrap().to_owned(),
                done["error"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let stored_one = outcomes
        .iter()
        .filter(|(sent, status, _)| *sent == 1 && status == "complete")
        .count();
    let refused: Vec<_> = outcomes
        .iter()
        .filter(|(sent, status, _)| *sent == 0 && status == "error")
        .collect();
    assert_eq!((stored_one, refused.len()), (1, 1), "{outcomes:?}");
    assert!(
        refused[0].2.contains("could not be saved") && refused[0].2.contains("still being written"),
        "{outcomes:?}"
    );
    let msgs: Vec<Value> = s
        .ok(
            &app.client,
            "get_messages",
            json!({"workspace": slug, "conversation_id": conversation["id"]}),
        )
        .await;
    assert_eq!(msgs.len(), 2, "one question and one answer: {msgs:?}");
    app.stop().await;
}

// A reader that stops taking data falls behind the answer's ring of recent events; it starts
// over from a snapshot of the answer, and a `sent` it missed is still passed on, once. Before
// `sent` it has no id to find the answer by: it holds the answer itself.
both_backends!(
    a_reader_that_falls_behind_starts_over_from_a_snapshot_and_keeps_its_ids,
    |app: TestApp| async move {
        // Far more than the socket buffers between the app and this client hold, in many more
        // events than the ring keeps.
        let tokens: Vec<String> = (0..600)
            .map(|i| format!("<{i}>{}", "x".repeat(32 * 1024)))
            .collect();
        let text: String = tokens.concat();
        let fake = fake_llm::start(vec![fixed(move || {
            let mut frames: Vec<String> = tokens.iter().map(|t| fake_llm::oa_text(t)).collect();
            frames.push(fake_llm::oa_finish("stop"));
            frames.push(fake_llm::OA_DONE.into());
            Reply::Sse(frames)
        })])
        .await;
        let (s, slug) = with_provider(&app, "behind@chat.example", "openai", &fake).await;
        let held = hold_writes(&app).await;
        let mut events =
            Events::new(post_ask(&app, &s, json!({"workspace": slug, "content": "Long"})).await);
        // Not reading: the whole answer comes from the model meanwhile, and the question is
        // stored (`sent`), and the answer after it, while this reader is stuck.
        let fake_ref = &fake;
        common::eventually("the model to send the whole answer", move || async move {
            fake_ref.sent_whole() == 1
        })
        .await;
        release(held).await;
        let db = &app.state.db;
        common::eventually("the answer to be stored whole", move || async move {
            use app::backend::entity::ai_messages;
            use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
            ai_messages::Entity::find()
                .filter(ai_messages::Column::Role.eq("assistant"))
                .filter(ai_messages::Column::Status.eq("complete"))
                .count(db)
                .await
                .unwrap()
                == 1
        })
        .await;
        assert!(events.until("end").await, "the stream ends");
        assert!(
            !events.named("snapshot").is_empty(),
            "the reader fell behind and started over"
        );
        let sent = events.named("sent");
        assert_eq!(sent.len(), 1, "`sent` once");
        let (streamed, status) = replay(&events.seen);
        assert_eq!(status, "complete");
        assert!(streamed == text, "the whole answer, in order, once");
        let id = sent[0]["sent"]["assistant_message_id"].as_i64().unwrap();
        for snapshot in events.named("snapshot") {
            let shown = snapshot["message"]["id"].as_i64().unwrap();
            assert!(shown == 0 || shown == id, "{shown}");
        }
        assert!(stored(&app, &s, &slug, id).await["content"] == text.as_str());
        app.stop().await;
    }
);

both_backends!(
    refusals_are_json_errors_and_nothing_is_stored,
    |app: TestApp| async move {
        let (s, ws) = owner_of_new_workspace(&app, "refused@chat.example").await;
        let (other, other_ws) = owner_of_new_workspace(&app, "other@chat.example").await;
        let theirs: Value = other
            .ok(
                &app.client,
                "create_conversation",
                json!({"workspace": other_ws.slug}),
            )
            .await;
        let error_of = |res: reqwest::Response| async move {
            let status = res.status().as_u16();
            let body: Value = res.json().await.expect("a JSON error");
            (status, body["code"].as_str().unwrap_or("").to_owned())
        };
        let cases = [
            (
                json!({"workspace": ws.slug, "content": "  "}),
                422,
                "validation",
            ),
            (json!({"workspace": ws.slug}), 400, "bad_request"),
            (
                json!({"workspace": "no-such-workspace", "content": "Hi"}),
                404,
                "not_found",
            ),
        ];
        for (body, status, code) in cases {
            let got = error_of(post_ask(&app, &s, body.clone()).await).await;
            assert_eq!(got, (status, code.to_owned()), "{body}");
        }
        // Another person's conversation (they are not even in this workspace).
        let got = error_of(
            post_ask(
                &app,
                &s,
                json!({"workspace": ws.slug, "conversation_id": theirs["id"], "content": "Hi"}),
            )
            .await,
        )
        .await;
        assert_eq!(got.0, 404, "{got:?}");
        // Not signed in, and signed in but from another site.
        let res = app
            .client
            .post(app.url("/api/chat/ask"))
            .json(&json!({"workspace": ws.slug, "content": "Hi"}))
            .send()
            .await
            .unwrap();
        assert_eq!(error_of(res).await.0, 401);
        let res = app
            .client
            .post(app.url("/api/chat/ask"))
            .header("cookie", s.header())
            .header("origin", "https://evil.example")
            .json(&json!({"workspace": ws.slug, "content": "Hi"}))
            .send()
            .await
            .unwrap();
        assert_eq!(error_of(res).await.0, 403);
        let convs: Vec<Value> = s
            .ok(
                &app.client,
                "list_conversations",
                json!({"workspace": ws.slug}),
            )
            .await;
        assert!(convs.is_empty(), "nothing was asked: {convs:?}");
        app.stop().await;
    }
);
