//! The answer's writes: the question and its empty answer in one transaction, the periodic
//! saves while it streams, and the final save with its token usage — each in turn with the
//! process's other busy writers.

use std::{
    sync::{atomic::Ordering, Arc},
    time::Duration,
};

use tokio_util::sync::CancellationToken;

use super::ask::{busy, Pending};
use super::live::Run;
use crate::backend::ai::Resolved;
use crate::backend::auth::Scope;
use crate::backend::entity::{ai_conversations, ai_messages};
use crate::backend::{repo, AppState, Result};
use crate::types::{ChatMessage, SentMessage};

/// How often a streaming answer is written to the database.
const SAVE_EVERY: Duration = Duration::from_millis(400);

/// Writes the question and its empty answer in one transaction, with as few statements as
/// the case needs (on SQLite every answer's saves and every other question queue for the one
/// writer), and hands the transaction back uncommitted: the caller makes the answer known to
/// this process before the commit lets the next question in. The caller holds the write gate
/// (SQLite); on PostgreSQL the conversation's row is locked until the commit, so two questions
/// at once in one conversation take turns there too and the second finds the first running.
pub(super) async fn store_turn(
    state: &AppState,
    scope: &Scope,
    p: &Pending,
) -> Result<(sea_orm::DatabaseTransaction, SentMessage)> {
    let txn = crate::backend::db::begin_write(&state.db).await?;
    let conversation = match p.conversation_id {
        Some(id) => {
            // Read again under the lock: another answer may have started meanwhile.
            let conversation = repo::chat::find_for_update(&txn, scope, id).await?;
            let rows = repo::chat::rows(&txn, &conversation).await?;
            busy(&rows, state.chat_runs())?;
            if rows.is_empty() && conversation.title == "New conversation" {
                repo::chat::rename(&txn, scope, id, &repo::chat::title_from(&p.question)).await?;
            } else {
                repo::chat::touch(&txn, &conversation).await?;
            }
            conversation
        }
        // Just created: titled by the question, touched now.
        None => repo::chat::create(&txn, scope, &repo::chat::title_from(&p.question)).await?,
    };
    let (user, answer) =
        repo::chat::insert_turn(&txn, &conversation, &p.question, p.label.clone()).await?;
    let sent = SentMessage {
        conversation_id: conversation.id,
        user_message_id: user.id,
        assistant_message_id: answer.id,
    };
    Ok((txn, sent))
}

/// Writes the empty answer (inside the caller's transaction) for `prepare`.
pub(super) async fn insert_answer(
    db: &impl sea_orm::ConnectionTrait,
    conversation: &ai_conversations::Model,
    resolved: &Resolved,
) -> Result<ai_messages::Model> {
    let label = resolved.provider.label();
    repo::chat::insert_message(db, conversation, "assistant", "", "streaming", Some(label)).await
}

/// Writes the answer to the database every `SAVE_EVERY` while it changes, until `stop`.
///
/// Its own task, not a step of the token loop: a write waits for the database (on SQLite for
/// the one writer, behind every other answer's save), and the tokens that arrived meanwhile
/// would wait with it — at 64 concurrent answers that put milliseconds on the stream.
pub(super) async fn keep_saved(state: AppState, run: Arc<Run>, id: i64, stop: CancellationToken) {
    let mut saved = run.revision.load(Ordering::Relaxed);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(SAVE_EVERY) => {}
        }
        let now = run.revision.load(Ordering::Relaxed);
        if now == saved {
            continue;
        }
        if let Some(m) = run.snapshot() {
            if let Err(e) = save_in_turn(&state, &m).await {
                tracing::warn!(error = %e, message = id, "saving a streaming answer");
            }
        }
        saved = now;
    }
}

/// `repo::chat::save_answer` in turn with this process's other busy writers (see
/// `db::WriteGate`): 64 answers save several times a second each.
pub(super) async fn save_in_turn(state: &AppState, m: &ChatMessage) -> Result<()> {
    let _turn = state.writes().enter().await;
    repo::chat::save_answer(&state.db, m).await
}

/// Saves the finished answer and adds its tokens to the month's usage, in one transaction.
pub(super) async fn finish_in_turn(state: &AppState, scope: &Scope, m: &ChatMessage) -> Result<()> {
    let _turn = state.writes().enter().await;
    let txn = crate::backend::db::begin_write(&state.db).await?;
    repo::chat::save_answer(&txn, m).await?;
    let tokens = i64::from(m.prompt_tokens) + i64::from(m.completion_tokens);
    repo::ai::record_usage(&txn, scope.workspace(), scope.user_id(), tokens).await?;
    txn.commit().await?;
    Ok(())
}
