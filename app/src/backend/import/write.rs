//! Running an import: check every row again, then write all of them (or the valid ones) in
//! one transaction, streaming from the file so memory stays flat.

use crate::backend::auth::can;
use crate::backend::WorkspaceId;
use std::path::PathBuf;

use chrono::Utc;
use sea_orm::{
    sea_query::Expr, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionSession,
    TransactionTrait,
};

use super::convert::ValidRow;
use super::csv::{Mapping, Sniffed};
use super::lookups::lookups;
use super::walk::walk;
use super::{find, mapping_of, remember_options, sniff_file};
use crate::backend::audit::{self, Entry};
use crate::backend::auth::Authorized;
use crate::backend::entity::{companies, contacts, imports};
use crate::backend::jobs::JobContext;
use crate::backend::repo::{
    companies as company_repo, contacts as contact_repo, deals as deal_repo,
};
use crate::backend::{Error, Result};
use crate::types::{CompanySource, ImportCheck, ImportEntity, ImportOptions, ImportOutcome};

/// Checks, then writes all rows (or the valid ones, if chosen) in one transaction. Run as a
/// job (`job` set), it reports its phases as steps and its progress every 1,000 rows.
pub async fn run<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::Write>,
    id: i64,
    options: &ImportOptions,
    job: Option<&JobContext>,
) -> Result<ImportOutcome> {
    let step = |name: &'static str, pct: i32| async move {
        match job {
            Some(ctx) => Ok(ctx.step(name, pct).await?),
            None => Ok::<(), Error>(()),
        }
    };
    let (row, entity) = find(db, auth, id).await?;
    remember_options(db, id, options).await?;
    if row.status == "imported" {
        return Err(Error::Conflict(
            "this file has already been imported; upload it again to import it again".into(),
        ));
    }
    let path = PathBuf::from(&row.stored_path);
    let sniffed = sniff_file(&path, options.has_header).await?;
    let mapping = match mapping_of(entity, options, &sniffed) {
        Ok(m) => m,
        Err(problems) => return Err(Error::field("mapping", problems.join(" "))),
    };
    step("check every row", 5).await?;
    let lookups_for_check = lookups(db, auth.workspace(), entity, options.pipeline_id).await?;
    let (check, _) = walk(
        path.clone(),
        sniffed.clone(),
        entity,
        mapping.clone(),
        lookups_for_check,
        options.clone(),
        |_, _| {},
    )
    .await?;
    let report_url = (check.invalid > 0).then(|| {
        format!(
            "/api/imports/{id}/errors.csv?workspace={}",
            auth.workspace_slug()
        )
    });
    if check.invalid > 0 && !options.skip_invalid {
        return Ok(ImportOutcome {
            imported: false,
            inserted: 0,
            updated: 0,
            skipped: 0,
            check,
            report_url,
        });
    }

    step("write the rows", 40).await?;
    let source = Source {
        path,
        sniffed,
        entity,
        mapping,
    };
    let (inserted, updated) =
        write_all(db, auth, id, source, options, (&check, &row.filename), job).await?;
    Ok(ImportOutcome {
        imported: true,
        inserted,
        updated,
        skipped: check.invalid,
        check,
        report_url,
    })
}

/// The file as the import reads it.
struct Source {
    path: PathBuf,
    sniffed: Sniffed,
    entity: ImportEntity,
    mapping: Mapping,
}

