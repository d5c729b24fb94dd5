//! Asking: a new question (stored while its answer already streams), and an answer written
//! again — retried, or after its question was edited. Each checks what can refuse it first.

use tokio::sync::{broadcast, oneshot};

use super::live::{Following, Runs};
use super::persist::insert_answer;
use super::task::{launch, prepare};
use crate::backend::ai::provider::Message;
use crate::backend::ai::Resolved;
use crate::backend::auth::Scope;
use crate::backend::entity::ai_messages;
use crate::backend::{repo, AppState, Error, Result};
use crate::types::{ChatEvent, ChatMessage, SentMessage};

/// Previous turns as the model sees them: questions and the text of finished answers.
fn history(rows: &[ai_messages::Model], before: i64) -> Vec<Message> {
    rows.iter()
        .filter(|m| m.id < before)
        .filter_map(|m| match m.role.as_str() {
            "user" => Some(Message::user(m.content.clone())),
            "assistant" if !m.content.trim().is_empty() && m.status != "streaming" => {
                Some(Message::assistant(m.content.clone(), vec![]))
            }
            _ => None,
        })
        .collect()
}

/// Checks the person's rate and the workspace's budget, and picks the provider.
async fn admit(state: &AppState, scope: &Scope) -> Result<Resolved> {
    state
        .chat_runs()
        .limiter
        .check(&format!("{}:{}", scope.workspace_id(), scope.user_id()))
        .map_err(Error::RateLimited)?;
    let resolved = crate::backend::ai::resolve(state, scope.workspace()).await?;
    crate::backend::ai::check_budget(state, scope.workspace(), &resolved).await?;
    Ok(resolved)
}

pub(super) fn busy(rows: &[ai_messages::Model], runs: &Runs) -> Result<()> {
    if rows
        .iter()
        .any(|m| m.status == "streaming" && runs.is_live(m.id))
    {
        return Err(Error::Conflict(
            "an answer is still being written in this conversation; stop it first".into(),
        ));
    }
    Ok(())
}

/// A question whose answer is already under way while the question is being stored.
pub struct Asking {
    /// Every event of the answer from its start: `sent` once the question is stored (or
    /// `done` with the error when it could not be), deltas possibly before it.
    pub events: broadcast::Receiver<ChatEvent>,
    /// To start over on the answer, should the reader of `events` fall behind.
    pub following: Following,
    stored: oneshot::Receiver<Result<SentMessage>>,
}

impl Asking {
    /// Waits until the question and the empty answer are stored: their ids.
    pub async fn stored(self) -> Result<SentMessage> {
        self.stored.await.unwrap_or_else(|_| {
            Err(Error::Unavailable(
                "the answer ended before its question was stored".into(),
            ))
        })
    }
}

/// Asks `question` in `conversation_id` (a new conversation when None); the answer starts at
/// once.
///
/// The question is stored while the model is already being asked, not before: on SQLite
/// that write queues for the one writer behind every other answer's saves, and the first
/// token waited for it. What can refuse the question (its text, the conversation, a running
/// answer, the rate and the budget) is checked before anything starts; a write that fails
/// anyway stops the answer and ends it with the error (`done`), so nothing is shown as
/// asked that was not stored.
pub async fn ask(
    state: &AppState,
    scope: &Scope,
    conversation_id: Option<i64>,
    question: &str,
) -> Result<Asking> {
    let question = repo::chat::parse_question(question)?;
    let mut history = match conversation_id {
        Some(id) => {
            let conversation = repo::chat::find(&state.db, scope, id).await?;
            let rows = repo::chat::rows(&state.db, &conversation).await?;
            busy(&rows, state.chat_runs())?;
            history(&rows, i64::MAX)
        }
        None => Vec::new(),
    };
    let resolved = admit(state, scope).await?;
    history.push(Message::user(question.clone()));
    let (reply, stored) = oneshot::channel();
    let label = resolved.provider.label();
    let pending = Pending {
        conversation_id,
        question,
        label: label.clone(),
        reply,
    };
    let answer = ChatMessage {
        id: 0,
        conversation_id: conversation_id.unwrap_or(0),
        role: "assistant".into(),
        content: String::new(),
        status: "streaming".into(),
        error: None,
        tool_calls: vec![],
        prompt_tokens: 0,
        completion_tokens: 0,
        model: Some(label),
        created_at: chrono::Utc::now(),
    };
    let task = prepare(state, scope, answer, history, resolved, Some(pending));
    let events = task.events();
    let following = Following(task.run.clone());
    tokio::spawn(task.run());
    Ok(Asking {
        events,
        following,
        stored,
    })
}

