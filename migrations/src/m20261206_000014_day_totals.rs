//! Companies added, activities and signals per workspace and UTC day: what the dashboard
//! counts of them, kept by triggers (`crate::totals`) like `deal_totals`.
//!
//! With 100k companies, 200k activities and 50k signals, the dashboard's activity chart took
//! 208 ms (SQLite) and 101 ms (PostgreSQL) to group a year of activities by kind and day, the
//! sentiment KPI 62 and 25 ms, new companies 23 and 21 ms — most of what was left once deals
//! came from `deal_totals`. Rows (`source`, `kind`, `owner_id`):
//!
//! - `company`, `''`, 0 — companies created that day;
//! - `activity`, the activity's kind, its author (0: none) — activities that happened;
//! - `signal`, `''`, 0 — signals published, `total` their sentiment summed.
//!
//! And `competitor_counts`: how many companies name each competitor, for the sentiment
//! chart's most-watched competitors. Counting 140k links per dashboard took 18 ms on SQLite
//! and 77–100 ms on PostgreSQL (75k groups: its hash aggregate spilled to disk); the top five
//! now come from an index on the count.

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
            "day_totals",
            "workspace_id BIGINT NOT NULL, \
             source VARCHAR(8) NOT NULL CHECK (source IN ('company', 'activity', 'signal')), \
             day VARCHAR(10) NOT NULL, \
             kind VARCHAR(8) NOT NULL, \
             owner_id BIGINT NOT NULL, \
             n BIGINT NOT NULL, \
             total {float} NOT NULL",
            totals::ACTIVITIES.key,
        )
        .await?;
        totals::create_table(
            db,
            "competitor_counts",
            "workspace_id BIGINT NOT NULL, competitor_id BIGINT NOT NULL, n BIGINT NOT NULL",
            totals::COMPETITORS.key,
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX IF NOT EXISTS ix_competitor_counts_top \
             ON competitor_counts (workspace_id, n DESC, competitor_id)",
        )
        .await?;
        for t in [
            &totals::COMPANIES,
            &totals::ACTIVITIES,
            &totals::SIGNALS,
            &totals::COMPETITORS,
        ] {
            t.install(db).await?;
        }
        Ok(())
    }
}
