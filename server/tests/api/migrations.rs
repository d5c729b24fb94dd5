//! Migrations apply from empty on both databases, and applying them again changes nothing.

use crate::common;

use common::{Backend, TestDb};
use sea_orm::DatabaseConnection;

async fn apply_twice(db: TestDb) {
    let conn = db.connect().await;
    let before = app::backend::db::migration_status(&conn).await.unwrap();
    assert!(
        before.iter().all(|m| !m.applied),
        "a fresh database has nothing applied"
    );

    app::backend::db::migrate(&conn).await.unwrap();
    let first = app::backend::db::migration_status(&conn).await.unwrap();
    assert!(first.iter().all(|m| m.applied));

    app::backend::db::migrate(&conn).await.unwrap();
    let second = app::backend::db::migration_status(&conn).await.unwrap();
    assert_eq!(first, second);
    conn.close().await.unwrap();
}

both_backends!(apply_from_empty_and_are_idempotent, empty_db = apply_twice);

// PostgreSQL only: migrators in several processes take turns on its advisory lock.
#[tokio::test]
async fn concurrent_migrators_on_postgres_take_turns() {
    // Several processes starting at once must not trip over each other.
    let db = TestDb::new(Backend::Postgres).await;
    let a = db.connect().await;
    let b = db.connect().await;
    let (ra, rb) = tokio::join!(app::backend::db::migrate(&a), app::backend::db::migrate(&b));
    ra.unwrap();
    rb.unwrap();
    assert!(app::backend::db::migration_status(&a)
        .await
        .unwrap()
        .iter()
        .all(|m| m.applied));
}

/// A migration named before ones already applied (the reports table, 000005, landed after
/// 000007) is still applied to a database that lacks it: SeaORM compares by name, not order.
async fn late_earlier_migration(conn: DatabaseConnection) {
    use sea_orm::ConnectionTrait;
    // The database as it was before the reports migration existed.
    conn.execute_unprepared("DROP TABLE reports").await.unwrap();
    conn.execute_unprepared(
        "DELETE FROM seaql_migrations WHERE version = 'm20261129_000005_reports'",
    )
    .await
    .unwrap();
    let before = app::backend::db::migration_status(&conn).await.unwrap();
    let pending: Vec<&str> = before
        .iter()
        .filter(|m| !m.applied)
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(pending, ["m20261129_000005_reports"]);

    app::backend::db::migrate(&conn).await.unwrap();
    assert!(app::backend::db::migration_status(&conn)
        .await
        .unwrap()
        .iter()
        .all(|m| m.applied));
    conn.execute_unprepared("SELECT COUNT(*) FROM reports")
        .await
        .unwrap();
}

both_backends!(
    a_migration_named_before_applied_ones_is_applied,
    db = late_earlier_migration
);

/// `db::analyze` gives SQLite's planner its table statistics but no STAT4 samples: with
/// samples, each statement comparing an indexed column to a parameter was prepared (parsed
/// and planned) again on every execution instead of coming from the statement cache.
// SQLite only: checks SQLite's planner statistics (sqlite_stat1, sqlite_stat4).
#[tokio::test]
async fn sqlite_statistics_leave_no_stat4_samples() {
    use app::backend::jobs::{queue, NewJob};
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

    let db = TestDb::new(Backend::Sqlite).await;
    let conn = db.connect().await;
    app::backend::db::migrate(&conn).await.unwrap();
    let jobs: Vec<NewJob> = (0..300)
        .map(|i| NewJob::new("noop", serde_json::json!({ "n": i })))
        .collect();
    queue::enqueue_many(&conn, &jobs).await.unwrap();
    app::backend::db::analyze(&conn).await.unwrap();
    let count = |table: &'static str| {
        let conn = conn.clone();
        async move {
            let row = conn
                .query_one_raw(Statement::from_string(
                    DatabaseBackend::Sqlite,
                    format!("SELECT COUNT(*) AS n FROM {table}"),
                ))
                .await
                .unwrap()
                .unwrap();
            row.try_get::<i64>("", "n").unwrap()
        }
    };
    assert!(
        count("sqlite_stat1").await > 0,
        "the planner has statistics"
    );
    assert_eq!(count("sqlite_stat4").await, 0, "and no samples");
}

