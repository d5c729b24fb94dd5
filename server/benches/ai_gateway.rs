//! The AI gateway's overhead: `cargo bench -p server --bench ai_gateway`.
//!
//! A local fake model provider (OpenAI Chat Completions wire format) streams `BENCH_TOKENS`
//! tokens (default 100), one every `BENCH_SPACING_MS` (default 2 ms); each token's text is
//! the instant it was sent. The same answers are read
//! - directly from the fake (a streaming POST, as the app's provider client does), and
//! - through the app (the question persisted, tools offered, the whole runtime, on SQLite):
//!   `POST /api/chat/ask`, as the page asks, and `send_message` then the answer's stream, as a
//!   script may,
//!
//! at 1 and at 64 concurrent chats — the 64 both as a burst (every round's questions in the
//! same instant) and steady (64 chats asking one question after another, started spread over
//! one answer's length, so a question arrives while the others' answers stream). Per token,
//! the time from the fake sending it to the client reading it ("added") shows what the
//! gateway adds to streaming; time to first token is from the request to the first token
//! (for the app the question, its conversation and the answer's row are written meanwhile;
//! `sent` says when they were). Throughput is tokens read per second over the run. The app
//! runs on a runtime of its own (`BENCH_APP_RUNTIME=shared`: on the bench's).
//!
//! Numbers are printed, never asserted. `BENCH_ONLY=<part of a label>` runs only those
//! scenarios, `BENCH_ROUNDS` / `BENCH_ROUNDS_64` set how many rounds (at 64 steady: questions
//! per chat) each takes (for a profiler), `BENCH_TAIL=1` prints each scenario's slowest first
//! tokens with the moment they were asked.

// The server binary's allocator (see main.rs), so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::{
    sync::OnceLock,
    time::{Duration, Instant},
};

use axum::{body::Body, response::Response, routing::post, Router};
use bytes::Bytes;
use clap::Parser;
use futures_util::{future::BoxFuture, FutureExt, StreamExt};
use serde_json::{json, Value};

use server::{Application, Config};

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    config: Config,
}

fn epoch() -> Instant {
    static E: OnceLock<Instant> = OnceLock::new();
    *E.get_or_init(Instant::now)
}

fn micros_now() -> u64 {
    epoch().elapsed().as_micros() as u64
}

fn env_u64(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn fake_provider(tokens: u64, spacing: Duration) -> String {
    let app = Router::new().route(
        "/v1/chat/completions",
        post(move || async move {
            let stream = futures_util::stream::unfold(0u64, move |i| async move {
                if i > tokens + 1 {
                    return None;
                }
                if i > 0 && i <= tokens {
                    tokio::time::sleep(spacing).await;
                }
                let frame = if i < tokens {
                    let chunk = json!({"choices": [{"index": 0, "delta": {"content": format!("{} ", micros_now())}, "finish_reason": null}]});
                    format!("data: {chunk}\n\n")
                } else if i == tokens {
                    let chunk = json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 50, "completion_tokens": tokens}});
                    format!("data: {chunk}\n\n")
                } else {
                    "data: [DONE]\n\n".to_owned()
                };
                Some((Ok::<_, std::io::Error>(Bytes::from(frame)), i + 1))
            });
            Response::builder()
                .header("content-type", "text/event-stream")
                .body(Body::from_stream(stream))
                .unwrap()
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // As the app does: each token is sent as it comes, not held back by Nagle's algorithm.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/v1")
}

/// One answer as the reader saw it.
#[derive(Default)]
struct Run {
    /// When the question was asked, from the bench's start.
    asked: Duration,
    ttft: Duration,
    /// Through the app: when the question was stored (`sent`, or `send_message`'s answer)
    /// and when the answer's stream opened.
    sent: Duration,
    opened: Duration,
    added_us: Vec<u64>,
    tokens: usize,
}

/// Reads SSE frames from a response to its end, calling `on(event, data)` for each (false:
/// stop early). Read to the end, the connection goes back to the client's pool, as a
/// browser's does; dropped early, the next request paid for a new connection.
async fn read_sse(res: reqwest::Response, mut on: impl FnMut(&str, &str) -> bool) {
    let mut buf = String::new();
    let mut body = res.bytes_stream();
    while let Some(Ok(chunk)) = body.next().await {
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            let mut event = "";
            let mut data = String::new();
            for line in frame.lines() {
                if let Some(e) = line.strip_prefix("event:") {
                    event = e.trim();
                } else if let Some(d) = line.strip_prefix("data:") {
                    data.push_str(d.trim_start());
                }
            }
            if !on(event, &data) {
                return;
            }
        }
    }
}

