//! Activities: calls, e-mails, meetings, notes and tasks, attached to a company, a deal
//! and/or a contact — the timeline of the company and deal pages.

use crate::backend::WorkspaceId;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QuerySelect, TransactionSession, TransactionTrait,
};

use super::list::{self, check_filters, contains, unknown_sort};
use super::{companies as company_repo, contacts as contact_repo, deals as deal_repo};
use crate::backend::audit::{self, Entry};
use crate::backend::auth::{can, Authorized, Scope};
use crate::backend::entity::{activities, users};
use crate::backend::{Error, Result};
use crate::types::{
    parse_name, parse_optional_text, Activity, ActivityInput, ActivityKind, FieldError, ListQuery,
    Page,
};

pub const FILTERS: &[&str] = &["kind", "company", "deal", "contact", "open_tasks"];
pub const SORTS: &[&str] = &["occurred", "created", "due"];

async fn hydrate(db: &impl ConnectionTrait, rows: Vec<activities::Model>) -> Result<Vec<Activity>> {
    let mut ids: Vec<i64> = rows.iter().filter_map(|a| a.author_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let names: std::collections::HashMap<i64, String> = if ids.is_empty() {
        Default::default()
    } else {
        users::Entity::find()
            .filter(users::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|a| Activity {
            author_name: a.author_id.and_then(|id| names.get(&id).cloned()),
            id: a.id,
            kind: a.kind,
            subject: a.subject,
            body: a.body,
            occurred_at: a.occurred_at,
            author_id: a.author_id,
            company_id: a.company_id,
            deal_id: a.deal_id,
            contact_id: a.contact_id,
            due_at: a.due_at,
            done_at: a.done_at,
        })
        .collect())
}

pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
    q: &ListQuery,
    totals: Option<&super::counts::CountCache>,
) -> Result<Page<Activity>> {
    check_filters(q, FILTERS)?;
    let req = list::page_request(q);
    let mut select =
        activities::Entity::find().filter(activities::Column::WorkspaceId.eq(scope.workspace_id()));
    if let Some(term) = list::search_term(q) {
        select = select.filter(contains(activities::Column::Subject, &term));
    }
    if let Some(k) = q.filter("kind") {
        let kind = ActivityKind::parse(k).ok_or_else(|| {
            Error::field(
                "filters",
                "`kind` must be call, email, meeting, note or task",
            )
        })?;
        select = select.filter(activities::Column::Kind.eq(kind));
    }
    for (key, col) in [
        ("company", activities::Column::CompanyId),
        ("deal", activities::Column::DealId),
        ("contact", activities::Column::ContactId),
    ] {
        if let Some(id) = list::parse_i64(q, key)? {
            select = select.filter(col.eq(id));
        }
    }
    if q.filter("open_tasks").is_some() {
        select = select
            .filter(activities::Column::Kind.eq(ActivityKind::Task))
            .filter(activities::Column::DoneAt.is_null());
    }
    let (field, desc) = q.sort_key("-occurred");
    let col = match field {
        "occurred" => activities::Column::OccurredAt,
        "created" => activities::Column::CreatedAt,
        "due" => activities::Column::DueAt,
        other => return Err(unknown_sort(other, SORTS)),
    };
    let page = list::order(select.clone(), col, activities::Column::Id, desc);
    let (rows, total, total_exact) = list::page_and_count::<_, activities::Model>(
        db,
        totals.map(|c| (c, scope.workspace_id())),
        &select,
        page,
        &req,
    )
    .await?;
    Ok(Page {
        items: hydrate(db, rows).await?,
        total,
        total_exact,
        page: req.page,
        per_page: req.per_page,
    })
}

async fn find(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    id: i64,
) -> Result<activities::Model> {
    activities::Entity::find_by_id(id)
        .filter(activities::Column::WorkspaceId.eq(workspace_id))
        .one(db)
        .await?
        .ok_or(Error::NotFound("activity"))
}

pub async fn get(db: &impl ConnectionTrait, scope: &Scope, id: i64) -> Result<Activity> {
    Ok(hydrate(db, vec![find(db, scope.workspace(), id).await?])
        .await?
        .remove(0))
}

