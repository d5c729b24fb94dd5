//! The AI analyst as browser and scripts see it: conversations, messages with the tool calls
//! that ground them, the live events of an answer being written, provider settings, usage and
//! insights.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Conversation {
    pub id: i64,
    pub title: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One tool call an answer made: what it asked, what it got, in one line and in full.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ToolCall {
    /// The provider's id of the call (unique within the message).
    pub id: String,
    pub name: String,
    pub arguments: serde_json::Value,
    /// `running`, `ok`, `error`, `needs_confirmation`, `confirmed` or `declined`.
    pub status: String,
    /// "looked up 12 deals in negotiation".
    pub summary: String,
    /// The tool's compact JSON result (or `{"error": …}`).
    pub result: Option<serde_json::Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ChatMessage {
    pub id: i64,
    pub conversation_id: i64,
    /// `user` or `assistant`.
    pub role: String,
    /// Markdown (assistant) or the question as typed (user).
    pub content: String,
    /// `streaming`, `complete`, `stopped` or `error`.
    pub status: String,
    pub error: Option<String>,
    pub tool_calls: Vec<ToolCall>,
    pub prompt_tokens: i32,
    pub completion_tokens: i32,
    /// `offline`, or `<provider>/<model>`.
    pub model: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl ChatMessage {
    pub fn is_streaming(&self) -> bool {
        self.status == "streaming"
    }
}

/// What `send_message` (and retry, edit) answer: the ids to follow. The answer streams from
/// `GET /api/chat/messages/{assistant_message_id}/stream`. `POST /api/chat/ask` sends it as
/// its `sent` event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct SentMessage {
    pub conversation_id: i64,
    pub user_message_id: i64,
    pub assistant_message_id: i64,
}

/// The body of `POST /api/chat/ask`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct AskQuestion {
    /// The workspace's slug.
    pub workspace: String,
    /// Left out: a new conversation, titled by the question.
    #[serde(default)]
    pub conversation_id: Option<i64>,
    pub content: String,
}

/// One event of an answer's stream (the SSE `data` of each event, tagged by `type`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChatEvent {
    /// The message as it is now (first event of every stream that follows a stored answer,
    /// and of a reader's fresh start after it fell behind; on `ask` before `sent`, id 0).
    /// Boxed, as is `Tool`'s call: every answer keeps a ring of recent events for its
    /// readers, and a slot is as big as the biggest event (serialised the same either way).
    Snapshot { message: Box<ChatMessage> },
    /// The question and its answer are stored, with these ids (on `POST /api/chat/ask`
    /// only: it streams the answer while the question is being stored, so this may come
    /// after the first deltas).
    Sent { sent: SentMessage },
    /// More answer text.
    Delta { text: String },
    /// A tool call started or finished (the whole call, replacing any earlier state of it).
    Tool { call: Box<ToolCall> },
    Usage {
        prompt_tokens: i32,
        completion_tokens: i32,
    },
    /// The answer ended: `complete`, `stopped` or `error` (with the error).
    Done {
        status: String,
        error: Option<String>,
    },
}

/// A workspace's model provider as admins see it (the key never leaves the server).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct AiSettings {
    /// `offline`, `openai` (any OpenAI-compatible endpoint) or `anthropic`.
    pub provider: String,
    pub base_url: String,
    pub model: String,
    pub has_api_key: bool,
    /// Tokens per calendar month (UTC) for the workspace; none: unlimited.
    pub monthly_token_budget: Option<i64>,
    /// `workspace` (set here) or `server` (the server's configuration).
    pub source: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct AiSettingsInput {
    pub provider: String,
    #[serde(default)]
    pub base_url: String,
    #[serde(default)]
    pub model: String,
    /// A new key; left out keeps the stored one.
    #[serde(default)]
    pub api_key: Option<String>,
    #[serde(default)]
    pub clear_api_key: bool,
    #[serde(default)]
    pub monthly_token_budget: Option<i64>,
}

/// Tokens used this month, against the budget.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct AiUsageReport {
    /// `YYYY-MM`.
    pub month: String,
    pub tokens: i64,
    pub requests: i64,
    pub budget: Option<i64>,
    /// The caller's own share.
    pub my_tokens: i64,
    pub cache_entries: i64,
    pub cache_hits: i64,
}

/// A notable change the insights job found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Insight {
    pub id: i64,
    /// `stalled_deal`, `sentiment_drop` or `metric_jump`.
    pub kind: String,
    pub subject: String,
    /// The record it is about: a deal for `stalled_deal`, a company otherwise.
    pub subject_id: Option<i64>,
    pub text: String,
    pub facts: serde_json::Value,
    /// `template` or `model:<provider>/<model>`.
    pub source: String,
    pub created_at: DateTime<Utc>,
    pub dismissed_at: Option<DateTime<Utc>>,
}
