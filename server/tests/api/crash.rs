//! A worker process killed with SIGKILL in the middle of a job: its lease runs out, another
//! worker process claims the job (counted as a second attempt) and finishes it. Real
//! `server worker` processes on a shared database, on SQLite and PostgreSQL.

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::json;

use app::backend::jobs::{queue, NewJob};

use crate::common::TestDb;

fn worker(url: &str, data_dir: &std::path::Path) -> Child {
    use base64::Engine;
    let key = base64::engine::general_purpose::STANDARD.encode([9u8; 32]);
    Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("worker")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", url)
        .env("JOB_WORKERS", "1")
        .env("JOB_LEASE_SECONDS", "2")
        .env("SECRET_KEY", key)
        .env(
            "LEPTOS_CONFIG",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../Leptos.toml"),
        )
        .env("DATA_DIR", data_dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start `server worker`")
}

async fn wait_until<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < limit {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn killed_worker(db: TestDb) {
    let conn = db.connect().await;
    app::backend::db::migrate(&conn).await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let job = queue::enqueue(
        &conn,
        &NewJob {
            max_attempts: 3,
            ..NewJob::new("pause", json!({"steps": 6, "ms": 300}))
        },
    )
    .await
    .unwrap();

    let mut first = worker(&db.url, data.path());
    let first_pid = first.id();
    wait_until(
        "the first worker to be two steps in",
        Duration::from_secs(60),
        || {
            let conn = conn.clone();
            async move { queue::events(&conn, job.id, 0).await.unwrap().len() >= 2 }
        },
    )
    .await;
    let running = queue::get(&conn, job.id).await.unwrap();
    assert_eq!(running.status, "running");
    assert!(
        running
            .lease_owner
            .as_deref()
            .is_some_and(|o| o.starts_with(&format!("pid{first_pid}-"))),
        "the first process holds it: {:?}",
        running.lease_owner
    );

    // SIGKILL: no shutdown, no release — the lease is simply left to expire.
    first.kill().expect("kill -9 the worker");
    first.wait().unwrap();

    let mut second = worker(&db.url, data.path());
    let second_pid = second.id();
    wait_until(
        "the job to finish on the second worker",
        Duration::from_secs(60),
        || {
            let conn = conn.clone();
            async move { queue::get(&conn, job.id).await.unwrap().status == "succeeded" }
        },
    )
    .await;
    let done = queue::get(&conn, job.id).await.unwrap();
    assert_eq!(done.attempts, 2, "the reclaim counted as an attempt");
    let result: serde_json::Value = serde_json::from_str(done.result.as_deref().unwrap()).unwrap();
    assert_eq!(result["attempt"], 2);
    let steps: Vec<String> = queue::events(&conn, job.id, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.message)
        .collect();
    assert!(steps.len() >= 2 + 6, "both attempts logged: {steps:?}");
    assert_eq!(steps.last().map(String::as_str), Some("step 6 of 6"));
    assert!(second_pid != first_pid);

    // SIGTERM: the worker stops cleanly (it is idle now) and exits 0.
    #[cfg(unix)]
    {
        let _ = Command::new("kill").arg(second_pid.to_string()).status();
        let status = second.wait().unwrap();
        assert!(status.success(), "a graceful stop exits 0: {status:?}");
    }
    #[cfg(not(unix))]
    {
        second.kill().ok();
    }
    conn.close().await.ok();
}

both_backends!(
    a_killed_worker_process_job_finishes_elsewhere,
    empty_db = killed_worker
);