/// Asks `question` and answers once it is stored: the ids to follow the answer by.
pub async fn send(
    state: &AppState,
    scope: &Scope,
    conversation_id: Option<i64>,
    question: &str,
) -> Result<SentMessage> {
    ask(state, scope, conversation_id, question)
        .await?
        .stored()
        .await
}

/// A question to store beside the answer already being written.
pub(super) struct Pending {
    pub(super) conversation_id: Option<i64>,
    pub(super) question: String,
    pub(super) label: String,
    pub(super) reply: oneshot::Sender<Result<SentMessage>>,
}
/// The turns before `question_id` and the question itself, as they stand in `db`.
async fn history_to(
    db: &impl sea_orm::ConnectionTrait,
    conversation: &crate::backend::entity::ai_conversations::Model,
    question_id: i64,
) -> Result<Vec<Message>> {
    let rows = repo::chat::rows(db, conversation).await?;
    Ok(history(&rows, question_id + 1))
}

/// Writes the answer to the last question again.
pub async fn retry(state: &AppState, scope: &Scope, message_id: i64) -> Result<SentMessage> {
    let db = &state.db;
    let msg = repo::chat::find_message(db, scope, message_id).await?;
    let conversation = repo::chat::find(db, scope, msg.conversation_id).await?;
    let rows = repo::chat::rows(db, &conversation).await?;
    busy(&rows, state.chat_runs())?;
    // The question this answer (or this question itself) belongs to.
    let question = rows
        .iter()
        .rfind(|m| m.role == "user" && m.id <= msg.id)
        .ok_or_else(|| Error::BadRequest("there is no question to answer again".into()))?;
    if rows.iter().any(|m| m.role == "user" && m.id > question.id) {
        return Err(Error::BadRequest(
            "only the last answer can be retried; edit a question to branch from it".into(),
        ));
    }
    let resolved = admit(state, scope).await?;
    let _turn = state.writes().enter().await;
    let txn = crate::backend::db::begin_write(db).await?;
    repo::chat::delete_after(&txn, &conversation, question.id).await?;
    repo::chat::touch(&txn, &conversation).await?;
    let history = history_to(&txn, &conversation, question.id).await?;
    let answer = insert_answer(&txn, &conversation, &resolved).await?;
    txn.commit().await?;
    Ok(launch(state, scope, question.id, answer, history, resolved))
}

/// Replaces a question's text, drops what followed it, and answers it again.
pub async fn edit(
    state: &AppState,
    scope: &Scope,
    message_id: i64,
    content: &str,
) -> Result<SentMessage> {
    let content = repo::chat::parse_question(content)?;
    let db = &state.db;
    let msg = repo::chat::find_message(db, scope, message_id).await?;
    if msg.role != "user" {
        return Err(Error::BadRequest("only questions can be edited".into()));
    }
    let conversation = repo::chat::find(db, scope, msg.conversation_id).await?;
    let rows = repo::chat::rows(db, &conversation).await?;
    busy(&rows, state.chat_runs())?;
    let resolved = admit(state, scope).await?;
    let _turn = state.writes().enter().await;
    let txn = crate::backend::db::begin_write(db).await?;
    repo::chat::set_content(&txn, msg.id, &content).await?;
    repo::chat::delete_after(&txn, &conversation, msg.id).await?;
    repo::chat::touch(&txn, &conversation).await?;
    let history = history_to(&txn, &conversation, msg.id).await?;
    let answer = insert_answer(&txn, &conversation, &resolved).await?;
    txn.commit().await?;
    Ok(launch(state, scope, msg.id, answer, history, resolved))
}
