//! Hand-written aggregate SQL, portable between SQLite and PostgreSQL. Dashboards and
//! reports group, bucket and count in the database; written as SQL they read plainly. This
//! keeps that SQL portable: numbered placeholders (`?1` / `$1`, so a value can be used twice
//! and text assembled in any order), day and month buckets, day differences.

use sea_orm::{DatabaseBackend, Statement, Value};

/// A statement under construction: SQL text plus its values.
pub struct Query {
    backend: DatabaseBackend,
    values: Vec<Value>,
}

impl Query {
    pub fn new(backend: DatabaseBackend) -> Self {
        Self {
            backend,
            values: Vec::new(),
        }
    }

    pub fn pg(&self) -> bool {
        self.backend == DatabaseBackend::Postgres
    }

    /// Adds a value and answers the placeholder that names it.
    pub fn bind(&mut self, v: impl Into<Value>) -> String {
        self.values.push(v.into());
        let n = self.values.len();
        if self.pg() {
            format!("${n}")
        } else {
            format!("?{n}")
        }
    }

    /// `YYYY-MM-DD` of a timestamp column, in UTC. SQLite keeps timestamps as UTC text that
    /// starts with the date, so no per-row date parsing is needed there.
    pub fn day(&self, col: &str) -> String {
        if self.pg() {
            format!("to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD')")
        } else {
            format!("substr({col}, 1, 10)")
        }
    }

    /// `YYYY-MM` of a timestamp column, in UTC.
    pub fn month(&self, col: &str) -> String {
        if self.pg() {
            format!("to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM')")
        } else {
            format!("substr({col}, 1, 7)")
        }
    }

    /// Days from `from` to `to` (two timestamp columns), as a double.
    pub fn days_between(&self, from: &str, to: &str) -> String {
        if self.pg() {
            format!("CAST(EXTRACT(EPOCH FROM ({to} - {from})) / 86400.0 AS DOUBLE PRECISION)")
        } else {
            format!("(julianday({to}) - julianday({from}))")
        }
    }

    /// A sum that comes back as a 64-bit integer on both databases (PostgreSQL's SUM of
    /// BIGINT is NUMERIC).
    pub fn sum_i64(&self, expr: &str) -> String {
        if self.pg() {
            format!("CAST(COALESCE(SUM({expr}), 0) AS BIGINT)")
        } else {
            format!("COALESCE(SUM({expr}), 0)")
        }
    }

    /// An average (or other float expression) as a double on both databases.
    pub fn float(&self, expr: &str) -> String {
        if self.pg() {
            format!("CAST({expr} AS DOUBLE PRECISION)")
        } else {
            format!("CAST({expr} AS REAL)")
        }
    }

    pub fn statement(self, sql: &str) -> Statement {
        Statement::from_sql_and_values(self.backend, sql, self.values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_per_backend() {
        let mut pg = Query::new(DatabaseBackend::Postgres);
        assert_eq!(pg.bind(1i64), "$1");
        assert_eq!(pg.bind("x"), "$2");
        let mut lite = Query::new(DatabaseBackend::Sqlite);
        assert_eq!(lite.bind(1i64), "?1");
        assert!(lite.day("d.created_at").starts_with("substr"));
        assert!(pg.day("d.created_at").starts_with("to_char"));
    }
}
