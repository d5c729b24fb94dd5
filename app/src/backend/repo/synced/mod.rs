//! Records another system owns (HubSpot …), written a page at a time by a connector's sync.
//!
//! A record already linked by its external id is updated; otherwise companies match by domain
//! and contacts by e-mail before a new record is made; then the link is written. Links are
//! unique per workspace, system, object and external id, so a re-sync, a retried page or two
//! syncs racing update the same record (the loser of a race fails its page on the unique
//! index and its job retries, finding the link). Values that fail the product's own checks
//! (a country that is not a code, a malformed URL) are left out rather than failing the
//! record; the name falls back to the domain or the external id.

mod companies;
mod contacts;
mod deals;
pub mod enrich;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::OnConflict, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

use crate::backend::entity::external_links;
use crate::backend::{Result, WorkspaceId};

pub use companies::{upsert_companies, Owns};
pub use contacts::{upsert_contacts, IncomingContact};
pub use deals::{
    stage_ref, upsert_deals, upsert_pipelines, IncomingDeal, IncomingPipeline, IncomingStage,
};

/// One record as another system sent it.
#[derive(Clone, Debug)]
pub struct Incoming<T> {
    pub external_id: String,
    /// When that system last changed it.
    pub modified: Option<DateTime<Utc>>,
    pub values: T,
}

/// A record of another system waiting for its new local id: its external id and when that
/// system last changed it.
pub(crate) type LinkTo = (String, Option<DateTime<Utc>>);

/// What a page did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub inserted: u64,
    pub updated: u64,
    /// Left for a later sync (a deal whose stage is not known yet).
    pub skipped: u64,
}

impl Written {
    pub fn total(&self) -> u64 {
        self.inserted + self.updated
    }
}

/// The kinds of records links point at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Object {
    Company,
    Contact,
    Deal,
    Pipeline,
    Stage,
}

impl Object {
    pub fn as_str(self) -> &'static str {
        match self {
            Object::Company => "company",
            Object::Contact => "contact",
            Object::Deal => "deal",
            Object::Pipeline => "pipeline",
            Object::Stage => "stage",
        }
    }
}

/// Prepares a page's transaction on PostgreSQL:
///
/// - Each statement is planned for its own values. A sync's statements run thousands of
///   times while their tables grow from empty; the generic plan PostgreSQL settles on after
///   five runs was made for an empty table (sequential scans) and, at 100,000 companies,
///   took 0.6 s a lookup (see docs/benchmarks.md, "Connector sync").
/// - The commit does not wait for the disk. A page and the cursor after it commit together,
///   so a crash of the database that loses the last pages loses their cursor with them: the
///   sync reads those pages again, and writing a page twice changes nothing. The flush per
///   page was most of a page's time.
pub async fn plan_each_page(db: &impl ConnectionTrait) -> Result<()> {
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        db.execute_unprepared(
            "SET LOCAL plan_cache_mode = force_custom_plan; SET LOCAL synchronous_commit = off",
        )
        .await?;
    }
    Ok(())
}

/// Keeps PostgreSQL's table statistics up with a sync that grows its tables from empty.
/// Planned on statistics of a far smaller table, the lookup of a page's links by external id
/// took the index on local ids and filtered every link of the kind: 23 ms a page at 75,000
/// links instead of 0.1 ms, and slower the more there were (see docs/benchmarks.md,
/// "Connector sync"). Autovacuum analyzes a table about once a minute, while a sync adds
/// tens of thousands of rows in that time; so the sync analyzes its tables itself each time
/// what it wrote has doubled (2,000, 4,000 … records: eight times over 400,000).
#[derive(Debug, Default)]
pub struct Statistics {
    written: u64,
    next: u64,
}

impl Statistics {
    const FIRST: u64 = 2_000;

    pub async fn after_page(&mut self, db: &impl ConnectionTrait, inserted: u64) -> Result<()> {
        if db.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
            return Ok(());
        }
        self.written += inserted;
        if self.written < self.next.max(Self::FIRST) {
            return Ok(());
        }
        db.execute_unprepared("ANALYZE external_links, companies, contacts, deals")
            .await?;
        self.next = self.written * 2;
        Ok(())
    }
}

