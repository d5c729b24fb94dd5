//! `GET /api/chat/messages/{id}/stream?workspace=slug` — an answer of the AI analyst as
//! Server-Sent Events: first `snapshot` (the message as it is now), then `delta` (more
//! text), `tool` (a tool call started or finished), `usage`, and a final `done` with the
//! status (`complete`, `stopped`, `error`), then `end`. The `data` of each is a `ChatEvent`
//! as JSON (`end`: `{}`).
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

use app::backend::{auth::Scope, repo, AppState};
use app::types::{ApiError, ChatEvent, ChatMessage};

use crate::api_edge::json_error;

const POLL: Duration = Duration::from_millis(300);
const HEARTBEAT: Duration = Duration::from_secs(15);

#[derive(Debug, Deserialize)]
pub struct StreamParams {
    workspace: String,
}

fn event(ev: &ChatEvent) -> Option<SseEvent> {
    let name = match ev {
        ChatEvent::Snapshot { .. } => "snapshot",
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
    if let Err(e) = repo::chat::find_message(&state.db, &scope, id).await {
        return json_error(&ApiError::from(e));
    }
    Sse::new(stream(state, scope, id))
        .keep_alive(KeepAlive::new().interval(HEARTBEAT).text("heartbeat"))
        .into_response()
}

fn stream(
    state: AppState,
    scope: Scope,
    id: i64,
) -> impl Stream<Item = Result<SseEvent, Infallible>> {
    let (tx, rx) = tokio::sync::mpsc::channel::<SseEvent>(256);
    tokio::spawn(async move {
        let send = |ev: ChatEvent| {
            let tx = tx.clone();
            async move {
                match event(&ev) {
                    Some(sse) => tx.send(sse).await.is_ok(),
                    None => true,
                }
            }
        };
        // Live here: the snapshot and every later event, from memory.
        if let Some((snapshot, mut events)) = state.chat_runs().subscribe(id) {
            if !send(ChatEvent::Snapshot { message: snapshot }).await {
                return;
            }
            // What a merge of deltas read past, to be handled next.
            let mut carried = None;
            loop {
                let got = match carried.take() {
                    Some(got) => got,
                    None => tokio::select! {
                        got = events.recv() => got,
                        _ = tx.closed() => return,
                    },
                };
                match got {
                    Ok(ChatEvent::Delta { text }) => {
                        let (text, next) = with_waiting_deltas(&mut events, text);
                        carried = next;
                        if !send(ChatEvent::Delta { text }).await {
                            return;
                        }
                    }
                    Ok(ev) => {
                        let last = matches!(ev, ChatEvent::Done { .. });
                        if !send(ev).await {
                            return;
                        }
                        if last {
                            let _ = tx.send(end()).await;
                            return;
                        }
                    }
                    // Fell behind: start over from a fresh snapshot.
                    Err(RecvError::Lagged(_)) => match state.chat_runs().subscribe(id) {
                        Some((snapshot, again)) => {
                            events = again;
                            if !send(ChatEvent::Snapshot { message: snapshot }).await {
                                return;
                            }
                        }
                        None => break,
                    },
                    // The task ended between two reads: the stored message is final.
                    Err(RecvError::Closed) => break,
                }
            }
        }
        // Finished, or written by another process: follow the stored message.
        let mut shown: Option<ChatMessage> = None;
        loop {
            let m = match repo::chat::find_message(&state.db, &scope, id).await {
                Ok(m) => repo::chat::to_message(m),
                Err(e) => {
                    tracing::warn!(error = %e, message = id, "chat stream read");
                    return;
                }
            };
            let ok = match &shown {
                Some(prev)
                    if m.content.starts_with(&prev.content) && m.tool_calls == prev.tool_calls =>
                {
                    let more = &m.content[prev.content.len()..];
                    more.is_empty()
                        || send(ChatEvent::Delta {
                            text: more.to_owned(),
                        })
                        .await
                }
                _ => send(ChatEvent::Snapshot { message: m.clone() }).await,
            };
            if !ok {
                return;
            }
            if !m.is_streaming() {
                if send(done_of(&m)).await {
                    let _ = tx.send(end()).await;
                }
                return;
            }
            shown = Some(m);
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = tx.closed() => return,
            }
        }
    });
    futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|ev| (Ok(ev), rx))
    })
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
