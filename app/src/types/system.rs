use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DatabaseBackend {
    Sqlite,
    Postgres,
}

impl DatabaseBackend {
    pub fn label(self) -> &'static str {
        match self {
            DatabaseBackend::Sqlite => "SQLite",
            DatabaseBackend::Postgres => "PostgreSQL",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct MigrationInfo {
    pub name: String,
    pub applied: bool,
}

/// What `system_status` reports: which database this process talks to and whether its schema
/// is current. Read through SeaORM on every call, never cached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct SystemStatus {
    pub version: String,
    pub backend: DatabaseBackend,
    /// The server's own version string (`select sqlite_version()` / `show server_version`).
    pub database_version: String,
    pub migrations: Vec<MigrationInfo>,
    pub pending_migrations: usize,
    pub started_at: DateTime<Utc>,
    pub checked_at: DateTime<Utc>,
}

impl SystemStatus {
    pub fn applied_migrations(&self) -> usize {
        self.migrations.iter().filter(|m| m.applied).count()
    }

    pub fn is_current(&self) -> bool {
        self.pending_migrations == 0
    }
}
