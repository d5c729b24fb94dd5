//! Live events: "something changed" signals that wake SSE streams, job workers and the
//! dashboard. In one process they travel over a tokio broadcast channel; with PostgreSQL
//! they are published with `pg_notify` and every process (this one included) receives them
//! through one `LISTEN` connection, so a job finished by a worker process reaches the
//! browser connected to a web process.
//!
//! An event carries ids, never the data: whoever receives one re-reads what it needs from
//! the database, which stays the one source of truth. That is what makes resuming a stream
//! (`Last-Event-ID`) exact, and a lost notification (a reconnecting listener) harmless: the
//! readers also poll as a safety net.

use std::sync::Arc;

use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

/// The PostgreSQL channel every process listens on.
pub const CHANNEL: &str = "hf_events";

/// What changed. Small on purpose: NOTIFY payloads are limited to 8,000 bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Topic {
    /// A job was enqueued: idle workers (in any process) look for work.
    JobQueued,
    /// A job's status, progress or log changed.
    Job { job_id: i64 },
    /// Progress that is not stored (a job inside a long SQLite write transaction cannot write
    /// its log until it commits): live views show it, nothing else keeps it.
    JobProgress {
        job_id: i64,
        progress: i32,
        message: String,
    },
    /// Workspace data changed (a deal moved, a company was created …): live views refresh.
    Data { entity: String },
    /// A report, insight or other derived record was created or changed.
    Derived { entity: String, id: i64 },
    /// Someone lost access (token revoked, role changed, member removed): every process
    /// forgets its cached access checks.
    AccessChanged,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The workspace the change belongs to (None: instance-wide, such as `JobQueued`).
    #[serde(rename = "w", default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<i64>,
    #[serde(flatten)]
    pub topic: Topic,
}

impl Event {
    pub fn new(workspace_id: Option<i64>, topic: Topic) -> Self {
        Self {
            workspace_id,
            topic,
        }
    }
}

/// The process's event bus. Cheap to clone.
#[derive(Clone)]
pub struct Bus {
    tx: broadcast::Sender<Event>,
    /// Set on PostgreSQL: publishing goes through `pg_notify` and comes back through the
    /// listener, so local subscribers see each event exactly once, in commit order.
    notify_db: Option<DatabaseConnection>,
    _listener: Option<Arc<ListenerTask>>,
}

struct ListenerTask(tokio::task::JoinHandle<()>);

impl Drop for ListenerTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Default for Bus {
    fn default() -> Self {
        Self::in_process()
    }
}

impl Bus {
    /// A bus for this process only (SQLite: one process owns the database file).
    pub fn in_process() -> Self {
        let (tx, _) = broadcast::channel(1024);
        Self {
            tx,
            notify_db: None,
            _listener: None,
        }
    }

    /// The bus for `db`: across processes on PostgreSQL, in-process otherwise.
    pub async fn for_database(db: &DatabaseConnection) -> Self {
        if db.get_database_backend() != DatabaseBackend::Postgres {
            return Self::in_process();
        }
        let bus = Self::in_process();
        let pool = db.get_postgres_connection_pool().clone();
        let tx = bus.tx.clone();
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(listen(pool, tx, ready_tx));
        // Wait until LISTEN is in place, so nothing published after this returns is missed.
        let listening = matches!(
            tokio::time::timeout(std::time::Duration::from_secs(10), ready_rx).await,
            Ok(Ok(true))
        );
        if !listening {
            tracing::warn!("could not LISTEN for events; falling back to this process only");
            task.abort();
            return bus;
        }
        Self {
            notify_db: Some(db.clone()),
            _listener: Some(Arc::new(ListenerTask(task))),
            ..bus
        }
    }

    /// Stops listening (before the database pool closes: the listener holds one of its
    /// connections, and closing a pool waits for every connection to come back).
    pub fn stop(&self) {
        if let Some(l) = &self._listener {
            l.0.abort();
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }

    /// Announces `event`. Never fails the caller: a lost event only delays a live view
    /// until its next poll.
    pub async fn publish(&self, event: Event) {
        match &self.notify_db {
            Some(db) => {
                let Ok(payload) = serde_json::to_string(&event) else {
                    return;
                };
                let sent = db
                    .execute_raw(Statement::from_sql_and_values(
                        DatabaseBackend::Postgres,
                        "SELECT pg_notify($1, $2)",
                        [CHANNEL.into(), payload.into()],
                    ))
                    .await;
                if let Err(e) = sent {
                    tracing::warn!(error = %e, "pg_notify; delivering in this process only");
                    let _ = self.tx.send(event);
                }
            }
            None => {
                let _ = self.tx.send(event);
            }
        }
    }
}

async fn listen(
    pool: sea_orm::sqlx::PgPool,
    tx: broadcast::Sender<Event>,
    ready: tokio::sync::oneshot::Sender<bool>,
) {
    use sea_orm::sqlx::postgres::PgListener;
    let mut listener = match PgListener::connect_with(&pool).await {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(error = %e, "connecting the event listener");
            let _ = ready.send(false);
            return;
        }
    };
    if let Err(e) = listener.listen(CHANNEL).await {
        tracing::warn!(error = %e, "LISTEN {CHANNEL}");
        let _ = ready.send(false);
        return;
    }
    let _ = ready.send(true);
    loop {
        match listener.recv().await {
            Ok(n) => match serde_json::from_str::<Event>(n.payload()) {
                Ok(event) => {
                    let _ = tx.send(event);
                }
                Err(e) => tracing::warn!(error = %e, payload = n.payload(), "unreadable event"),
            },
            Err(_) if pool.is_closed() => return,
            // The listener reconnects on the next recv; what was sent meanwhile is lost,
            // which the readers' polling covers.
            Err(e) => {
                tracing::warn!(error = %e, "event listener; reconnecting");
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_compact_json() {
        let e = Event::new(Some(3), Topic::Job { job_id: 9 });
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"w":3,"type":"job","job_id":9}"#
        );
        let back: Event = serde_json::from_str(r#"{"type":"job_queued"}"#).unwrap();
        assert_eq!(back, Event::new(None, Topic::JobQueued));
    }

    #[tokio::test]
    async fn in_process_subscribers_receive_what_is_published() {
        let bus = Bus::in_process();
        let mut rx = bus.subscribe();
        bus.publish(Event::new(
            Some(1),
            Topic::Data {
                entity: "deals".into(),
            },
        ))
        .await;
        assert_eq!(
            rx.recv().await.unwrap().topic,
            Topic::Data {
                entity: "deals".into()
            }
        );
    }
}
