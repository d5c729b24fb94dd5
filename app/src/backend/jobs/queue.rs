//! The queue's database operations. Every state change is one statement guarded by the
//! state it expects (and, for a running job, by the lease owner), so two workers or two
//! processes can never both act on one job: the loser's statement changes no row.

use std::{
    sync::atomic::{AtomicI64, Ordering},
    time::Duration,
};

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect, Statement, UpdateMany,
};

use super::{backoff, JobStatus, NewJob};
use crate::backend::entity::{job_events, jobs};
use crate::backend::{Error, Result};

fn lease_until(now: DateTime<Utc>, lease: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(lease).unwrap_or_else(|_| chrono::Duration::seconds(30))
}

fn active(job: &NewJob, now: DateTime<Utc>) -> jobs::ActiveModel {
    jobs::ActiveModel {
        workspace_id: Set(job.workspace_id),
        kind: Set(job.kind.clone()),
        payload: Set(job.payload.to_string()),
        status: Set(JobStatus::Queued.as_str().to_owned()),
        priority: Set(job.priority),
        run_at: Set(job.run_at.unwrap_or(now)),
        attempts: Set(0),
        max_attempts: Set(Ord::max(job.max_attempts, 1)),
        progress: Set(0),
        cancel_requested: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// Adds one job; it is due at `run_at` (now by default).
pub async fn enqueue(db: &impl ConnectionTrait, job: &NewJob) -> Result<jobs::Model> {
    Ok(active(job, Utc::now()).insert(db).await?)
}

/// Adds many jobs in one statement per thousand (the batched path for bulk work).
pub async fn enqueue_many(db: &impl ConnectionTrait, batch: &[NewJob]) -> Result<u64> {
    let now = Utc::now();
    for chunk in batch.chunks(1_000) {
        jobs::Entity::insert_many(chunk.iter().map(|j| active(j, now)))
            .exec_without_returning(db)
            .await?;
    }
    Ok(batch.len() as u64)
}

/// Claims up to `limit` due jobs for `worker` under a lease of `lease`, best priority first,
/// then oldest. Each claim counts as an attempt. One statement: on PostgreSQL the candidates
/// are locked with `FOR UPDATE SKIP LOCKED`, so concurrent claimers take different jobs; on
/// SQLite the statement holds the database's single write lock from its first read.
///
/// Jobs whose worker died (lease expired) are put back in the queue by `sweep_expired`, run
/// here at most once a second while claims find work, and whenever a claim comes up short —
/// so an idle queue reclaims them at once and a busy one within a second, without a second
/// statement on every claim.
pub async fn claim(
    db: &impl ConnectionTrait,
    worker: &str,
    limit: u64,
    lease: Duration,
) -> Result<Vec<jobs::Model>> {
    let now = Utc::now();
    let mut swept = false;
    if sweep_due(now) {
        sweep_expired(db, now).await?;
        swept = true;
    }
    let mut claimed = claim_queued(db, worker, limit, lease, now).await?;
    if (claimed.len() as u64) < limit && !swept && sweep_expired(db, now).await? > 0 {
        let more = limit - claimed.len() as u64;
        claimed.extend(claim_queued(db, worker, more, lease, now).await?);
    }
    claimed.sort_by_key(|j| (std::cmp::Reverse(j.priority), j.run_at, j.id));
    Ok(claimed)
}

/// The claim statement of `claim` (public so a test can check its plan).
pub fn claim_sql(backend: DatabaseBackend) -> &'static str {
    // `status = 'queued'` written out so the planner can use the partial index
    // `ix_jobs_queued_order`, which is already in this ORDER BY's order. SQLite is told to:
    // without statistics it preferred `ix_jobs_claim (status, run_at)` — an equality and a
    // range — then read every due job and sorted them to take one (EXPLAIN QUERY PLAN: "USE
    // TEMP B-TREE FOR ORDER BY"), so a claim cost grew with the backlog.
    match backend {
        DatabaseBackend::Postgres => {
            "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = $1, \
             lease_expires_at = $2, started_at = COALESCE(started_at, $3), updated_at = $3 \
             WHERE id IN (SELECT id FROM jobs WHERE status = 'queued' AND run_at <= $3 \
             ORDER BY priority DESC, run_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING *"
        }
        _ => {
            "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = ?1, \
             lease_expires_at = ?2, started_at = COALESCE(started_at, ?3), updated_at = ?3 \
             WHERE id IN (SELECT id FROM jobs INDEXED BY ix_jobs_queued_order \
             WHERE status = 'queued' AND run_at <= ?3 \
             ORDER BY priority DESC, run_at, id LIMIT ?4) RETURNING *"
        }
    }
}

async fn claim_queued(
    db: &impl ConnectionTrait,
    worker: &str,
    limit: u64,
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<jobs::Model>> {
    let backend = db.get_database_backend();
    let sql = claim_sql(backend);
    let values: Vec<sea_orm::Value> = vec![
        worker.into(),
        lease_until(now, lease).into(),
        now.into(),
        (limit as i64).into(),
    ];
    Ok(
        jobs::Model::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
            .all(db)
            .await?,
    )
}

/// When this process last swept for expired leases (milliseconds since the epoch).
static LAST_SWEEP_MS: AtomicI64 = AtomicI64::new(0);

/// Whether a second has passed since this process's last sweep; claims the next one if so.
fn sweep_due(now: DateTime<Utc>) -> bool {
    let now_ms = now.timestamp_millis();
    let last = LAST_SWEEP_MS.load(Ordering::Relaxed);
    now_ms - last >= 1_000
        && LAST_SWEEP_MS
            .compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
}

/// Running jobs whose lease expired (their worker died or stalled): those with attempts left
/// go back in the queue at their old place, ahead of newer work (the next claim counts the
/// attempt); the others fail, keeping why. Answers how many went back in the queue.
pub async fn sweep_expired(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64> {
    LAST_SWEEP_MS.fetch_max(now.timestamp_millis(), Ordering::Relaxed);
    let expired = || {
        sea_orm::Condition::all()
            .add(jobs::Column::Status.eq(JobStatus::Running.as_str()))
            .add(jobs::Column::LeaseExpiresAt.lt(now))
    };
    jobs::Entity::update_many()
        .col_expr(
            jobs::Column::Status,
            Expr::value(JobStatus::Failed.as_str()),
        )
        .col_expr(
            jobs::Column::LastError,
            Expr::value("the worker stopped answering (lease expired) and no attempts are left"),
        )
        .col_expr(jobs::Column::LeaseOwner, Expr::value(None::<String>))
        .col_expr(jobs::Column::FinishedAt, Expr::value(now))
        .col_expr(jobs::Column::UpdatedAt, Expr::value(now))
        .filter(expired())
        .filter(Expr::col(jobs::Column::Attempts).gte(Expr::col(jobs::Column::MaxAttempts)))
        .exec(db)
        .await?;
    let requeued = jobs::Entity::update_many()
        .col_expr(
            jobs::Column::Status,
            Expr::value(JobStatus::Queued.as_str()),
        )
        .col_expr(jobs::Column::LeaseOwner, Expr::value(None::<String>))
        .col_expr(
            jobs::Column::LeaseExpiresAt,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(jobs::Column::UpdatedAt, Expr::value(now))
        .filter(expired())
        .filter(Expr::col(jobs::Column::Attempts).lt(Expr::col(jobs::Column::MaxAttempts)))
        .exec(db)
        .await?;
    Ok(requeued.rows_affected)
}

/// The lease is no longer this worker's: the job was reclaimed or finished elsewhere.
pub(super) fn lease_lost() -> Error {
    Error::Conflict("this worker no longer holds the job's lease".into())
}

/// Extends `worker`'s lease on a running job. Answers whether a cancel was requested, so
/// the job can stop between steps.
pub async fn heartbeat(
    db: &impl ConnectionTrait,
    job_id: i64,
    worker: &str,
    lease: Duration,
) -> Result<bool> {
    let now = Utc::now();
    let res = jobs::Entity::update_many()
        .col_expr(
            jobs::Column::LeaseExpiresAt,
            Expr::value(lease_until(now, lease)),
        )
        .col_expr(jobs::Column::UpdatedAt, Expr::value(now))
        .filter(owned(job_id, worker))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(lease_lost());
    }
    let job = jobs::Entity::find_by_id(job_id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("job"))?;
    Ok(job.cancel_requested)
}

fn owned(job_id: i64, worker: &str) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(jobs::Column::Id.eq(job_id))
        .add(jobs::Column::Status.eq(JobStatus::Running.as_str()))
        .add(jobs::Column::LeaseOwner.eq(worker))
}

/// Appends an event (a step, a log line, progress) and, with `progress` or `step`, updates
/// the job's own fields the lists show.
pub async fn report(
    db: &impl ConnectionTrait,
    job_id: i64,
    kind: &str,
    message: &str,
    progress: Option<i32>,
    step: Option<&str>,
) -> Result<job_events::Model> {
    let now = Utc::now();
    if progress.is_some() || step.is_some() {
        let mut update = jobs::Entity::update_many()
            .col_expr(jobs::Column::UpdatedAt, Expr::value(now))
            .filter(jobs::Column::Id.eq(job_id));
        if let Some(p) = progress {
            update = update.col_expr(jobs::Column::Progress, Expr::value(p.clamp(0, 100)));
        }
        if let Some(s) = step {
            update = update.col_expr(jobs::Column::Step, Expr::value(s));
        }
        update.exec(db).await?;
    }
    Ok(job_events::ActiveModel {
        job_id: Set(job_id),
        kind: Set(kind.to_owned()),
        message: Set(message.to_owned()),
        progress: Set(progress.map(|p| p.clamp(0, 100))),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Marks `worker`'s running job succeeded with its result.
pub async fn complete(
    db: &impl ConnectionTrait,
    job_id: i64,
    worker: &str,
    result: &serde_json::Value,
) -> Result<()> {
    let update = jobs::Entity::update_many()
        .col_expr(
            jobs::Column::Status,
            Expr::value(JobStatus::Succeeded.as_str()),
        )
        .col_expr(jobs::Column::Result, Expr::value(result.to_string()))
        .col_expr(jobs::Column::Progress, Expr::value(100))
        .col_expr(jobs::Column::FinishedAt, Expr::value(Utc::now()));
    end_lease(db, job_id, worker, update).await
}

/// What `complete_and_claim` did: whether the finished job was still this worker's (it is
/// not when its lease ran out and another worker took it), and the jobs claimed next.
#[derive(Debug)]
pub struct Chained {
    pub completed: bool,
    pub claimed: Vec<jobs::Model>,
}

/// Marks `worker`'s running job succeeded and claims up to `limit` more, in one statement: a
/// worker that runs jobs one at a time would otherwise pay two round trips (two write
/// transactions, on SQLite two turns at the single write lock) per job. One UPDATE touches
/// both the finished row and the claimed ones and tells them apart by id; the claim is the
/// same sub-select `claim` uses (priority, then age; `SKIP LOCKED` on PostgreSQL).
///
/// On PostgreSQL the ids are gathered into an array first: written as `id = $1 OR id IN (…)`
/// the planner scanned the whole table (measured: slower than two statements); as
/// `id = ANY(ARRAY(…) || $1)` it is one primary-key index scan.
///
/// Expired leases are swept first when `claim` would have swept, so chaining does not starve
/// the reclaiming of dead workers' jobs.
pub async fn complete_and_claim(
    db: &impl ConnectionTrait,
    job_id: i64,
    worker: &str,
    result: &serde_json::Value,
    limit: u64,
    lease: Duration,
) -> Result<Chained> {
    let now = Utc::now();
    if sweep_due(now) {
        sweep_expired(db, now).await?;
    }
    let backend = db.get_database_backend();
    let sql = complete_and_claim_sql(backend);
    let values: Vec<sea_orm::Value> = vec![
        job_id.into(),
        worker.into(),
        result.to_string().into(),
        now.into(),
        lease_until(now, lease).into(),
        (limit as i64).into(),
    ];
    let rows = jobs::Model::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
        .all(db)
        .await?;
    let (done, mut claimed): (Vec<_>, Vec<_>) = rows.into_iter().partition(|j| j.id == job_id);
    claimed.sort_by_key(|j| (std::cmp::Reverse(j.priority), j.run_at, j.id));
    Ok(Chained {
        completed: !done.is_empty(),
        claimed,
    })
}

/// The statement of `complete_and_claim` (public so a test can check its plan).
pub fn complete_and_claim_sql(backend: DatabaseBackend) -> &'static str {
    match backend {
        DatabaseBackend::Postgres => {
            "UPDATE jobs SET \
               status = CASE WHEN id = $1 THEN 'succeeded' ELSE 'running' END, \
               result = CASE WHEN id = $1 THEN $3 ELSE result END, \
               progress = CASE WHEN id = $1 THEN 100 ELSE progress END, \
               finished_at = CASE WHEN id = $1 THEN $4 ELSE finished_at END, \
               attempts = CASE WHEN id = $1 THEN attempts ELSE attempts + 1 END, \
               lease_owner = CASE WHEN id = $1 THEN NULL ELSE $2 END, \
               lease_expires_at = CASE WHEN id = $1 THEN NULL ELSE $5 END, \
               started_at = CASE WHEN id = $1 THEN started_at ELSE COALESCE(started_at, $4) END, \
               updated_at = $4 \
             WHERE id = ANY(ARRAY(SELECT id FROM jobs WHERE status = 'queued' AND run_at <= $4 \
                                  ORDER BY priority DESC, run_at, id LIMIT $6 \
                                  FOR UPDATE SKIP LOCKED) || $1::bigint) \
               AND (id <> $1 OR (status = 'running' AND lease_owner = $2)) \
             RETURNING *"
        }
        _ => {
            "UPDATE jobs SET \
               status = CASE WHEN id = ?1 THEN 'succeeded' ELSE 'running' END, \
               result = CASE WHEN id = ?1 THEN ?3 ELSE result END, \
               progress = CASE WHEN id = ?1 THEN 100 ELSE progress END, \
               finished_at = CASE WHEN id = ?1 THEN ?4 ELSE finished_at END, \
               attempts = CASE WHEN id = ?1 THEN attempts ELSE attempts + 1 END, \
               lease_owner = CASE WHEN id = ?1 THEN NULL ELSE ?2 END, \
               lease_expires_at = CASE WHEN id = ?1 THEN NULL ELSE ?5 END, \
               started_at = CASE WHEN id = ?1 THEN started_at ELSE COALESCE(started_at, ?4) END, \
               updated_at = ?4 \
             WHERE (id = ?1 AND status = 'running' AND lease_owner = ?2) \
                OR id IN (SELECT id FROM jobs INDEXED BY ix_jobs_queued_order \
                          WHERE status = 'queued' AND run_at <= ?4 \
                          ORDER BY priority DESC, run_at, id LIMIT ?6) \
             RETURNING *"
        }
    }
}

/// Marks many of `worker`'s running jobs succeeded with the same result, in one statement
/// (workers that claim in batches finish them in batches). Answers how many it finished —
/// fewer than asked when some leases were lost meanwhile.
pub async fn complete_many(
    db: &impl ConnectionTrait,
    job_ids: &[i64],
    worker: &str,
    result: &serde_json::Value,
) -> Result<u64> {
    if job_ids.is_empty() {
        return Ok(0);
    }
    let now = Utc::now();
    let res = jobs::Entity::update_many()
        .col_expr(
            jobs::Column::Status,
            Expr::value(JobStatus::Succeeded.as_str()),
        )
        .col_expr(jobs::Column::Result, Expr::value(result.to_string()))
        .col_expr(jobs::Column::Progress, Expr::value(100))
        .col_expr(jobs::Column::FinishedAt, Expr::value(now))
        .col_expr(jobs::Column::LeaseOwner, Expr::value(None::<String>))
        .col_expr(
            jobs::Column::LeaseExpiresAt,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(jobs::Column::UpdatedAt, Expr::value(now))
        .filter(jobs::Column::Id.is_in(job_ids.to_vec()))
        .filter(jobs::Column::Status.eq(JobStatus::Running.as_str()))
        .filter(jobs::Column::LeaseOwner.eq(worker))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// Records a failed attempt: the job goes back in the queue after a backoff, or fails for
/// good when it has used its attempts. Answers the status it ends in.
pub async fn fail(
    db: &impl ConnectionTrait,
    job_id: i64,
    worker: &str,
    error: &str,
) -> Result<JobStatus> {
    record_failure(db, job_id, worker, error, true).await
}

/// Fails `worker`'s running job for good, whatever attempts are left (retrying cannot help).
pub async fn fail_now(
    db: &impl ConnectionTrait,
    job_id: i64,
    worker: &str,
    error: &str,
) -> Result<()> {
    record_failure(db, job_id, worker, error, false)
        .await
        .map(|_| ())
}

async fn record_failure(
    db: &impl ConnectionTrait,
    job_id: i64,
    worker: &str,
    error: &str,
    may_retry: bool,
) -> Result<JobStatus> {
    let job = jobs::Entity::find()
        .filter(owned(job_id, worker))
        .one(db)
        .await?
        .ok_or_else(lease_lost)?;
    let now = Utc::now();
    let retry = may_retry && job.attempts < job.max_attempts;
    let (status, run_at, finished_at) = if retry {
        let wait = backoff(Ord::max(job.attempts, 1) as u32, rand::random::<f64>());
        (JobStatus::Queued, lease_until(now, wait), None)
    } else {
        (JobStatus::Failed, job.run_at, Some(now))
    };
    let update = jobs::Entity::update_many()
        .col_expr(jobs::Column::Status, Expr::value(status.as_str()))
        .col_expr(jobs::Column::RunAt, Expr::value(run_at))
        .col_expr(jobs::Column::LastError, Expr::value(error))
        .col_expr(jobs::Column::FinishedAt, Expr::value(finished_at));
    end_lease(db, job_id, worker, update).await?;
    Ok(status)
}

/// Asks a job to stop: a queued job is cancelled at once; a running one is flagged and
/// stops at its next step (`acknowledge_cancel`). A finished job cannot be cancelled.
pub async fn cancel(db: &impl ConnectionTrait, job_id: i64) -> Result<JobStatus> {
    let now = Utc::now();
    let queued = jobs::Entity::update_many()
        .col_expr(
            jobs::Column::Status,
            Expr::value(JobStatus::Cancelled.as_str()),
        )
        .col_expr(jobs::Column::FinishedAt, Expr::value(now))
        .col_expr(jobs::Column::UpdatedAt, Expr::value(now))
        .filter(jobs::Column::Id.eq(job_id))
        .filter(jobs::Column::Status.eq(JobStatus::Queued.as_str()))
        .exec(db)
        .await?;
    if queued.rows_affected == 1 {
        return Ok(JobStatus::Cancelled);
    }
    let running = jobs::Entity::update_many()
        .col_expr(jobs::Column::CancelRequested, Expr::value(true))
        .col_expr(jobs::Column::UpdatedAt, Expr::value(now))
        .filter(jobs::Column::Id.eq(job_id))
        .filter(jobs::Column::Status.eq(JobStatus::Running.as_str()))
        .exec(db)
        .await?;
    if running.rows_affected == 1 {
        return Ok(JobStatus::Running);
    }
    match jobs::Entity::find_by_id(job_id).one(db).await? {
        None => Err(Error::NotFound("job")),
        Some(job) => Err(Error::Conflict(format!(
            "the job has already finished ({})",
            job.status
        ))),
    }
}

/// Puts a failed or cancelled job back in the queue with its attempts reset. Answers
/// whether it did (false: the job was not failed or cancelled).
pub async fn requeue(db: &impl ConnectionTrait, job_id: i64) -> Result<bool> {
    let now = Utc::now();
    let res = jobs::Entity::update_many()
        .col_expr(
            jobs::Column::Status,
            Expr::value(JobStatus::Queued.as_str()),
        )
        .col_expr(jobs::Column::Attempts, Expr::value(0))
        .col_expr(jobs::Column::Progress, Expr::value(0))
        .col_expr(jobs::Column::Step, Expr::value(None::<String>))
        .col_expr(jobs::Column::CancelRequested, Expr::value(false))
        .col_expr(jobs::Column::RunAt, Expr::value(now))
        .col_expr(jobs::Column::FinishedAt, Expr::value(None::<DateTime<Utc>>))
        .col_expr(jobs::Column::UpdatedAt, Expr::value(now))
        .filter(jobs::Column::Id.eq(job_id))
        .filter(
            jobs::Column::Status.is_in([JobStatus::Failed.as_str(), JobStatus::Cancelled.as_str()]),
        )
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// The running job saw its cancel request and stopped cleanly.
pub async fn acknowledge_cancel(
    db: &impl ConnectionTrait,
    job_id: i64,
    worker: &str,
) -> Result<()> {
    let update = jobs::Entity::update_many()
        .col_expr(
            jobs::Column::Status,
            Expr::value(JobStatus::Cancelled.as_str()),
        )
        .col_expr(jobs::Column::FinishedAt, Expr::value(Utc::now()));
    end_lease(db, job_id, worker, update).await
}

/// Gives a claimed job back without counting the attempt (a worker shutting down between
/// steps): it is due again at once.
pub async fn release(db: &impl ConnectionTrait, job_id: i64, worker: &str) -> Result<()> {
    let update = jobs::Entity::update_many()
        .col_expr(
            jobs::Column::Status,
            Expr::value(JobStatus::Queued.as_str()),
        )
        .col_expr(
            jobs::Column::Attempts,
            Expr::col(jobs::Column::Attempts).sub(1),
        )
        .col_expr(jobs::Column::RunAt, Expr::value(Utc::now()));
    end_lease(db, job_id, worker, update).await
}

/// Applies `update` to `worker`'s running job and gives up the lease, in one statement;
/// fails if the job is no longer theirs (reclaimed after their lease ran out, or finished).
async fn end_lease(
    db: &impl ConnectionTrait,
    job_id: i64,
    worker: &str,
    update: UpdateMany<jobs::Entity>,
) -> Result<()> {
    let res = update
        .col_expr(jobs::Column::LeaseOwner, Expr::value(None::<String>))
        .col_expr(
            jobs::Column::LeaseExpiresAt,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(jobs::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(owned(job_id, worker))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(lease_lost());
    }
    Ok(())
}

/// Deletes finished jobs (and their events) that finished before `cutoff`.
pub async fn prune(db: &impl ConnectionTrait, cutoff: DateTime<Utc>) -> Result<u64> {
    let finished: Vec<&str> = JobStatus::ALL
        .iter()
        .filter(|s| s.is_finished())
        .map(|s| s.as_str())
        .collect();
    let old: Vec<i64> = jobs::Entity::find()
        .select_only()
        .column(jobs::Column::Id)
        .filter(jobs::Column::Status.is_in(finished))
        .filter(jobs::Column::FinishedAt.lt(cutoff))
        .into_tuple()
        .all(db)
        .await?;
    let mut removed = 0;
    for chunk in old.chunks(500) {
        job_events::Entity::delete_many()
            .filter(job_events::Column::JobId.is_in(chunk.to_vec()))
            .exec(db)
            .await?;
        removed += jobs::Entity::delete_many()
            .filter(jobs::Column::Id.is_in(chunk.to_vec()))
            .exec(db)
            .await?
            .rows_affected;
    }
    Ok(removed)
}

/// A job's events after `after` (an event id; 0 for all), in order.
pub async fn events(
    db: &impl ConnectionTrait,
    job_id: i64,
    after: i64,
) -> Result<Vec<job_events::Model>> {
    Ok(job_events::Entity::find()
        .filter(job_events::Column::JobId.eq(job_id))
        .filter(job_events::Column::Id.gt(after))
        .order_by_asc(job_events::Column::Id)
        .all(db)
        .await?)
}

pub async fn get(db: &impl ConnectionTrait, job_id: i64) -> Result<jobs::Model> {
    jobs::Entity::find_by_id(job_id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("job"))
}
