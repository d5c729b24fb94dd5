//! Demo data: a realistic, deterministic workspace — companies across industries and
//! countries, competitor graphs, two years of deals across both default pipelines, activities,
//! metric series with trend and seasonality, and signals with sentiment — so that lists,
//! dashboards and reports have something true to show.
//!
//! The same seed and anchor date give the same rows. Everything is written in one transaction
//! with multi-row inserts (1,000 rows a statement, below SQLite's 32,766-parameter limit), so a
//! million deals take seconds and a failure leaves nothing behind.
//!
//! Here: what to generate and for whom, and the ways in (`seed_for`, `seed_empty_instance`);
//! `seed` runs one seed's transaction, `generator` holds the shared generator and its
//! helpers, and `companies`, `deals`, `activities` and `market` each generate their rows.

mod activities;
mod companies;
mod deals;
mod generator;
mod market;
mod seed;
mod words;

use crate::backend::WorkspaceId;
use chrono::{DateTime, Datelike, TimeZone, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};

use super::auth::{can, Authorized};
use super::db::begin_write;
use super::entity::{memberships, workspaces};
use super::workspaces::add_default_pipelines;
use super::{Error, Result};
use crate::types::{DemoDataReport, Role};

pub use seed::seed;

pub const ACTION_SEEDED: &str = "demo.seeded";

/// What to generate.
#[derive(Clone, Debug)]
pub struct DemoSpec {
    pub companies: usize,
    pub deals: usize,
    pub seed: u64,
    /// "Now" for the generated history; dates run up to two years before it.
    pub anchor: DateTime<Utc>,
    /// Maintain every index row by row even for a large load. By default a large seed into a
    /// nearly empty database drops the secondary indexes and builds them after the load
    /// (`bulk`), which on PostgreSQL keeps other sessions out of those tables until it
    /// commits; this keeps them readable, at several times the seed's time.
    pub keep_indexes: bool,
}

impl DemoSpec {
    pub const MAX_COMPANIES: usize = 1_000_000;
    pub const MAX_DEALS: usize = 10_000_000;

    /// The size the empty-state button makes: big enough for every chart to have a shape.
    pub fn standard() -> Self {
        Self {
            companies: 250,
            deals: 1_200,
            seed: 42,
            anchor: today(),
            keep_indexes: false,
        }
    }
}

/// Midnight UTC today: a whole day keeps reruns on the same day identical.
pub fn today() -> DateTime<Utc> {
    let now = Utc::now();
    Utc.with_ymd_and_hms(now.year(), now.month(), now.day(), 0, 0, 0)
        .single()
        .unwrap_or(now)
}

/// Who the demo rows are attributed to (deal owners, activity authors).
#[derive(Clone, Debug, Default)]
pub struct DemoActor {
    pub user_id: Option<i64>,
    pub label: String,
    pub ip: Option<String>,
}

/// The empty-state button: fills the caller's workspace with the standard demo, with the
/// workspace's members as deal owners.
pub async fn seed_for(
    db: &DatabaseConnection,
    auth: &Authorized<'_, can::ManageWorkspace>,
) -> Result<DemoDataReport> {
    let owners = member_ids(db, auth.workspace()).await?;
    let actor = DemoActor {
        user_id: Some(auth.user_id()),
        label: auth.actor_label().to_owned(),
        ip: auth.ip().map(str::to_owned),
    };
    seed(db, auth.workspace(), &owners, &actor, &DemoSpec::standard()).await
}

/// Members who can own deals (viewers cannot), oldest first.
pub async fn member_ids(db: &impl ConnectionTrait, workspace_id: WorkspaceId) -> Result<Vec<i64>> {
    Ok(memberships::Entity::find()
        .filter(memberships::Column::WorkspaceId.eq(workspace_id))
        .filter(memberships::Column::Role.ne(Role::Viewer))
        .order_by_asc(memberships::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect())
}

pub use crate::backend::workspaces::DEMO_SLUG;

/// On an empty database (no workspaces at all), creates the "Demo workspace" without members
/// and fills it. Returns None when the database already holds workspaces.
pub async fn seed_empty_instance(
    db: &DatabaseConnection,
    spec: &DemoSpec,
) -> Result<Option<DemoDataReport>> {
    let txn = begin_write(db).await?;
    if workspaces::Entity::find().count(&txn).await? > 0 {
        return Ok(None);
    }
    let ws = create_workspace(&txn, "Demo workspace", DEMO_SLUG).await?;
    let actor = DemoActor {
        label: "system".into(),
        ..Default::default()
    };
    let report = seed(&txn, ws, &[], &actor, spec).await?;
    txn.commit().await?;
    Ok(Some(report))
}

/// A workspace without members, for `server seed --demo` and the startup demo.
pub async fn create_workspace(
    db: &impl ConnectionTrait,
    name: &str,
    slug: &str,
) -> Result<WorkspaceId> {
    let now = Utc::now();
    let ws = workspaces::ActiveModel {
        name: Set(name.to_owned()),
        slug: Set(slug.to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            Error::Conflict(format!("a workspace with the slug `{slug}` already exists"))
        }
        _ => Error::Db(e),
    })?;
    // The workspace was made just now, by this code.
    let ws = WorkspaceId::vouched(ws.id);
    add_default_pipelines(db, ws).await?;
    Ok(ws)
}
