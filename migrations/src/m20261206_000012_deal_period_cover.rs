//! The dashboard's period aggregates read deals by `(workspace_id, created_at)` or
//! `(workspace_id, closed_at)` and then each row for its currency, amount, stage and owner.
//! SQLite fetches those rows one by one by rowid: with 1M deals, the open-pipeline and
//! closed-in-period queries took 2.5 s each (Python timing on the benchmark database), and
//! 0.43 and 0.83 s when the index holds those columns too (the dashboard computed after a
//! change for 30 / 90 / 365 days: 1.9 / 3.4 / 4.0 s → 1.4 / 1.4 / 2.6 s, same machine).
//!
//! The wider indexes replace the two narrow ones. `id` comes right after the date, so they
//! keep the narrow ones' order (SQLite appends the rowid to an index): the deals list sorted
//! by created date still reads its page in index order.
//!
//! SQLite only: for periods of any length PostgreSQL reads these aggregates with a
//! (parallel) sequential scan, with or without the wider indexes (EXPLAIN ANALYZE on the same
//! data: 808 → 624 ms and 210 → 237 ms), so it keeps the narrow ones and writes less.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != sea_orm::DatabaseBackend::Sqlite {
            return Ok(());
        }
        let db = manager.get_connection();
        for (narrow, wide, cols) in [
            (
                "ix_deals_ws_created",
                "ix_deals_ws_created_cover",
                "workspace_id, created_at, id, closed_at, currency, amount_minor, probability, owner_id",
            ),
            (
                "ix_deals_ws_closed",
                "ix_deals_ws_closed_cover",
                "workspace_id, closed_at, id, stage_id, currency, amount_minor, created_at, owner_id",
            ),
        ] {
            db.execute_unprepared(&format!(
                "CREATE INDEX IF NOT EXISTS {wide} ON deals ({cols})"
            ))
            .await?;
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {narrow}"))
                .await?;
        }
        Ok(())
    }
}
