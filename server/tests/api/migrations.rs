//! Migrations apply from empty on both databases, and applying them again changes nothing.

use crate::common;

use common::{Backend, TestDb};

async fn apply_twice(backend: Backend) {
    let db = TestDb::new(backend).await;
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

#[tokio::test]
async fn sqlite_migrations_apply_from_empty_and_are_idempotent() {
    apply_twice(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_migrations_apply_from_empty_and_are_idempotent() {
    apply_twice(Backend::Postgres).await;
}

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
async fn late_earlier_migration(backend: Backend) {
    use sea_orm::ConnectionTrait;
    let db = TestDb::new(backend).await;
    let conn = db.connect().await;
    app::backend::db::migrate(&conn).await.unwrap();
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

#[tokio::test]
async fn sqlite_takes_a_migration_named_before_applied_ones() {
    late_earlier_migration(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_takes_a_migration_named_before_applied_ones() {
    late_earlier_migration(Backend::Postgres).await;
}

/// `db::analyze` gives SQLite's planner its table statistics but no STAT4 samples: with
/// samples, each statement comparing an indexed column to a parameter was prepared (parsed
/// and planned) again on every execution instead of coming from the statement cache.
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
