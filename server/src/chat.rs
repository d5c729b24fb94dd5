//! `GET /api/chat/messages/{id}/stream?workspace=slug` — an answer of the AI analyst as
//! Server-Sent Events: first `snapshot` (the message as it is now), then `delta` (more
//! text), `tool` (a tool call started or finished), `usage`, and a final `done` with the
//! status (`complete`, `stopped`, `error`), then `end`. The `data` of each is a `ChatEvent`
//! as JSON (`end`: `{}`).
//!
//! `POST /api/chat/ask` (`AskQuestion` as JSON) asks a question and answers with the same
//! stream from the answer's start (no `snapshot`, unless the reader fell more than 256 events
//! behind — its connection stopped taking data — and started over: then `snapshot` holds the
//! answer so far, after a `sent` it missed): its `sent` event carries the ids once the
//! question is stored, which may be after the first deltas — the model is asked while the
//! question is written. One request instead of `send_message` and then the stream: the first
//! token no longer waits for the question's commit and a second round trip.
//!
//! An answer being written in this process streams from memory, event by event. One written
//! elsewhere (another process on the same PostgreSQL) is followed by reading the stored
//! message, which the writer saves several times a second. A finished answer is a snapshot
//! and `done`.

use std::{convert::Infallible, time::Duration};

use axum::{
    extract::{Path, Query, Request, State},
    response::{
        sse::{Event as SseEvent, KeepAlive, Sse},
        IntoResponse, Response,
    },
};
use futures_util::Stream;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use app::backend::{ai, auth::Scope, repo, AppState};
use app::types::{ApiError, AskQuestion, ChatEvent, ChatMessage, ErrorCode};

use crate::api_edge::json_error;

const POLL: Duration = Duration::from_millis(300);
const HEARTBEAT: Duration = Duration::from_secs(15);
/// A question is at most a few thousand characters (`repo::chat::parse_question`).
const ASK_MAX_BYTES: usize = 64 * 1024;

#[derive(Debug, Deserialize)]
pub struct StreamParams {
    workspace: String,
}

fn event(ev: &ChatEvent) -> Option<SseEvent> {
    let name = match ev {
        ChatEvent::Snapshot { .. } => "snapshot",
        ChatEvent::Sent { .. } => "sent",
        ChatEvent::Delta { .. } => "delta",
        ChatEvent::Tool { .. } => "tool",
        ChatEvent::Usage { .. } => "usage",
        ChatEvent::Done { .. } => "done",
    };
    SseEvent::default().event(name).json_data(ev).ok()
}

/// After `done`: browsers' EventSource closes on it instead of reconnecting.
fn end() -> SseEvent {
    SseEvent::default().event("end").data("{}")
}

/// `text` and the deltas already waiting behind it, as one text; then the first other thing
/// waiting (an event, or the news that this reader lagged or the answer ended), if any.
///
/// Tokens that arrive faster than this reader runs go out as one frame — one JSON encoding
/// and one write instead of one per token — so a busy server catches up instead of falling
/// further behind. Nothing waits to be merged: only what is already queued is taken.
fn with_waiting_deltas(
    events: &mut tokio::sync::broadcast::Receiver<ChatEvent>,
    mut text: String,
) -> (String, Option<Result<ChatEvent, RecvError>>) {
    use tokio::sync::broadcast::error::TryRecvError;
    loop {
        match events.try_recv() {
            Ok(ChatEvent::Delta { text: more }) => text.push_str(&more),
            Ok(other) => return (text, Some(Ok(other))),
            Err(TryRecvError::Empty) => return (text, None),
            Err(TryRecvError::Lagged(n)) => return (text, Some(Err(RecvError::Lagged(n)))),
            Err(TryRecvError::Closed) => return (text, Some(Err(RecvError::Closed))),
        }
    }
}

fn done_of(m: &ChatMessage) -> ChatEvent {
    ChatEvent::Done {
        status: m.status.clone(),
        error: m.error.clone(),
    }
}

/// `GET /api/chat/messages/{id}/stream`
pub async fn message_stream(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(params): Query<StreamParams>,
    req: Request,
) -> Response {
    let scope = match crate::files::scope_for(&state, req.extensions(), &params.workspace).await {
        Ok(s) => s,
        Err(refused) => return refused,
    };
    if !state.chat_runs().belongs_to(id, &scope) {
        if let Err(e) = repo::chat::find_message(&state.db, &scope, id).await {
            return json_error(&ApiError::from(e));
        }
    }
    Sse::new(stream(state, scope, id))
        .keep_alive(KeepAlive::new().interval(HEARTBEAT).text("heartbeat"))
        .into_response()
}

