//! Connecting to the database and keeping its schema current.
//!
//! One `DATABASE_URL` picks the backend: `sqlite://path?mode=rwc` (the embedded default) or
//! `postgres://…`. Everything above this module is backend-agnostic.

use std::{path::Path, time::Duration};

use migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement,
    TransactionTrait,
};
use sea_orm_migration::MigrationStatus;

use crate::types::{DatabaseBackend, MigrationInfo};

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("DATABASE_URL must start with sqlite:// or postgres:// (got `{0}`)")]
    UnsupportedUrl(String),
    #[error("could not create the directory for the SQLite file {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("could not connect to the database: {0}")]
    Connect(#[from] DbErr),
}

/// How many pooled connections to open. SQLite in WAL mode serves many readers at once; its
/// writers queue on `busy_timeout` instead of failing.
#[derive(Clone, Copy, Debug)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

pub fn backend_of(url: &str) -> Option<DatabaseBackend> {
    if url.starts_with("sqlite:") {
        Some(DatabaseBackend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Some(DatabaseBackend::Postgres)
    } else {
        None
    }
}

/// The file behind a `sqlite://` URL, if it names one (not `:memory:`).
fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && !path.contains(":memory:")).then_some(path)
}

pub async fn connect(url: &str, pool: PoolSettings) -> Result<DatabaseConnection, ConnectError> {
    connect_with(url, pool, Pool::Main).await
}

/// Which of a process's pools `connect_with` opens.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pool {
    Main,
    /// PostgreSQL only: generic plans always, no memoized joins, and no connection kept
    /// open before a list asks for one (a `server worker` process never does).
    Lists,
}

/// The pool list pages are read from: on PostgreSQL a second pool whose sessions always use
/// the generic plan of a prepared statement; on SQLite `main` itself.
///
/// A list statement is prepared once per connection and executed thousands of times with
/// other values. PostgreSQL plans the first five executions for their values, then keeps a
/// generic plan only if its estimate is no worse — for the companies list filtered by
/// industry it never was, so every request paid 0.15–0.27 ms of planning for a plan that
/// was the same each time (an index walk in sort order, stopped at the page). A list's plan
/// does not depend on its values: they are equality filters on indexed columns and the
/// page size is in the SQL. Forcing it for the whole process was measured too: lists
/// gained 18 % but the dashboard's aggregates, whose date ranges do change the best plan,
/// took twice as long — hence a pool of its own.
///
/// Its sessions also never memoize a join. The generic plan of the deals page estimates
/// half a million rows, and a Memoize node sizes its cache for that at every execution's
/// start, before reading the 52 rows a page needs: with it, PostgreSQL ran the page
/// statement 4,500 times a second (pgbench, 4 clients, 1M deals); without it, as plain
/// index lookups into companies, 9,750.
pub async fn connect_lists(
    url: &str,
    pool: PoolSettings,
    main: &DatabaseConnection,
) -> Result<DatabaseConnection, ConnectError> {
    match main.get_database_backend() {
        DbBackend::Postgres => connect_with(url, pool, Pool::Lists).await,
        _ => Ok(main.clone()),
    }
}

async fn connect_with(
    url: &str,
    pool: PoolSettings,
    kind: Pool,
) -> Result<DatabaseConnection, ConnectError> {
    let backend = backend_of(url).ok_or_else(|| ConnectError::UnsupportedUrl(redact(url)))?;
    let mut url = url.to_owned();
    if backend == DatabaseBackend::Sqlite {
        if let Some(file) = sqlite_file(&url) {
            if let Some(dir) = Path::new(file)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir).map_err(|source| ConnectError::CreateDir {
                    path: file.to_owned(),
                    source,
                })?;
            }
        }
        // Create the file on first run unless the URL says otherwise.
        if !url.contains("mode=") {
            url.push_str(if url.contains('?') {
                "&mode=rwc"
            } else {
                "?mode=rwc"
            });
        }
    }

    let mut opts = ConnectOptions::new(url);
    opts.max_connections(pool.max_connections)
        .min_connections(if kind == Pool::Lists { 0 } else { 1 })
        .acquire_timeout(pool.acquire_timeout)
        // sqlx pings a pooled connection on every checkout by default: one extra round trip
        // per statement. Only connections idle long enough to have been dropped (by the
        // server, a proxy, a firewall) are checked; busy ones go straight to work.
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .sqlx_logging(true)
        .sqlx_logging_level(tracing::log::LevelFilter::Debug)
        .sqlx_slow_statements_logging_settings(
            tracing::log::LevelFilter::Warn,
            Duration::from_millis(500),
        )
        .map_sqlx_sqlite_opts(|o| {
            use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                // SQLite's defaults suit small devices: a 2 MiB page cache per connection,
                // every page read through a read() call, and sorts that spill to temp files.
                // A list over 100k companies touches more than that on every request; the
                // file is read through a shared mapping instead (the OS page cache, not a
                // copy per connection) and each connection keeps 16 MiB of pages.
                .pragma("cache_size", format!("-{SQLITE_CACHE_KIB}"))
                .pragma("mmap_size", "268435456")
                .pragma("temp_store", "memory")
                // sqlx hands rows from the connection's thread to the request through a
                // channel of 50; a full page (up to 200 rows, plus the statement's result)
                // then parks the thread until the request catches up — a futex sleep and
                // wake-up per query. Room for a whole page lets it run to the end.
                .row_buffer_size(256)
        })
        .map_sqlx_postgres_opts(move |o| {
            if kind == Pool::Lists {
                o.options([
                    ("plan_cache_mode", "force_generic_plan"),
                    ("enable_memoize", "off"),
                ])
            } else {
                o
            }
        });
    Ok(Database::connect(opts).await?)
}

