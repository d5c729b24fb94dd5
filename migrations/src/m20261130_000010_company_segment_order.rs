//! "The largest companies in Germany / in Software": a segment filter sorted by size. With
//! only `(workspace_id, country, name_key)` and `(workspace_id, employee_count …)`, each such
//! page either sorted the whole segment (SQLite: 10k rows into a temp B-tree per request) or
//! walked every company by size discarding other segments (PostgreSQL: 2.8 ms a page at 100k
//! companies, 0.5 ms with this index; `scripts/bench-lists.sh`, country=DE sort -employees).
//! These indexes hold each segment in list order, so a page reads its 50 rows and stops.
//!
//! SQLite has no NULLS LAST in an index, and needs none: it orders NULL lowest, so DESC puts
//! it last, as the list's `DESC NULLS LAST` asks.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let nulls_last = match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => " NULLS LAST",
            _ => "",
        };
        for (name, segment) in [
            ("ix_companies_ws_country_employees", "country"),
            ("ix_companies_ws_industry_employees", "industry"),
        ] {
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "CREATE INDEX IF NOT EXISTS {name} ON companies \
                     (workspace_id, {segment}, employee_count DESC{nulls_last}, id DESC)"
                ))
                .await?;
        }
        Ok(())
    }
}
