//! Live progress over Server-Sent Events.
//!
//! `GET /api/jobs/{id}/events` — one job: first a `job` snapshot (the job as `get_job`
//! answers it), then every event the job reported (`step`, `log`, `progress`), each with its
//! event id as the SSE `id`, then a `job` snapshot whenever the job's status or progress
//! changes, and a final `end` once it has finished. A reconnecting client sends
//! `Last-Event-ID` and gets exactly the events after it: the stream reads them from
//! `job_events`, the database being the one source of truth; the event bus (LISTEN/NOTIFY
//! across processes on PostgreSQL) only says when to look, and a poll every few seconds
//! covers a lost notification.
//!
//! `GET /api/events?workspace=slug` — a workspace's changes for the jobs page and the
//! dashboard: `job` (a job snapshot), `data` (`{"entity": "deals"}`) and `derived`
//! (`{"entity": "report", "id": 7}`). It has no history: a reconnecting client refetches
//! what it shows.
//!
//! Both send a comment every 15 s so proxies keep idle streams open, and both are scoped like
//! every other read: a job of a workspace the caller is not in is a 404.

use std::{convert::Infallible, time::Duration};

use axum::{
    extract::{Path, Query, Request, State},
    http::HeaderMap,
    response::{
        sse::{Event as SseEvent, KeepAlive, Sse},
        IntoResponse, Response,
    },
};
use futures_util::Stream;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use app::backend::{
    auth::{resolve_scope, Principal, RequestMeta, Scope},
    entity::{jobs, workspaces},
    events::Topic,
    jobs::queue,
    repo, AppState, Error,
};
use app::types::ApiError;
use sea_orm::EntityTrait;

use crate::api_edge::json_error;

/// How often a stream re-reads the database without being told to.
const SAFETY_POLL: Duration = Duration::from_secs(3);
const HEARTBEAT: Duration = Duration::from_secs(15);

fn fail(e: Error) -> Response {
    json_error(&ApiError::from(e))
}

/// The signed-in caller (None: answer 401).
fn caller(req: &Request) -> Option<(Principal, RequestMeta)> {
    let principal = req.extensions().get::<Principal>().cloned()?;
    let meta = req
        .extensions()
        .get::<RequestMeta>()
        .cloned()
        .unwrap_or_default();
    Some((principal, meta))
}

/// The scope of the job's workspace, if the caller may see it.
async fn job_scope(
    state: &AppState,
    principal: &Principal,
    meta: &RequestMeta,
    job_id: i64,
) -> Result<Scope, Error> {
    let job = jobs::Entity::find_by_id(job_id)
        .one(&state.db)
        .await?
        .ok_or(Error::NotFound("job"))?;
    let workspace_id = job.workspace_id.ok_or(Error::NotFound("job"))?;
    let ws = workspaces::Entity::find_by_id(workspace_id)
        .one(&state.db)
        .await?
        .ok_or(Error::NotFound("job"))?;
    resolve_scope(state, principal, &ws.slug, meta)
        .await
        .map_err(|e| match e {
            Error::NotFound(_) => Error::NotFound("job"),
            other => other,
        })
}

fn last_event_id(headers: &HeaderMap) -> i64 {
    headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|n| *n >= 0)
        .unwrap_or(0)
}

fn json_event(name: &str, value: &impl serde::Serialize) -> Option<SseEvent> {
    SseEvent::default().event(name).json_data(value).ok()
}

