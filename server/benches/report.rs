//! One market report over a large demo workspace, time per step:
//! `cargo bench -p server --bench report`.
//!
//! Seeds `BENCH_COMPANIES` companies (default 100,000) and `BENCH_DEALS` deals (default
//! 200,000) into a fresh SQLite file and a throwaway PostgreSQL database (TEST_DATABASE_URL,
//! default postgres://postgres@127.0.0.1:5432/postgres; `BENCH_BACKENDS` picks), then runs the
//! report job's own steps — gather (validate the input), compute (the SQL aggregates), charts
//! (server-rendered chart components), narrative (template writer), render (HTML, Markdown,
//! PDF) — `BENCH_RUNS` times (default 3) for an all-companies market report and one for a
//! single industry. Delivery only enqueues jobs and is left out. Numbers are printed, never
//! asserted.

// The server binary's allocator (see main.rs), so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};

use app::backend::{db, demo, reports};
use app::types::ReportInput;
use sea_orm::{ConnectionTrait, Statement};

fn env_usize(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A database URL for `name`, and what to drop afterwards (PostgreSQL).
async fn target(name: &str, dir: &std::path::Path) -> (String, Option<(String, String)>) {
    if name == "sqlite" {
        return (format!("sqlite://{}/bench.db", dir.display()), None);
    }
    let admin = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let conn = sea_orm::Database::connect(&admin)
        .await
        .expect("PostgreSQL at TEST_DATABASE_URL");
    let db_name = format!("hf_bench_report_{}", std::process::id());
    for sql in [
        format!("DROP DATABASE IF EXISTS {db_name}"),
        format!("CREATE DATABASE {db_name}"),
    ] {
        conn.execute_raw(Statement::from_string(sea_orm::DbBackend::Postgres, sql))
            .await
            .expect("create the bench database");
    }
    let base = admin
        .rsplit_once('/')
        .map(|(b, _)| b)
        .unwrap_or(&admin)
        .to_owned();
    (format!("{base}/{db_name}"), Some((admin, db_name)))
}

fn ms(d: Duration) -> String {
    format!("{:>8.1} ms", d.as_secs_f64() * 1000.0)
}

async fn run(
    conn: &sea_orm::DatabaseConnection,
    ws: app::backend::WorkspaceId,
    input: &ReportInput,
) -> Vec<(&'static str, Duration)> {
    let mut steps = Vec::new();
    let t = Instant::now();
    let valid = reports::validate(conn, ws, input)
        .await
        .expect("valid input");
    steps.push(("gather data", t.elapsed()));
    let t = Instant::now();
    let mut doc = reports::compute(conn, ws, &valid, &valid.title, chrono::Utc::now())
        .await
        .expect("compute");
    steps.push(("compute metrics", t.elapsed()));
    let t = Instant::now();
    reports::draw_charts(&mut doc);
    steps.push(("build charts", t.elapsed()));
    let t = Instant::now();
    doc.writer = reports::write_narrative(None, &mut doc).await;
    steps.push(("write narrative", t.elapsed()));
    let t = Instant::now();
    let html = doc.to_html();
    let md = doc.to_markdown();
    let pdf = reports::pdf::render(&doc).expect("pdf");
    steps.push(("render", t.elapsed()));
    assert!(!html.is_empty() && !md.is_empty() && !pdf.is_empty());
    steps
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let companies = env_usize("BENCH_COMPANIES", 100_000);
    let deals = env_usize("BENCH_DEALS", 200_000);
    let runs = env_usize("BENCH_RUNS", 3).max(1);
    let backends = std::env::var("BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    for name in backends.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let dir = tempfile::tempdir().expect("temp dir");
        let (url, cleanup) = target(name, dir.path()).await;
        let conn = db::connect(&url, db::PoolSettings::default())
            .await
            .expect("connect");
        db::migrate(&conn).await.expect("migrate");
        let t = Instant::now();
        demo::seed_empty_instance(
            &conn,
            &demo::DemoSpec {
                companies,
                deals,
                seed: 1,
                anchor: demo::today(),
                keep_indexes: false,
            },
        )
        .await
        .expect("seed")
        .expect("an empty database");
        println!(
            "{name}: seeded {companies} companies and {deals} deals in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        let ws = {
            use sea_orm::EntityTrait;
            let id = app::backend::entity::workspaces::Entity::find()
                .one(&conn)
                .await
                .unwrap()
                .expect("the demo workspace")
                .id;
            app::backend::workspaces::by_id(&conn, id).await.unwrap()
        };
        for (label, input) in [
            (
                "market, all companies",
                ReportInput {
                    kind: "market".into(),
                    ..Default::default()
                },
            ),
            (
                "market, Software",
                ReportInput {
                    kind: "market".into(),
                    industry: Some("Software".into()),
                    ..Default::default()
                },
            ),
        ] {
            let mut best: Vec<(&'static str, Duration)> = Vec::new();
            for _ in 0..runs {
                let steps = run(&conn, ws, &input).await;
                let total: Duration = steps.iter().map(|s| s.1).sum();
                let best_total: Duration = best.iter().map(|s| s.1).sum();
                if best.is_empty() || total < best_total {
                    best = steps;
                }
            }
            println!("{name}: {label} (best of {runs})");
            for (step, d) in &best {
                println!("  {step:<16} {}", ms(*d));
            }
            println!("  {:<16} {}", "total", ms(best.iter().map(|s| s.1).sum()));
        }
        conn.close().await.ok();
        if let Some((admin, db_name)) = cleanup {
            if let Ok(c) = sea_orm::Database::connect(&admin).await {
                let _ = c
                    .execute_raw(Statement::from_string(
                        sea_orm::DbBackend::Postgres,
                        format!("DROP DATABASE IF EXISTS {db_name} WITH (FORCE)"),
                    ))
                    .await;
            }
        }
    }
}
