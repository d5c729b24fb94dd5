//! One seed, in one transaction: checked, sized (a large load into a nearly empty database
//! builds its indexes and, on PostgreSQL, its totals after the load), each kind generated
//! in turn, and an audit entry.

use crate::backend::WorkspaceId;
use std::time::Instant;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Statement,
    TransactionSession, TransactionTrait,
};

use super::deals::load_pipelines;
use super::generator::Generator;
use super::{DemoActor, DemoSpec, ACTION_SEEDED};
use crate::backend::audit::{self, Entry};
use crate::backend::bulk;
use crate::backend::db::{self as database, begin_write};
use crate::backend::entity::{companies, deals};
use crate::backend::workspaces::add_default_pipelines;
use crate::backend::{Error, Result};
use crate::types::DemoDataReport;

/// Fills an empty workspace. Refuses (409) if it already has companies or deals: demo rows
/// mixed into real ones could not be told apart or removed cleanly.
pub async fn seed<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    workspace_id: WorkspaceId,
    owner_ids: &[i64],
    actor: &DemoActor,
    spec: &DemoSpec,
) -> Result<DemoDataReport> {
    check(spec)?;
    let started = Instant::now();
    let txn = begin_write(db).await?;
    // A million deals touch ~800 MB of table and index pages, in random order for most
    // indexes. With the connection's usual 16 MiB page cache SQLite spills dirty pages to the
    // WAL mid-transaction and reads them back for the next insert into the same index; with
    // room for all of them everything stays in memory until the commit writes it once.
    // (Pages are allocated as used: a small seed stays small. PostgreSQL has no such knob.)
    database::sqlite_cache_size(&txn, BULK_CACHE_KIB).await?;
    let deferred = defer_indexes(&txn, spec).await?;
    // On PostgreSQL a deferred load also runs without the totals' triggers (`deal_totals`,
    // `day_totals`) and sums the workspace's rows once at the end: each batch's statement
    // trigger updates the same few thousand totals again, and a row updated many times in
    // one transaction makes every further update walk its earlier versions (1M deals: 204 s
    // for the deals alone, against 57 s for the whole seed before the totals existed).
    // Dropping the indexes already holds these tables exclusively until the commit, so no
    // other writer can miss the triggers; SQLite's row triggers cost nothing measurable
    // there (the same 36 s seed) and stay on.
    let totals_off =
        deferred.is_some() && txn.get_database_backend() == sea_orm::DbBackend::Postgres;
    if totals_off {
        pause_totals(&txn).await?;
    }
    let mut filled = fill(&txn, workspace_id, owner_ids, actor, spec, started).await;
    if totals_off && filled.is_ok() {
        if let Err(e) = resume_totals(&txn, workspace_id).await {
            filled = Err(e.into());
        }
    }
    if let Some(deferred) = deferred {
        build_indexes(&txn, deferred, &mut filled, started).await;
    }
    // Back to the usual size before the connection returns to the pool; dirty pages are not
    // evicted by this (they are written at commit).
    database::sqlite_cache_size(&txn, database::SQLITE_CACHE_KIB).await?;
    let report = filled?;
    let committing = Instant::now();
    txn.commit().await?;
    tracing::info!(
        ms = committing.elapsed().as_millis() as u64,
        "demo seed: commit"
    );
    tracing::info!(
        workspace_id = workspace_id.get(),
        ?report,
        "demo data seeded"
    );
    Ok(report)
}

/// Refuses a spec out of bounds.
fn check(spec: &DemoSpec) -> Result<()> {
    if spec.companies == 0 || spec.companies > DemoSpec::MAX_COMPANIES {
        return Err(Error::BadRequest(format!(
            "companies must be between 1 and {}",
            DemoSpec::MAX_COMPANIES
        )));
    }
    if spec.deals > DemoSpec::MAX_DEALS {
        return Err(Error::BadRequest(format!(
            "deals must be at most {}",
            DemoSpec::MAX_DEALS
        )));
    }
    Ok(())
}

/// Drops the secondary indexes of the tables a seed fills when the load is large for what
/// the database holds (see `bulk`), unless the spec keeps them: what to build afterwards.
async fn defer_indexes(
    txn: &impl ConnectionTrait,
    spec: &DemoSpec,
) -> Result<Option<bulk::DeferredIndexes>> {
    let adding = (spec.companies + spec.deals) as u64;
    let deferred =
        if !spec.keep_indexes && bulk::worth_deferring(rows_up_to(txn, adding).await?, adding) {
            let dropped = Instant::now();
            let deferred = bulk::drop_secondary_indexes(txn, BULK_TABLES).await?;
            tracing::info!(
                indexes = deferred.indexes(),
                foreign_keys = deferred.foreign_keys(),
                ms = dropped.elapsed().as_millis() as u64,
                "demo seed: secondary indexes dropped, to be built after the load"
            );
            Some(deferred)
        } else {
            None
        };
    Ok(deferred)
}

/// Switches the totals' triggers off for the load (see `seed`).
async fn pause_totals(txn: &impl ConnectionTrait) -> Result<()> {
    for t in migrations::totals::ALL {
        txn.execute_unprepared(&format!("ALTER TABLE {} DISABLE TRIGGER USER", t.source))
            .await?;
    }
    Ok(())
}