/// The index definitions of `table` (and on PostgreSQL its foreign keys), as the database
/// reports them.
async fn index_definitions(conn: &impl sea_orm::ConnectionTrait, table: &str) -> Vec<String> {
    use sea_orm::{DatabaseBackend, Statement};
    let backend = conn.get_database_backend();
    let sql = match backend {
        // With the table's foreign keys: a load drops those too on PostgreSQL.
        DatabaseBackend::Postgres => {
            "SELECT indexdef AS d FROM pg_indexes WHERE schemaname = current_schema() \
             AND tablename = $1 \
             UNION ALL SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE contype = 'f' AND conrelid = $1::regclass ORDER BY 1"
        }
        _ => {
            "SELECT COALESCE(sql, name) AS d FROM sqlite_master WHERE type = 'index' \
             AND tbl_name = ?1 ORDER BY name"
        }
    };
    conn.query_all_raw(Statement::from_sql_and_values(backend, sql, [table.into()]))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "d").unwrap())
        .collect()
}

/// A large load drops a table's secondary indexes and builds them again in its transaction:
/// afterwards the table has exactly the indexes it had, unique ones never left, and a load
/// that fails gives them back with its rollback.
async fn deferred_indexes_come_back(conn: DatabaseConnection) {
    use app::backend::bulk;
    use sea_orm::{DatabaseBackend, TransactionTrait};
    let deals_before = index_definitions(&conn, "deals").await;
    let companies_before = index_definitions(&conn, "companies").await;
    assert!(deals_before.len() >= 10, "{deals_before:?}");

    let txn = conn.begin().await.unwrap();
    let deferred = bulk::drop_secondary_indexes(&txn, &["deals", "companies"])
        .await
        .unwrap();
    assert!(deferred.indexes() >= 10);
    if conn.get_database_backend() == DatabaseBackend::Postgres {
        assert!(
            deferred.foreign_keys() >= 5,
            "deals and companies have foreign keys"
        );
    }
    let mid = index_definitions(&txn, "companies").await;
    assert!(
        !mid.is_empty()
            && mid.iter().all(
                |d| d.contains("UNIQUE") || !(d.starts_with("CREATE") || d.contains("FOREIGN"))
            ),
        "only unique indexes and keys stay during the load: {mid:?}"
    );
    deferred.rebuild(&txn).await.unwrap();
    txn.commit().await.unwrap();
    assert_eq!(index_definitions(&conn, "deals").await, deals_before);
    assert_eq!(
        index_definitions(&conn, "companies").await,
        companies_before
    );

    let txn = conn.begin().await.unwrap();
    let _gone = bulk::drop_secondary_indexes(&txn, &["deals"])
        .await
        .unwrap();
    txn.rollback().await.unwrap();
    assert_eq!(index_definitions(&conn, "deals").await, deals_before);
}

both_backends!(deferred_indexes_come_back, db = deferred_indexes_come_back);

/// A migrated SQLite database, and SQLite's plan for `sql` with `values` bound, its steps
/// joined by "; ".
async fn sqlite_planner() -> (
    TestDb,
    impl Fn(&str, Vec<sea_orm::Value>) -> futures_util::future::BoxFuture<'static, String>,
) {
    use futures_util::FutureExt;
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

    let db = TestDb::new(Backend::Sqlite).await;
    let conn = db.connect().await;
    app::backend::db::migrate(&conn).await.unwrap();
    // EXPLAIN starts no transaction, so it never checks the schema cookie: a pooled
    // connection opened before the migration would explain with the old indexes.
    conn.close().await.unwrap();
    let conn = db.connect().await;
    let plan = move |sql: &str, values: Vec<sea_orm::Value>| {
        let conn = conn.clone();
        let sql = format!("EXPLAIN QUERY PLAN {sql}");
        async move {
            conn.query_all_raw(Statement::from_sql_and_values(
                DatabaseBackend::Sqlite,
                sql,
                values,
            ))
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get::<String>("", "detail").unwrap())
            .collect::<Vec<_>>()
            .join("; ")
        }
        .boxed()
    };
    (db, plan)
}