/// `POST /api/chat/ask`: refusals (a bad question, the rate, the budget, a running answer)
/// are JSON errors as from `send_message`; once accepted, the answer's events.
pub async fn ask(State(state): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(body, ASK_MAX_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return json_error(&ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("a question's request may be at most {ASK_MAX_BYTES} bytes"),
            ))
        }
    };
    let body: AskQuestion = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => {
            return json_error(&ApiError::new(
                ErrorCode::BadRequest,
                format!("the request is not a question: {e}"),
            ))
        }
    };
    let scope = match crate::files::scope_for(&state, &parts.extensions, &body.workspace).await {
        Ok(s) => s,
        Err(refused) => return refused,
    };
    let asking = match ai::chat::ask(&state, &scope, body.conversation_id, &body.content).await {
        Ok(a) => a,
        Err(e) => return json_error(&ApiError::from(e)),
    };
    let reader = Reader {
        state,
        scope,
        id: 0,
        following: Some(asking.following),
        phase: Phase::Live {
            events: asking.events,
            carried: None,
        },
        ready: Default::default(),
    };
    Sse::new(reader.into_stream())
        .keep_alive(KeepAlive::new().interval(HEARTBEAT).text("heartbeat"))
        .into_response()
}

/// Where a reader is in following one answer.
enum Phase {
    Start,
    /// The answer is being written in this process: events from memory, with whatever a
    /// merge of deltas read past, to be handled next.
    Live {
        events: tokio::sync::broadcast::Receiver<ChatEvent>,
        carried: Option<Result<ChatEvent, RecvError>>,
    },
    /// Finished, or written by another process: the stored message, read every `POLL`.
    Stored {
        shown: Option<ChatMessage>,
        wait: bool,
    },
    Finished,
}

/// One reader's stream. It runs in the connection's own task: each event goes from the
/// answer's broadcast to the socket with no task or channel in between (a hop per token was
/// a good part of what the app added to every token at 64 concurrent chats), and when the
/// browser goes away the stream is simply dropped.
struct Reader {
    state: AppState,
    scope: Scope,
    /// The answer's id: known from the start, or (`ask`) from its `sent` event.
    id: i64,
    /// `ask`'s hold on its answer: a reader that falls behind before `sent` has no id to
    /// find the answer by, and one that missed `sent` must still pass it on.
    following: Option<ai::chat::Following>,
    phase: Phase,
    ready: std::collections::VecDeque<SseEvent>,
}

impl Reader {
    fn push(&mut self, ev: ChatEvent) {
        if let Some(sse) = event(&ev) {
            self.ready.push_back(sse);
        }
    }