/// Builds the indexes deferred for a load that succeeded. A failed rebuild fails the seed
/// like a failed insert: through `filled`, so the page cache is still set back before the
/// (rolled back) connection is returned.
async fn build_indexes(
    txn: &impl ConnectionTrait,
    deferred: bulk::DeferredIndexes,
    filled: &mut Result<DemoDataReport>,
    started: Instant,
) {
    let Ok(report) = filled else {
        return;
    };
    let building = Instant::now();
    match deferred.rebuild(txn).await {
        Ok(()) => {
            tracing::info!(
                ms = building.elapsed().as_millis() as u64,
                "demo seed: indexes built"
            );
            report.millis = started.elapsed().as_millis() as u64;
        }
        Err(e) => *filled = Err(e.into()),
    }
}

/// Switches the totals' triggers back on and sums the workspace's rows into them.
async fn resume_totals(
    txn: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
) -> Result<(), sea_orm::DbErr> {
    let summing = Instant::now();
    let backend = txn.get_database_backend();
    for t in migrations::totals::ALL {
        txn.execute_unprepared(&format!("ALTER TABLE {} ENABLE TRIGGER USER", t.source))
            .await?;
        for sql in t.rebuild(backend, workspace_id.get()) {
            txn.execute_unprepared(&sql).await?;
        }
    }
    tracing::info!(
        ms = summing.elapsed().as_millis() as u64,
        "demo seed: totals summed"
    );
    Ok(())
}

/// The page cache a seed's transaction gets on SQLite (KiB).
const BULK_CACHE_KIB: i64 = 1 << 20;

/// The tables a seed fills, whose secondary indexes a large seed builds after the load.
const BULK_TABLES: &[&str] = &[
    "companies",
    "company_tags",
    "contacts",
    "competitors",
    "deals",
    "activities",
    "market_metrics",
    "signals",
];

/// Companies plus deals already in the database (all workspaces), counted up to `cap`: what
/// decides whether a seed of `cap` rows builds its indexes after the load.
async fn rows_up_to(db: &impl ConnectionTrait, cap: u64) -> Result<u64> {
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM companies LIMIT {cap}) AS c) \
              + (SELECT COUNT(*) FROM (SELECT 1 FROM deals LIMIT {cap}) AS d) AS n"
    );
    let n: i64 = match db
        .query_one_raw(Statement::from_string(backend, sql))
        .await?
    {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    Ok(u64::try_from(n).unwrap_or(0))
}

async fn fill(
    txn: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    owner_ids: &[i64],
    actor: &DemoActor,
    spec: &DemoSpec,
    started: Instant,
) -> Result<DemoDataReport> {
    let has_companies = companies::Entity::find()
        .filter(companies::Column::WorkspaceId.eq(workspace_id))
        .count(txn)
        .await?
        > 0;
    let has_deals = deals::Entity::find()
        .filter(deals::Column::WorkspaceId.eq(workspace_id))
        .count(txn)
        .await?
        > 0;
    if has_companies || has_deals {
        return Err(Error::Conflict(
            "demo data goes into an empty workspace; this one already has companies or deals"
                .into(),
        ));
    }
    add_default_pipelines(txn, workspace_id).await?;

    let mut g = Generator {
        rng: ChaCha8Rng::seed_from_u64(spec.seed),
        ws: workspace_id.get(),
        anchor: spec.anchor,
        owners: owner_ids.to_vec(),
        report: DemoDataReport::default(),
    };
    // Each kind's time goes to the log (RUST_LOG=info): where a large seed spends it.
    let mut lap = Instant::now();
    let mut phase = |name: &'static str| {
        tracing::info!(
            phase = name,
            ms = lap.elapsed().as_millis() as u64,
            "demo seed"
        );
        lap = Instant::now();
    };
    let cos = g.companies(txn, spec.companies).await?;
    phase("companies");
    g.contacts(txn, &cos).await?;
    phase("contacts");
    g.competitors(txn, &cos).await?;
    phase("competitors");
    let pipes = load_pipelines(txn, workspace_id).await?;
    let deal_rows = g.deals(txn, &cos, &pipes, spec.deals).await?;
    phase("deals");
    g.activities(txn, &cos, &deal_rows).await?;
    phase("activities");
    g.metrics(txn, &cos).await?;
    phase("metrics");
    g.signals(txn, &cos).await?;
    phase("signals");

    let mut report = g.report;
    report.millis = started.elapsed().as_millis() as u64;
    audit::record(
        txn,
        Entry {
            workspace_id: Some(workspace_id.get()),
            actor_user_id: actor.user_id,
            actor_label: actor.label.clone(),
            action: ACTION_SEEDED,
            target_type: Some("workspace"),
            target_id: Some(workspace_id.to_string()),
            detail: Some(format!(
                "seed {}: {} companies, {} deals, {} activities",
                spec.seed, report.companies, report.deals, report.activities
            )),
            ip: actor.ip.clone(),
        },
    )
    .await?;
    Ok(report)
}