/// Each SQLite connection's page cache, in KiB (SQLite's default is 2 MiB).
pub const SQLITE_CACHE_KIB: i64 = 16 * 1024;

/// Sets the page cache of the connection `conn` runs on (SQLite; a no-op on PostgreSQL).
/// Meant for a transaction, whose statements all run on one connection.
pub async fn sqlite_cache_size(conn: &impl ConnectionTrait, kib: i64) -> Result<(), DbErr> {
    if conn.get_database_backend() == DbBackend::Sqlite {
        conn.execute_unprepared(&format!("PRAGMA cache_size = -{kib}"))
            .await?;
    }
    Ok(())
}

/// Starts a transaction that will write. On SQLite it begins `IMMEDIATE`, taking the write
/// lock up front (waiting on `busy_timeout` like any writer): a default (deferred)
/// transaction that reads first and writes later fails with SQLITE_BUSY_SNAPSHOT — an
/// immediate "database is locked", no waiting — whenever another connection (a job worker,
/// another request) committed in between. PostgreSQL ignores the mode.
pub async fn begin_write<C: TransactionTrait>(db: &C) -> Result<C::Transaction, DbErr> {
    db.begin_with_options(sea_orm::TransactionOptions {
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Rows per multi-row INSERT: well inside SQLite's 32,766 and PostgreSQL's 65,535 parameters
/// for the widest table.
pub const INSERT_BATCH: usize = 1000;

/// Inserts `rows` in statements of `INSERT_BATCH` rows and returns their ids in insertion
/// order (ids are assigned in VALUES order on both databases; RETURNING's row order is not
/// promised, hence the sort). One statement for many rows instead of a round trip each.
macro_rules! insert_batched {
    ($db:expr, $entity:ty, $rows:expr) => {{
        let mut ids: Vec<i64> = Vec::new();
        let mut rows = $rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<_> = rows
                .by_ref()
                .take($crate::backend::db::INSERT_BATCH)
                .collect();
            let mut keys = <$entity>::insert_many(chunk)
                .exec_with_returning_keys($db)
                .await?;
            keys.sort_unstable();
            ids.extend(keys);
        }
        ids
    }};
}

/// As `insert_batched!`, for rows nothing refers to: no ids come back.
macro_rules! insert_only {
    ($db:expr, $entity:ty, $rows:expr) => {{
        let mut n: u64 = 0;
        let mut rows = $rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<_> = rows
                .by_ref()
                .take($crate::backend::db::INSERT_BATCH)
                .collect();
            n += chunk.len() as u64;
            <$entity>::insert_many(chunk)
                .exec_without_returning($db)
                .await?;
        }
        n
    }};
}

pub(crate) use {insert_batched, insert_only};

/// Turns for SQLite's one writer among this process's own writers.
///
/// A writer that finds the database locked waits in SQLite's busy handler, which sleeps
/// 1, 2, 5, 10 … 100 ms between tries, holding a pooled connection all the while: with 64
/// questions to the AI analyst arriving at once, each holding the lock under a millisecond,
/// the writers slept most of the time the lock was free and the pool ran dry for readers
/// (`send_message` answered at 51–70 ms p50). Writers that take the gate first queue in
/// order on an async mutex, without a connection, and find the lock free when their turn
/// comes. Writers that do not take it (and other processes) still meet the busy handler, so
/// it is an optimisation where many writes are expected at once, never what keeps data
/// correct. On PostgreSQL, which locks rows, it is a no-op.
#[derive(Debug)]
pub struct WriteGate(Option<tokio::sync::Mutex<()>>);

impl WriteGate {
    pub fn for_backend(backend: DbBackend) -> Self {
        Self((backend == DbBackend::Sqlite).then(Default::default))
    }

    /// Held until the write transaction commits or is dropped.
    pub async fn enter(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.0 {
            Some(m) => Some(m.lock().await),
            None => None,
        }
    }
}

/// The URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..scheme_end], user, &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

pub fn backend(db: &DatabaseConnection) -> DatabaseBackend {
    match db.get_database_backend() {
        DbBackend::Postgres => DatabaseBackend::Postgres,
        _ => DatabaseBackend::Sqlite,
    }
}

/// Refreshes the query planner's statistics (after a bulk load).
///
/// On PostgreSQL it vacuums too: rows just loaded are not yet marked all-visible, so no
/// index-only scan pays off and the planner counted a list's matches with a sequential scan
/// (1.2 ms instead of 0.3 for a capped count at 100k companies; half the list's throughput)
/// until autovacuum came round. SQLite's VACUUM rewrites the file and is not wanted here.
///
/// On SQLite it analyzes with a row limit, which keeps `sqlite_stat1` and leaves no
/// `sqlite_stat4` samples (the bundled SQLite is built with STAT4). With samples, the planner
/// reads the bound value of a parameter compared to an indexed column (`industry = ?`) and
/// marks the statement to be prepared again whenever that parameter is bound: every list
/// request was parsed and planned afresh (a uprobe counted one `sqlite3LockAndPrepare` per
/// request on the companies list) instead of reusing the connection's cached statement.
pub async fn analyze(db: &DatabaseConnection) -> Result<(), DbErr> {
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => "VACUUM (ANALYZE)",
        // One string, so the three run on one connection of the pool.
        _ => "PRAGMA analysis_limit = 1000; ANALYZE; PRAGMA analysis_limit = 0",
    };
    db.execute_unprepared(sql).await.map(|_| ())
}

