//! Sums the database keeps beside a table (`deal_totals`, `day_totals`): how a set of rows
//! adds to them, and the triggers that apply every insert, update and delete — so no writer
//! can forget them (the API, CSV import, bulk edits, the demo seed, a cascade, another
//! process). The dashboard reads these sums instead of scanning the rows (migrations 000013
//! and 000014 explain the tables).
//!
//! SQLite runs the triggers per row; PostgreSQL per statement over its transition tables (a
//! batch insert of 1,000 rows is one grouped upsert, in key order so that concurrent writers
//! take the rows' locks in the same order). A change that nets to nothing (only a deal's name,
//! say) writes nothing. Sums that drop to zero stay as rows of zeros: a workspace has at most
//! days × kinds × owners of them, and a deleted workspace's are all zero (so a reused id
//! starts from nothing).

use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend, DbErr};

/// One source table's contributions to one totals table.
pub struct Totals {
    /// The totals table.
    pub target: &'static str,
    /// Its key columns (the primary key), then the columns summed.
    pub key: &'static [&'static str],
    pub sums: &'static [&'static str],
    /// The table whose rows are summed, and the columns its contributions read (a change of
    /// anything else leaves the sums as they were).
    pub source: &'static str,
    pub inputs: &'static [&'static str],
    /// What one row adds: per part, one expression per key and sum column (in that order;
    /// `{sign}` is 1 or -1, `{day(col)}`-style helpers come from `Sql`) and the condition
    /// under which the row adds it.
    pub parts: fn(&Sql, i32) -> Vec<Part>,
    /// ` AND …` telling this source's rows from others' in a shared totals table.
    pub only: &'static str,
}

/// One contribution of a row: an expression per key and sum column, and when it applies.
pub type Part = (Vec<String>, &'static str);

/// Dialect helpers for `Totals::parts`.
pub struct Sql {
    pg: bool,
}

impl Sql {
    /// `YYYY-MM-DD` of a timestamp column, in UTC.
    pub fn day(&self, col: &str) -> String {
        if self.pg {
            format!("to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD')")
        } else {
            format!("substr({col}, 1, 10)")
        }
    }

    /// Days from one timestamp column to another, as a float.
    pub fn days_between(&self, from: &str, to: &str) -> String {
        if self.pg {
            format!("EXTRACT(EPOCH FROM ({to} - {from})) / 86400.0")
        } else {
            format!("julianday({to}) - julianday({from})")
        }
    }

    /// A float zero (PostgreSQL types a bare `0.0` as numeric).
    pub fn zero(&self) -> &'static str {
        if self.pg {
            "0.0::float8"
        } else {
            "0.0"
        }
    }
}

/// Creates a totals table: `columns` (with `{float}` where the dialect's double goes),
/// keyed by `key` — on SQLite stored in key order (WITHOUT ROWID), as every read is a key range.
pub async fn create_table(
    db: &impl ConnectionTrait,
    name: &str,
    columns: &str,
    key: &[&str],
) -> Result<(), DbErr> {
    let (float, tail) = match db.get_database_backend() {
        DatabaseBackend::Postgres => ("DOUBLE PRECISION", ""),
        _ => ("REAL", " WITHOUT ROWID"),
    };
    db.execute_unprepared(&format!(
        "CREATE TABLE IF NOT EXISTS {name} ({}, PRIMARY KEY ({})){tail}",
        columns.replace("{float}", float),
        key.join(", ")
    ))
    .await?;
    Ok(())
}

