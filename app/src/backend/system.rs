//! System status: which database, which schema version. Read live on every call.

use chrono::Utc;

use super::{db, AppState, Result};
use crate::types::SystemStatus;

pub async fn status(state: &AppState) -> Result<SystemStatus> {
    let migrations = db::migration_status(&state.db).await?;
    let database_version = db::server_version(&state.db).await?;
    Ok(SystemStatus {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        backend: db::backend(&state.db),
        database_version,
        pending_migrations: migrations.iter().filter(|m| !m.applied).count(),
        migrations,
        started_at: state.started_at(),
        checked_at: Utc::now(),
    })
}

/// Ready means: the database answers and no migration is pending.
pub async fn readiness(state: &AppState) -> std::result::Result<(), String> {
    state
        .db
        .ping()
        .await
        .map_err(|e| format!("database unreachable: {e}"))?;
    let pending = db::migration_status(&state.db)
        .await
        .map_err(|e| format!("migration status unavailable: {e}"))?
        .into_iter()
        .filter(|m| !m.applied)
        .count();
    if pending > 0 {
        return Err(format!("{pending} migration(s) pending"));
    }
    Ok(())
}
