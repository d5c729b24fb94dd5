//! GoHighLevel joins the systems a connector may be: the check on `connectors.kind` widens.
//! PostgreSQL swaps the constraint; SQLite, which cannot alter a check, rebuilds the table
//! from its own definition with the new list (rows, indexes and keys kept).

use sea_orm_migration::prelude::*;

use crate::schema_helpers::sqlite_rebuild;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Kept in step with `app::types::ConnectorKind` (a test there checks the list).
pub const CONNECTOR_KINDS: [&str; 3] = ["hubspot", "apollo", "gohighlevel"];

/// The list as migration 16 wrote it.
const BEFORE: &str = "('hubspot', 'apollo')";

fn quoted(kinds: &[&str]) -> String {
    let list: Vec<String> = kinds.iter().map(|k| format!("'{k}'")).collect();
    format!("({})", list.join(", "))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                db.execute_unprepared(
                    "ALTER TABLE connectors DROP CONSTRAINT IF EXISTS connectors_kind_check",
                )
                .await?;
                db.execute_unprepared(&format!(
                    "ALTER TABLE connectors ADD CONSTRAINT connectors_kind_check \
                     CHECK (kind IN {})",
                    quoted(&CONNECTOR_KINDS)
                ))
                .await?;
            }
            _ => {
                sqlite_rebuild(manager, "connectors", |sql| {
                    sql.contains(BEFORE)
                        .then(|| sql.replacen(BEFORE, &quoted(&CONNECTOR_KINDS), 1))
                })
                .await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sql() {
        assert_eq!(
            quoted(&CONNECTOR_KINDS),
            "('hubspot', 'apollo', 'gohighlevel')"
        );
    }
}
