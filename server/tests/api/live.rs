//! Live progress over Server-Sent Events, against the real server on both databases: a job's
//! stream starts with a snapshot, carries every event once, resumes after `Last-Event-ID`
//! without gaps or repeats, ends when the job ends, and is scoped like every other read; the
//! workspace stream announces job changes.

use std::{sync::Arc, time::Duration};

use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::sync::Semaphore;

use app::backend::jobs::{JobError, NewJob, Pool, PoolConfig, Registry};

use crate::common::{Session, TestApp};

/// One SSE message.
#[derive(Debug, Clone)]
struct Sse {
    event: String,
    id: Option<String>,
    data: String,
}

/// Reads SSE messages off a response body as they arrive.
struct SseReader {
    body: std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buf: String,
}

impl SseReader {
    fn new(res: reqwest::Response) -> Self {
        Self {
            body: Box::pin(res.bytes_stream()),
            buf: String::new(),
        }
    }

    /// The next message (heartbeat comments skipped); None when the stream ends.
    async fn next(&mut self) -> Option<Sse> {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut msg = Sse {
                    event: "message".into(),
                    id: None,
                    data: String::new(),
                };
                let mut any = false;
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        msg.event = v.trim().to_owned();
                        any = true;
                    } else if let Some(v) = line.strip_prefix("id:") {
                        msg.id = Some(v.trim().to_owned());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        msg.data.push_str(v.trim_start());
                        any = true;
                    }
                }
                if any {
                    return Some(msg);
                }
                continue;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(20), self.body.next())
                .await
                .expect("the stream stalled for 20 s")?;
            self.buf
                .push_str(&String::from_utf8_lossy(&chunk.expect("stream chunk")));
        }
    }

    /// The next message that is not a `job` snapshot.
    async fn next_event(&mut self) -> Option<Sse> {
        loop {
            let m = self.next().await?;
            if m.event != "job" {
                return Some(m);
            }
        }
    }
}

async fn open(app: &TestApp, s: &Session, path: &str, last_id: Option<&str>) -> reqwest::Response {
    let mut req = app
        .client
        .get(app.url(path))
        .header("cookie", s.header())
        .header("accept", "text/event-stream");
    if let Some(id) = last_id {
        req = req.header("last-event-id", id);
    }
    req.send().await.expect("SSE request")
}

async fn owner(app: &TestApp, email: &str) -> (Session, String, i64) {
    let (s, ws) = crate::common::owner_of_new_workspace(app, email).await;
    (s, ws.slug, ws.id)
}

/// Workers beside the server, sharing its bus, running `ticker` jobs that take one step
/// per permit the test hands out.
fn ticker_pool(app: &TestApp, gate: Arc<Semaphore>) -> Pool {
    let registry = Registry::default().with("ticker", move |ctx| {
        let gate = gate.clone();
        async move {
            for i in 0..6 {
                gate.acquire()
                    .await
                    .map_err(|e| JobError::Failed(e.to_string()))?
                    .forget();
                ctx.step(&format!("step {i}"), (i + 1) * 15).await?;
            }
            ctx.log("all steps done").await?;
            Ok(json!({"ticks": 6}))
        }
    });
    Pool::start(
        app.state.db.clone(),
        app.state.events().clone(),
        registry,
        PoolConfig {
            workers: 1,
            ..Default::default()
        },
    )
}