    /// Moves on by at least one step; false once there is nothing more to send.
    async fn advance(&mut self) -> bool {
        match std::mem::replace(&mut self.phase, Phase::Finished) {
            Phase::Start => {
                let subscribed = match &self.following {
                    Some(answer) => answer.subscribe(),
                    None => self.state.chat_runs().subscribe(self.id),
                };
                match subscribed {
                    Some(sub) => {
                        // Only `ask`'s reader starts without an id.
                        if let Some(sent) = sub.sent.filter(|_| self.id == 0) {
                            self.id = sent.assistant_message_id;
                            self.push(ChatEvent::Sent { sent });
                        }
                        // Ended already: nothing more will come (`ask`'s hold keeps the
                        // channel open, so no `Closed` would say so).
                        let ended = !sub.snapshot.is_streaming();
                        let done = done_of(&sub.snapshot);
                        self.push(ChatEvent::Snapshot {
                            message: Box::new(sub.snapshot),
                        });
                        if ended {
                            self.push(done);
                            self.ready.push_back(end());
                        } else {
                            self.phase = Phase::Live {
                                events: sub.events,
                                carried: None,
                            };
                        }
                    }
                    None => {
                        self.phase = Phase::Stored {
                            shown: None,
                            wait: false,
                        }
                    }
                }
            }
            Phase::Live {
                mut events,
                carried,
            } => {
                let got = match carried {
                    Some(got) => got,
                    None => events.recv().await,
                };
                match got {
                    Ok(ChatEvent::Delta { text }) => {
                        let (text, carried) = with_waiting_deltas(&mut events, text);
                        self.push(ChatEvent::Delta { text });
                        self.phase = Phase::Live { events, carried };
                    }
                    Ok(ev) => {
                        if let ChatEvent::Sent { sent } = &ev {
                            self.id = sent.assistant_message_id;
                        }
                        let last = matches!(ev, ChatEvent::Done { .. });
                        self.push(ev);
                        if last {
                            self.ready.push_back(end());
                        } else {
                            self.phase = Phase::Live {
                                events,
                                carried: None,
                            };
                        }
                    }
                    // Fell behind: start over from a fresh snapshot.
                    Err(RecvError::Lagged(_)) => self.phase = Phase::Start,
                    // The task ended between two reads: the stored message is final.
                    Err(RecvError::Closed) => {
                        self.phase = Phase::Stored {
                            shown: None,
                            wait: false,
                        }
                    }
                }
            }
            Phase::Stored { shown, wait } => {
                if wait {
                    tokio::time::sleep(POLL).await;
                }
                let m = match repo::chat::find_message(&self.state.db, &self.scope, self.id).await {
                    Ok(m) => repo::chat::to_message(m),
                    Err(e) => {
                        tracing::warn!(error = %e, message = self.id, "chat stream read");
                        return false;
                    }
                };
                match &shown {
                    Some(prev)
                        if m.content.starts_with(&prev.content)
                            && m.tool_calls == prev.tool_calls =>
                    {
                        let more = &m.content[prev.content.len()..];
                        if !more.is_empty() {
                            self.push(ChatEvent::Delta {
                                text: more.to_owned(),
                            });
                        }
                    }
                    _ => self.push(ChatEvent::Snapshot {
                        message: Box::new(m.clone()),
                    }),
                }
                if m.is_streaming() {
                    self.phase = Phase::Stored {
                        shown: Some(m),
                        wait: true,
                    };
                } else {
                    self.push(done_of(&m));
                    self.ready.push_back(end());
                }
            }
            Phase::Finished => return false,
        }
        true
    }
}

fn stream(
    state: AppState,
    scope: Scope,
    id: i64,
) -> impl Stream<Item = Result<SseEvent, Infallible>> {
    Reader {
        state,
        scope,
        id,
        following: None,
        phase: Phase::Start,
        ready: Default::default(),
    }
    .into_stream()
}

impl Reader {
    fn into_stream(self) -> impl Stream<Item = Result<SseEvent, Infallible>> {
        futures_util::stream::unfold(self, |mut r| async move {
            loop {
                if let Some(ev) = r.ready.pop_front() {
                    return Some((Ok(ev), r));
                }
                if !r.advance().await {
                    return None;
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delta(t: &str) -> ChatEvent {
        ChatEvent::Delta { text: t.into() }
    }

    #[test]
    fn waiting_deltas_merge_up_to_the_next_other_event() {
        let (tx, mut rx) = tokio::sync::broadcast::channel(16);
        for ev in [
            delta("b"),
            delta("c"),
            ChatEvent::Usage {
                prompt_tokens: 1,
                completion_tokens: 2,
            },
            delta("d"),
        ] {
            tx.send(ev).unwrap();
        }
        let (text, next) = with_waiting_deltas(&mut rx, "a".into());
        assert_eq!(text, "abc");
        assert!(matches!(next, Some(Ok(ChatEvent::Usage { .. }))));
        // What follows the other event is left for the next read.
        let (text, next) = with_waiting_deltas(&mut rx, String::new());
        assert_eq!((text.as_str(), next.is_none()), ("d", true));
    }

    #[test]
    fn a_lagging_reader_is_told_so_after_the_merge() {
        let (tx, mut rx) = tokio::sync::broadcast::channel(2);
        for t in ["b", "c", "d", "e"] {
            tx.send(delta(t)).unwrap();
        }
        let (text, next) = with_waiting_deltas(&mut rx, "a".into());
        assert_eq!(text, "a");
        assert!(matches!(next, Some(Err(RecvError::Lagged(2)))));
        drop(tx);
        let (text, next) = with_waiting_deltas(&mut rx, String::new());
        assert_eq!(text, "de");
        assert!(matches!(next, Some(Err(RecvError::Closed))));
    }
}
