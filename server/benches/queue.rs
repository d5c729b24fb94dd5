//! The job queue's benchmark: `cargo bench -p server --bench queue` (or `make bench-queue`).
//!
//! On a fresh SQLite file and a throwaway PostgreSQL database (TEST_DATABASE_URL, default
//! postgres://postgres@127.0.0.1:5432/postgres) it measures, with no-op jobs through the
//! real queue functions:
//! - enqueue, one job per statement and batched (1,000 per statement);
//! - claim → complete with 1, 4 and 16 concurrent workers, one job at a time ("unbatched";
//!   as the worker pool does, completing a job claims the next in the same statement — and,
//!   for comparison, with complete and claim as two statements) and 100 per claim finished
//!   with one statement ("batched");
//! - pickup latency: enqueue → handler start through the real worker pool, woken by the
//!   event bus (PostgreSQL LISTEN/NOTIFY; in-process on SQLite), one job at a time.
//!
//! `BENCH_JOBS` (default 5,000) sets the jobs per throughput run, `BENCH_BACKENDS`
//! (`sqlite,postgres`) which databases. Numbers are printed, never asserted.

// The server binary's allocator (see main.rs), so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::{
    sync::Arc,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use app::backend::{
    db,
    events::Bus,
    jobs::{queue, Jobs, NewJob, Pool, PoolConfig, Registry},
};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::json;

const LEASE: Duration = Duration::from_secs(30);

fn env_usize(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Target {
    name: &'static str,
    url: String,
    cleanup: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

async fn target(name: &'static str) -> Target {
    if name == "sqlite" {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/bench.db", dir.path().display());
        return Target {
            name,
            url,
            cleanup: None,
            _dir: Some(dir),
        };
    }
    let admin = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let conn = sea_orm::Database::connect(&admin)
        .await
        .expect("PostgreSQL at TEST_DATABASE_URL");
    let db_name = format!("hf_bench_{}", std::process::id());
    conn.execute_raw(Statement::from_string(
        sea_orm::DbBackend::Postgres,
        format!("DROP DATABASE IF EXISTS {db_name}"),
    ))
    .await
    .ok();
    conn.execute_raw(Statement::from_string(
        sea_orm::DbBackend::Postgres,
        format!("CREATE DATABASE {db_name}"),
    ))
    .await
    .expect("CREATE DATABASE");
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
    Target {
        name,
        url: format!("{base}/{db_name}"),
        cleanup: Some((admin.clone(), db_name)),
        _dir: None,
    }
}

async fn drop_target(t: Target) {
    if let Some((admin, name)) = t.cleanup {
        if let Ok(conn) = sea_orm::Database::connect(&admin).await {
            let _ = conn
                .execute_raw(Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                ))
                .await;
        }
    }
}

async fn clear(conn: &DatabaseConnection) {
    conn.execute_unprepared("DELETE FROM job_events")
        .await
        .unwrap();
    conn.execute_unprepared("DELETE FROM jobs").await.unwrap();
}

fn rate(n: usize, took: Duration) -> String {
    format!("{:>9.0} jobs/s", n as f64 / took.as_secs_f64())
}

async fn enqueue_runs(conn: &DatabaseConnection, n: usize) {
    clear(conn).await;
    let one = (n / 5).max(500);
    let start = Instant::now();
    for i in 0..one {
        queue::enqueue(conn, &NewJob::new("noop", json!({ "i": i })))
            .await
            .unwrap();
    }
    println!(
        "  enqueue, one per statement      {}",
        rate(one, start.elapsed())
    );
    clear(conn).await;
    let batch: Vec<NewJob> = (0..n * 4)
        .map(|i| NewJob::new("noop", json!({ "i": i })))
        .collect();
    let start = Instant::now();
    queue::enqueue_many(conn, &batch).await.unwrap();
    println!(
        "  enqueue, batched (1,000/stmt)   {}",
        rate(batch.len(), start.elapsed())
    );
}

/// How a worker in `drain` takes and finishes jobs.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// One job per claim; completing it claims the next in the same statement (the pool).
    Chained,
    /// One job per claim, then a separate complete: two statements per job.
    TwoStatements,
    /// 100 per claim, finished with one statement.
    Batched,
}