/// The sweep for answers a dead process left `streaming` (every process, every minute) reads
/// a range of an index, not every message ever written — with its values bound as parameters,
/// as sea-orm sends them.
// SQLite only: checks SQLite's query plan (EXPLAIN QUERY PLAN).
#[tokio::test]
async fn sqlite_the_streaming_sweep_searches_an_index() {
    let (_db, plan) = sqlite_planner().await;
    let plan = plan(
        "UPDATE ai_messages SET status = 'stopped' WHERE status = ? AND updated_at < ?",
        vec!["streaming".into(), "2026-12-01T00:00:00Z".into()],
    )
    .await;
    assert!(
        plan.contains("USING INDEX ix_ai_messages_status_updated (status=? AND updated_at<?)"),
        "{plan}"
    );
}

/// SQLite reads the dashboard's period aggregates from the deals' covering indexes alone (no
/// row fetched by rowid), and the deals list sorted by created date still reads its page in
/// index order (no sort).
// SQLite only: checks SQLite's query plans (EXPLAIN QUERY PLAN).
#[tokio::test]
async fn sqlite_dashboard_periods_read_covering_indexes() {
    let (_db, explain) = sqlite_planner().await;
    let plan = |sql: &str| explain(sql, vec![]);
    let open = plan(
        "SELECT currency, SUM(CASE WHEN closed_at IS NULL THEN amount_minor * probability END) \
         FROM deals WHERE workspace_id = 1 AND created_at < '2026-12-01' \
         AND (closed_at IS NULL OR closed_at >= '2026-01-01') AND owner_id = 3 GROUP BY currency",
    )
    .await;
    assert!(
        open.contains("COVERING INDEX ix_deals_ws_created_cover"),
        "{open}"
    );
    let closed = plan(
        "SELECT currency, stage_id, COUNT(*), SUM(amount_minor), SUM(julianday(closed_at) - julianday(created_at)) \
         FROM deals WHERE workspace_id = 1 AND closed_at >= '2025-01-01' AND closed_at < '2026-12-01' \
         AND owner_id = 3 GROUP BY currency, stage_id",
    )
    .await;
    assert!(
        closed.contains("COVERING INDEX ix_deals_ws_closed_cover"),
        "{closed}"
    );
    let page = plan(
        "SELECT * FROM deals WHERE workspace_id = 1 ORDER BY created_at DESC, id DESC LIMIT 50",
    )
    .await;
    assert!(
        page.contains("ix_deals_ws_created_cover") && !page.contains("TEMP B-TREE"),
        "{page}"
    );
}

/// Migration 17 widens `connectors.kind` (SQLite by rebuilding the table): connectors made
/// before it are kept, GoHighLevel is accepted after it, and an unknown kind still is not.
async fn connector_kinds_widen_keeping_rows(conn: DatabaseConnection) {
    use sea_orm::ConnectionTrait;
    use sea_orm_migration::MigratorTrait;
    let steps = migrations::Migrator::migrations().len() as u32;
    migrations::Migrator::up(&conn, Some(steps - 1))
        .await
        .unwrap();
    let now = "'2026-12-01 00:00:00+00:00'";
    conn.execute_unprepared(&format!(
        "INSERT INTO workspaces (name, slug, created_at, updated_at) VALUES ('W', 'w', {now}, {now})"
    ))
    .await
    .unwrap();
    let connector = |kind: &str| {
        format!(
            "INSERT INTO connectors (workspace_id, kind, secret_enc, account, state, counts, \
             interval_minutes, created_at, updated_at) \
             SELECT id, '{kind}', 'x', 'acct', 'connected', '{{}}', 15, {now}, {now} FROM workspaces"
        )
    };
    conn.execute_unprepared(&connector("hubspot"))
        .await
        .unwrap();
    assert!(conn
        .execute_unprepared(&connector("gohighlevel"))
        .await
        .is_err());

    app::backend::db::migrate(&conn).await.unwrap();
    conn.execute_unprepared(&connector("gohighlevel"))
        .await
        .unwrap();
    assert!(conn
        .execute_unprepared(&connector("salesforce"))
        .await
        .is_err());
    let kinds = conn
        .query_all_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT kind FROM connectors ORDER BY id",
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "kind").unwrap())
        .collect::<Vec<_>>();
    assert_eq!(kinds, ["hubspot", "gohighlevel"]);
    // The unique index came back with the table.
    assert!(conn
        .execute_unprepared(&connector("hubspot"))
        .await
        .is_err());
}

both_backends!(
    connector_kinds_widen_keeping_connectors,
    empty_db = |db: TestDb| async move {
        let conn = db.connect().await;
        connector_kinds_widen_keeping_rows(conn).await;
    }
);
