//! Competitor links: company A regards company B as a competitor, with a threat level.

use crate::backend::WorkspaceId;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, TransactionSession, TransactionTrait,
};

use super::companies as company_repo;
use crate::backend::audit::{self, Entry};
use crate::backend::auth::{can, Authorized, Scope};
use crate::backend::entity::competitors;
use crate::backend::{Error, Result};
use crate::types::{parse_optional_text, Competitor, CompetitorInput, FieldError};

async fn hydrate(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    rows: Vec<competitors::Model>,
    show: fn(&competitors::Model) -> i64,
) -> Result<Vec<Competitor>> {
    let names = company_repo::names(db, workspace_id, rows.iter().map(show)).await?;
    Ok(rows
        .into_iter()
        .map(|c| {
            let (name, domain) = names.get(&show(&c)).cloned().unwrap_or_default();
            Competitor {
                id: c.id,
                company_id: c.company_id,
                competitor_id: c.competitor_id,
                competitor_name: name,
                competitor_domain: domain,
                threat_level: c.threat_level,
                notes: c.notes,
                created_at: c.created_at,
            }
        })
        .collect())
}

/// Who `company_id` competes with (`competitor_*` fields name the competitor).
pub async fn of_company(
    db: &impl ConnectionTrait,
    scope: &Scope,
    company_id: i64,
) -> Result<Vec<Competitor>> {
    company_repo::find(db, scope.workspace(), company_id).await?;
    let rows = competitors::Entity::find()
        .filter(competitors::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(competitors::Column::CompanyId.eq(company_id))
        .order_by_asc(competitors::Column::Id)
        .all(db)
        .await?;
    let mut list = hydrate(db, scope.workspace(), rows, |c| c.competitor_id).await?;
    // Highest threat first (the column holds text, so order here rather than in SQL).
    list.sort_by(|a, b| {
        b.threat_level
            .cmp(&a.threat_level)
            .then_with(|| a.competitor_name.cmp(&b.competitor_name))
    });
    Ok(list)
}

/// Companies that list `company_id` as their competitor (`competitor_*` fields name them).
pub async fn competing_with(
    db: &impl ConnectionTrait,
    scope: &Scope,
    company_id: i64,
) -> Result<Vec<Competitor>> {
    let rows = competitors::Entity::find()
        .filter(competitors::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(competitors::Column::CompetitorId.eq(company_id))
        .all(db)
        .await?;
    hydrate(db, scope.workspace(), rows, |c| c.company_id).await
}

/// The companies most often named as a competitor in the workspace, as (id, name), most
/// named first — "the competitors" a dashboard follows.
pub(crate) async fn most_named(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    n: usize,
) -> Result<Vec<(i64, String)>> {
    // From the counts the database keeps (`competitor_counts`, read top down by its index):
    // counting 140k links here took 77–100 ms on PostgreSQL.
    let backend = db.get_database_backend();
    let mut q = crate::backend::sql::Query::new(backend);
    let sql = format!(
        "SELECT competitor_id, n FROM competitor_counts WHERE workspace_id = {} AND n > 0 \
         ORDER BY n DESC, competitor_id LIMIT {}",
        q.bind(workspace_id),
        n
    );
    let top: Vec<(i64, i64)> = db
        .query_all_raw(q.statement(&sql))
        .await?
        .iter()
        .map(|r| Ok((r.try_get("", "competitor_id")?, r.try_get("", "n")?)))
        .collect::<std::result::Result<_, sea_orm::DbErr>>()?;
    let names = company_repo::names(db, workspace_id, top.iter().map(|t| t.0)).await?;
    Ok(top
        .into_iter()
        .filter_map(|(id, _)| names.get(&id).map(|(name, _)| (id, name.clone())))
        .collect())
}

/// Adds a competitor link, or updates its threat level and notes if it exists.
pub async fn upsert<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::Write>,
    input: &CompetitorInput,
) -> Result<Competitor> {
    let mut errors = Vec::new();
    if input.company_id == input.competitor_id {
        errors.push(FieldError {
            field: "competitor_id".into(),
            message: "a company cannot compete with itself".into(),
        });
    }
    let notes = parse_optional_text(input.notes.as_deref(), 2000)
        .map_err(|m| {
            errors.push(FieldError {
                field: "notes".into(),
                message: m,
            })
        })
        .ok()
        .flatten();
    let txn = crate::backend::db::begin_write(db).await?;
    for (field, id) in [
        ("company_id", input.company_id),
        ("competitor_id", input.competitor_id),
    ] {
        if company_repo::find(&txn, auth.workspace(), id)
            .await
            .is_err()
        {
            errors.push(FieldError {
                field: field.into(),
                message: "no such company".into(),
            });
        }
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let existing = competitors::Entity::find()
        .filter(competitors::Column::WorkspaceId.eq(auth.workspace_id()))
        .filter(competitors::Column::CompanyId.eq(input.company_id))
        .filter(competitors::Column::CompetitorId.eq(input.competitor_id))
        .one(&txn)
        .await?;
    let now = Utc::now();
    let row = match existing {
        Some(e) => {
            let mut a: competitors::ActiveModel = e.into();
            a.threat_level = Set(input.threat_level);
            a.notes = Set(notes);
            a.updated_at = Set(now);
            a.update(&txn).await?
        }
        None => {
            competitors::ActiveModel {
                workspace_id: Set(auth.workspace_id()),
                company_id: Set(input.company_id),
                competitor_id: Set(input.competitor_id),
                threat_level: Set(input.threat_level),
                notes: Set(notes),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    audit::record(
        &txn,
        Entry::in_scope(auth, "competitor.saved")
            .target("company", row.company_id)
            .detail(format!(
                "competitor {} ({})",
                row.competitor_id,
                row.threat_level.as_str()
            )),
    )
    .await?;
    txn.commit().await?;
    Ok(
        hydrate(db, auth.workspace(), vec![row], |c| c.competitor_id)
            .await?
            .remove(0),
    )
}

pub async fn delete<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::Write>,
    id: i64,
) -> Result<()> {
    let txn = crate::backend::db::begin_write(db).await?;
    let row = competitors::Entity::find_by_id(id)
        .filter(competitors::Column::WorkspaceId.eq(auth.workspace_id()))
        .one(&txn)
        .await?
        .ok_or(Error::NotFound("competitor link"))?;
    competitors::Entity::delete_by_id(row.id).exec(&txn).await?;
    audit::record(
        &txn,
        Entry::in_scope(auth, "competitor.removed")
            .target("company", row.company_id)
            .detail(format!("competitor {}", row.competitor_id)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
