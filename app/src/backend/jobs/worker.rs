//! Workers: tokio tasks that claim jobs, run the handler registered for their kind, keep
//! the lease alive while it runs, and record how it ended.
//!
//! A handler reports through its `JobContext`: `step` starts a named step (an event, the
//! job's current step and progress) and is also where a requested cancel is noticed, so
//! work stops between steps, never in the middle of one.

use std::{
    collections::HashMap,
    future::Future,
    pin::Pin,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use sea_orm::DatabaseConnection;
use tokio::{sync::Notify, task::JoinHandle};

use super::queue;
use crate::backend::entity::jobs;
use crate::backend::events::{Bus, Event, Topic};

/// How a handler's run ended, when it did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The job was asked to stop and did, between two steps.
    #[error("cancelled")]
    Cancelled,
    /// This attempt failed; the queue retries it while attempts are left.
    #[error("{0}")]
    Failed(String),
    /// Retrying cannot help (bad payload, unknown kind): the job fails now.
    #[error("{0}")]
    Permanent(String),
    /// The process is shutting down: the job goes back to the queue (the attempt is not
    /// counted) and another worker runs it from the start.
    #[error("interrupted by shutdown")]
    Interrupted,
}

impl From<sea_orm::DbErr> for JobError {
    fn from(e: sea_orm::DbErr) -> Self {
        JobError::Failed(format!("database error: {e}"))
    }
}

/// What a running handler gets: its job, and the means to report and to notice a cancel.
pub struct JobContext {
    pub db: DatabaseConnection,
    pub job: jobs::Model,
    bus: Bus,
    cancel_requested: Arc<AtomicBool>,
    stopping: tokio::sync::watch::Receiver<bool>,
}

impl JobContext {
    /// The workspace the job was enqueued in (by code that held a checked scope for it).
    pub fn workspace(&self) -> Option<crate::backend::WorkspaceId> {
        super::workspace_of(&self.job)
    }

    pub fn payload<T: serde::de::DeserializeOwned>(&self) -> Result<T, JobError> {
        serde_json::from_str(&self.job.payload)
            .map_err(|e| JobError::Permanent(format!("the job's input is not valid: {e}")))
    }

    /// Starts step `name` at `progress` percent — unless a cancel was requested, which
    /// ends the run here, or the process is shutting down, which hands the job back.
    pub async fn step(&self, name: &str, progress: i32) -> Result<(), JobError> {
        if *self.stopping.borrow() {
            return Err(JobError::Interrupted);
        }
        if self.cancel_requested.load(Ordering::Relaxed)
            || queue::get(&self.db, self.job.id).await?.cancel_requested
        {
            return Err(JobError::Cancelled);
        }
        queue::report(
            &self.db,
            self.job.id,
            "step",
            name,
            Some(progress),
            Some(name),
        )
        .await?;
        self.changed().await;
        Ok(())
    }

    pub async fn log(&self, message: &str) -> Result<(), JobError> {
        queue::report(&self.db, self.job.id, "log", message, None, None).await?;
        self.changed().await;
        Ok(())
    }

    /// Progress inside a step, without starting a new one (a progress event).
    pub async fn progress(&self, progress: i32, message: &str) -> Result<(), JobError> {
        queue::report(
            &self.db,
            self.job.id,
            "progress",
            message,
            Some(progress),
            None,
        )
        .await?;
        self.changed().await;
        Ok(())
    }

    /// Progress for live views only, not stored: for work inside a long write transaction,
    /// which on SQLite holds the only write lock (a stored event would wait for it).
    pub async fn live_progress(&self, progress: i32, message: &str) {
        self.bus
            .publish(Event::new(
                self.job.workspace_id,
                Topic::JobProgress {
                    job_id: self.job.id,
                    progress: progress.clamp(0, 100),
                    message: message.to_owned(),
                },
            ))
            .await;
    }

    /// The bus, for handlers that announce what they produced (a report, an insight).
    pub fn bus(&self) -> &Bus {
        &self.bus
    }

    async fn changed(&self) {
        announce(&self.bus, &self.job).await;
    }
}

async fn announce(bus: &Bus, job: &jobs::Model) {
    bus.publish(job_event(job)).await;
}

fn job_event(job: &jobs::Model) -> Event {
    Event::new(job.workspace_id, Topic::Job { job_id: job.id })
}

type HandlerFuture = Pin<Box<dyn Future<Output = Result<serde_json::Value, JobError>> + Send>>;
type Handler = Arc<dyn Fn(Arc<JobContext>) -> HandlerFuture + Send + Sync>;