/// SQLite keeps no statistics unless asked; without them its planner guesses, and guesses
/// badly on a big workspace. `PRAGMA optimize` (SQLite's advice for long-lived connections)
/// analyzes what changed enough since, cheaply. PostgreSQL's autovacuum does this itself.
pub async fn optimize(db: &DatabaseConnection) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA optimize=0x10002").await?;
    }
    Ok(())
}

/// Applies every pending migration. On PostgreSQL several processes may start at once, so
/// they take turns through an advisory lock; SQLite has one writer anyway.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    const LOCK_KEY: i64 = 0x4859_5045_5246; // "HYPERF"
    match db.get_database_backend() {
        DbBackend::Postgres => {
            // An advisory lock belongs to one session: hold it on one dedicated connection.
            let conn = db.begin().await?;
            conn.execute_raw(Statement::from_string(
                DbBackend::Postgres,
                format!("SELECT pg_advisory_xact_lock({LOCK_KEY})"),
            ))
            .await?;
            let result = Migrator::up(&conn, None).await;
            match result {
                Ok(()) => conn.commit().await,
                Err(e) => {
                    let _ = conn.rollback().await;
                    Err(e)
                }
            }
        }
        _ => Migrator::up(db, None).await,
    }
}

/// Every known migration and whether it has been applied, without creating anything.
pub async fn migration_status(db: &DatabaseConnection) -> Result<Vec<MigrationInfo>, DbErr> {
    Ok(Migrator::get_migration_with_status_read_only(db)
        .await?
        .into_iter()
        .map(|m| MigrationInfo {
            name: m.name().to_owned(),
            applied: m.status() == MigrationStatus::Applied,
        })
        .collect())
}

/// The database server's version string.
pub async fn server_version(db: &DatabaseConnection) -> Result<String, DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => "SHOW server_version",
        _ => "SELECT sqlite_version()",
    };
    let row = db
        .query_one_raw(Statement::from_string(backend, sql))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("server version".into()))?;
    row.try_get_by_index::<String>(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_backends_by_scheme() {
        assert_eq!(
            backend_of("sqlite://data/x.db"),
            Some(DatabaseBackend::Sqlite)
        );
        assert_eq!(backend_of("sqlite::memory:"), Some(DatabaseBackend::Sqlite));
        assert_eq!(
            backend_of("postgres://u@h/db"),
            Some(DatabaseBackend::Postgres)
        );
        assert_eq!(
            backend_of("postgresql://u@h/db"),
            Some(DatabaseBackend::Postgres)
        );
        assert_eq!(backend_of("mysql://u@h/db"), None);
    }

    #[test]
    fn finds_the_sqlite_file() {
        assert_eq!(
            sqlite_file("sqlite://data/x.db?mode=rwc"),
            Some("data/x.db")
        );
        assert_eq!(sqlite_file("sqlite:/tmp/y.db"), Some("/tmp/y.db"));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/hf"),
            "postgres://app:***@db:5432/hf"
        );
        assert_eq!(redact("sqlite://data/x.db"), "sqlite://data/x.db");
    }

    #[tokio::test]
    async fn migrates_a_fresh_sqlite_file_and_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/nested/db.sqlite", dir.path().display());
        let db = connect(&url, PoolSettings::default()).await.unwrap();
        migrate(&db).await.unwrap();
        let first = migration_status(&db).await.unwrap();
        assert!(!first.is_empty() && first.iter().all(|m| m.applied));
        migrate(&db).await.unwrap();
        assert_eq!(migration_status(&db).await.unwrap(), first);
        assert!(server_version(&db).await.unwrap().starts_with('3'));
    }
}
