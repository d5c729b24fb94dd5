//! Deal totals per day: what the dashboard's deal figures add up, kept by the database.
//!
//! With 1M deals the dashboard computed after a change took 1.1 / 1.6 / 2.7 s (SQLite) and
//! 1.2 / 1.6 / 2.5 s (PostgreSQL) for 30 / 90 / 365 days: the open pipeline at a date reads
//! every deal created before it, and the period queries every deal created or closed in it.
//! `deal_totals` holds, per workspace, currency, owner and UTC day, three kinds of rows:
//!
//! - `created`: deals created that day (stage 0) — count, amount, amount × probability;
//! - `closed`: deals closed that day, per stage — the same, and the days from creation to
//!   close summed (the sales cycle);
//! - `open`: deals not closed, per stage (day `''`) — the pipeline as it stands.
//!
//! The deals open at midnight `T` are those created before `T` less those closed before `T`
//! (the server sets `closed_at` when a deal enters a won or lost stage, never before its
//! creation), so every deal figure of a day-aligned period is a sum over a few thousand rows
//! instead of a scan of the deals.
//!
//! `crate::totals` installs the triggers that keep the rows (see there).

use sea_orm_migration::prelude::*;

use crate::totals;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        totals::create_table(
            db,
            "deal_totals",
            "workspace_id BIGINT NOT NULL, \
             event VARCHAR(8) NOT NULL CHECK (event IN ('created', 'closed', 'open')), \
             day VARCHAR(10) NOT NULL, \
             stage_id BIGINT NOT NULL, \
             currency VARCHAR(3) NOT NULL, \
             owner_id BIGINT NOT NULL, \
             n BIGINT NOT NULL, \
             amount BIGINT NOT NULL, \
             weighted BIGINT NOT NULL, \
             cycle_days {float} NOT NULL",
            totals::DEALS.key,
        )
        .await?;
        totals::DEALS.install(db).await
    }
}