/// The handlers by job kind.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<String, Handler>,
    /// Called with a job that failed for good (no attempts left, or a permanent error).
    on_failed: Option<FailureHook>,
}

type FailureHook =
    Arc<dyn Fn(jobs::Model) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

impl Registry {
    /// Runs `hook` for every job that fails for good (e.g. to announce `job.failed`).
    pub fn on_failed<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(jobs::Model) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.on_failed = Some(Arc::new(move |job| Box::pin(hook(job))));
        self
    }

    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.handlers.keys().map(String::as_str)
    }

    /// Registers a kind of job: its payload is decoded before `run` (an undecodable one
    /// fails the job at once).
    pub fn kind<K: super::JobKind>(mut self, kind: K) -> Self {
        let kind = Arc::new(kind);
        self.handlers.insert(
            K::NAME.to_owned(),
            Arc::new(move |ctx: Arc<JobContext>| {
                let kind = kind.clone();
                Box::pin(async move {
                    let payload: K::Payload = ctx.payload()?;
                    kind.run(ctx, payload).await
                }) as HandlerFuture
            }),
        );
        self
    }

    /// Registers a handler by name, without a typed payload (tests and benchmarks).
    pub fn with<F, Fut>(mut self, kind: &str, handler: F) -> Self
    where
        F: Fn(Arc<JobContext>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<serde_json::Value, JobError>> + Send + 'static,
    {
        self.handlers.insert(
            kind.to_owned(),
            Arc::new(move |ctx| Box::pin(handler(ctx)) as HandlerFuture),
        );
        self
    }
}

#[derive(Clone, Debug)]
pub struct PoolConfig {
    pub workers: usize,
    /// Jobs claimed at once by one worker.
    pub batch: u64,
    pub lease: Duration,
    /// The longest a worker sleeps without looking (wake-ups normally come sooner).
    pub poll: Duration,
    /// Names this process's workers in leases.
    pub name: String,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            batch: 1,
            lease: Duration::from_secs(30),
            poll: Duration::from_secs(1),
            name: format!("pid{}", std::process::id()),
        }
    }
}

/// Running workers. `wake` after enqueueing so a worker starts at once; `shutdown` lets
/// each finish the job it is on.
pub struct Pool {
    wake: Arc<Notify>,
    stop: tokio::sync::watch::Sender<bool>,
    handles: Vec<JoinHandle<()>>,
    waker: JoinHandle<()>,
}

impl Pool {
    /// Starts `config.workers` workers. They wake when the bus announces a queued job (from
    /// this process, or from any process on PostgreSQL) and poll every `config.poll` as a
    /// safety net.
    pub fn start(db: DatabaseConnection, bus: Bus, registry: Registry, config: PoolConfig) -> Self {
        let wake = Arc::new(Notify::new());
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let handles = (0..config.workers.max(1))
            .map(|i| {
                let worker = Worker {
                    db: db.clone(),
                    bus: bus.clone(),
                    registry: registry.clone(),
                    name: format!("{}-w{i}", config.name),
                    config: config.clone(),
                    wake: wake.clone(),
                    stopped: stopped.clone(),
                };
                tokio::spawn(worker.run())
            })
            .collect();
        let waker = tokio::spawn({
            let (wake, mut events) = (wake.clone(), bus.subscribe());
            async move {
                loop {
                    match events.recv().await {
                        Ok(Event {
                            topic: Topic::JobQueued,
                            ..
                        })
                        | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                            wake.notify_waiters()
                        }
                        Ok(_) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                    }
                }
            }
        });
        Self {
            wake,
            stop,
            handles,
            waker,
        }
    }

    pub fn wake(&self) {
        self.wake.notify_waiters();
    }

    pub async fn shutdown(self) {
        self.waker.abort();
        let _ = self.stop.send(true);
        self.wake.notify_waiters();
        for h in self.handles {
            let _ = h.await;
        }
    }
}

struct Worker {
    db: DatabaseConnection,
    bus: Bus,
    registry: Registry,
    name: String,
    config: PoolConfig,
    wake: Arc<Notify>,
    stopped: tokio::sync::watch::Receiver<bool>,
}