async fn validate(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    input: &ActivityInput,
) -> Result<(String, Option<String>)> {
    let mut errors: Vec<FieldError> = Vec::new();
    let mut err = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.into(),
            message,
        })
    };
    let subject = parse_name(&input.subject, 300)
        .map_err(|m| err("subject", m))
        .ok();
    let body = parse_optional_text(input.body.as_deref(), 20_000)
        .map_err(|m| err("body", m))
        .ok()
        .flatten();
    if input.company_id.is_none() && input.deal_id.is_none() && input.contact_id.is_none() {
        err(
            "company_id",
            "attach the activity to a company, a deal or a contact".into(),
        );
    }
    if let Some(id) = input.company_id {
        if company_repo::find(db, workspace_id, id).await.is_err() {
            err("company_id", "no such company".into());
        }
    }
    if let Some(id) = input.deal_id {
        if deal_repo::find(db, workspace_id, id).await.is_err() {
            err("deal_id", "no such deal".into());
        }
    }
    if let Some(id) = input.contact_id {
        if contact_repo::find(db, workspace_id, id).await.is_err() {
            err("contact_id", "no such contact".into());
        }
    }
    match (errors.is_empty(), subject) {
        (true, Some(s)) => Ok((s, body)),
        _ => Err(Error::Validation(errors)),
    }
}

pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::Write>,
    input: &ActivityInput,
) -> Result<Activity> {
    let txn = crate::backend::db::begin_write(db).await?;
    let (subject, body) = validate(&txn, auth.workspace(), input).await?;
    let now = Utc::now();
    let row = activities::ActiveModel {
        workspace_id: Set(auth.workspace_id()),
        kind: Set(input.kind),
        subject: Set(subject),
        body: Set(body),
        occurred_at: Set(input.occurred_at.unwrap_or(now)),
        author_id: Set(Some(auth.user_id())),
        company_id: Set(input.company_id),
        deal_id: Set(input.deal_id),
        contact_id: Set(input.contact_id),
        due_at: Set(input.due_at),
        done_at: Set(input.done.then_some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Entry::in_scope(auth, "activity.created")
            .target("activity", row.id)
            .detail(format!("{}: {}", row.kind.as_str(), row.subject)),
    )
    .await?;
    txn.commit().await?;
    get(db, auth, row.id).await
}

pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::Write>,
    id: i64,
    input: &ActivityInput,
) -> Result<Activity> {
    let txn = crate::backend::db::begin_write(db).await?;
    let existing = find(&txn, auth.workspace(), id).await?;
    let (subject, body) = validate(&txn, auth.workspace(), input).await?;
    let was_done = existing.done_at;
    let mut a: activities::ActiveModel = existing.into();
    a.kind = Set(input.kind);
    a.subject = Set(subject);
    a.body = Set(body);
    if let Some(t) = input.occurred_at {
        a.occurred_at = Set(t);
    }
    a.company_id = Set(input.company_id);
    a.deal_id = Set(input.deal_id);
    a.contact_id = Set(input.contact_id);
    a.due_at = Set(input.due_at);
    a.done_at = Set(if input.done {
        was_done.or(Some(Utc::now()))
    } else {
        None
    });
    a.updated_at = Set(Utc::now());
    a.update(&txn).await?;
    audit::record(
        &txn,
        Entry::in_scope(auth, "activity.updated").target("activity", id),
    )
    .await?;
    txn.commit().await?;
    get(db, auth, id).await
}

pub async fn delete<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::Write>,
    id: i64,
) -> Result<()> {
    let txn = crate::backend::db::begin_write(db).await?;
    let existing = find(&txn, auth.workspace(), id).await?;
    activities::Entity::delete_by_id(existing.id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Entry::in_scope(auth, "activity.deleted")
            .target("activity", id)
            .detail(existing.subject),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub(crate) async fn recent_for_company(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    company_id: i64,
    limit: u64,
) -> Result<Vec<Activity>> {
    use sea_orm::QueryOrder;
    let rows = activities::Entity::find()
        .filter(activities::Column::WorkspaceId.eq(workspace_id))
        .filter(activities::Column::CompanyId.eq(company_id))
        .order_by_desc(activities::Column::OccurredAt)
        .limit(limit)
        .all(db)
        .await?;
    hydrate(db, rows).await
}
