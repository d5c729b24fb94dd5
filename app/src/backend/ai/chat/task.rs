//! The answer's task: made for a question, registered so readers can follow it, run in the
//! background while the question is stored, and finished — saved before readers hear `done`.

use std::sync::{atomic::Ordering, Arc};

use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::ask::Pending;
use super::live::Run;
use super::persist::{finish_in_turn, keep_saved, save_in_turn, store_turn};
use crate::backend::ai::provider::{Message, Provider};
use crate::backend::ai::Resolved;
use crate::backend::auth::Scope;
use crate::backend::entity::ai_messages;
use crate::backend::{repo, AppState};
use crate::types::{ChatEvent, ChatMessage, SentMessage};

/// Makes the task that writes `answer`, answering `history` (ending with the question);
/// with `pending`, the question is still to be stored.
pub(super) fn prepare(
    state: &AppState,
    scope: &Scope,
    answer: ChatMessage,
    history: Vec<Message>,
    resolved: Resolved,
    pending: Option<Pending>,
) -> Task {
    let run = Arc::new(Run::new((scope.workspace_id(), scope.user_id()), answer));
    Task {
        state: state.clone(),
        scope: scope.clone(),
        run,
        provider: resolved.provider,
        pending,
        history,
    }
}

/// Starts the answer whose row (`answer`) was just committed, registered first so streams
/// can follow it.
pub(super) fn launch(
    state: &AppState,
    scope: &Scope,
    question_id: i64,
    answer: ai_messages::Model,
    history: Vec<Message>,
    resolved: Resolved,
) -> SentMessage {
    let sent = SentMessage {
        conversation_id: answer.conversation_id,
        user_message_id: question_id,
        assistant_message_id: answer.id,
    };
    let task = prepare(
        state,
        scope,
        repo::chat::to_message(answer),
        history,
        resolved,
        None,
    );
    task.register(sent.assistant_message_id);
    tokio::spawn(task.run());
    sent
}

/// One answer being written: what it answers, with which provider, and its live state.
pub(super) struct Task {
    pub(super) state: AppState,
    pub(super) scope: Scope,
    pub(super) run: Arc<Run>,
    pub(super) provider: Arc<dyn Provider>,
    pending: Option<Pending>,
    pub(super) history: Vec<Message>,
}

/// How one answer ended.
pub(super) enum End {
    Complete,
    Stopped(Option<String>),
    Failed(String),
}

impl Task {
    /// The answer's events from now on (taken before the task starts: none is missed).
    pub(super) fn events(&self) -> broadcast::Receiver<ChatEvent> {
        match self.run.state.lock() {
            Ok(g) => g.events.subscribe(),
            Err(poisoned) => poisoned.into_inner().events.subscribe(),
        }
    }

    /// Makes the answer `id` known to this process's streams, stop and confirmations.
    pub(super) fn register(&self, id: i64) {
        if let Ok(mut live) = self.state.chat_runs().live.lock() {
            live.insert(id, self.run.clone());
        }
    }

    /// The answer's row id once stored (stored now if the question is pending), registered;
    /// the error's text when the question could not be stored.
    async fn stored(&self, pending: Option<Pending>) -> std::result::Result<i64, String> {
        let Some(p) = pending else {
            return self
                .run
                .snapshot()
                .map(|m| m.id)
                .ok_or_else(|| "the answer's state was lost".to_owned());
        };
        // Held until the answer is registered: the next question in this conversation, next
        // through the gate (or the conversation's row lock), must find it running.
        let _turn = self.state.writes().enter().await;
        let stored = async {
            let (txn, sent) = store_turn(&self.state, &self.scope, &p).await?;
            self.register(sent.assistant_message_id);
            if let Err(e) = txn.commit().await {
                self.state.chat_runs().remove(sent.assistant_message_id);
                return Err(e.into());
            }
            Ok(sent)
        };
        match stored.await {
            Ok(sent) => {
                let id = sent.assistant_message_id;
                self.run.apply(ChatEvent::Sent { sent: sent.clone() });
                let _ = p.reply.send(Ok(sent));
                Ok(id)
            }
            Err(e) => {
                let text = format!("the question could not be saved: {e}");
                tracing::warn!(error = %e, "storing a question");
                self.run.cancel.cancel();
                let _ = p.reply.send(Err(e));
                Err(text)
            }
        }
    }

    pub(super) async fn run(mut self) {
        let pending = self.pending.take();
        let stop_saving = CancellationToken::new();
        // The answer and the question's write go on together; the periodic saves start once
        // the answer's row exists.
        let stored = async {
            let id = self.stored(pending).await?;
            let saver = tokio::spawn(keep_saved(
                self.state.clone(),
                self.run.clone(),
                id,
                stop_saving.clone(),
            ));
            Ok::<_, String>((id, saver))
        };
        let (end, stored) = tokio::join!(self.answer(), stored);
        let (id, saver) = match stored {
            Ok(s) => s,
            Err(error) => {
                self.run.apply(ChatEvent::Done {
                    status: "error".into(),
                    error: Some(error),
                });
                return;
            }
        };
        // The saver finishes any write it started before the final one below, so an older
        // snapshot never lands over the finished answer.
        stop_saving.cancel();
        let _ = saver.await;
        let (status, error) = match end {
            End::Complete => ("complete", None),
            End::Stopped(e) => ("stopped", e),
            End::Failed(e) => ("error", Some(e)),
        };
        // Stored before readers hear `done`: a script that reads the message after the
        // stream's end must find it finished (it found the last periodic save, still
        // "streaming", when `done` went out first). The answer's tokens are counted in the
        // same transaction: a write of its own after `done` was still going on when the
        // next question came, and took the CPU from it.
        let revision = self.run.revision.load(Ordering::Relaxed);
        let finished = self.run.snapshot().map(|mut m| {
            m.status = status.into();
            m.error = error.clone();
            m
        });
        if let Some(m) = &finished {
            if let Err(e) = finish_in_turn(&self.state, &self.scope, m).await {
                tracing::error!(error = %e, message = id, "saving the final answer");
            }
        }
        self.run.apply(ChatEvent::Done {
            status: status.into(),
            error,
        });
        // A confirmation of a tool call that came in meanwhile changed the answer again.
        if self.run.revision.load(Ordering::Relaxed) != revision + 1 {
            if let Some(m) = self.run.snapshot() {
                if let Err(e) = save_in_turn(&self.state, &m).await {
                    tracing::error!(error = %e, message = id, "saving the final answer");
                }
            }
        }
        self.state.chat_runs().remove(id);
    }
}