async fn live_streams(app: TestApp) {
    let (s, slug, ws_id) = owner(&app, "live@example.com").await;
    let gate = Arc::new(Semaphore::new(0));
    let pool = ticker_pool(&app, gate.clone());

    // The workspace stream sees the job appear.
    let mut ws_stream =
        SseReader::new(open(&app, &s, &format!("/api/events?workspace={slug}"), None).await);
    assert_eq!(ws_stream.next().await.unwrap().event, "hello");

    let job = app
        .state
        .jobs()
        .enqueue(
            &NewJob::new("ticker", json!({}))
                .in_workspace(crate::common::workspace(&app.state.db, ws_id).await),
        )
        .await
        .unwrap();
    let announced = ws_stream.next().await.unwrap();
    assert_eq!(announced.event, "job");
    let v: Value = serde_json::from_str(&announced.data).unwrap();
    assert_eq!(v["id"].as_i64(), Some(job.id));

    // First connection: a snapshot, then three steps as they happen.
    let path = format!("/api/jobs/{}/events", job.id);
    let res = open(&app, &s, &path, None).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut first = SseReader::new(res);
    let snapshot = first.next().await.unwrap();
    assert_eq!(snapshot.event, "job", "a snapshot comes first");
    gate.add_permits(3);
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let m = first.next_event().await.unwrap();
        assert_eq!(m.event, "step");
        seen.push(m);
    }
    let messages: Vec<String> = seen
        .iter()
        .map(|m| {
            serde_json::from_str::<Value>(&m.data).unwrap()["message"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(messages, ["step 0", "step 1", "step 2"]);
    let last_id = seen[2].id.clone().expect("events carry their id");
    drop(first); // the connection drops mid-job

    // The job goes on while nobody watches, and finishes.
    gate.add_permits(3);
    for _ in 0..400 {
        if app::backend::jobs::queue::get(&app.state.db, job.id)
            .await
            .unwrap()
            .status
            == "succeeded"
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }

    // Reconnecting with Last-Event-ID gives exactly what was missed, once, then the end.
    let mut second = SseReader::new(open(&app, &s, &path, Some(&last_id)).await);
    let mut rest = Vec::new();
    loop {
        let m = second.next().await.expect("the stream ends with `end`");
        match m.event.as_str() {
            "job" => continue,
            "end" => break,
            _ => rest.push(m),
        }
    }
    let rest_messages: Vec<String> = rest
        .iter()
        .map(|m| {
            serde_json::from_str::<Value>(&m.data).unwrap()["message"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        rest_messages,
        ["step 3", "step 4", "step 5", "all steps done"]
    );
    let ids: Vec<i64> = rest
        .iter()
        .map(|m| m.id.as_ref().unwrap().parse().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in order: {ids:?}");
    assert!(ids[0] > last_id.parse::<i64>().unwrap(), "nothing repeated");
    assert!(
        second.next().await.is_none(),
        "the stream closes after `end`"
    );

    // Scoping: another person, no session, a job that does not exist.
    let (stranger, stranger_slug, _) = owner(&app, "stranger@example.com").await;
    assert_eq!(open(&app, &stranger, &path, None).await.status(), 404);
    assert_eq!(
        open(
            &app,
            &stranger,
            &format!("/api/events?workspace={slug}"),
            None
        )
        .await
        .status(),
        404
    );
    let anonymous = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let body: Value = anonymous.json().await.unwrap();
    assert_eq!(body["code"], "unauthorized");
    assert_eq!(
        open(&app, &s, "/api/jobs/999999/events", None)
            .await
            .status(),
        404
    );
    // The stranger's own workspace stream does not see this workspace's jobs.
    let mut theirs = SseReader::new(
        open(
            &app,
            &stranger,
            &format!("/api/events?workspace={stranger_slug}"),
            None,
        )
        .await,
    );
    assert_eq!(theirs.next().await.unwrap().event, "hello");
    let _other = app
        .state
        .jobs()
        .enqueue(
            &NewJob::new("ticker", json!({}))
                .in_workspace(crate::common::workspace(&app.state.db, ws_id).await),
        )
        .await
        .unwrap();
    let leaked = tokio::time::timeout(Duration::from_millis(700), theirs.next()).await;
    assert!(leaked.is_err(), "no event of another workspace: {leaked:?}");

    gate.add_permits(100);
    pool.shutdown().await;
    app.stop().await;
}

// The server runs no workers: the test's own pool runs the jobs, one step per permit.
both_backends!(
    job_streams_resume_without_gaps_or_repeats,
    config = |c: &mut server::Config| c.job_workers = Some(0),
    live_streams
);
