//! The durable job queue, on the application's own database (no extra infrastructure).
//!
//! A job is a row in `jobs`: a kind, a JSON payload, a status and a lease. Workers claim due
//! jobs atomically (`queue::claim`), hold them under a lease they renew with heartbeats, and
//! finish them as succeeded, failed (retried with exponential backoff and jitter until the
//! attempts run out) or cancelled. A worker that dies leaves a lease that expires; the job is
//! then claimed again and the claim counts as an attempt. What a job reports — steps, log
//! lines, progress — is appended to `job_events`, in order, for the live views.
//!
//! This module is infrastructure: it knows no kind of work. Each kind implements
//! [`JobKind`] in the module that owns its domain and is registered in
//! `backend::job_kinds`, the one place that lists them.

pub mod diagnostic;
pub mod kind;
pub mod queue;
pub mod worker;

pub use kind::JobKind;
pub use worker::{JobContext, JobError, Pool, PoolConfig, Registry};

use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde::{Deserialize, Serialize};

use crate::backend::entity::jobs;
use crate::backend::events::{Bus, Event, Topic};
use crate::backend::Result;

/// The workspace `job` was enqueued in — by code that held a checked scope for it, or the
/// workspaces code enumerating its own rows.
pub fn workspace_of(job: &jobs::Model) -> Option<crate::backend::WorkspaceId> {
    job.workspace_id.map(crate::backend::WorkspaceId::vouched)
}

/// How requests start work: enqueue, then announce, so an idle worker in any process picks
/// the job up at once rather than at its next poll.
#[derive(Clone)]
pub struct Jobs {
    db: DatabaseConnection,
    bus: Bus,
}

impl Jobs {
    pub fn new(db: DatabaseConnection, bus: Bus) -> Self {
        Self { db, bus }
    }

    pub async fn enqueue(&self, job: &NewJob) -> Result<jobs::Model> {
        let model = queue::enqueue(&self.db, job).await?;
        self.announce(&model).await;
        Ok(model)
    }

    /// Enqueues inside the caller's transaction; call `announce` once it has committed.
    pub async fn enqueue_in(db: &impl ConnectionTrait, job: &NewJob) -> Result<jobs::Model> {
        queue::enqueue(db, job).await
    }

    /// Tells workers and live views about a job that was enqueued or changed.
    pub async fn announce(&self, job: &jobs::Model) {
        // Workers first: their wake-up is the pickup latency; live views can wait a round trip.
        if job.status == JobStatus::Queued.as_str() {
            self.bus.publish(Event::new(None, Topic::JobQueued)).await;
        }
        self.bus
            .publish(Event::new(job.workspace_id, Topic::Job { job_id: job.id }))
            .await;
    }
}

/// Where a job is in its life. Stored as text; the migration's CHECK lists the same names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl JobStatus {
    pub const ALL: [JobStatus; 5] = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Succeeded,
        JobStatus::Failed,
        JobStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn is_finished(self) -> bool {
        matches!(
            self,
            JobStatus::Succeeded | JobStatus::Failed | JobStatus::Cancelled
        )
    }
}

/// A job to enqueue.
#[derive(Clone, Debug)]
pub struct NewJob {
    pub kind: String,
    pub payload: serde_json::Value,
    pub workspace_id: Option<i64>,
    /// Higher runs first among due jobs.
    pub priority: i32,
    /// Not before this time (None: now).
    pub run_at: Option<chrono::DateTime<chrono::Utc>>,
    pub max_attempts: i32,
}

impl NewJob {
    pub fn new(kind: impl Into<String>, payload: serde_json::Value) -> Self {
        Self {
            kind: kind.into(),
            payload,
            workspace_id: None,
            priority: 0,
            run_at: None,
            max_attempts: 5,
        }
    }

    pub fn in_workspace(mut self, workspace_id: crate::backend::WorkspaceId) -> Self {
        self.workspace_id = Some(workspace_id.get());
        self
    }
}

/// The wait before retry number `attempt` (1 after the first failure): exponential from
/// two seconds, capped at ten minutes, with "equal jitter" — half the delay fixed, half
/// random — so jobs that failed together do not all come back together. `unit` is a
/// random number in [0, 1).
pub fn backoff(attempt: u32, unit: f64) -> std::time::Duration {
    const BASE_MS: u64 = 2_000;
    const CAP_MS: u64 = 600_000;
    let exp = BASE_MS
        .saturating_mul(1u64 << attempt.saturating_sub(1).min(20))
        .min(CAP_MS);
    let half = exp / 2;
    let jitter = (half as f64 * unit.clamp(0.0, 1.0)) as u64;
    std::time::Duration::from_millis(half + jitter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn statuses_match_the_migration() {
        let names: Vec<&str> = JobStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, migrations::JOB_STATUSES);
        assert_eq!(JobStatus::parse("running"), Some(JobStatus::Running));
        assert_eq!(JobStatus::parse("done"), None);
    }

    #[test]
    fn backoff_grows_exponentially_with_bounded_jitter() {
        assert_eq!(backoff(1, 0.0), Duration::from_secs(1));
        assert_eq!(backoff(1, 0.999_999), Duration::from_millis(1_999));
        assert_eq!(backoff(2, 0.0), Duration::from_secs(2));
        assert_eq!(backoff(3, 0.5), Duration::from_secs(6));
        // Capped at ten minutes, however many attempts.
        assert_eq!(backoff(40, 0.0), Duration::from_secs(300));
        assert!(backoff(40, 0.99) < Duration::from_secs(600));
        for attempt in 1..12 {
            assert!(backoff(attempt + 1, 0.0) >= backoff(attempt, 0.0));
        }
    }
}
