//! Answers still `streaming`, oldest save first: every serving process looks for those a dead
//! process left behind once a minute (`ai::chat::sweep_interrupted`). Without an index that
//! look was a scan of every message ever written, per process and minute; with it, a range
//! of the few answers being written now. Status first, so the query's bound parameters
//! (`status = ? AND updated_at < ?`) match it on both databases.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX IF NOT EXISTS ix_ai_messages_status_updated \
                 ON ai_messages (status, updated_at)",
            )
            .await?;
        Ok(())
    }
}
