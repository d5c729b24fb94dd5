//! Recurring schedules: cron expressions (five fields, minute precision) in an IANA time
//! zone, stored per workspace in `schedules`. Every process that runs workers also runs a
//! scheduler loop; a due schedule is taken by one compare-and-set on its `next_run_at` in
//! the same transaction that enqueues its `scheduled_run` job, so with any number of
//! processes each due time is enqueued exactly once. A server that was down over a due time
//! runs it once when it comes back (missed times in between are skipped, not replayed).

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Expr, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

pub use crate::backend::cron::Timing;
use crate::backend::entity::schedules;
use crate::backend::jobs::{JobContext, JobError, JobKind, Jobs};
use crate::backend::{AppState, Result, WorkspaceId};
/// How often each process looks for due schedules.
pub const TICK: Duration = Duration::from_secs(15);

/// Takes every due schedule (at most `limit`) and enqueues its run; answers how many this
/// process took. Safe to call from many processes at once.
pub async fn tick(state: &AppState, now: DateTime<Utc>, limit: u64) -> Result<usize> {
    let due = schedules::Entity::find()
        .filter(schedules::Column::Enabled.eq(true))
        .filter(schedules::Column::NextRunAt.lte(now))
        .order_by_asc(schedules::Column::NextRunAt)
        .limit(limit)
        .all(&state.db)
        .await?;
    let mut taken = 0;
    for schedule in due {
        match take(state, &schedule, now).await {
            Ok(true) => taken += 1,
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, schedule = schedule.id, "taking a due schedule"),
        }
    }
    Ok(taken)
}

/// One schedule: compare-and-set its next time, and enqueue its run in the same transaction.
async fn take(state: &AppState, s: &schedules::Model, now: DateTime<Utc>) -> Result<bool> {
    let Some(due_at) = s.next_run_at else {
        return Ok(false);
    };
    // A schedule that no longer parses (edited by hand?) is switched off with the reason.
    let next = match Timing::parse(&s.cron, &s.timezone) {
        Ok(t) => t.next_after(now),
        Err((_, why)) => {
            disable(&state.db, s.id, &why).await?;
            return Ok(false);
        }
    };
    let txn = crate::backend::db::begin_write(&state.db).await?;
    let moved = schedules::Entity::update_many()
        .col_expr(schedules::Column::NextRunAt, Expr::value(next))
        .col_expr(schedules::Column::LastRunAt, Expr::value(now))
        .col_expr(schedules::Column::UpdatedAt, Expr::value(now))
        .filter(schedules::Column::Id.eq(s.id))
        .filter(schedules::Column::NextRunAt.eq(due_at))
        .filter(schedules::Column::Enabled.eq(true))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        // Another process took it first.
        return Ok(false);
    }
    let run = RunInput {
        schedule_id: s.id,
        due_at: Some(due_at),
    };
    // The scheduler reads every workspace's due schedules: each row's workspace is the one its
    // schedule was created in, through a checked scope.
    let ws = WorkspaceId::vouched(s.workspace_id);
    let job = Jobs::enqueue_in(&txn, &RunSchedule::job(&run)?.in_workspace(ws)).await?;
    schedules::Entity::update_many()
        .col_expr(schedules::Column::LastJobId, Expr::value(job.id))
        .filter(schedules::Column::Id.eq(s.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    state.jobs().announce(&job).await;
    Ok(true)
}

async fn disable(db: &impl ConnectionTrait, id: i64, why: &str) -> Result<()> {
    schedules::Entity::update_many()
        .col_expr(schedules::Column::Enabled, Expr::value(false))
        .col_expr(schedules::Column::LastError, Expr::value(why))
        .filter(schedules::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The job a due schedule becomes: it starts what the schedule says, as of now.
pub struct RunSchedule {
    pub state: AppState,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct RunInput {
    pub schedule_id: i64,
    /// The due time this run is for.
    #[serde(default)]
    pub due_at: Option<DateTime<Utc>>,
}

impl JobKind for RunSchedule {
    const NAME: &'static str = "scheduled_run";
    type Payload = RunInput;

    async fn run(
        &self,
        ctx: std::sync::Arc<JobContext>,
        input: RunInput,
    ) -> std::result::Result<serde_json::Value, JobError> {
        let state = &self.state;
        let ws = ctx
            .workspace()
            .ok_or_else(|| JobError::Permanent("a scheduled run needs a workspace".into()))?;
        let Some(schedule) = schedules::Entity::find_by_id(input.schedule_id)
            .filter(schedules::Column::WorkspaceId.eq(ws))
            .one(&state.db)
            .await?
        else {
            return Err(JobError::Permanent("the schedule was deleted".into()));
        };
        ctx.step(&format!("start “{}”", schedule.name), 50).await?;
        let started = start_work(state, ws, &schedule).await;
        let error = started.as_ref().err().map(ToString::to_string);
        schedules::Entity::update_many()
            .col_expr(schedules::Column::LastError, Expr::value(error))
            .filter(schedules::Column::Id.eq(schedule.id))
            .exec(&state.db)
            .await?;
        let result = started?;
        ctx.log(&format!("started: {result}")).await?;
        Ok(result)
    }
}

/// Starts the schedule's work: a report of its kind, with its input and recipients.
async fn start_work(
    state: &AppState,
    ws: WorkspaceId,
    schedule: &schedules::Model,
) -> std::result::Result<serde_json::Value, JobError> {
    let mut input: crate::types::ReportInput =
        serde_json::from_str(&schedule.input).map_err(|e| {
            JobError::Permanent(format!("the schedule's input is not a report input: {e}"))
        })?;
    // The schedule's own kind and recipients win over whatever its stored input says.
    input.kind = schedule.kind.clone();
    let recipients: Vec<String> = serde_json::from_str(&schedule.recipients).unwrap_or_default();
    input.deliver_to.extend(recipients);
    let (report_id, job_id) =
        crate::backend::reports::start_for(state, ws, schedule.created_by, &input).await?;
    Ok(serde_json::json!({ "report_id": report_id, "job_id": job_id }))
}

/// Queues a sync of every connected connector whose interval has passed. A duplicate from
/// another process's tick is harmless: `start_sync` leaves a queued or running sync be, and
/// two syncs of one connector write the same links.
pub async fn sync_due_connectors(state: &AppState) -> Result<usize> {
    let due = crate::backend::repo::connectors::due(&state.db, Utc::now()).await?;
    let mut started = 0;
    for row in &due {
        let ws = WorkspaceId::vouched(row.workspace_id);
        match crate::backend::connectors::start_sync(state, ws, row, false).await {
            Ok(_) => started += 1,
            Err(e) => tracing::warn!(error = %e, connector = row.id, "queueing a sync"),
        }
    }
    Ok(started)
}

/// Runs `tick` every `TICK` until `stop` says so.
pub async fn run(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        if let Err(e) = tick(&state, Utc::now(), 100).await {
            tracing::warn!(error = %e, "scheduler tick");
        }
        if let Err(e) = sync_due_connectors(&state).await {
            tracing::warn!(error = %e, "queueing connector syncs");
        }
        tokio::select! {
            _ = tokio::time::sleep(TICK) => {}
            _ = stop.changed() => {}
        }
    }
}
