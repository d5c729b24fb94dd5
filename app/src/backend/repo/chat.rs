//! Conversations and messages of the AI analyst. A conversation belongs to one person in one
//! workspace: every read and write here filters by both, so another member (or the same
//! person in another workspace) sees a NotFound.

use chrono::Utc;
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::backend::auth::Scope;
use crate::backend::entity::{ai_conversations, ai_messages};
use crate::backend::{Error, Result};
use crate::types::{ChatMessage, Conversation, ToolCall};

pub const TITLE_MAX: usize = 200;
pub const QUESTION_MAX: usize = 8000;

pub fn to_conversation(m: ai_conversations::Model) -> Conversation {
    Conversation {
        id: m.id,
        title: m.title,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

pub fn to_message(m: ai_messages::Model) -> ChatMessage {
    ChatMessage {
        tool_calls: serde_json::from_str::<Vec<ToolCall>>(&m.tool_calls).unwrap_or_default(),
        id: m.id,
        conversation_id: m.conversation_id,
        role: m.role,
        content: m.content,
        status: m.status,
        error: m.error,
        prompt_tokens: m.prompt_tokens,
        completion_tokens: m.completion_tokens,
        model: m.model,
        created_at: m.created_at,
    }
}

pub fn title_from(question: &str) -> String {
    let one_line = question.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut t: String = one_line.chars().take(80).collect();
    if one_line.chars().count() > 80 {
        t.push('…');
    }
    if t.is_empty() {
        "New conversation".into()
    } else {
        t
    }
}

fn parse_title(title: &str) -> Result<String> {
    let t = title.trim();
    if t.is_empty() {
        return Err(Error::field("title", "is required"));
    }
    if t.chars().count() > TITLE_MAX {
        return Err(Error::field(
            "title",
            format!("must be at most {TITLE_MAX} characters"),
        ));
    }
    Ok(t.to_owned())
}

pub fn parse_question(content: &str) -> Result<String> {
    let q = content.trim();
    if q.is_empty() {
        return Err(Error::field("content", "is required"));
    }
    if q.chars().count() > QUESTION_MAX {
        return Err(Error::field(
            "content",
            format!("must be at most {QUESTION_MAX} characters"),
        ));
    }
    Ok(q.to_owned())
}

pub async fn list(db: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<Conversation>> {
    Ok(ai_conversations::Entity::find()
        .filter(ai_conversations::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(ai_conversations::Column::UserId.eq(scope.user_id()))
        .order_by_desc(ai_conversations::Column::UpdatedAt)
        .order_by_desc(ai_conversations::Column::Id)
        .limit(200)
        .all(db)
        .await?
        .into_iter()
        .map(to_conversation)
        .collect())
}

pub async fn find(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i64,
) -> Result<ai_conversations::Model> {
    mine(scope, id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("conversation"))
}

/// The conversation `id` if it is `scope`'s person's, in `scope`'s workspace.
fn mine(scope: &Scope, id: i64) -> sea_orm::Select<ai_conversations::Entity> {
    ai_conversations::Entity::find_by_id(id)
        .filter(ai_conversations::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(ai_conversations::Column::UserId.eq(scope.user_id()))
}

/// `find`, with the row locked until the transaction `txn` ends (PostgreSQL; SQLite has no
/// row locks and its writers take turns through `db::WriteGate`).
pub async fn find_for_update(
    txn: &sea_orm::DatabaseTransaction,
    scope: &Scope,
    id: i64,
) -> Result<ai_conversations::Model> {
    mine(scope, id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(Error::NotFound("conversation"))
}

/// The new conversation's row (the caller asking a question in it needs no second read).
pub async fn create(
    db: &impl ConnectionTrait,
    scope: &Scope,
    title: &str,
) -> Result<ai_conversations::Model> {
    let title = parse_title(title)?;
    let now = Utc::now();
    Ok(ai_conversations::ActiveModel {
        workspace_id: Set(scope.workspace_id()),
        user_id: Set(scope.user_id()),
        title: Set(title),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

pub async fn rename(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i64,
    title: &str,
) -> Result<Conversation> {
    let existing = find(db, scope, id).await?;
    let row = ai_conversations::ActiveModel {
        id: Set(existing.id),
        title: Set(parse_title(title)?),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(to_conversation(row))
}

/// Marks `conversation` (found through a scope) as just used.
pub async fn touch(
    db: &impl ConnectionTrait,
    conversation: &ai_conversations::Model,
) -> Result<()> {
    ai_conversations::Entity::update_many()
        .col_expr(ai_conversations::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(ai_conversations::Column::Id.eq(conversation.id))
        .filter(ai_conversations::Column::WorkspaceId.eq(conversation.workspace_id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn delete(db: &impl ConnectionTrait, scope: &Scope, id: i64) -> Result<()> {
    let existing = find(db, scope, id).await?;
    ai_messages::Entity::delete_many()
        .filter(ai_messages::Column::ConversationId.eq(existing.id))
        .exec(db)
        .await?;
    ai_conversations::Entity::delete_by_id(existing.id)
        .exec(db)
        .await?;
    Ok(())
}

pub async fn messages(
    db: &impl ConnectionTrait,
    scope: &Scope,
    conversation_id: i64,
) -> Result<Vec<ChatMessage>> {
    let conv = find(db, scope, conversation_id).await?;
    Ok(rows(db, &conv).await?.into_iter().map(to_message).collect())
}

/// The messages of `conversation` (found through a scope), in order.
pub async fn rows(
    db: &impl ConnectionTrait,
    conversation: &ai_conversations::Model,
) -> Result<Vec<ai_messages::Model>> {
    Ok(ai_messages::Entity::find()
        .filter(ai_messages::Column::ConversationId.eq(conversation.id))
        .filter(ai_messages::Column::WorkspaceId.eq(conversation.workspace_id))
        .order_by_asc(ai_messages::Column::Id)
        .all(db)
        .await?)
}

/// A message of one of the caller's conversations.
pub async fn find_message(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i64,
) -> Result<ai_messages::Model> {
    let m = ai_messages::Entity::find_by_id(id)
        .filter(ai_messages::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(db)
        .await?
        .ok_or(Error::NotFound("message"))?;
    find(db, scope, m.conversation_id)
        .await
        .map_err(|_| Error::NotFound("message"))?;
    Ok(m)
}

fn new_message(
    conversation: &ai_conversations::Model,
    role: &str,
    content: &str,
    status: &str,
    model: Option<String>,
) -> ai_messages::ActiveModel {
    let now = Utc::now();
    ai_messages::ActiveModel {
        conversation_id: Set(conversation.id),
        workspace_id: Set(conversation.workspace_id),
        role: Set(role.to_owned()),
        content: Set(content.to_owned()),
        status: Set(status.to_owned()),
        error: Set(None),
        tool_calls: Set("[]".into()),
        prompt_tokens: Set(0),
        completion_tokens: Set(0),
        model: Set(model),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

pub async fn insert_message(
    db: &impl ConnectionTrait,
    conversation: &ai_conversations::Model,
    role: &str,
    content: &str,
    status: &str,
    model: Option<String>,
) -> Result<ai_messages::Model> {
    Ok(new_message(conversation, role, content, status, model)
        .insert(db)
        .await?)
}

/// A question and its empty, streaming answer, in one statement (one trip to the database
/// while the writer is held; the first token waits for it). The rows are inserted in this
/// order, so the question's id is the lower, as everything reading a conversation expects.
pub async fn insert_turn(
    db: &impl ConnectionTrait,
    conversation: &ai_conversations::Model,
    question: &str,
    model: String,
) -> Result<(ai_messages::Model, ai_messages::Model)> {
    let rows = ai_messages::Entity::insert_many([
        new_message(conversation, "user", question, "complete", None),
        new_message(conversation, "assistant", "", "streaming", Some(model)),
    ])
    .exec_with_returning(db)
    .await?;
    let mut question = None;
    let mut answer = None;
    for row in rows {
        match row.role.as_str() {
            "user" => question = Some(row),
            _ => answer = Some(row),
        }
    }
    match (question, answer) {
        (Some(q), Some(a)) if q.id < a.id => Ok((q, a)),
        _ => Err(Error::Other(anyhow::anyhow!(
            "the question and its answer were not stored as one turn"
        ))),
    }
}

/// Saves an answer as it is now (while streaming, and once at the end).
pub async fn save_answer(db: &impl ConnectionTrait, m: &ChatMessage) -> Result<()> {
    ai_messages::ActiveModel {
        id: Set(m.id),
        content: Set(m.content.clone()),
        status: Set(m.status.clone()),
        error: Set(m.error.clone()),
        tool_calls: Set(serde_json::to_string(&m.tool_calls).unwrap_or_else(|_| "[]".into())),
        prompt_tokens: Set(m.prompt_tokens),
        completion_tokens: Set(m.completion_tokens),
        model: Set(m.model.clone()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

pub async fn set_content(db: &impl ConnectionTrait, id: i64, content: &str) -> Result<()> {
    ai_messages::ActiveModel {
        id: Set(id),
        content: Set(content.to_owned()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

/// Drops the messages after `id` in `conversation` (found through a scope): retry and
/// edit-and-resend replace them.
pub async fn delete_after(
    db: &impl ConnectionTrait,
    conversation: &ai_conversations::Model,
    id: i64,
) -> Result<()> {
    ai_messages::Entity::delete_many()
        .filter(ai_messages::Column::ConversationId.eq(conversation.id))
        .filter(ai_messages::Column::WorkspaceId.eq(conversation.workspace_id))
        .filter(ai_messages::Column::Id.gt(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Answers left `streaming` by a process that stopped: they keep what was written, as
/// stopped. Only those untouched for `untouched_for` — a live answer is saved more often than
/// that (see `ai::chat::interrupted_after`), perhaps by another process.
pub async fn mark_interrupted(
    db: &impl ConnectionTrait,
    untouched_for: std::time::Duration,
) -> Result<u64> {
    let Some(stale) = chrono::Duration::from_std(untouched_for)
        .ok()
        .and_then(|d| Utc::now().checked_sub_signed(d))
    else {
        return Ok(0);
    };
    Ok(ai_messages::Entity::update_many()
        .col_expr(ai_messages::Column::Status, Expr::value("stopped"))
        .col_expr(
            ai_messages::Column::Error,
            Expr::value("the server writing this answer stopped before it was finished"),
        )
        .col_expr(ai_messages::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(ai_messages::Column::Status.eq("streaming"))
        .filter(ai_messages::Column::UpdatedAt.lt(stale))
        .exec(db)
        .await?
        .rows_affected)
}
