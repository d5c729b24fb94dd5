//! The chat page's state and what it does: which conversation is shown, its messages, the
//! answer being written, and the actions (open, rename, delete, ask, edit, retry, stop,
//! confirm) with the answer's stream events applied to what is shown.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::chat::{
    confirm_tool_call, delete_conversation, edit_message, get_message, get_messages,
    rename_conversation, retry_message, stop_message,
};
use crate::types::{ChatEvent, ChatMessage, SentMessage};

/// The ids a question and its answer show with until `POST /api/chat/ask` says the stored ones.
const PENDING_QUESTION: i64 = -1;
const PENDING_ANSWER: i64 = -2;

fn apply(m: &mut ChatMessage, ev: ChatEvent) {
    match ev {
        // A snapshot on `POST /api/chat/ask`'s stream before `sent` (the reader fell behind
        // and started over) has no ids yet: the placeholder keeps its own until `sent`.
        ChatEvent::Snapshot { message } => {
            let (id, conversation_id) = (m.id, m.conversation_id);
            *m = *message;
            if m.id == 0 {
                (m.id, m.conversation_id) = (id, conversation_id);
            }
        }
        ChatEvent::Sent { sent } => {
            m.id = sent.assistant_message_id;
            m.conversation_id = sent.conversation_id;
        }
        ChatEvent::Delta { text } => m.content.push_str(&text),
        ChatEvent::Tool { call } => match m.tool_calls.iter_mut().find(|c| c.id == call.id) {
            Some(c) => *c = *call,
            None => m.tool_calls.push(*call),
        },
        ChatEvent::Usage {
            prompt_tokens,
            completion_tokens,
        } => {
            m.prompt_tokens = prompt_tokens;
            m.completion_tokens = completion_tokens;
        }
        ChatEvent::Done { status, error } => {
            m.status = status;
            m.error = error;
        }
    }
}

fn placeholder(id: i64, conversation_id: i64, role: &str, content: String) -> ChatMessage {
    ChatMessage {
        id,
        conversation_id,
        role: role.into(),
        content,
        status: if role == "assistant" {
            "streaming".into()
        } else {
            "complete".into()
        },
        error: None,
        tool_calls: vec![],
        prompt_tokens: 0,
        completion_tokens: 0,
        model: None,
        created_at: chrono::Utc::now(),
    }
}

/// Everything the page shows or has under way, as signals (so the whole is `Copy` and each
/// child component takes it whole).
#[derive(Clone, Copy)]
pub(super) struct Chat {
    pub slug: Signal<String>,
    /// Bumped to read the conversation list again.
    pub list_version: RwSignal<u32>,
    pub current: RwSignal<Option<i64>>,
    pub messages: RwSignal<Vec<ChatMessage>>,
    pub streaming: RwSignal<Option<i64>>,
    /// The answer comes on the question's own request (`POST /api/chat/ask`), not on its GET
    /// stream.
    pub posting: RwSignal<bool>,
    /// Whether Stop was pressed before the answer had its stored id.
    pub stop_wanted: RwSignal<bool>,
    /// Bumped whenever another conversation is opened: a question's request still streaming
    /// for the one left behind must no longer touch what is shown.
    pub shown: RwSignal<u64>,
    pub draft: RwSignal<String>,
    pub editing: RwSignal<Option<i64>>,
    pub error: RwSignal<Option<String>>,
    /// The conversation being renamed or asked about deleting, in place in the list (not the
    /// browser's blocking prompt()/confirm() dialogs, which cannot be styled or tested).
    pub renaming: RwSignal<Option<i64>>,
    pub deleting: RwSignal<Option<i64>>,
}

impl Chat {
    pub fn new(slug: Signal<String>) -> Self {
        Self {
            slug,
            list_version: RwSignal::new(0u32),
            current: RwSignal::new(None::<i64>),
            messages: RwSignal::new(Vec::<ChatMessage>::new()),
            streaming: RwSignal::new(None::<i64>),
            posting: RwSignal::new(false),
            stop_wanted: RwSignal::new(false),
            shown: RwSignal::new(0u64),
            draft: RwSignal::new(String::new()),
            editing: RwSignal::new(None::<i64>),
            error: RwSignal::new(None::<String>),
            renaming: RwSignal::new(None::<i64>),
            deleting: RwSignal::new(None::<i64>),
        }
    }