/// The local ids of `external_ids` already linked, by external id.
pub async fn linked(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    source: &str,
    object: Object,
    external_ids: impl IntoIterator<Item = &str>,
) -> Result<HashMap<String, i64>> {
    let ids: Vec<&str> = external_ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut out = HashMap::with_capacity(ids.len());
    // Bounded IN lists: SQLite allows 32,766 parameters, PostgreSQL 65,535.
    for chunk in ids.chunks(1000) {
        let rows = external_links::Entity::find()
            .filter(external_links::Column::WorkspaceId.eq(workspace.get()))
            .filter(external_links::Column::Source.eq(source))
            .filter(external_links::Column::Object.eq(object.as_str()))
            .filter(external_links::Column::ExternalId.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        out.extend(rows.into_iter().map(|r| (r.external_id, r.local_id)));
    }
    Ok(out)
}

/// Writes (or moves) the links of a page in one statement.
pub async fn link(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    source: &str,
    object: Object,
    links: Vec<(String, i64, Option<DateTime<Utc>>)>,
) -> Result<()> {
    if links.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let rows =
        links.into_iter().map(
            |(external_id, local_id, modified)| external_links::ActiveModel {
                workspace_id: Set(workspace.get()),
                source: Set(source.to_owned()),
                object: Set(object.as_str().to_owned()),
                external_id: Set(external_id),
                local_id: Set(local_id),
                remote_modified_at: Set(modified),
                synced_at: Set(now),
                ..Default::default()
            },
        );
    external_links::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([
                external_links::Column::WorkspaceId,
                external_links::Column::Source,
                external_links::Column::Object,
                external_links::Column::ExternalId,
            ])
            .update_columns([
                external_links::Column::LocalId,
                external_links::Column::RemoteModifiedAt,
                external_links::Column::SyncedAt,
                external_links::Column::Conflict,
            ])
            .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// The external ids a record has, by system (`{"hubspot": "123"}`), for its page.
pub async fn links_of(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    object: Object,
    local_id: i64,
) -> Result<Vec<external_links::Model>> {
    Ok(external_links::Entity::find()
        .filter(external_links::Column::WorkspaceId.eq(workspace.get()))
        .filter(external_links::Column::Object.eq(object.as_str()))
        .filter(external_links::Column::LocalId.eq(local_id))
        .all(db)
        .await?)
}

/// Drops a system's links in a workspace (the records stay, as the workspace's own).
pub async fn unlink_all(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    source: &str,
) -> Result<u64> {
    Ok(external_links::Entity::delete_many()
        .filter(external_links::Column::WorkspaceId.eq(workspace.get()))
        .filter(external_links::Column::Source.eq(source))
        .exec(db)
        .await?
        .rows_affected)
}

/// The external id of local record `local_id`, in `source`.
pub async fn link_of(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    source: &str,
    object: Object,
    local_id: i64,
) -> Result<Option<external_links::Model>> {
    Ok(external_links::Entity::find()
        .filter(external_links::Column::WorkspaceId.eq(workspace.get()))
        .filter(external_links::Column::Source.eq(source))
        .filter(external_links::Column::Object.eq(object.as_str()))
        .filter(external_links::Column::LocalId.eq(local_id))
        .one(db)
        .await?)
}

/// After a change was sent back: the other system's new change time, and no conflict; or,
/// when it was not sent, why.
pub async fn mark_pushed(
    db: &impl ConnectionTrait,
    link_id: i64,
    remote_modified_at: Option<DateTime<Utc>>,
    conflict: Option<&str>,
) -> Result<()> {
    let mut update = external_links::Entity::update_many()
        .col_expr(
            external_links::Column::Conflict,
            sea_orm::sea_query::Expr::value(conflict),
        )
        .filter(external_links::Column::Id.eq(link_id));
    if let Some(at) = remote_modified_at {
        update = update.col_expr(
            external_links::Column::RemoteModifiedAt,
            sea_orm::sea_query::Expr::value(at),
        );
    }
    update.exec(db).await?;
    Ok(())
}

/// How many records of each kind are linked to `source` (`{"companies": 1500, …}`).
pub async fn link_counts(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    source: &str,
) -> Result<std::collections::BTreeMap<String, i64>> {
    use sea_orm::{
        sea_query::{Expr, ExprTrait},
        QuerySelect,
    };
    let rows: Vec<(String, i64)> = external_links::Entity::find()
        .select_only()
        .column(external_links::Column::Object)
        .column_as(Expr::col(external_links::Column::Id).count(), "n")
        .filter(external_links::Column::WorkspaceId.eq(workspace.get()))
        .filter(external_links::Column::Source.eq(source))
        .group_by(external_links::Column::Object)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(object, n)| {
            let plural = match object.as_str() {
                "company" => "companies".to_owned(),
                other => format!("{other}s"),
            };
            (plural, n)
        })
        .collect())
}