/// The second pass, in one transaction: the valid rows stream from the reader into it (the
/// channel is bounded, so memory stays flat whatever the file size). Answers (inserted,
/// updated).
async fn write_all<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::Write>,
    id: i64,
    source: Source,
    options: &ImportOptions,
    (check, filename): (&ImportCheck, &str),
    job: Option<&JobContext>,
) -> Result<(u64, u64)> {
    let to_write = check.valid.max(1);
    let entity = source.entity;
    let lookups = lookups(db, auth.workspace(), entity, options.pipeline_id).await?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(u64, ValidRow)>(256);
    let walker = tokio::spawn(walk(
        source.path,
        source.sniffed,
        entity,
        source.mapping,
        lookups,
        options.clone(),
        move |line, row| {
            let _ = tx.blocking_send((line, row));
        },
    ));
    let txn = crate::backend::db::begin_write(db).await?;
    let (mut inserted, mut updated) = (0u64, 0u64);
    while let Some((line, row)) = rx.recv().await {
        let result = write_row(&txn, auth.workspace(), row).await;
        match result {
            Ok(Written::Inserted) => inserted += 1,
            Ok(Written::Updated) => updated += 1,
            Err(_) => {}
        }
        if let Some(ctx) = job {
            report_progress(db, ctx, inserted + updated, to_write).await;
        }
        // A row that still fails (a concurrent write took its domain) aborts everything:
        // the transaction is dropped, nothing is half-imported.
        if let Err(e) = result {
            walker.abort();
            return Err(match e {
                Error::Validation(fields) => Error::Conflict(format!(
                    "line {line}: {} — nothing was imported",
                    fields
                        .iter()
                        .map(|f| format!("{}: {}", f.field, f.message))
                        .collect::<Vec<_>>()
                        .join("; ")
                )),
                other => other,
            });
        }
    }
    walker.await.map_err(|e| Error::Other(e.into()))??;
    let skipped = check.invalid;
    audit::record(
        &txn,
        Entry::in_scope(auth, "import.completed")
            .target("import", id)
            .detail(format!(
                "{}: {inserted} added, {updated} updated, {skipped} skipped ({filename})",
                entity.as_str(),
            )),
    )
    .await?;
    let summary = serde_json::json!({
        "options": options, "inserted": inserted, "updated": updated, "skipped": skipped,
    });
    imports::Entity::update_many()
        .col_expr(imports::Column::Status, Expr::value("imported"))
        .col_expr(imports::Column::Summary, Expr::value(summary.to_string()))
        .col_expr(imports::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(imports::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok((inserted, updated))
}

enum Written {
    Inserted,
    Updated,
}

/// One checked row: a new record, or an existing one overwritten (upserts by domain or
/// e-mail; a record deleted since the check is inserted again).
async fn write_row(txn: &impl ConnectionTrait, ws: WorkspaceId, row: ValidRow) -> Result<Written> {
    fn inserted<T>(_: T) -> Written {
        Written::Inserted
    }
    fn updated<T>(_: T) -> Written {
        Written::Updated
    }
    match row {
        ValidRow::Company {
            v,
            existing: Some(cid),
        } => match companies::Entity::find_by_id(cid).one(txn).await? {
            Some(m) => company_repo::overwrite_row(txn, ws, m, &v, CompanySource::Csv)
                .await
                .map(updated),
            None => company_repo::insert_row(txn, ws, &v, CompanySource::Csv)
                .await
                .map(inserted),
        },
        ValidRow::Company { v, existing: None } => {
            company_repo::insert_row(txn, ws, &v, CompanySource::Csv)
                .await
                .map(inserted)
        }
        ValidRow::Contact {
            v,
            existing: Some(cid),
        } => match contacts::Entity::find_by_id(cid).one(txn).await? {
            Some(m) => contact_repo::overwrite_row(txn, m, v).await.map(updated),
            None => contact_repo::insert_row(txn, ws, v).await.map(inserted),
        },
        ValidRow::Contact { v, existing: None } => {
            contact_repo::insert_row(txn, ws, v).await.map(inserted)
        }
        ValidRow::Deal(v) => deal_repo::insert_row(txn, ws, v).await.map(inserted),
    }
}

/// Every 1,000 rows: the job's progress. On SQLite the import's transaction holds the only
/// write lock, so the progress can only be announced, not logged (a log write would wait for
/// our own commit).
async fn report_progress(db: &impl ConnectionTrait, ctx: &JobContext, done: u64, of: u64) {
    if done == 0 || !done.is_multiple_of(1_000) {
        return;
    }
    let pct = 40 + (done * 55 / of).min(55) as i32;
    let message = format!("{done} of {of} rows written");
    if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        ctx.live_progress(pct, &message).await;
    } else if let Err(e) = ctx.progress(pct, &message).await {
        tracing::warn!(error = %e, "recording import progress");
    }
}