/// `GET /api/jobs/{id}/events`
pub async fn job_events(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    req: Request,
) -> Response {
    let Some((principal, meta)) = caller(&req) else {
        return json_error(&ApiError::unauthorized());
    };
    let scope = match job_scope(&state, &principal, &meta, id).await {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let after = last_event_id(req.headers());
    Sse::new(job_stream(state, scope, id, after))
        .keep_alive(KeepAlive::new().interval(HEARTBEAT).text("heartbeat"))
        .into_response()
}

fn job_stream(
    state: AppState,
    scope: Scope,
    id: i64,
    mut after: i64,
) -> impl Stream<Item = Result<SseEvent, Infallible>> {
    async_stream(move |tx| async move {
        // Subscribed before the first read, so nothing between the read and the wait is missed.
        let mut bus = state.events().subscribe();
        let mut last_snapshot: Option<(String, i32, Option<String>, bool)> = None;
        loop {
            let detail = match repo::jobs::detail(&state.db, &scope, id, after).await {
                Ok(d) => d,
                Err(e) => {
                    tracing::warn!(error = %e, job = id, "job stream read");
                    return;
                }
            };
            let shape = (
                detail.job.status.clone(),
                detail.job.progress,
                detail.job.step.clone(),
                detail.job.cancel_requested,
            );
            if last_snapshot.as_ref() != Some(&shape) {
                if let Some(ev) = json_event("job", &detail.job) {
                    if tx.send(ev).await.is_err() {
                        return;
                    }
                }
                last_snapshot = Some(shape);
            }
            for event in &detail.events {
                let Some(ev) = json_event(&event.kind, event) else {
                    continue;
                };
                if tx.send(ev.id(event.id.to_string())).await.is_err() {
                    return;
                }
                after = event.id;
            }
            if detail.job.is_finished() {
                // Events written just before the final status are in this read already:
                // the status changes in the same statement that ends the lease, after them.
                let _ = tx.send(SseEvent::default().event("end").data("{}")).await;
                return;
            }
            let transient = tokio::select! {
                t = wait_for_job(&mut bus, id) => t,
                _ = tx.closed() => return,
            };
            if let Some((progress, message)) = transient {
                let ev = json_event(
                    "progress",
                    &serde_json::json!({
                        "kind": "progress", "message": message, "progress": progress, "transient": true,
                    }),
                );
                if let Some(ev) = ev {
                    if tx.send(ev).await.is_err() {
                        return;
                    }
                }
            }
        }
    })
}

/// Until the bus mentions job `id` (or anything, after a lag), or the safety poll. Answers
/// transient (unstored) progress, which the caller forwards as is.
async fn wait_for_job(
    bus: &mut tokio::sync::broadcast::Receiver<app::backend::events::Event>,
    id: i64,
) -> Option<(i32, String)> {
    let deadline = tokio::time::sleep(SAFETY_POLL);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = &mut deadline => return None,
            got = bus.recv() => match got {
                Ok(ev) => match ev.topic {
                    Topic::Job { job_id } if job_id == id => return None,
                    Topic::JobProgress { job_id, progress, message } if job_id == id => {
                        return Some((progress, message))
                    }
                    _ => {}
                },
                Err(RecvError::Lagged(_)) => return None,
                Err(RecvError::Closed) => { deadline.as_mut().await; return None; }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct WorkspaceParams {
    workspace: String,
}

/// `GET /api/events?workspace=slug`
pub async fn workspace_events(
    State(state): State<AppState>,
    Query(params): Query<WorkspaceParams>,
    req: Request,
) -> Response {
    let scope = match crate::files::scope_for(&state, req.extensions(), &params.workspace).await {
        Ok(s) => s,
        Err(refused) => return refused,
    };
    Sse::new(workspace_stream(state, scope))
        .keep_alive(KeepAlive::new().interval(HEARTBEAT).text("heartbeat"))
        .into_response()
}

fn workspace_stream(
    state: AppState,
    scope: Scope,
) -> impl Stream<Item = Result<SseEvent, Infallible>> {
    async_stream(move |tx| async move {
        let mut bus = state.events().subscribe();
        let ws = scope.workspace_id();
        if tx
            .send(SseEvent::default().event("hello").data(format!(
                "{{\"workspace\":{}}}",
                serde_json::Value::String(scope.workspace_slug().to_owned())
            )))
            .await
            .is_err()
        {
            return;
        }
        loop {
            let got = tokio::select! {
                got = bus.recv() => got,
                _ = tx.closed() => return,
            };
            let event = match got {
                Ok(e) => e,
                // Missed some: tell the page to refetch everything it shows.
                Err(RecvError::Lagged(_)) => {
                    if tx
                        .send(SseEvent::default().event("resync").data("{}"))
                        .await
                        .is_err()
                    {
                        return;
                    }
                    continue;
                }
                Err(RecvError::Closed) => return,
            };
            if event.workspace_id != Some(ws) {
                continue;
            }
            let sse = match &event.topic {
                Topic::Job { job_id } => match queue::get(&state.db, *job_id).await {
                    Ok(job) if job.workspace_id == Some(ws) => {
                        json_event("job", &repo::jobs::to_job(job))
                    }
                    _ => None,
                },
                Topic::Data { .. } => json_event("data", &event.topic),
                Topic::Derived { .. } => json_event("derived", &event.topic),
                Topic::JobQueued | Topic::JobProgress { .. } | Topic::AccessChanged => None,
            };
            if let Some(sse) = sse {
                if tx.send(sse).await.is_err() {
                    return;
                }
            }
        }
    })
}

/// A stream fed by a task: the task ends when the client goes away (its sends fail).
fn async_stream<F, Fut>(body: F) -> impl Stream<Item = Result<SseEvent, Infallible>>
where
    F: FnOnce(tokio::sync::mpsc::Sender<SseEvent>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel::<SseEvent>(64);
    tokio::spawn(body(tx));
    futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|ev| (Ok(ev), rx))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_event_id_is_a_non_negative_number_or_zero() {
        let mut h = HeaderMap::new();
        assert_eq!(last_event_id(&h), 0);
        h.insert("last-event-id", "42".parse().unwrap());
        assert_eq!(last_event_id(&h), 42);
        h.insert("last-event-id", "-3".parse().unwrap());
        assert_eq!(last_event_id(&h), 0);
        h.insert("last-event-id", "abc".parse().unwrap());
        assert_eq!(last_event_id(&h), 0);
    }
}