async fn drain(conn: &DatabaseConnection, n: usize, workers: usize, mode: Mode) -> Duration {
    let per_claim = if mode == Mode::Batched { 100 } else { 1 };
    clear(conn).await;
    let jobs: Vec<NewJob> = (0..n)
        .map(|i| NewJob::new("noop", json!({ "i": i })))
        .collect();
    queue::enqueue_many(conn, &jobs).await.unwrap();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..workers {
        let conn = conn.clone();
        tasks.push(tokio::spawn(async move {
            let me = format!("bench-w{w}");
            let mut done = 0usize;
            let mut claimed = queue::claim(&conn, &me, per_claim, LEASE).await.unwrap();
            while !claimed.is_empty() {
                if mode == Mode::Chained {
                    // As a worker running one job at a time does: finishing a job claims
                    // the next in the same statement.
                    let next = queue::complete_and_claim(
                        &conn,
                        claimed[0].id,
                        &me,
                        &serde_json::Value::Null,
                        1,
                        LEASE,
                    )
                    .await
                    .unwrap();
                    assert!(next.completed, "the lease was still ours");
                    done += 1;
                    claimed = next.claimed;
                } else if mode == Mode::TwoStatements {
                    queue::complete(&conn, claimed[0].id, &me, &serde_json::Value::Null)
                        .await
                        .unwrap();
                    done += 1;
                    claimed = queue::claim(&conn, &me, 1, LEASE).await.unwrap();
                } else {
                    let ids: Vec<i64> = claimed.iter().map(|j| j.id).collect();
                    queue::complete_many(&conn, &ids, &me, &serde_json::Value::Null)
                        .await
                        .unwrap();
                    done += claimed.len();
                    claimed = queue::claim(&conn, &me, per_claim, LEASE).await.unwrap();
                }
            }
            done
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    assert_eq!(total, n, "every job ran once");
    start.elapsed()
}

fn micros_now() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_micros()
}

async fn pickup(conn: &DatabaseConnection, samples: usize) -> (f64, f64, f64) {
    clear(conn).await;
    let bus = Bus::for_database(conn).await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<u128>();
    let tx = Arc::new(tx);
    let registry = Registry::default().with("probe", move |ctx| {
        let tx = tx.clone();
        async move {
            let sent: u128 = ctx.job.payload.parse().unwrap_or(0);
            let _ = tx.send(micros_now().saturating_sub(sent));
            Ok(serde_json::Value::Null)
        }
    });
    let pool = Pool::start(
        conn.clone(),
        bus.clone(),
        registry,
        PoolConfig {
            workers: 2,
            poll: Duration::from_secs(5),
            ..Default::default()
        },
    );
    let jobs = Jobs::new(conn.clone(), bus.clone());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut lat = Vec::with_capacity(samples);
    for _ in 0..samples {
        let at = micros_now();
        jobs.enqueue(&NewJob::new("probe", json!(at as u64)))
            .await
            .unwrap();
        if let Ok(Some(us)) = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
            lat.push(us as f64 / 1000.0);
        }
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    pool.shutdown().await;
    bus.stop();
    lat.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| lat[((lat.len() as f64 - 1.0) * p).round() as usize];
    (pct(0.5), pct(0.99), lat.len() as f64)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let n = env_usize("BENCH_JOBS", 5_000);
    let backends = std::env::var("BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    println!("job queue benchmark: {n} no-op jobs per throughput run");
    for name in ["sqlite", "postgres"] {
        if !backends.split(',').any(|b| b.trim() == name) {
            continue;
        }
        let t = target(name).await;
        let conn = db::connect(
            &t.url,
            db::PoolSettings {
                max_connections: 20,
                ..Default::default()
            },
        )
        .await
        .expect("connect");
        db::migrate(&conn).await.expect("migrate");
        println!("\n{}:", t.name);
        enqueue_runs(&conn, n).await;
        for workers in [1, 4, 16] {
            let took = drain(&conn, n, workers, Mode::Chained).await;
            println!(
                "  claim→complete, {workers:>2} workers, unbatched   {}",
                rate(n, took)
            );
            let took = drain(&conn, n, workers, Mode::TwoStatements).await;
            println!(
                "  claim→complete, {workers:>2} workers, unbatched, complete and claim apart {}",
                rate(n, took)
            );
            let took = drain(&conn, n, workers, Mode::Batched).await;
            println!(
                "  claim→complete, {workers:>2} workers, batched 100 {}",
                rate(n, took)
            );
        }
        let (p50, p99, got) = pickup(&conn, 300).await;
        println!(
            "  pickup latency (enqueue → start), {got} jobs: p50 {p50:.2} ms, p99 {p99:.2} ms"
        );
        conn.close().await.ok();
        drop_target(t).await;
    }
}