fn stamps(text: &str) -> impl Iterator<Item = u64> + '_ {
    text.split_whitespace().filter_map(|t| t.parse().ok())
}

async fn direct(client: &reqwest::Client, base: &str) -> Run {
    let t0 = Instant::now();
    let res = client
        .post(format!("{base}/chat/completions"))
        .json(&json!({"model": "fake", "stream": true, "messages": [{"role": "user", "content": "bench"}]}))
        .send()
        .await
        .unwrap();
    let mut run = Run {
        asked: t0 - epoch(),
        ..Run::default()
    };
    read_sse(res, |_, data| {
        if data == "[DONE]" {
            return true;
        }
        let v: Value = serde_json::from_str(data).unwrap_or(Value::Null);
        if let Some(t) = v
            .pointer("/choices/0/delta/content")
            .and_then(Value::as_str)
        {
            let now = micros_now();
            if run.tokens == 0 {
                run.ttft = t0.elapsed();
            }
            for s in stamps(t) {
                run.added_us.push(now.saturating_sub(s));
                run.tokens += 1;
            }
        }
        true
    })
    .await;
    run
}

struct AppSide {
    base: String,
    cookie: String,
    slug: String,
}

/// As the page asks: `POST /api/chat/ask`, the answer on the same request.
async fn through_app(client: &reqwest::Client, app: &AppSide) -> Run {
    let t0 = Instant::now();
    let res = client
        .post(format!("{}/api/chat/ask", app.base))
        .header("cookie", &app.cookie)
        .header("origin", &app.base)
        .json(&json!({"workspace": app.slug, "content": "bench"}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "ask: {}", res.status());
    let mut run = Run {
        asked: t0 - epoch(),
        opened: t0.elapsed(),
        ..Run::default()
    };
    read_answer(res, t0, &mut run).await;
    run
}

/// As a script may: `send_message` (answered once the question is stored), then the
/// answer's own stream.
async fn through_app_in_two(client: &reqwest::Client, app: &AppSide) -> Run {
    let t0 = Instant::now();
    let sent: Value = client
        .post(format!("{}/api/send_message", app.base))
        .header("cookie", &app.cookie)
        .header("origin", &app.base)
        .json(&json!({"workspace": app.slug, "content": "bench"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut run = Run {
        asked: t0 - epoch(),
        sent: t0.elapsed(),
        ..Run::default()
    };
    let id = sent["assistant_message_id"].as_i64().expect("an answer id");
    let res = client
        .get(format!(
            "{}/api/chat/messages/{id}/stream?workspace={}",
            app.base, app.slug
        ))
        .header("cookie", &app.cookie)
        .send()
        .await
        .unwrap();
    run.opened = t0.elapsed();
    read_answer(res, t0, &mut run).await;
    run
}

/// Follows an answer's events to its end, counting tokens from `t0`. Tokens already written
/// when a stream opens arrive in its snapshot.
async fn read_answer(res: reqwest::Response, t0: Instant, run: &mut Run) {
    read_sse(res, |event, data| {
        let v: Value = serde_json::from_str(data).unwrap_or(Value::Null);
        let now = micros_now();
        match event {
            "sent" => run.sent = t0.elapsed(),
            "snapshot" => {
                let n = stamps(v["message"]["content"].as_str().unwrap_or("")).count();
                if n > 0 && run.tokens == 0 {
                    run.ttft = t0.elapsed();
                }
                run.tokens += n;
            }
            "delta" => {
                if run.tokens == 0 {
                    run.ttft = t0.elapsed();
                }
                for s in stamps(v["text"].as_str().unwrap_or("")) {
                    run.added_us.push(now.saturating_sub(s));
                    run.tokens += 1;
                }
            }
            _ => {}
        }
        true
    })
    .await;
}

fn pct(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn report(label: &str, runs: Vec<Run>, wall: Duration) {
    if std::env::var("BENCH_TAIL").is_ok() {
        tail(label, &runs);
    }
    let mut ttft: Vec<u64> = runs.iter().map(|r| r.ttft.as_micros() as u64).collect();
    let mut added: Vec<u64> = runs.iter().flat_map(|r| r.added_us.clone()).collect();
    let tokens: usize = runs.iter().map(|r| r.tokens).sum();
    ttft.sort_unstable();
    added.sort_unstable();
    println!(
        "{label:<28} ttft p50 {:>7.2} ms  p99 {:>7.2} ms | per-token added p50 {:>6.3} ms  p99 {:>6.3} ms | {:>7.0} tokens/s",
        pct(&ttft, 0.5) as f64 / 1000.0,
        pct(&ttft, 0.99) as f64 / 1000.0,
        pct(&added, 0.5) as f64 / 1000.0,
        pct(&added, 0.99) as f64 / 1000.0,
        tokens as f64 / wall.as_secs_f64(),
    );
    // Where the app's time goes: the question stored, and the answer's stream opened.
    let mut sent: Vec<u64> = runs.iter().map(|r| r.sent.as_micros() as u64).collect();
    let mut opened: Vec<u64> = runs.iter().map(|r| r.opened.as_micros() as u64).collect();
    if sent.iter().any(|&v| v > 0) {
        sent.sort_unstable();
        opened.sort_unstable();
        println!(
            "{:<28}   question stored p50 {:>7.2} ms  p99 {:>7.2} ms | stream opened p50 {:>7.2} ms  p99 {:>7.2} ms",
            "",
            pct(&sent, 0.5) as f64 / 1000.0,
            pct(&sent, 0.99) as f64 / 1000.0,
            pct(&opened, 0.5) as f64 / 1000.0,
            pct(&opened, 0.99) as f64 / 1000.0,
        );
    }
}

/// `BENCH_TAIL=1`: the slowest first tokens, with when they were asked — to tell a
/// periodic cause (a cache entry expiring, a timer) from scattered scheduling noise.
fn tail(label: &str, runs: &[Run]) {
    let mut slow: Vec<&Run> = runs.iter().collect();
    slow.sort_unstable_by_key(|r| std::cmp::Reverse(r.ttft));
    for r in slow.iter().take(8) {
        println!(
            "{label:<28}   slow: ttft {:>7.2} ms, opened {:>7.2} ms, asked at {:>8.3} s",
            r.ttft.as_secs_f64() * 1000.0,
            r.opened.as_secs_f64() * 1000.0,
            r.asked.as_secs_f64(),
        );
    }
}

/// `warmup` rounds first, not counted: the first question on a pooled connection prepares
/// its statements, and the first call to the fake opens a connection to it — start-up
/// costs, not the gateway's overhead in use (with 20 rounds at one chat the p99 was the
/// slowest of 20, which was the first).
async fn scenario<F, Fut>(label: &str, concurrency: usize, warmup: usize, rounds: usize, f: F)
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Run> + Send,
{
    if !selected(label) {
        return;
    }
    for _ in 0..warmup {
        round(concurrency, &f).await;
    }
    let t0 = Instant::now();
    let mut runs = vec![];
    for _ in 0..rounds {
        runs.extend(round(concurrency, &f).await);
    }
    report(label, runs, t0.elapsed());
}

/// `BENCH_ONLY=ask` runs only the scenarios whose label holds it (for a profiler).
fn selected(label: &str) -> bool {
    std::env::var("BENCH_ONLY").map_or(true, |only| label.contains(only.as_str()))
}

/// `chats` chats side by side, as people use them: each asks, reads its answer to the end
/// and asks again, `warmup` answers (not counted) and then `questions` more; the chats start
/// spread over one answer's length (`spread`), so their questions arrive at different
/// moments while the others' answers stream. `scenario` starts a round's chats in the same
/// instant instead — a burst, the worst case for the first token.
async fn steady<F, Fut>(
    label: &str,
    chats: usize,
    warmup: usize,
    questions: usize,
    spread: Duration,
    f: F,
) where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Run> + Send,
{
    if !selected(label) {
        return;
    }
    let t0 = Instant::now();
    let handles: Vec<_> = (0..chats)
        .map(|i| {
            let f = f.clone();
            let offset = spread * i as u32 / chats as u32;
            tokio::spawn(async move {
                tokio::time::sleep(offset).await;
                let mut runs = Vec::with_capacity(questions);
                for n in 0..warmup + questions {
                    let run = f().await;
                    if n >= warmup {
                        runs.push(run);
                    }
                }
                runs
            })
        })
        .collect();
    let mut runs = Vec::with_capacity(chats * questions);
    for h in handles {
        runs.extend(h.await.unwrap());
    }
    report(label, runs, t0.elapsed());
}

/// `concurrency` chats started at once, each followed to its end.
async fn round<F, Fut>(concurrency: usize, f: &F) -> Vec<Run>
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Run> + Send,
{
    let handles: Vec<_> = (0..concurrency)
        .map(|_| {
            let f = f.clone();
            tokio::spawn(async move { f().await })
        })
        .collect();
    let mut runs = Vec::with_capacity(concurrency);
    for h in handles {
        runs.push(h.await.unwrap());
    }
    runs
}

/// One chat's question, read directly from the fake.
fn direct_chat(
    client: &reqwest::Client,
    fake: &str,
) -> impl Fn() -> BoxFuture<'static, Run> + Clone + Send + 'static {
    let (c, f) = (client.clone(), fake.to_owned());
    move || {
        let (c, f) = (c.clone(), f.clone());
        async move { direct(&c, &f).await }.boxed()
    }
}

/// One chat's question, asked through the app as the page asks.
fn ask_chat(
    client: &reqwest::Client,
    app: &std::sync::Arc<AppSide>,
) -> impl Fn() -> BoxFuture<'static, Run> + Clone + Send + 'static {
    let (c, a) = (client.clone(), app.clone());
    move || {
        let (c, a) = (c.clone(), a.clone());
        async move { through_app(&c, &a).await }.boxed()
    }
}

fn main() {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(bench());
}

async fn bench() {
    epoch();
    let tokens = env_u64("BENCH_TOKENS", 100);
    let spacing = Duration::from_millis(env_u64("BENCH_SPACING_MS", 2));
    let fake = fake_provider(tokens, spacing).await;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/bench.db", dir.path().display());
    let data = dir.path().join("data");
    let key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let cli = Cli::parse_from([
        "bench",
        "--database-url",
        &db,
        "--seed-demo",
        "false",
        "--job-workers",
        "0",
        "--api-rate-limit-per-minute",
        "0",
        "--ai-rate-limit-per-minute",
        "1000000",
        "--secret-key",
        key,
        "--data-dir",
        data.to_str().unwrap(),
        "--password-sign-in",
        "on",
    ]);
    let options = leptos_config::LeptosOptions::builder()
        .output_name("hyperformant")
        .site_root("target/site")
        .site_pkg_dir("pkg")
        .site_addr(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .build();
    let base = if std::env::var("BENCH_APP_RUNTIME").as_deref() != Ok("shared") {
        // The app on its own runtime and threads, as the server process runs it; the
        // client and the fake provider (a browser, a remote model) stay on this one. With
        // `BENCH_APP_RUNTIME=shared` all three share one, as the bench did before stop 23:
        // then the readers' and the fake's tasks queue among the app's.
        let (tx, rx) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            // Named apart from the bench's own threads, for a profiler (`perf report --comm`).
            let rt = tokio::runtime::Builder::new_multi_thread()
                .thread_name("app-worker")
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let application = Application::build(cli.config, options)
                    .await
                    .expect("the app");
                let _ = tx.send(format!("http://{}", application.local_addr()));
                let _ = application.run_until(std::future::pending()).await;
            });
        });
        rx.await.unwrap()
    } else {
        let application = Application::build(cli.config, options)
            .await
            .expect("the app");
        let base = format!("http://{}", application.local_addr());
        tokio::spawn(application.run_until(std::future::pending()));
        base
    };

    // Sign-up answers 303 with the session cookie: not followed, so the cookie is seen.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = client
        .post(format!("{base}/auth/signup"))
        .header("origin", &base)
        .form(&[
            ("email", "bench@example.com"),
            ("name", "Bench"),
            ("password", "correct horse battery"),
        ])
        .send()
        .await
        .unwrap();
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("hf_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let session: Value = client
        .post(format!("{base}/api/current_session"))
        .header("cookie", &cookie)
        .header("origin", &base)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let slug = session["workspaces"][0]["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    let saved = client
        .post(format!("{base}/api/update_ai_settings"))
        .header("cookie", &cookie)
        .header("origin", &base)
        .json(&json!({"workspace": slug, "input": {"provider": "openai", "base_url": fake, "model": "fake"}}))
        .send()
        .await
        .unwrap();
    assert!(saved.status().is_success(), "settings: {}", saved.status());
    let app = std::sync::Arc::new(AppSide { base, cookie, slug });

    println!(
        "AI gateway, {tokens} tokens per answer, one every {} ms, SQLite:",
        spacing.as_millis()
    );
    // p99 wants a hundred samples or more: 100 answers at one chat (its p99 is the second
    // slowest), 16 × 64 at 64 (the eleventh slowest of 1,024; with 4 × 64 it was the third of
    // 256, and one stall of a few milliseconds decided it).
    let rounds_1 = env_u64("BENCH_ROUNDS", 100) as usize;
    let rounds_64 = env_u64("BENCH_ROUNDS_64", 16) as usize;
    for (concurrency, warmup, rounds) in [(1usize, 3usize, rounds_1), (64, 1, rounds_64)] {
        if concurrency > 1 {
            // Every chat's answer takes about this long; the chats' questions are spread over it.
            let spread = spacing * tokens as u32;
            let (label, f) = (
                format!("direct, {concurrency} steady"),
                direct_chat(&client, &fake),
            );
            steady(&label, concurrency, warmup, rounds, spread, f).await;
            let (label, f) = (
                format!("app, ask, {concurrency} steady"),
                ask_chat(&client, &app),
            );
            steady(&label, concurrency, warmup, rounds, spread, f).await;
        }
        let (label, f) = (
            format!("direct, {concurrency} concurrent"),
            direct_chat(&client, &fake),
        );
        scenario(&label, concurrency, warmup, rounds, f).await;
        let (label, f) = (
            format!("app, ask, {concurrency} concurrent"),
            ask_chat(&client, &app),
        );
        scenario(&label, concurrency, warmup, rounds, f).await;
        let (c, a) = (client.clone(), app.clone());
        scenario(
            &format!("app, send+stream, {concurrency}"),
            concurrency,
            warmup,
            rounds,
            move || {
                let (c, a) = (c.clone(), a.clone());
                async move { through_app_in_two(&c, &a).await }
            },
        )
        .await;
    }
}
