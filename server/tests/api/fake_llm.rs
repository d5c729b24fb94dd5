//! Fake model providers for the AI tests: Axum servers that speak the exact streaming wire
//! formats of OpenAI Chat Completions and Anthropic Messages, scripted per request. A script
//! step sees the request body (so a scripted "model" can read the tool results it was sent).

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use axum::{
    body::Body, extract::State, http::HeaderMap, response::Response, routing::post, Router,
};
use bytes::Bytes;
use serde_json::{json, Value};

/// What the fake answers to one request.
pub enum Reply {
    /// 200 with these SSE frames, then the connection ends normally.
    Sse(Vec<String>),
    /// These frames, each after `delay`.
    Slow(Vec<String>, Duration),
    /// These frames, then the connection is cut (no terminating event).
    Drop(Vec<String>),
    /// A plain error answer.
    Status(u16, String),
}

type Step = Box<dyn Fn(&Value) -> Reply + Send + Sync>;

#[derive(Clone)]
struct Shared {
    script: Arc<Vec<Step>>,
    hits: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<(HeaderMap, Value)>>>,
    /// Set when a streamed answer was dropped by the client before its last frame.
    aborted: Arc<AtomicBool>,
    /// How many streamed answers were sent to their last frame.
    sent_whole: Arc<AtomicUsize>,
}

pub struct Fake {
    pub addr: SocketAddr,
    shared: Shared,
}

impl Fake {
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }
    /// Anthropic's base URL has no `/v1` (the client appends `/v1/messages`).
    pub fn anthropic_base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
    pub fn hits(&self) -> usize {
        self.shared.hits.load(Ordering::SeqCst)
    }
    pub fn requests(&self) -> Vec<(HeaderMap, Value)> {
        self.shared.requests.lock().unwrap().clone()
    }
    pub fn aborted(&self) -> bool {
        self.shared.aborted.load(Ordering::SeqCst)
    }
    /// How many streamed answers went out to their last frame (the client has taken them
    /// from the fake, short of what the sockets between them still hold).
    pub fn sent_whole(&self) -> usize {
        self.shared.sent_whole.load(Ordering::SeqCst)
    }
}

/// Sets `aborted` if dropped before `finish` (the client hung up mid-stream); `finish`
/// counts an answer sent whole.
struct Guard {
    aborted: Arc<AtomicBool>,
    sent_whole: Arc<AtomicUsize>,
    finished: bool,
}
impl Guard {
    fn finish(&mut self) {
        if !self.finished {
            self.finished = true;
            self.sent_whole.fetch_add(1, Ordering::SeqCst);
        }
    }
}
impl Drop for Guard {
    fn drop(&mut self) {
        if !self.finished {
            self.aborted.store(true, Ordering::SeqCst);
        }
    }
}

async fn handle(State(s): State<Shared>, headers: HeaderMap, body: String) -> Response {
    let n = s.hits.fetch_add(1, Ordering::SeqCst);
    let request: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    s.requests.lock().unwrap().push((headers, request.clone()));
    let step = s.script.get(n).or(s.script.last()).expect("a script");
    let reply = step(&request);
    let (frames, delay, cut) = match reply {
        Reply::Status(code, body) => {
            return Response::builder()
                .status(code)
                .header("content-type", "application/json")
                .body(Body::from(body))
                .unwrap()
        }
        Reply::Sse(f) => (f, Duration::ZERO, false),
        Reply::Slow(f, d) => (f, d, false),
        // Paced, so the head and the first frames are out before the cut.
        Reply::Drop(f) => (f, Duration::from_millis(20), true),
    };
    let guard = Guard {
        aborted: s.aborted.clone(),
        sent_whole: s.sent_whole.clone(),
        finished: false,
    };
    let stream = futures_util::stream::unfold(
        (frames.into_iter(), guard),
        move |(mut it, mut guard)| async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            match it.next() {
                Some(f) => Some((Ok::<Bytes, std::io::Error>(Bytes::from(f)), (it, guard))),
                None if cut => {
                    guard.finish();
                    Some((Err(std::io::Error::other("cut")), (it, guard)))
                }
                None => {
                    guard.finish();
                    None
                }
            }
        },
    );
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from_stream(stream))
        .unwrap()
}

pub async fn start(script: Vec<Step>) -> Fake {
    let shared = Shared {
        script: Arc::new(script),
        hits: Arc::default(),
        requests: Arc::default(),
        aborted: Arc::default(),
        sent_whole: Arc::default(),
    };
    let app = Router::new()
        .route("/v1/chat/completions", post(handle))
        .route("/v1/messages", post(handle))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Fake { addr, shared }
}

pub fn step(f: impl Fn(&Value) -> Reply + Send + Sync + 'static) -> Step {
    Box::new(f)
}

