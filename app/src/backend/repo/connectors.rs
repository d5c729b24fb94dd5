//! The connectors table: one row per workspace and system, its credential (encrypted by the
//! caller), its state and its sync cursor.

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    EntityTrait, QueryFilter, QueryOrder,
};

use crate::backend::entity::connectors;
use crate::backend::{Error, Result, WorkspaceId};
use crate::types::{ConnectorKind, ConnectorState};

pub async fn all(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
) -> Result<Vec<connectors::Model>> {
    Ok(connectors::Entity::find()
        .filter(connectors::Column::WorkspaceId.eq(workspace.get()))
        .order_by_asc(connectors::Column::Kind)
        .all(db)
        .await?)
}

pub async fn find(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    kind: ConnectorKind,
) -> Result<Option<connectors::Model>> {
    Ok(connectors::Entity::find()
        .filter(connectors::Column::WorkspaceId.eq(workspace.get()))
        .filter(connectors::Column::Kind.eq(kind.as_str()))
        .one(db)
        .await?)
}

pub async fn get(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: i64,
) -> Result<connectors::Model> {
    connectors::Entity::find_by_id(id)
        .filter(connectors::Column::WorkspaceId.eq(workspace.get()))
        .one(db)
        .await?
        .ok_or(Error::NotFound("connector"))
}

/// The credential and account of a connection; a reconnect to another account starts its
/// sync over (the cursor belongs to the account it was read from).
pub struct Connection<'a> {
    pub kind: ConnectorKind,
    pub secret_enc: String,
    pub account: &'a str,
    pub account_id: Option<&'a str>,
    pub user_id: i64,
}

pub async fn connect(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    c: Connection<'_>,
) -> Result<connectors::Model> {
    let now = Utc::now();
    match find(db, workspace, c.kind).await? {
        Some(existing) => {
            let same_account = existing.account_id.as_deref() == c.account_id;
            let mut a: connectors::ActiveModel = existing.into();
            a.secret_enc = Set(c.secret_enc);
            a.account = Set(c.account.to_owned());
            a.account_id = Set(c.account_id.map(str::to_owned));
            a.state = Set(ConnectorState::Connected.as_str().to_owned());
            a.attention = Set(None);
            a.last_error = Set(None);
            if !same_account {
                a.cursor = Set(None);
                a.counts = Set("{}".into());
                a.last_sync_at = Set(None);
            }
            a.updated_at = Set(now);
            Ok(a.update(db).await?)
        }
        None => Ok(connectors::ActiveModel {
            workspace_id: Set(workspace.get()),
            kind: Set(c.kind.as_str().to_owned()),
            secret_enc: Set(c.secret_enc),
            account: Set(c.account.to_owned()),
            account_id: Set(c.account_id.map(str::to_owned)),
            state: Set(ConnectorState::Connected.as_str().to_owned()),
            counts: Set("{}".into()),
            // An enrichment service looks for stale companies daily; a CRM syncs every 15 min.
            interval_minutes: Set(if c.kind == ConnectorKind::Apollo {
                1440
            } else {
                15
            }),
            created_by: Set(Some(c.user_id)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?),
    }
}

pub async fn set_state(
    db: &impl ConnectionTrait,
    id: i64,
    state: ConnectorState,
    attention: Option<&str>,
) -> Result<()> {
    connectors::Entity::update_many()
        .col_expr(connectors::Column::State, Expr::value(state.as_str()))
        .col_expr(connectors::Column::Attention, Expr::value(attention))
        .col_expr(connectors::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(connectors::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn set_job(db: &impl ConnectionTrait, id: i64, job_id: i64) -> Result<()> {
    connectors::Entity::update_many()
        .col_expr(connectors::Column::SyncJobId, Expr::value(job_id))
        .filter(connectors::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Where the sync stands and what it has written, saved in the transaction of the page it
/// follows.
pub async fn save_progress(
    db: &impl ConnectionTrait,
    id: i64,
    cursor: &str,
    counts: &str,
) -> Result<()> {
    connectors::Entity::update_many()
        .col_expr(connectors::Column::Cursor, Expr::value(cursor))
        .col_expr(connectors::Column::Counts, Expr::value(counts))
        .filter(connectors::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn finish(
    db: &impl ConnectionTrait,
    id: i64,
    at: DateTime<Utc>,
    error: Option<&str>,
) -> Result<()> {
    let mut update = connectors::Entity::update_many()
        .col_expr(connectors::Column::LastError, Expr::value(error))
        .filter(connectors::Column::Id.eq(id));
    if error.is_none() {
        update = update.col_expr(connectors::Column::LastSyncAt, Expr::value(at));
    }
    update.exec(db).await?;
    Ok(())
}

pub async fn delete(db: &impl ConnectionTrait, id: i64) -> Result<()> {
    connectors::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Connected connectors whose interval has passed since their last sync (or never synced).
pub async fn due(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<Vec<connectors::Model>> {
    let rows = connectors::Entity::find()
        .filter(connectors::Column::State.eq(ConnectorState::Connected.as_str()))
        .filter(
            Condition::any()
                .add(connectors::Column::LastSyncAt.is_null())
                .add(connectors::Column::LastSyncAt.lt(now)),
        )
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|c| {
            c.last_sync_at.is_none_or(|at| {
                at + chrono::Duration::minutes(i64::from(c.interval_minutes.max(1))) <= now
            })
        })
        .collect())
}

/// The connectors of one account of a system, in every workspace (for its webhooks).
pub async fn by_account(
    db: &impl ConnectionTrait,
    kind: ConnectorKind,
    account_id: &str,
) -> Result<Vec<connectors::Model>> {
    Ok(connectors::Entity::find()
        .filter(connectors::Column::Kind.eq(kind.as_str()))
        .filter(connectors::Column::AccountId.eq(account_id))
        .all(db)
        .await?)
}

/// Adds to a connector's counts (`credits`, `enriched` …), in the caller's transaction.
pub async fn add_counts(db: &impl ConnectionTrait, id: i64, add: &[(&str, i64)]) -> Result<()> {
    let Some(row) = connectors::Entity::find_by_id(id).one(db).await? else {
        return Ok(());
    };
    let mut counts: std::collections::BTreeMap<String, i64> =
        serde_json::from_str(&row.counts).unwrap_or_default();
    for (k, n) in add {
        *counts.entry((*k).to_owned()).or_default() += n;
    }
    let counts = serde_json::to_string(&counts).unwrap_or_else(|_| "{}".into());
    connectors::Entity::update_many()
        .col_expr(connectors::Column::Counts, Expr::value(counts))
        .filter(connectors::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The connector's row, locked for this transaction on PostgreSQL (SQLite's write
/// transaction holds the whole database already): one refresh of its tokens at a time.
pub async fn get_for_update(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: i64,
) -> Result<connectors::Model> {
    use sea_orm::QuerySelect;
    let mut q = connectors::Entity::find_by_id(id)
        .filter(connectors::Column::WorkspaceId.eq(workspace.get()));
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        q = q.lock_exclusive();
    }
    q.one(db).await?.ok_or(Error::NotFound("connector"))
}

/// Replaces the stored (encrypted) credential: new tokens after a refresh.
pub async fn set_secret(db: &impl ConnectionTrait, id: i64, secret_enc: &str) -> Result<()> {
    connectors::Entity::update_many()
        .col_expr(connectors::Column::SecretEnc, Expr::value(secret_enc))
        .col_expr(connectors::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(connectors::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}
