//! The one interface every model provider speaks: messages and tool definitions in, a stream
//! of events out. The chat runtime, report sections and insights only know this trait.

use std::{pin::Pin, sync::OnceLock, time::Duration};

use futures_util::{future::BoxFuture, Stream};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
    /// The result of one tool call (`tool_call_id` names it).
    Tool,
}

/// A tool call as the model asked for it. `arguments` is the raw JSON text the model wrote,
/// which may be malformed: the runtime validates it, never the provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallRequest {
    pub id: String,
    pub name: String,
    pub arguments: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub role: Role,
    pub content: String,
    /// Assistant turns that called tools.
    pub tool_calls: Vec<CallRequest>,
    /// Tool turns: which call this answers.
    pub tool_call_id: Option<String>,
}

impl Message {
    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            content: content.into(),
            tool_calls: vec![],
            tool_call_id: None,
        }
    }
    pub fn assistant(content: impl Into<String>, tool_calls: Vec<CallRequest>) -> Self {
        Self {
            role: Role::Assistant,
            content: content.into(),
            tool_calls,
            tool_call_id: None,
        }
    }
    pub fn tool(call_id: impl Into<String>, content: impl Into<String>) -> Self {
        Self {
            role: Role::Tool,
            content: content.into(),
            tool_calls: vec![],
            tool_call_id: Some(call_id.into()),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ToolDef {
    pub name: &'static str,
    pub description: &'static str,
    /// JSON Schema of the arguments object.
    pub parameters: serde_json::Value,
}

/// The tools a request offers, with each wire format's encoding of the list kept once made:
/// every turn of every answer sends the same list (a few KB of JSON), and building and
/// encoding it each time was a good part of what a question cost the server.
#[derive(Debug)]
pub struct ToolSet {
    pub defs: Vec<ToolDef>,
    openai: OnceLock<Vec<u8>>,
    anthropic: OnceLock<Vec<u8>>,
}

/// The wire formats whose requests carry a tool list.
#[derive(Clone, Copy)]
pub(crate) enum Wire {
    OpenAi,
    Anthropic,
}

/// A request without tools.
pub static NO_TOOLS: ToolSet = ToolSet::new(Vec::new());

impl ToolSet {
    pub const fn new(defs: Vec<ToolDef>) -> Self {
        Self {
            defs,
            openai: OnceLock::new(),
            anthropic: OnceLock::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }

    /// The list as `wire` sends it (a JSON array), each tool as `one` writes it.
    pub(crate) fn encoded(&self, wire: Wire, one: fn(&ToolDef) -> serde_json::Value) -> &[u8] {
        let cell = match wire {
            Wire::OpenAi => &self.openai,
            Wire::Anthropic => &self.anthropic,
        };
        cell.get_or_init(|| {
            let list: Vec<serde_json::Value> = self.defs.iter().map(one).collect();
            serde_json::to_vec(&list).unwrap_or_else(|_| b"[]".to_vec())
        })
    }
}

impl PartialEq for ToolSet {
    fn eq(&self, other: &Self) -> bool {
        self.defs == other.defs
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChatRequest {
    pub system: String,
    pub messages: Vec<Message>,
    pub tools: &'static ToolSet,
    pub max_tokens: u32,
}

/// `body` (a JSON object) encoded, with the `tools` list (already encoded) added when the
/// request offers any.
pub(crate) fn encode_with_tools(
    body: &serde_json::Value,
    tools: &ToolSet,
    wire: Wire,
    one: fn(&ToolDef) -> serde_json::Value,
) -> Vec<u8> {
    let mut out = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    if tools.is_empty() {
        return out;
    }
    let list = tools.encoded(wire, one);
    // `out` is an object with at least the model in it: `{…}` becomes `{…,"tools":[…]}`.
    if out.last() == Some(&b'}') {
        out.pop();
        out.extend_from_slice(b",\"tools\":");
        out.extend_from_slice(list);
        out.push(b'}');
    }
    out
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProviderEvent {
    TextDelta(String),
    /// A complete tool call (arguments fully streamed).
    ToolCall(CallRequest),
    Usage {
        prompt: u32,
        completion: u32,
    },
    /// `stop`, `tool_calls`, `length` …
    Finish(String),
}

/// What went wrong, phrased for the person in the chat.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    #[error("the model provider rejected the API key ({0}); an admin can set it in the workspace's AI settings")]
    Auth(String),
    #[error("the model provider does not know the model `{0}`")]
    ModelNotFound(String),
    #[error("the conversation is too long for the model; start a new conversation")]
    ContextTooLong,
    #[error("the model provider is rate limiting us and did not recover after {0} tries; try again in a minute")]
    RateLimited(u32),
    #[error("the model provider failed ({status}): {message}")]
    Upstream { status: u16, message: String },
    #[error("the model provider could not be reached: {0}")]
    Network(String),
    #[error("the model provider sent nothing for {} s", .0.as_secs())]
    Timeout(Duration),
    #[error("the model provider closed the connection mid-answer")]
    Interrupted,
    #[error("the model provider sent something unreadable: {0}")]
    Malformed(String),
}

pub type EventStream = Pin<Box<dyn Stream<Item = Result<ProviderEvent, ProviderError>> + Send>>;

pub trait Provider: Send + Sync {
    /// `offline`, `openai/gpt-4o-mini`, `anthropic/claude-…`: stored with each answer.
    fn label(&self) -> String;
    /// Starts one model turn. Retries (429, 5xx) happen inside, before the first event.
    fn stream<'a>(
        &'a self,
        request: &'a ChatRequest,
    ) -> BoxFuture<'a, Result<EventStream, ProviderError>>;
}

/// Timeouts and retries shared by the HTTP providers.
#[derive(Clone, Debug)]
pub struct HttpSettings {
    pub connect_timeout: Duration,
    /// Longest wait for the response head, and then between two chunks of the stream.
    pub idle_timeout: Duration,
    pub max_attempts: u32,
    /// First backoff; doubles with each retry (a `Retry-After` header wins, up to 30 s).
    pub backoff: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_attempts: 3,
            backoff: Duration::from_millis(500),
        }
    }
}

impl HttpSettings {
    /// A client with these timeouts, shared by every answer: building one loads the TLS roots
    /// (tens of milliseconds), and a shared one keeps connections to the provider open.
    pub fn client(&self) -> reqwest::Client {
        use std::{collections::HashMap, sync::Mutex, sync::OnceLock};
        static CLIENTS: OnceLock<Mutex<HashMap<(Duration, Duration), reqwest::Client>>> =
            OnceLock::new();
        let key = (self.connect_timeout, self.idle_timeout);
        let build = || {
            reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .read_timeout(self.idle_timeout)
                .build()
                .unwrap_or_default()
        };
        match CLIENTS.get_or_init(Mutex::default).lock() {
            Ok(mut map) => map.entry(key).or_insert_with(build).clone(),
            Err(_) => build(),
        }
    }
}

/// Sends `build()` until it is not a 429/5xx (at most `max_attempts` times), and maps the
/// final failure to a ProviderError. `model` names the model in "not found" errors.
pub(crate) async fn send_with_retries(
    settings: &HttpSettings,
    model: &str,
    build: impl Fn() -> reqwest::RequestBuilder,
) -> Result<reqwest::Response, ProviderError> {
    let mut wait = settings.backoff;
    let attempts = settings.max_attempts.max(1);
    for attempt in 1..=attempts {
        let response = tokio::time::timeout(settings.idle_timeout, build().send())
            .await
            .map_err(|_| ProviderError::Timeout(settings.idle_timeout))?
            .map_err(|e| {
                if e.is_timeout() {
                    ProviderError::Timeout(settings.idle_timeout)
                } else {
                    ProviderError::Network(without_url(&e))
                }
            })?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let retryable = status.as_u16() == 429 || status.is_server_error();
        if retryable && attempt < attempts {
            let hinted = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(|s| Duration::from_secs(s.min(30)));
            tokio::time::sleep(hinted.unwrap_or(wait)).await;
            wait = wait.saturating_mul(2);
            continue;
        }
        let body = response.text().await.unwrap_or_default();
        return Err(classify(status.as_u16(), &body, model, attempts));
    }
    Err(ProviderError::RateLimited(attempts))
}

/// Turns a failed response into the error the person should read.
pub(crate) fn classify(status: u16, body: &str, model: &str, attempts: u32) -> ProviderError {
    let message = error_message(body);
    let lower = message.to_lowercase();
    match status {
        401 | 403 => ProviderError::Auth(truncate(&message, 200)),
        404 => ProviderError::ModelNotFound(model.to_owned()),
        429 => ProviderError::RateLimited(attempts),
        400 | 413 | 422
            if lower.contains("context")
                || lower.contains("too long")
                || lower.contains("too many tokens") =>
        {
            ProviderError::ContextTooLong
        }
        400 if lower.contains("model") && lower.contains("not") => {
            ProviderError::ModelNotFound(model.to_owned())
        }
        _ => ProviderError::Upstream {
            status,
            message: truncate(&message, 300),
        },
    }
}

/// The message inside an OpenAI (`{"error": {"message"}}`) or Anthropic
/// (`{"error": {"type", "message"}}`) error body, or the body itself.
fn error_message(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.pointer("/error/message")
                .or_else(|| v.get("error"))
                .or_else(|| v.get("message"))
                .and_then(|m| m.as_str().map(str::to_owned))
        })
        .unwrap_or_else(|| body.trim().to_owned())
}

pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}…")
    }
}

/// reqwest's errors print the URL, which may carry a key in its query for some gateways.
fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(url) = e.url() {
        s = s.replace(url.as_str(), "<provider>");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_classified_for_people() {
        assert!(matches!(
            classify(401, r#"{"error":{"message":"Incorrect API key"}}"#, "m", 1),
            ProviderError::Auth(m) if m.contains("Incorrect")
        ));
        assert_eq!(
            classify(404, "{}", "gpt-x", 1),
            ProviderError::ModelNotFound("gpt-x".into())
        );
        assert_eq!(
            classify(
                400,
                r#"{"error":{"message":"This model's maximum context length is 8192 tokens"}}"#,
                "m",
                1
            ),
            ProviderError::ContextTooLong
        );
        assert_eq!(
            classify(
                400,
                r#"{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 210000 tokens"}}"#,
                "m",
                1
            ),
            ProviderError::ContextTooLong
        );
        assert!(matches!(
            classify(500, "boom", "m", 3),
            ProviderError::Upstream { status: 500, .. }
        ));
    }
}
