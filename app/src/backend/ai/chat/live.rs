//! The answers being written in this process: each answer's live state (the message as it
//! stands and the channel of its later events), and the registry readers subscribe through.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
};

use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use crate::backend::auth::{rate_limit::KeyedLimiter, Scope};
use crate::types::{ChatEvent, ChatMessage, SentMessage};

/// Events an answer keeps for readers that have not read them yet. A reader merges the
/// deltas waiting for it into one frame, so it falls this far behind only when its
/// connection stops taking data; it then starts over from a snapshot. Every answer
/// allocates the ring up front: at 1024 slots of the unboxed events (~230 KB) that was a
/// good part of what a question cost at 64 concurrent chats.
const EVENTS_KEPT: usize = 256;

pub(super) struct Run {
    /// The conversation's workspace and person: only they may follow the answer.
    pub(super) owner: (i64, i64),
    pub(super) cancel: CancellationToken,
    pub(super) state: Mutex<Live>,
    /// Bumped by every event, so the saver writes only when something changed.
    pub(super) revision: AtomicU64,
}

/// An answer as it stands, and the channel of its later events.
pub(super) struct Live {
    message: ChatMessage,
    pub(super) events: broadcast::Sender<ChatEvent>,
    /// The stored ids, once the question is stored.
    sent: Option<SentMessage>,
}

/// A reader's start on an answer being written: the answer as it is now and every event
/// after it, exactly once.
pub struct Subscription {
    pub snapshot: ChatMessage,
    /// The question's and the answer's stored ids, when they are stored.
    pub sent: Option<SentMessage>,
    pub events: broadcast::Receiver<ChatEvent>,
}

/// A hold on one answer being written, for a reader that must start over on it (it fell
/// behind) before the answer has an id to be found by.
pub struct Following(pub(super) Arc<Run>);

impl Following {
    pub fn subscribe(&self) -> Option<Subscription> {
        self.0.subscribe()
    }
}

impl Run {
    /// A new answer of `owner` (workspace, person), starting as `message`; it keeps
    /// `EVENTS_KEPT` events for its readers.
    pub(super) fn new(owner: (i64, i64), message: ChatMessage) -> Self {
        let (events, _) = broadcast::channel(EVENTS_KEPT);
        Self {
            owner,
            cancel: CancellationToken::new(),
            state: Mutex::new(Live {
                message,
                events,
                sent: None,
            }),
            revision: AtomicU64::new(0),
        }
    }

    pub(super) fn subscribe(&self) -> Option<Subscription> {
        let live = self.state.lock().ok()?;
        Some(Subscription {
            snapshot: live.message.clone(),
            sent: live.sent.clone(),
            events: live.events.subscribe(),
        })
    }

    /// Applies `ev` to the snapshot and sends it, under one lock, so a subscriber that takes
    /// the snapshot sees every later event exactly once.
    pub(super) fn apply(&self, ev: ChatEvent) {
        let Ok(mut guard) = self.state.lock() else {
            return;
        };
        let Live {
            message: msg,
            events: tx,
            sent: stored,
        } = &mut *guard;
        match &ev {
            ChatEvent::Delta { text } => msg.content.push_str(text),
            ChatEvent::Tool { call } => match msg.tool_calls.iter_mut().find(|c| c.id == call.id) {
                Some(c) => *c = (**call).clone(),
                None => msg.tool_calls.push((**call).clone()),
            },
            ChatEvent::Usage {
                prompt_tokens,
                completion_tokens,
            } => {
                msg.prompt_tokens = *prompt_tokens;
                msg.completion_tokens = *completion_tokens;
            }
            ChatEvent::Done { status, error } => {
                msg.status = status.clone();
                msg.error = error.clone();
            }
            ChatEvent::Snapshot { message } => *msg = (**message).clone(),
            ChatEvent::Sent { sent } => {
                msg.id = sent.assistant_message_id;
                msg.conversation_id = sent.conversation_id;
                *stored = Some(sent.clone());
            }
        }
        let _ = tx.send(ev);
        self.revision.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn snapshot(&self) -> Option<ChatMessage> {
        self.state.lock().ok().map(|g| g.message.clone())
    }
}

/// The answers being written in this process, and the per-person question limit.
pub struct Runs {
    pub(super) live: Mutex<HashMap<i64, Arc<Run>>>,
    pub(super) limiter: KeyedLimiter,
}

impl Runs {
    pub fn new(per_minute: u32) -> Self {
        Self {
            live: Mutex::default(),
            limiter: KeyedLimiter::per_minute(per_minute),
        }
    }

    pub(super) fn get(&self, id: i64) -> Option<Arc<Run>> {
        self.live.lock().ok()?.get(&id).cloned()
    }

    /// The answer as it is now and its later events, if it is being written here.
    pub fn subscribe(&self, id: i64) -> Option<Subscription> {
        self.get(id)?.subscribe()
    }

    /// The answer as it is now, if it is being written here.
    pub fn snapshot(&self, id: i64) -> Option<ChatMessage> {
        self.get(id)?.snapshot()
    }

    /// Asks the answer's task to stop; false when it is not running here.
    pub fn stop(&self, id: i64) -> bool {
        match self.get(id) {
            Some(run) => {
                run.cancel.cancel();
                true
            }
            None => false,
        }
    }

    pub fn is_live(&self, id: i64) -> bool {
        self.get(id).is_some()
    }

    /// True when the answer is being written here, in a conversation of `scope`'s person in
    /// `scope`'s workspace: what `repo::chat::find_message` would establish, known without
    /// asking the database (a stream opened right after the question skips two reads).
    pub fn belongs_to(&self, id: i64, scope: &Scope) -> bool {
        self.get(id)
            .is_some_and(|run| run.owner == (scope.workspace_id(), scope.user_id()))
    }

    pub(super) fn remove(&self, id: i64) {
        if let Ok(mut live) = self.live.lock() {
            live.remove(&id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every answer allocates `EVENTS_KEPT` slots of the largest event: a variant that grows
    /// past a few words (an unboxed message or tool call) multiplies that by four or more.
    #[test]
    fn an_event_is_a_few_words() {
        assert!(std::mem::size_of::<ChatEvent>() <= 64);
    }
}
