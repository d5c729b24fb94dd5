//! The AI analyst over the API: conversations (each person's own), questions and their
//! answers. An answer is written in the background: `send_message` answers with the ids once
//! the question is stored, and the answer streams from `GET /api/chat/messages/{id}/stream`
//! (Server-Sent Events, see `server::chat`) — or poll `get_message` until its status is no
//! longer `streaming`. The page asks with `POST /api/chat/ask` instead: the question and its
//! answer's stream in one request (also `server::chat`).

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::types::{ApiError, ChatMessage, Conversation, SentMessage};

#[server(prefix = "/api", endpoint = "list_conversations", input = Json)]
pub async fn list_conversations(workspace: String) -> Result<Vec<Conversation>, ApiError> {
    let scope = super::scope(&workspace).await?;
    Ok(crate::backend::repo::chat::list(&super::state()?.db, &scope).await?)
}

crate::endpoint_doc! {
    /// The caller's conversations in the workspace, most recent first.
    ListConversations(workspace: String) -> Vec<Conversation>,
    example = {"workspace": "demo"}
}

#[server(prefix = "/api", endpoint = "create_conversation", input = Json)]
pub async fn create_conversation(
    workspace: String,
    title: Option<String>,
) -> Result<Conversation, ApiError> {
    let scope = super::scope(&workspace).await?;
    let title = title.unwrap_or_else(|| "New conversation".into());
    let row = crate::backend::repo::chat::create(&super::state()?.db, &scope, &title).await?;
    Ok(crate::backend::repo::chat::to_conversation(row))
}

crate::endpoint_doc! {
    /// Starts an empty conversation (its title follows the first question unless given).
    CreateConversation(workspace: String, title: Option<String>) -> Conversation,
    example = {"workspace": "demo", "title": "Pipeline questions"}
}

#[server(prefix = "/api", endpoint = "rename_conversation", input = Json)]
pub async fn rename_conversation(
    workspace: String,
    conversation_id: i64,
    title: String,
) -> Result<Conversation, ApiError> {
    let scope = super::scope(&workspace).await?;
    Ok(
        crate::backend::repo::chat::rename(&super::state()?.db, &scope, conversation_id, &title)
            .await?,
    )
}

crate::endpoint_doc! {
    /// Renames a conversation.
    RenameConversation(workspace: String, conversation_id: i64, title: String) -> Conversation,
    example = {"workspace": "demo", "conversation_id": 1, "title": "Q4 pipeline"}
}

#[server(prefix = "/api", endpoint = "delete_conversation", input = Json)]
pub async fn delete_conversation(workspace: String, conversation_id: i64) -> Result<(), ApiError> {
    let scope = super::scope(&workspace).await?;
    let state = super::state()?;
    let conversation = crate::backend::repo::chat::find(&state.db, &scope, conversation_id).await?;
    for m in crate::backend::repo::chat::rows(&state.db, &conversation).await? {
        state.chat_runs().stop(m.id);
    }
    Ok(crate::backend::repo::chat::delete(&state.db, &scope, conversation_id).await?)
}

crate::endpoint_doc! {
    /// Deletes a conversation and its messages (stopping an answer being written).
    DeleteConversation(workspace: String, conversation_id: i64) -> (),
    example = {"workspace": "demo", "conversation_id": 1}
}

#[server(prefix = "/api", endpoint = "get_messages", input = Json)]
pub async fn get_messages(
    workspace: String,
    conversation_id: i64,
) -> Result<Vec<ChatMessage>, ApiError> {
    let scope = super::scope(&workspace).await?;
    let state = super::state()?;
    let mut list = crate::backend::repo::chat::messages(&state.db, &scope, conversation_id).await?;
    live(&state, &mut list);
    Ok(list)
}

crate::endpoint_doc! {
    /// A conversation's messages in order, answers with the tool calls they made.
    GetMessages(workspace: String, conversation_id: i64) -> Vec<ChatMessage>,
    example = {"workspace": "demo", "conversation_id": 1}
}

/// Answers being written here are newer in memory than in the database.
#[cfg(feature = "ssr")]
fn live(state: &crate::backend::AppState, list: &mut [ChatMessage]) {
    for m in list.iter_mut().filter(|m| m.is_streaming()) {
        if let Some(now) = state.chat_runs().snapshot(m.id) {
            *m = now;
        }
    }
}

#[server(prefix = "/api", endpoint = "get_message", input = Json)]
pub async fn get_message(workspace: String, message_id: i64) -> Result<ChatMessage, ApiError> {
    let scope = super::scope(&workspace).await?;
    let state = super::state()?;
    let m = crate::backend::repo::chat::find_message(&state.db, &scope, message_id).await?;
    let mut list = [crate::backend::repo::chat::to_message(m)];
    live(&state, &mut list);
    let [m] = list;
    Ok(m)
}