pub fn fixed(r: impl Fn() -> Reply + Send + Sync + 'static) -> Step {
    Box::new(move |_| r())
}

// ---- OpenAI Chat Completions frames ----

pub fn oa(chunk: Value) -> String {
    format!("data: {chunk}\n\n")
}
pub fn oa_text(t: &str) -> String {
    oa(
        json!({"id": "c", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": t}, "finish_reason": null}]}),
    )
}
pub fn oa_tool(index: u32, id: &str, name: &str, args: &str) -> String {
    oa(
        json!({"id": "c", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"tool_calls": [{"index": index, "id": id, "type": "function", "function": {"name": name, "arguments": args}}]}, "finish_reason": null}]}),
    )
}
pub fn oa_finish(reason: &str) -> String {
    oa(
        json!({"id": "c", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {}, "finish_reason": reason}]}),
    )
}
pub fn oa_usage(prompt: u32, completion: u32) -> String {
    oa(
        json!({"id": "c", "object": "chat.completion.chunk", "choices": [], "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}}),
    )
}
pub const OA_DONE: &str = "data: [DONE]\n\n";

/// A whole OpenAI answer streaming `text` in a few pieces.
pub fn oa_answer(text: &str) -> Vec<String> {
    let mut f: Vec<String> = text.split_inclusive(' ').map(oa_text).collect();
    f.push(oa_finish("stop"));
    f.push(oa_usage(100, 20));
    f.push(OA_DONE.into());
    f
}

/// One OpenAI turn calling tools `(id, name, arguments)` in parallel.
pub fn oa_calls(calls: &[(&str, &str, &str)]) -> Vec<String> {
    let mut f = vec![];
    for (i, (id, name, args)) in calls.iter().enumerate() {
        // Arguments arrive in two pieces, as real servers send them.
        let (a, b) = args.split_at(args.len() / 2);
        f.push(oa_tool(i as u32, id, name, a));
        f.push(oa(json!({"choices": [{"index": 0, "delta": {"tool_calls": [{"index": i, "function": {"arguments": b}}]}, "finish_reason": null}]})));
    }
    f.push(oa_finish("tool_calls"));
    f.push(oa_usage(80, 10));
    f.push(OA_DONE.into());
    f
}

// ---- Anthropic Messages frames ----

pub fn an(event: &str, data: Value) -> String {
    format!("event: {event}\ndata: {data}\n\n")
}

pub fn an_start() -> String {
    an(
        "message_start",
        json!({"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant", "content": [], "model": "fake", "stop_reason": null, "usage": {"input_tokens": 90, "output_tokens": 1}}}),
    )
}

pub fn an_answer(text: &str) -> Vec<String> {
    let mut f = vec![
        an_start(),
        an(
            "content_block_start",
            json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        ),
        an("ping", json!({"type": "ping"})),
    ];
    for piece in text.split_inclusive(' ') {
        f.push(an("content_block_delta", json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}})));
    }
    f.push(an(
        "content_block_stop",
        json!({"type": "content_block_stop", "index": 0}),
    ));
    f.push(an("message_delta", json!({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": null}, "usage": {"output_tokens": 25}})));
    f.push(an("message_stop", json!({"type": "message_stop"})));
    f
}

pub fn an_call(id: &str, name: &str, args: &str) -> Vec<String> {
    let (a, b) = args.split_at(args.len() / 2);
    vec![
        an_start(),
        an(
            "content_block_start",
            json!({"type": "content_block_start", "index": 0, "content_block": {"type": "tool_use", "id": id, "name": name, "input": {}}}),
        ),
        an(
            "content_block_delta",
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": a}}),
        ),
        an(
            "content_block_delta",
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": b}}),
        ),
        an(
            "content_block_stop",
            json!({"type": "content_block_stop", "index": 0}),
        ),
        an(
            "message_delta",
            json!({"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": null}, "usage": {"output_tokens": 15}}),
        ),
        an("message_stop", json!({"type": "message_stop"})),
    ]
}

/// The tool results (`role: tool` contents, or Anthropic `tool_result` blocks) in a request.
pub fn tool_results(request: &Value) -> Vec<Value> {
    let mut out = vec![];
    for m in request["messages"].as_array().into_iter().flatten() {
        if m["role"] == "tool" {
            out.push(
                serde_json::from_str(m["content"].as_str().unwrap_or("null"))
                    .unwrap_or(Value::Null),
            );
        }
        for b in m["content"].as_array().into_iter().flatten() {
            if b["type"] == "tool_result" {
                out.push(
                    serde_json::from_str(b["content"].as_str().unwrap_or("null"))
                        .unwrap_or(Value::Null),
                );
            }
        }
    }
    out
}