    fn refresh_list(self) {
        self.list_version.update(|v| *v += 1)
    }

    pub fn rename(self, id: i64, title: String) {
        self.renaming.set(None);
        let title = title.trim().to_owned();
        if title.is_empty() {
            return;
        }
        spawn_local(async move {
            match rename_conversation(self.slug.get_untracked(), id, title).await {
                Ok(_) => self.refresh_list(),
                Err(e) => self.error.set(Some(e.message)),
            }
        });
    }

    pub fn open(self, id: Option<i64>) {
        self.shown.update(|v| *v += 1);
        self.posting.set(false);
        self.current.set(id);
        self.editing.set(None);
        self.error.set(None);
        self.streaming.set(None);
        self.messages.set(vec![]);
        if let Some(id) = id {
            spawn_local(async move {
                match get_messages(self.slug.get_untracked(), id).await {
                    Ok(list) => {
                        let live = list.iter().find(|m| m.is_streaming()).map(|m| m.id);
                        self.messages.set(list);
                        self.streaming.set(live);
                    }
                    Err(e) => self.error.set(Some(e.message)),
                }
            });
        }
    }

    pub fn delete(self, id: i64) {
        self.deleting.set(None);
        spawn_local(async move {
            match delete_conversation(self.slug.get_untracked(), id).await {
                Ok(_) => {
                    if self.current.get_untracked() == Some(id) {
                        self.open(None);
                    }
                    self.refresh_list();
                }
                Err(e) => self.error.set(Some(e.message)),
            }
        });
    }

    pub fn stop(self, id: i64) {
        if id < 0 {
            self.stop_wanted.set(true);
            return;
        }
        spawn_local(async move {
            if let Ok(m) = stop_message(self.slug.get_untracked(), id).await {
                self.messages.update(|list| {
                    if let Some(x) = list.iter_mut().find(|x| x.id == m.id) {
                        *x = m;
                    }
                });
                self.streaming.set(None);
            }
        });
    }

    /// One event of the answer's stream (its JSON `data`), applied to what is shown.
    pub fn on_event(self, data: String) {
        let Ok(ev) = serde_json::from_str::<ChatEvent>(&data) else {
            return;
        };
        if let ChatEvent::Sent { sent } = &ev {
            self.messages.update(|list| {
                for m in list.iter_mut() {
                    match m.id {
                        PENDING_QUESTION => m.id = sent.user_message_id,
                        PENDING_ANSWER => m.id = sent.assistant_message_id,
                        _ => continue,
                    }
                    m.conversation_id = sent.conversation_id;
                }
            });
            self.current.set(Some(sent.conversation_id));
            self.streaming.set(Some(sent.assistant_message_id));
            self.refresh_list();
            if self.stop_wanted.get_untracked() {
                self.stop(sent.assistant_message_id);
            }
            return;
        }
        let Some(id) = self.streaming.get_untracked() else {
            return;
        };
        let done = matches!(ev, ChatEvent::Done { .. });
        self.messages.update(|list| {
            if let Some(m) = list.iter_mut().find(|m| m.id == id) {
                apply(m, ev);
            }
        });
        if done {
            self.streaming.set(None);
            self.refresh_list();
        }
    }

    /// Reads the answer being written again (when its stream is not available).
    pub fn poll(self) {
        let Some(id) = self.streaming.get_untracked() else {
            return;
        };
        spawn_local(async move {
            if let Ok(m) = get_message(self.slug.get_untracked(), id).await {
                let done = !m.is_streaming();
                self.messages.update(|list| {
                    if let Some(x) = list.iter_mut().find(|x| x.id == m.id) {
                        *x = m;
                    }
                });
                if done {
                    self.streaming.set(None);
                }
            }
        });
    }

