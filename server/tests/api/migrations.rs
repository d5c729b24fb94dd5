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