impl Totals {
    fn columns(&self) -> Vec<&'static str> {
        self.key.iter().chain(self.sums).copied().collect()
    }

    /// SELECTs of what the rows of `from` (any row source with the inputs; `filter`
    /// narrows it) add (`sign` 1) or take away (-1).
    fn contributions(
        &self,
        backend: DatabaseBackend,
        from: &str,
        sign: i32,
        filter: &str,
    ) -> Vec<String> {
        let sql = Sql {
            pg: backend == DatabaseBackend::Postgres,
        };
        let columns = self.columns();
        // `WHERE true` at least: SQLite reads `ON CONFLICT` after a bare FROM as a join.
        let filter = if filter.is_empty() { "true" } else { filter };
        (self.parts)(&sql, sign)
            .into_iter()
            .map(|(exprs, when)| {
                let list = exprs
                    .iter()
                    .zip(&columns)
                    .map(|(e, c)| format!("{e} AS {c}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                format!("SELECT {list} FROM {from} WHERE {filter} AND {when}")
            })
            .collect()
    }

    fn on_conflict(&self) -> String {
        let t = self.target;
        let set = self
            .sums
            .iter()
            .map(|c| format!("{c} = {t}.{c} + excluded.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!("ON CONFLICT ({}) DO UPDATE SET {set}", self.key.join(", "))
    }

    /// Adds `selects` (UNION ALL'd, grouped by key) into the totals.
    fn upsert_grouped(&self, selects: &[String]) -> String {
        let key = self.key.join(", ");
        let sums = self
            .sums
            .iter()
            .map(|c| format!("SUM({c})"))
            .collect::<Vec<_>>();
        let nonzero = sums
            .iter()
            .map(|s| format!("{s} <> 0"))
            .collect::<Vec<_>>()
            .join(" OR ");
        format!(
            "INSERT INTO {t} ({cols}) SELECT {key}, {sums} FROM ({rows}) AS c GROUP BY {key} \
             HAVING {nonzero} ORDER BY {key} {conflict}",
            t = self.target,
            cols = self.columns().join(", "),
            sums = sums.join(", "),
            rows = selects.join(" UNION ALL "),
            conflict = self.on_conflict(),
        )
    }

    /// Adds one row's contributions (one statement each) into the totals.
    fn upsert_each(&self, selects: &[String]) -> Vec<String> {
        selects
            .iter()
            .map(|s| {
                format!(
                    "INSERT INTO {} ({}) {s} {}",
                    self.target,
                    self.columns().join(", "),
                    self.on_conflict()
                )
            })
            .collect()
    }

    fn trigger(&self, op: &str) -> String {
        format!("{}_{}_{op}", self.target, self.source)
    }

    /// Adds what the source's rows already hold, then installs the triggers.
    pub async fn install(&self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        let backend = db.get_database_backend();
        db.execute_unprepared(&self.upsert_grouped(&self.contributions(
            backend,
            self.source,
            1,
            "",
        )))
        .await?;
        if backend == DatabaseBackend::Postgres {
            self.install_pg(db).await
        } else {
            self.install_sqlite(db).await
        }
    }

    async fn install_pg(&self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        let backend = DatabaseBackend::Postgres;
        let changed = self
            .inputs
            .iter()
            .map(|c| format!("o.{c} IS DISTINCT FROM n.{c}"))
            .collect::<Vec<_>>()
            .join(" OR ");
        let moved = format!(
            "id IN (SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {changed})"
        );
        let mut both = self.contributions(backend, "old_rows", -1, &moved);
        both.extend(self.contributions(backend, "new_rows", 1, &moved));
        let function = self.trigger("apply");
        db.execute_unprepared(&format!(
            "CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $fn$ \
             BEGIN \
               IF TG_OP = 'INSERT' THEN {insert}; \
               ELSIF TG_OP = 'DELETE' THEN {delete}; \
               ELSE {update}; \
               END IF; \
               RETURN NULL; \
             END $fn$",
            insert = self.upsert_grouped(&self.contributions(backend, "new_rows", 1, "")),
            delete = self.upsert_grouped(&self.contributions(backend, "old_rows", -1, "")),
            update = self.upsert_grouped(&both),
        ))
        .await?;
        for (op, tables) in [
            ("INSERT", "NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ] {
            let name = self.trigger(&op.to_lowercase());
            db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name} ON {}", self.source))
                .await?;
            db.execute_unprepared(&format!(
                "CREATE TRIGGER {name} AFTER {op} ON {} REFERENCING {tables} \
                 FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
                self.source
            ))
            .await?;
        }
        Ok(())
    }

    async fn install_sqlite(&self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        let backend = DatabaseBackend::Sqlite;
        // A row's values as a one-row source: SQLite has no transition tables.
        let row = |r: &str| {
            let cols = self
                .inputs
                .iter()
                .map(|c| format!("{r}.{c} AS {c}"))
                .collect::<Vec<_>>()
                .join(", ");
            format!("(SELECT {cols})")
        };
        let each = |r: &str, sign: i32| {
            self.upsert_each(&self.contributions(backend, &row(r), sign, ""))
                .join("; ")
        };
        let (add, take) = (each("NEW", 1), each("OLD", -1));
        let changed = self
            .inputs
            .iter()
            .map(|c| format!("OLD.{c} IS NOT NEW.{c}"))
            .collect::<Vec<_>>()
            .join(" OR ");
        let source = self.source;
        for sql in [
            format!(
                "CREATE TRIGGER IF NOT EXISTS {} AFTER INSERT ON {source} BEGIN {add}; END",
                self.trigger("insert")
            ),
            format!(
                "CREATE TRIGGER IF NOT EXISTS {} AFTER DELETE ON {source} BEGIN {take}; END",
                self.trigger("delete")
            ),
            format!(
                "CREATE TRIGGER IF NOT EXISTS {} AFTER UPDATE OF {cols} ON {source} \
                 WHEN {changed} BEGIN {take}; {add}; END",
                self.trigger("update"),
                cols = self.inputs.join(", ")
            ),
        ] {
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    /// Statements that make a workspace's totals from this source those of its rows (after
    /// a load that ran with the triggers disabled).
    pub fn rebuild(&self, backend: DatabaseBackend, workspace_id: i64) -> Vec<String> {
        let only = format!("workspace_id = {workspace_id}");
        vec![
            self.delete_of(workspace_id),
            self.upsert_grouped(&self.contributions(backend, self.source, 1, &only)),
        ]
    }

    fn delete_of(&self, workspace_id: i64) -> String {
        format!(
            "DELETE FROM {} WHERE workspace_id = {workspace_id}{}",
            self.target, self.only
        )
    }
}

/// `deal_totals` (migration 000013): per workspace, UTC day, currency, owner and stage, the
/// deals created, closed and open.
pub const DEALS: Totals = Totals {
    target: "deal_totals",
    key: &[
        "workspace_id",
        "event",
        "day",
        "stage_id",
        "currency",
        "owner_id",
    ],
    sums: &["n", "amount", "weighted", "cycle_days"],
    source: "deals",
    only: "",
    inputs: &[
        "workspace_id",
        "created_at",
        "closed_at",
        "stage_id",
        "currency",
        "owner_id",
        "amount_minor",
        "probability",
    ],
    parts: |sql, sign| {
        let row = |event: &str, day: String, stage: &str, cycle: String| {
            vec![
                "workspace_id".to_owned(),
                format!("'{event}'"),
                day,
                stage.to_owned(),
                "currency".to_owned(),
                "COALESCE(owner_id, 0)".to_owned(),
                format!("{sign}"),
                format!("{sign} * amount_minor"),
                format!("{sign} * amount_minor * probability"),
                cycle,
            ]
        };
        let zero = sql.zero().to_owned();
        vec![
            (
                row("created", sql.day("created_at"), "0", zero.clone()),
                "true",
            ),
            (
                row(
                    "closed",
                    sql.day("closed_at"),
                    "stage_id",
                    format!("{sign} * ({})", sql.days_between("created_at", "closed_at")),
                ),
                "closed_at IS NOT NULL",
            ),
            (
                row("open", "''".to_owned(), "stage_id", zero),
                "closed_at IS NULL",
            ),
        ]
    },
};

fn day_row(
    sign: i32,
    source: &str,
    day: String,
    kind: &str,
    owner: &str,
    total: String,
) -> Vec<String> {
    vec![
        "workspace_id".to_owned(),
        format!("'{source}'"),
        day,
        kind.to_owned(),
        owner.to_owned(),
        format!("{sign}"),
        total,
    ]
}

const DAY_KEY: &[&str] = &["workspace_id", "source", "day", "kind", "owner_id"];
const DAY_SUMS: &[&str] = &["n", "total"];

/// `day_totals` (migration 000014): companies added per day.
pub const COMPANIES: Totals = Totals {
    target: "day_totals",
    key: DAY_KEY,
    sums: DAY_SUMS,
    source: "companies",
    only: " AND source = 'company'",
    inputs: &["workspace_id", "created_at"],
    parts: |sql, sign| {
        let total = sql.zero().to_owned();
        vec![(
            day_row(sign, "company", sql.day("created_at"), "''", "0", total),
            "true",
        )]
    },
};

/// `day_totals`: activities per day, kind and author.
pub const ACTIVITIES: Totals = Totals {
    target: "day_totals",
    key: DAY_KEY,
    sums: DAY_SUMS,
    source: "activities",
    only: " AND source = 'activity'",
    inputs: &["workspace_id", "occurred_at", "kind", "author_id"],
    parts: |sql, sign| {
        let total = sql.zero().to_owned();
        vec![(
            day_row(
                sign,
                "activity",
                sql.day("occurred_at"),
                "kind",
                "COALESCE(author_id, 0)",
                total,
            ),
            "true",
        )]
    },
};

/// `day_totals`: signals per day, with their sentiment summed.
pub const SIGNALS: Totals = Totals {
    target: "day_totals",
    key: DAY_KEY,
    sums: DAY_SUMS,
    source: "signals",
    only: " AND source = 'signal'",
    inputs: &["workspace_id", "published_at", "sentiment"],
    parts: |sql, sign| {
        vec![(
            day_row(
                sign,
                "signal",
                sql.day("published_at"),
                "''",
                "0",
                format!("{sign} * sentiment"),
            ),
            "true",
        )]
    },
};

/// `competitor_counts` (migration 000014): how many companies name each competitor.
pub const COMPETITORS: Totals = Totals {
    target: "competitor_counts",
    key: &["workspace_id", "competitor_id"],
    sums: &["n"],
    source: "competitors",
    only: "",
    inputs: &["workspace_id", "competitor_id"],
    parts: |_, sign| {
        vec![(
            vec![
                "workspace_id".to_owned(),
                "competitor_id".to_owned(),
                format!("{sign}"),
            ],
            "true",
        )]
    },
};

/// Every source with totals, for loads that switch their triggers off and rebuild.
pub const ALL: [&Totals; 5] = [&DEALS, &COMPANIES, &ACTIVITIES, &SIGNALS, &COMPETITORS];
