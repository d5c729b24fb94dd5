//! A workspace's recurring schedules: create, change, pause, delete, list — each write
//! validated (cron, time zone, recipients, the report input) and audited. The scheduler
//! (`backend::schedules`) does the running.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};

use crate::backend::audit::{self, Entry};
use crate::backend::auth::{can, Authorized, Scope};
use crate::backend::cron::Timing;
use crate::backend::entity::schedules;
use crate::backend::{Error, Result};
use crate::types::{parse_name, Email, FieldError, Schedule, ScheduleInput};

/// What a schedule can run.
pub const KINDS: &[&str] = &["market", "competitor", "pipeline"];
const MAX_RECIPIENTS: usize = 50;

fn to_schedule(m: schedules::Model) -> Schedule {
    let description = Timing::parse(&m.cron, &m.timezone)
        .map(|t| t.describe())
        .unwrap_or_else(|(_, why)| why);
    Schedule {
        id: m.id,
        name: m.name,
        kind: m.kind,
        input: serde_json::from_str(&m.input).unwrap_or(serde_json::Value::Null),
        description,
        cron: m.cron,
        timezone: m.timezone,
        recipients: serde_json::from_str(&m.recipients).unwrap_or_default(),
        enabled: m.enabled,
        next_run_at: m.next_run_at,
        last_run_at: m.last_run_at,
        last_job_id: m.last_job_id,
        last_error: m.last_error,
        created_at: m.created_at,
    }
}

/// The checked input: everything a schedule row needs.
struct Valid {
    name: String,
    kind: String,
    input: String,
    cron: String,
    timezone: String,
    recipients: String,
    timing: Timing,
}

fn validate(input: &ScheduleInput) -> Result<Valid> {
    let mut errors = Vec::new();
    let mut err = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.into(),
            message,
        })
    };
    let name = parse_name(&input.name, 200)
        .map_err(|m| err("name", m))
        .ok();
    if !KINDS.contains(&input.kind.as_str()) {
        err("kind", format!("must be one of {}", KINDS.join(", ")));
    }
    if !input.input.is_object() {
        err("input", "must be the report's input (a JSON object)".into());
    }
    let timing = match Timing::parse(&input.cron, &input.timezone) {
        Ok(t) => Some(t),
        Err((field, message)) => {
            err(field, message);
            None
        }
    };
    let mut recipients = Vec::new();
    if input.recipients.len() > MAX_RECIPIENTS {
        err("recipients", format!("at most {MAX_RECIPIENTS} addresses"));
    }
    for r in &input.recipients {
        match Email::parse(r) {
            Ok(e) => recipients.push(e.as_str().to_owned()),
            Err(m) => err("recipients", format!("`{r}` {m}")),
        }
    }
    recipients.sort();
    recipients.dedup();
    match (name, timing) {
        (Some(name), Some(timing)) if errors.is_empty() => Ok(Valid {
            name,
            kind: input.kind.clone(),
            input: input.input.to_string(),
            cron: input.cron.split_whitespace().collect::<Vec<_>>().join(" "),
            timezone: input.timezone.trim().to_owned(),
            recipients: serde_json::to_string(&recipients).unwrap_or_else(|_| "[]".into()),
            timing,
        }),
        _ => Err(Error::Validation(errors)),
    }
}

pub async fn list(db: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<Schedule>> {
    Ok(schedules::Entity::find()
        .filter(schedules::Column::WorkspaceId.eq(scope.workspace_id()))
        .order_by_asc(schedules::Column::Name)
        .order_by_asc(schedules::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(to_schedule)
        .collect())
}

pub async fn find(db: &impl ConnectionTrait, scope: &Scope, id: i64) -> Result<schedules::Model> {
    schedules::Entity::find_by_id(id)
        .filter(schedules::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(db)
        .await?
        .ok_or(Error::NotFound("schedule"))
}

pub async fn get(db: &impl ConnectionTrait, scope: &Scope, id: i64) -> Result<Schedule> {
    Ok(to_schedule(find(db, scope, id).await?))
}

pub async fn create(
    db: &impl ConnectionTrait,
    auth: &Authorized<'_, can::RunReports>,
    input: &ScheduleInput,
) -> Result<Schedule> {
    let v = validate(input)?;
    let now = Utc::now();
    let row = schedules::ActiveModel {
        workspace_id: Set(auth.workspace_id()),
        name: Set(v.name),
        kind: Set(v.kind),
        input: Set(v.input),
        next_run_at: Set(input.enabled.then(|| v.timing.next_after(now)).flatten()),
        cron: Set(v.cron),
        timezone: Set(v.timezone),
        recipients: Set(v.recipients),
        enabled: Set(input.enabled),
        created_by: Set(Some(auth.user_id())),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    audit::record(
        db,
        Entry::in_scope(auth, "schedule.create")
            .target("schedule", row.id)
            .detail(format!("{} ({}, {})", row.name, row.kind, row.cron)),
    )
    .await?;
    Ok(to_schedule(row))
}

pub async fn update(
    db: &impl ConnectionTrait,
    auth: &Authorized<'_, can::RunReports>,
    id: i64,
    input: &ScheduleInput,
) -> Result<Schedule> {
    let existing = find(db, auth, id).await?;
    let v = validate(input)?;
    let now = Utc::now();
    let row = schedules::ActiveModel {
        id: Set(existing.id),
        name: Set(v.name),
        kind: Set(v.kind),
        input: Set(v.input),
        next_run_at: Set(input.enabled.then(|| v.timing.next_after(now)).flatten()),
        cron: Set(v.cron),
        timezone: Set(v.timezone),
        recipients: Set(v.recipients),
        enabled: Set(input.enabled),
        last_error: Set(None),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(db)
    .await?;
    audit::record(
        db,
        Entry::in_scope(auth, "schedule.update")
            .target("schedule", row.id)
            .detail(format!(
                "{} ({}, {}, {})",
                row.name,
                row.kind,
                row.cron,
                if row.enabled { "on" } else { "paused" }
            )),
    )
    .await?;
    Ok(to_schedule(row))
}

pub async fn delete(
    db: &impl ConnectionTrait,
    auth: &Authorized<'_, can::RunReports>,
    id: i64,
) -> Result<()> {
    let existing = find(db, auth, id).await?;
    schedules::Entity::delete_by_id(existing.id)
        .exec(db)
        .await?;
    audit::record(
        db,
        Entry::in_scope(auth, "schedule.delete")
            .target("schedule", existing.id)
            .detail(existing.name),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ScheduleInput {
        ScheduleInput {
            name: "Weekly pipeline".into(),
            kind: "pipeline".into(),
            input: serde_json::json!({"kind": "pipeline"}),
            cron: "0  8 * * MON".into(),
            timezone: "Europe/Berlin".into(),
            recipients: vec!["B@example.com".into(), "b@example.com".into()],
            enabled: true,
        }
    }

    #[test]
    fn valid_input_is_normalised() {
        let v = validate(&input()).unwrap();
        assert_eq!(v.cron, "0 8 * * MON");
        assert_eq!(v.recipients, r#"["b@example.com"]"#);
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = ScheduleInput {
            name: "".into(),
            kind: "horoscope".into(),
            input: serde_json::json!(3),
            cron: "every monday".into(),
            timezone: "UTC".into(),
            recipients: vec!["nobody".into()],
            enabled: true,
        };
        let Err(Error::Validation(fields)) = validate(&bad) else {
            panic!("expected a validation error")
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["name", "kind", "input", "cron", "recipients"]);
    }
}