impl Worker {
    async fn run(mut self) {
        // Jobs claimed by the statement that completed the previous one (see `finish`).
        let mut chained: Vec<jobs::Model> = Vec::new();
        loop {
            if *self.stopped.borrow() {
                self.release_all(chained).await;
                return;
            }
            // Registered before claiming, so a wake-up during the claim is not lost.
            let woken = self.wake.notified();
            let claimed = if chained.is_empty() {
                match queue::claim(&self.db, &self.name, self.config.batch, self.config.lease).await
                {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::warn!(error = %e, worker = %self.name, "claiming jobs");
                        Vec::new()
                    }
                }
            } else {
                std::mem::take(&mut chained)
            };
            if claimed.is_empty() {
                tokio::select! {
                    _ = woken => {}
                    _ = tokio::time::sleep(self.config.poll) => {}
                    _ = self.stopped.changed() => {}
                }
                continue;
            }
            let mut jobs = claimed.into_iter().peekable();
            while let Some(job) = jobs.next() {
                // The last job of a batch claims the next batch as it completes.
                let claim_next = jobs.peek().is_none() && !*self.stopped.borrow();
                chained = self.execute(job, claim_next).await;
                if *self.stopped.borrow() {
                    break;
                }
            }
            // Claimed but not started when asked to stop: back to the queue at once.
            self.release_all(jobs).await;
        }
    }

    async fn release_all(&self, jobs: impl IntoIterator<Item = jobs::Model>) {
        for job in jobs {
            let _ = queue::release(&self.db, job.id, &self.name).await;
        }
    }

    /// Runs one job and records how it ended. With `claim_next`, a success also claims the
    /// worker's next batch in the same statement; those jobs are returned.
    async fn execute(&self, job: jobs::Model, claim_next: bool) -> Vec<jobs::Model> {
        let id = job.id;
        let Some(handler) = self.registry.handlers.get(&job.kind).cloned() else {
            let why = format!("no handler for job kind `{}`", job.kind);
            return self
                .finish(id, job.workspace_id, Err(JobError::Permanent(why)), false)
                .await;
        };
        let cancel = Arc::new(AtomicBool::new(false));
        // Live views learn the job started; on PostgreSQL that is a NOTIFY round trip, which
        // need not delay the handler.
        tokio::spawn({
            let (bus, event) = (self.bus.clone(), job_event(&job));
            async move { bus.publish(event).await }
        });
        let workspace_id = job.workspace_id;
        let ctx = Arc::new(JobContext {
            db: self.db.clone(),
            job,
            bus: self.bus.clone(),
            cancel_requested: cancel.clone(),
            stopping: self.stopped.clone(),
        });
        let beat = tokio::spawn({
            let (db, name, lease) = (self.db.clone(), self.name.clone(), self.config.lease);
            async move {
                loop {
                    tokio::time::sleep(lease / 3).await;
                    match queue::heartbeat(&db, id, &name, lease).await {
                        Ok(requested) => {
                            if requested {
                                cancel.store(true, Ordering::Relaxed);
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, job = id, "heartbeat");
                            return;
                        }
                    }
                }
            }
        });
        let outcome = handler(ctx).await;
        beat.abort();
        self.finish(id, workspace_id, outcome, claim_next).await
    }

    async fn finish(
        &self,
        id: i64,
        workspace_id: Option<i64>,
        outcome: Result<serde_json::Value, JobError>,
        claim_next: bool,
    ) -> Vec<jobs::Model> {
        let db = &self.db;
        let name = self.name.as_str();
        let mut next = Vec::new();
        let recorded = match outcome {
            Ok(result) if claim_next => {
                let (batch, lease) = (self.config.batch, self.config.lease);
                queue::complete_and_claim(db, id, name, &result, batch, lease)
                    .await
                    .and_then(|chained| {
                        // Jobs claimed even when this one's lease was lost are ours to run.
                        next = chained.claimed;
                        if chained.completed {
                            Ok(false)
                        } else {
                            Err(queue::lease_lost())
                        }
                    })
            }
            Ok(result) => queue::complete(db, id, name, &result).await.map(|_| false),
            Err(JobError::Cancelled) => {
                queue::acknowledge_cancel(db, id, name).await.map(|_| false)
            }
            Err(JobError::Failed(why)) => queue::fail(db, id, name, &why)
                .await
                .map(|s| s == super::JobStatus::Failed),
            Err(JobError::Permanent(why)) => {
                queue::fail_now(db, id, name, &why).await.map(|_| true)
            }
            Err(JobError::Interrupted) => queue::release(db, id, name).await.map(|_| false),
        };
        match recorded {
            Ok(true) => {
                if let (Some(hook), Ok(job)) = (&self.registry.on_failed, queue::get(db, id).await)
                {
                    hook(job).await;
                }
            }
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(error = %e, job = id, worker = name, "recording a job's end")
            }
        }
        self.bus
            .publish(Event::new(workspace_id, Topic::Job { job_id: id }))
            .await;
        next
    }
}
