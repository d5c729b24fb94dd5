//! Bulk loads: a table's secondary indexes are dropped before a large load and built again
//! after it, inside the load's transaction.
//!
//! Inserting rows one statement after another updates every index row by row, in random key
//! order for most of them: in a Python replica of the deals table on SQLite, a million rows
//! with the eleven secondary indexes took 44 s to insert and 6 s to commit; into the bare
//! table 4 s, and the eleven `CREATE INDEX` (one sort each) 13 s. The demo seed of 100k
//! companies and 1M deals went from 127 s to 27 s (`scripts/bench-lists.sh`). Unique indexes
//! and primary keys stay: they guard the data while it loads.
//!
//! On PostgreSQL the foreign keys of those tables go too and are added again after the load:
//! each one is a trigger that looks its parent row up for every inserted row (five per deal).
//! Inserting 100k deals into their table without indexes took 2.4 s with the foreign keys
//! and 0.4 s without (psql on the 1M-deal benchmark database); adding a foreign key back
//! checks all rows in one join. SQLite's checks are in-process index probes, cheap enough, and
//! its foreign keys cannot be dropped from a table anyway.
//!
//! Both databases do DDL inside a transaction, so a failed load rolls the indexes back with
//! the rows. On SQLite the load holds the single write lock anyway and readers keep seeing
//! the snapshot from before it, indexes included. On PostgreSQL `DROP INDEX` locks the
//! table against every other session until the commit — which is why callers only defer
//! indexes for a large load into a nearly empty table (a new instance or a benchmark), see
//! `worth_deferring`.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

/// What `drop_secondary_indexes` dropped, to build again with `rebuild`: index definitions,
/// and (PostgreSQL) foreign keys as (table, name, definition).
#[must_use = "the indexes are gone until `rebuild` runs"]
pub struct DeferredIndexes {
    definitions: Vec<String>,
    foreign_keys: Vec<(String, String, String)>,
}

/// Whether a load of `adding` rows into tables that hold `existing` rows is better done with
/// its indexes deferred: only for a large load, and only while building the indexes over the
/// whole table afterwards costs less than maintaining them row by row.
pub fn worth_deferring(existing: u64, adding: u64) -> bool {
    adding >= 100_000 && existing.saturating_mul(4) < adding
}

/// Drops the non-unique indexes of `tables` (and on PostgreSQL their foreign keys) on the
/// connection of `txn` (meant to be a transaction) and answers their definitions.
pub async fn drop_secondary_indexes(
    txn: &impl ConnectionTrait,
    tables: &[&str],
) -> Result<DeferredIndexes, DbErr> {
    let backend = txn.get_database_backend();
    let mut found: Vec<(String, String)> = Vec::new();
    for table in tables {
        let sql = match backend {
            DbBackend::Postgres => {
                "SELECT indexname AS name, indexdef AS definition FROM pg_indexes \
                 WHERE schemaname = current_schema() AND tablename = $1 \
                   AND indexdef NOT LIKE 'CREATE UNIQUE%' ORDER BY indexname"
            }
            // Indexes behind UNIQUE and PRIMARY KEY constraints have no SQL of their own.
            _ => {
                "SELECT name, sql AS definition FROM sqlite_master \
                 WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL \
                   AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name"
            }
        };
        let rows = txn
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [(*table).into()],
            ))
            .await?;
        for row in rows {
            found.push((row.try_get("", "name")?, row.try_get("", "definition")?));
        }
    }
    for (name, _) in &found {
        txn.execute_unprepared(&format!("DROP INDEX {}", quoted(name)))
            .await?;
    }
    let mut foreign_keys = Vec::new();
    if backend == DbBackend::Postgres {
        for table in tables {
            let rows = txn
                .query_all_raw(Statement::from_sql_and_values(
                    backend,
                    "SELECT conname AS name, pg_get_constraintdef(oid) AS definition \
                     FROM pg_constraint WHERE contype = 'f' \
                       AND conrelid = (quote_ident(current_schema()) || '.' || quote_ident($1))::regclass \
                     ORDER BY conname",
                    [(*table).into()],
                ))
                .await?;
            for row in rows {
                let name: String = row.try_get("", "name")?;
                txn.execute_unprepared(&format!(
                    "ALTER TABLE {} DROP CONSTRAINT {}",
                    quoted(table),
                    quoted(&name)
                ))
                .await?;
                foreign_keys.push(((*table).to_owned(), name, row.try_get("", "definition")?));
            }
        }
    }
    Ok(DeferredIndexes {
        definitions: found.into_iter().map(|(_, d)| d).collect(),
        foreign_keys,
    })
}

impl DeferredIndexes {
    /// How many indexes were dropped.
    pub fn indexes(&self) -> usize {
        self.definitions.len()
    }

    /// How many foreign keys were dropped (PostgreSQL only).
    pub fn foreign_keys(&self) -> usize {
        self.foreign_keys.len()
    }

    /// Builds the dropped indexes again, each with one sort over its table, then adds the
    /// dropped foreign keys back, each checked with one join.
    pub async fn rebuild(self, txn: &impl ConnectionTrait) -> Result<(), DbErr> {
        if txn.get_database_backend() == DbBackend::Postgres {
            // The default 64 MB sorts a million-row index through temporary files.
            txn.execute_unprepared("SET LOCAL maintenance_work_mem = '256MB'")
                .await?;
        }
        for definition in &self.definitions {
            txn.execute_unprepared(definition).await?;
        }
        for (table, name, definition) in &self.foreign_keys {
            txn.execute_unprepared(&format!(
                "ALTER TABLE {} ADD CONSTRAINT {} {definition}",
                quoted(table),
                quoted(name)
            ))
            .await?;
        }
        Ok(())
    }
}

/// An identifier as SQL text; both databases quote with double quotes.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_large_loads_into_nearly_empty_tables_defer() {
        assert!(!worth_deferring(0, 5_000));
        assert!(worth_deferring(0, 1_100_000));
        assert!(worth_deferring(200_000, 1_100_000));
        assert!(!worth_deferring(300_000, 1_100_000));
    }

    #[test]
    fn names_are_quoted() {
        assert_eq!(quoted("ix_deals"), "\"ix_deals\"");
        assert_eq!(quoted("a\"b"), "\"a\"\"b\"");
    }
}
