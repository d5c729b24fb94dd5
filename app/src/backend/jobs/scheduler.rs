//! Recurring schedules: cron expressions (five fields, minute precision) in an IANA time
//! zone, stored per workspace in `schedules`. Every process that runs workers also runs a
//! scheduler loop; a due schedule is taken by one compare-and-set on its `next_run_at` in
//! the same transaction that enqueues its `scheduled_run` job, so with any number of
//! processes each due time is enqueued exactly once. A server that was down over a due time
//! runs it once when it comes back (missed times in between are skipped, not replayed).

use std::{str::FromStr, time::Duration};

use chrono::{DateTime, Utc};
use croner::{parser::CronParser, parser::Seconds, Cron};
use sea_orm::{
    sea_query::Expr, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::{Jobs, NewJob};
use crate::backend::entity::schedules;
use crate::backend::{AppState, Result};

/// The job a due schedule becomes; its handler starts the scheduled work.
pub const RUN_JOB: &str = "scheduled_run";
/// How often each process looks for due schedules.
pub const TICK: Duration = Duration::from_secs(15);

/// A parsed schedule: when it fires, in which zone.
#[derive(Clone, Debug)]
pub struct Timing {
    cron: Cron,
    tz: chrono_tz::Tz,
}

impl Timing {
    /// Parses a five-field cron expression (`0 8 * * MON`: Mondays at 08:00) and a time
    /// zone name (`Europe/Berlin`; `UTC`). Errors name the field at fault.
    pub fn parse(expr: &str, tz: &str) -> std::result::Result<Self, (&'static str, String)> {
        let expr = expr.trim();
        if expr.split_whitespace().count() != 5 {
            return Err((
                "cron",
                "needs five fields: minute hour day-of-month month day-of-week (e.g. `0 8 * * MON`)"
                    .into(),
            ));
        }
        let cron = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .build()
            .parse(expr)
            .map_err(|e| ("cron", format!("is not a valid cron expression: {e}")))?;
        let tz = chrono_tz::Tz::from_str(tz.trim()).map_err(|_| {
            (
                "timezone",
                format!("`{tz}` is not a time zone name like Europe/Berlin or UTC"),
            )
        })?;
        let timing = Self { cron, tz };
        if timing.next_after(Utc::now()).is_none() {
            return Err(("cron", "never fires".into()));
        }
        Ok(timing)
    }

    /// The first firing strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron
            .find_next_occurrence(&after.with_timezone(&self.tz), false)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// "At 08:00 on Monday" — croner's English description.
    pub fn describe(&self) -> String {
        self.cron.describe()
    }
}

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
    let job = Jobs::enqueue_in(
        &txn,
        &NewJob::new(
            RUN_JOB,
            serde_json::json!({ "schedule_id": s.id, "due_at": due_at }),
        )
        .in_workspace(s.workspace_id),
    )
    .await?;
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

#[derive(serde::Deserialize)]
struct RunPayload {
    schedule_id: i64,
}

/// The `scheduled_run` job: starts what the schedule says, as of now.
pub async fn run_scheduled(
    state: AppState,
    ctx: std::sync::Arc<super::JobContext>,
) -> std::result::Result<serde_json::Value, super::JobError> {
    use super::JobError;
    let payload: RunPayload = ctx.payload()?;
    let Some(schedule) = schedules::Entity::find_by_id(payload.schedule_id)
        .one(&state.db)
        .await?
    else {
        return Err(JobError::Permanent("the schedule was deleted".into()));
    };
    ctx.step(&format!("start “{}”", schedule.name), 50).await?;
    let started = start_work(&state, &schedule).await;
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

/// Starts the schedule's work: a report of its kind, with its input and recipients.
async fn start_work(
    state: &AppState,
    schedule: &schedules::Model,
) -> std::result::Result<serde_json::Value, super::JobError> {
    use super::JobError;
    let mut input: crate::types::ReportInput =
        serde_json::from_str(&schedule.input).map_err(|e| {
            JobError::Permanent(format!("the schedule's input is not a report input: {e}"))
        })?;
    // The schedule's own kind and recipients win over whatever its stored input says.
    input.kind = schedule.kind.clone();
    let recipients: Vec<String> = serde_json::from_str(&schedule.recipients).unwrap_or_default();
    input.deliver_to.extend(recipients);
    match crate::backend::reports::start_for(
        state,
        schedule.workspace_id,
        schedule.created_by,
        &input,
    )
    .await
    {
        Ok((report_id, job_id)) => {
            Ok(serde_json::json!({ "report_id": report_id, "job_id": job_id }))
        }
        Err(crate::backend::Error::Validation(fields)) => Err(JobError::Permanent(
            fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; "),
        )),
        Err(e) => Err(e.into()),
    }
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
        tokio::select! {
            _ = tokio::time::sleep(TICK) => {}
            _ = stop.changed() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn mondays_at_eight_in_berlin() {
        let t = Timing::parse("0 8 * * MON", "Europe/Berlin").unwrap();
        // Sunday 2026-11-29 12:00 UTC → Monday 2026-11-30 08:00 CET = 07:00 UTC.
        let next = t
            .next_after(Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap())
            .unwrap();
        assert_eq!(next, Utc.with_ymd_and_hms(2026, 11, 30, 7, 0, 0).unwrap());
        // In summer time the same wall clock is 06:00 UTC.
        let summer = t
            .next_after(Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap())
            .unwrap();
        assert_eq!(summer, Utc.with_ymd_and_hms(2026, 7, 6, 6, 0, 0).unwrap());
    }

    #[test]
    fn bad_input_names_the_field() {
        assert_eq!(Timing::parse("0 8 * *", "UTC").unwrap_err().0, "cron");
        assert_eq!(Timing::parse("61 8 * * *", "UTC").unwrap_err().0, "cron");
        assert_eq!(
            Timing::parse("0 8 * * MON", "Mars/Olympus").unwrap_err().0,
            "timezone"
        );
        assert_eq!(Timing::parse("* * * * * *", "UTC").unwrap_err().0, "cron");
    }

    #[test]
    fn the_next_firing_is_strictly_later() {
        let t = Timing::parse("*/15 * * * *", "UTC").unwrap();
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 10, 15, 0).unwrap();
        assert_eq!(
            t.next_after(at).unwrap(),
            Utc.with_ymd_and_hms(2026, 1, 1, 10, 30, 0).unwrap()
        );
    }
}