    /// An answer has started: the question (new or edited) and an empty answer to fill.
    fn started(self, sent: SentMessage, question: String) {
        self.current.set(Some(sent.conversation_id));
        self.messages.update(|list| {
            list.retain(|m| m.id <= sent.user_message_id);
            match list.iter_mut().find(|m| m.id == sent.user_message_id) {
                Some(q) => q.content = question,
                None => list.push(placeholder(
                    sent.user_message_id,
                    sent.conversation_id,
                    "user",
                    question,
                )),
            }
            list.push(placeholder(
                sent.assistant_message_id,
                sent.conversation_id,
                "assistant",
                String::new(),
            ));
        });
        self.streaming.set(Some(sent.assistant_message_id));
        self.refresh_list();
    }

    /// A new question: shown at once, its answer read from the question's own request.
    fn ask(self, ws: String, text: String) {
        let Self {
            messages,
            streaming,
            posting,
            shown,
            ..
        } = self;
        let conversation = self.current.get_untracked();
        let asked_in = shown.get_untracked();
        messages.update(|list| {
            let c = conversation.unwrap_or(0);
            list.push(placeholder(PENDING_QUESTION, c, "user", text.clone()));
            list.push(placeholder(PENDING_ANSWER, c, "assistant", String::new()));
        });
        self.stop_wanted.set(false);
        posting.set(true);
        streaming.set(Some(PENDING_ANSWER));
        let forget_pending = move || {
            messages.update(|list| list.retain(|m| m.id >= 0));
            streaming.set(None);
        };
        #[cfg(feature = "hydrate")]
        spawn_local(async move {
            use crate::components::live::{post_event_stream, PostStreamEnd};
            let body = serde_json::to_string(&crate::types::AskQuestion {
                workspace: ws,
                conversation_id: conversation,
                content: text.clone(),
            })
            .unwrap_or_default();
            let ended = post_event_stream("/api/chat/ask", &body, |_name, data| {
                if shown.get_untracked() == asked_in {
                    self.on_event(data.to_owned())
                }
            })
            .await;
            if shown.get_untracked() != asked_in {
                return;
            }
            posting.set(false);
            match ended {
                Ok(PostStreamEnd::Ended) => {}
                // After `sent` the answer's own stream takes over (it is known by id now).
                Ok(PostStreamEnd::BrokeOff) => {
                    if streaming.get_untracked().is_some_and(|id| id < 0) {
                        forget_pending();
                        self.error.set(Some(
                            "the connection broke before the question was stored; ask again".into(),
                        ));
                        self.draft.set(text);
                    }
                }
                Err(e) => {
                    forget_pending();
                    self.error.set(Some(e.message));
                    self.draft.set(text);
                }
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (ws, forget_pending, asked_in);
    }

    pub fn send(self, text: String) {
        let text = text.trim().to_owned();
        if text.is_empty() || self.streaming.get_untracked().is_some() {
            return;
        }
        self.draft.set(String::new());
        self.error.set(None);
        let ws = self.slug.get_untracked();
        let edit = self.editing.get_untracked();
        self.editing.set(None);
        let Some(edit) = edit else {
            self.ask(ws, text);
            return;
        };
        spawn_local(async move {
            match edit_message(ws, edit, text.clone()).await {
                Ok(sent) => self.started(sent, text),
                Err(e) => {
                    self.error.set(Some(e.message));
                    self.draft.set(text);
                }
            }
        });
    }

    pub fn retry(self, id: i64) {
        let question = self
            .messages
            .get_untracked()
            .iter()
            .rfind(|m| m.role == "user" && m.id < id)
            .map(|m| m.content.clone())
            .unwrap_or_default();
        spawn_local(async move {
            match retry_message(self.slug.get_untracked(), id).await {
                Ok(sent) => self.started(sent, question),
                Err(e) => self.error.set(Some(e.message)),
            }
        });
    }

    /// The person's answer to a tool call waiting for confirmation.
    pub fn confirm_call(self, message_id: i64, call_id: String, yes: bool) {
        spawn_local(async move {
            match confirm_tool_call(self.slug.get_untracked(), message_id, call_id, yes).await {
                Ok(m) => self.messages.update(|list| {
                    if let Some(x) = list.iter_mut().find(|x| x.id == m.id) {
                        if !x.is_streaming() {
                            *x = m;
                        }
                    }
                }),
                Err(e) => self.error.set(Some(e.message)),
            }
        });
    }
}