crate::endpoint_doc! {
    /// One message as it is now (poll it while its status is `streaming`).
    GetMessage(workspace: String, message_id: i64) -> ChatMessage,
    example = {"workspace": "demo", "message_id": 1}
}

#[server(prefix = "/api", endpoint = "send_message", input = Json)]
pub async fn send_message(
    workspace: String,
    conversation_id: Option<i64>,
    content: String,
) -> Result<SentMessage, ApiError> {
    let scope = super::scope(&workspace).await?;
    let state = super::state()?;
    Ok(crate::backend::ai::chat::send(&state, &scope, conversation_id, &content).await?)
}

crate::endpoint_doc! {
    /// Asks a question (in a new conversation when `conversation_id` is left out). Answers
    /// the ids at once; the answer is written in the background — follow it on
    /// `GET /api/chat/messages/{assistant_message_id}/stream` or poll `get_message`.
    ///
    /// `429` when the caller asks too often; `403` when the workspace's monthly token budget
    /// is used up; `409` while another answer is being written in the conversation.
    SendMessage(workspace: String, conversation_id: Option<i64>, content: String) -> SentMessage,
    example = {"workspace": "demo", "content": "Summarise the pipeline"}
}

#[server(prefix = "/api", endpoint = "stop_message", input = Json)]
pub async fn stop_message(workspace: String, message_id: i64) -> Result<ChatMessage, ApiError> {
    let scope = super::scope(&workspace).await?;
    let state = super::state()?;
    Ok(crate::backend::ai::chat::stop(&state, &scope, message_id).await?)
}

crate::endpoint_doc! {
    /// Stops an answer being written (the request to the model is dropped); what was written
    /// so far is kept, marked `stopped`.
    StopMessage(workspace: String, message_id: i64) -> ChatMessage,
    example = {"workspace": "demo", "message_id": 2}
}

#[server(prefix = "/api", endpoint = "retry_message", input = Json)]
pub async fn retry_message(workspace: String, message_id: i64) -> Result<SentMessage, ApiError> {
    let scope = super::scope(&workspace).await?;
    let state = super::state()?;
    Ok(crate::backend::ai::chat::retry(&state, &scope, message_id).await?)
}

crate::endpoint_doc! {
    /// Writes the last answer of a conversation again (it replaces the old one).
    RetryMessage(workspace: String, message_id: i64) -> SentMessage,
    example = {"workspace": "demo", "message_id": 2}
}

#[server(prefix = "/api", endpoint = "edit_message", input = Json)]
pub async fn edit_message(
    workspace: String,
    message_id: i64,
    content: String,
) -> Result<SentMessage, ApiError> {
    let scope = super::scope(&workspace).await?;
    let state = super::state()?;
    Ok(crate::backend::ai::chat::edit(&state, &scope, message_id, &content).await?)
}

crate::endpoint_doc! {
    /// Changes a question, drops everything after it, and answers it again.
    EditMessage(workspace: String, message_id: i64, content: String) -> SentMessage,
    example = {"workspace": "demo", "message_id": 1, "content": "What are the biggest open deals?"}
}

#[server(prefix = "/api", endpoint = "confirm_tool_call", input = Json)]
pub async fn confirm_tool_call(
    workspace: String,
    message_id: i64,
    call_id: String,
    confirm: bool,
) -> Result<ChatMessage, ApiError> {
    let scope = super::scope(&workspace).await?;
    let state = super::state()?;
    Ok(crate::backend::ai::chat::confirm(&state, &scope, message_id, &call_id, confirm).await?)
}

crate::endpoint_doc! {
    /// Confirms (or declines) a tool call that waits for the person: `start_report` starts the
    /// report it prepared only now, as the caller (members and above).
    ConfirmToolCall(workspace: String, message_id: i64, call_id: String, confirm: bool) -> ChatMessage,
    example = {"workspace": "demo", "message_id": 2, "call_id": "offline_1", "confirm": true}
}

#[server(prefix = "/api", endpoint = "suggested_questions", input = Json)]
pub async fn suggested_questions(workspace: String) -> Result<Vec<String>, ApiError> {
    let scope = super::scope(&workspace).await?;
    let state = super::state()?;
    Ok(crate::backend::ai::suggestions(&state.db, &scope).await?)
}

crate::endpoint_doc! {
    /// Starter questions from the workspace's own data (its companies, competitors, metrics).
    SuggestedQuestions(workspace: String) -> Vec<String>,
    example = {"workspace": "demo"}
}
