//! The HubSpot sync's benchmark: `cargo bench -p server --bench connector_sync`.
//!
//! A fake HubSpot (the tests' `fake_hubspot`, objects generated from their index) serves
//! `BENCH_COMPANIES` companies (default 100,000), `BENCH_CONTACTS` contacts (200,000) and
//! `BENCH_DEALS` deals (100,000); the real server, in this process with one job worker,
//! syncs them into an empty workspace through the `connector_sync` job, on each database in
//! `BENCH_BACKENDS` (`sqlite,postgres`; PostgreSQL at TEST_DATABASE_URL). Printed: records
//! per second, and this process's resident memory sampled during the run and its peak.
//! The fake renders its JSON on the same two cores; the figures include that work.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "../tests/api/fake_hubspot.rs"]
mod fake_hubspot;

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use clap::Parser;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

use fake_hubspot::{FakeHubspot, Obj, Objects};
use server::{Application, Config};

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    config: Config,
}

fn env_usize(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Resident memory of this process, and its peak, in MiB (Linux).
fn rss_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn account(companies: usize, contacts: usize, deals: usize) -> HashMap<&'static str, Objects> {
    let t = fake_hubspot::now_ms() - 86_400_000;
    let stages = [
        "appointmentscheduled",
        "qualifiedtobuy",
        "contractsent",
        "closedwon",
        "closedlost",
    ];
    HashMap::from([
        (
            "companies",
            Objects::Generated(
                companies,
                Arc::new(move |i: usize| {
                    fake_hubspot::company(
                        i + 1,
                        &format!("Company {i}"),
                        &format!("c{i}.example"),
                        t,
                    )
                }) as Arc<dyn Fn(usize) -> Obj + Send + Sync>,
            ),
        ),
        (
            "contacts",
            Objects::Generated(
                contacts,
                Arc::new(move |i: usize| {
                    fake_hubspot::contact(
                        1_000_000 + i,
                        &format!("Person {i}"),
                        &format!("p{i}@c{}.example", i % companies.max(1)),
                        Some(i % companies.max(1) + 1),
                        t,
                    )
                }),
            ),
        ),
        (
            "deals",
            Objects::Generated(
                deals,
                Arc::new(move |i: usize| {
                    fake_hubspot::deal(
                        2_000_000 + i,
                        &format!("Deal {i}"),
                        &format!("{}.00", 1_000 + (i % 50) * 500),
                        stages[i % stages.len()],
                        Some(i % companies.max(1) + 1),
                        t,
                    )
                }),
            ),
        ),
    ])
}

async fn database(backend: &str, dir: &std::path::Path) -> (String, Option<String>) {
    if backend == "sqlite" {
        return (format!("sqlite://{}/bench.db", dir.display()), None);
    }
    let admin = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let conn = sea_orm::Database::connect(&admin)
        .await
        .expect("PostgreSQL");
    let name = format!("hf_bench_sync_{}", std::process::id());
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        conn.execute_raw(Statement::from_string(sea_orm::DbBackend::Postgres, sql))
            .await
            .expect("create the bench database");
    }
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
    (format!("{base}/{name}"), Some(name))
}

async fn run(backend: &str, companies: usize, contacts: usize, deals: usize) {
    let hubspot = FakeHubspot::start(account(companies, contacts, deals)).await;
    let dir = tempfile::tempdir().unwrap();
    let (url, pg_name) = database(backend, dir.path()).await;
    let data = dir.path().join("data");
    let cli = Cli::parse_from([
        "bench",
        "--database-url",
        &url,
        "--seed-demo",
        "false",
        "--job-workers",
        "1",
        "--api-rate-limit-per-minute",
        "0",
        "--secret-key",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "--data-dir",
        data.to_str().unwrap(),
        "--password-sign-in",
        "on",
        "--hubspot-api-url",
        &hubspot.base_url(),
    ]);
    let options = leptos_config::LeptosOptions::builder()
        .output_name("hyperformant")
        .site_root("target/site")
        .site_pkg_dir("pkg")
        .site_addr(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .build();
    let application = Application::build(cli.config, options)
        .await
        .expect("the app");
    let base = format!("http://{}", application.local_addr());
    let server = tokio::spawn(application.run_until(std::future::pending()));

    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = client
        .post(format!("{base}/auth/signup"))
        .header("origin", &base)
        .form(&[
            ("email", "bench@example.com"),
            ("name", "Bench"),
            ("password", "correct horse battery"),
        ])
        .send()
        .await
        .unwrap();
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("hf_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let call = |endpoint: &str, body: Value| {
        client
            .post(format!("{base}/api/{endpoint}"))
            .header("cookie", &cookie)
            .header("origin", &base)
            .json(&body)
            .send()
    };
    let session: Value = call("current_session", json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ws = session["workspaces"][0]["slug"]
        .as_str()
        .unwrap()
        .to_owned();

    let start = Instant::now();
    let connected: Value = call(
        "connect_connector",
        json!({"workspace": ws, "input": {"kind": "hubspot", "access_token": fake_hubspot::TOKEN}}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let job_id = connected["sync_job_id"]
        .as_i64()
        .unwrap_or_else(|| panic!("a sync job: {connected}"));
    let mut samples = Vec::new();
    let mut last_sample = Instant::now();
    let job = loop {
        let d: Value = call("get_job", json!({"workspace": ws, "id": job_id}))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let status = d["job"]["status"].as_str().unwrap_or("").to_owned();
        if matches!(status.as_str(), "succeeded" | "failed" | "cancelled") {
            break d;
        }
        if last_sample.elapsed() >= Duration::from_secs(5) {
            samples.push((
                start.elapsed().as_secs(),
                d["job"]["progress"].as_i64().unwrap_or(0),
                rss_mib().0,
            ));
            last_sample = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let elapsed = start.elapsed().as_secs_f64();
    assert_eq!(job["job"]["status"], "succeeded", "{job}");
    let records = (companies + contacts + deals) as f64;
    let (rss, peak) = rss_mib();
    println!(
        "{backend}: {} records in {elapsed:.1} s = {:.0} records/s; RSS now {rss:.0} MiB, peak {peak:.0} MiB",
        records as u64,
        records / elapsed
    );
    println!("  samples (s, progress %, RSS MiB): {samples:?}");
    println!("  written: {}", job["job"]["result"]);
    server.abort();
    if let Some(name) = pg_name {
        let admin = std::env::var("TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
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

fn main() {
    server::telemetry::init(server::config::LogFormat::Human);
    let companies = env_usize("BENCH_COMPANIES", 100_000);
    let contacts = env_usize("BENCH_CONTACTS", 200_000);
    let deals = env_usize("BENCH_DEALS", 100_000);
    let backends = std::env::var("BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    for backend in backends.split(',').map(str::trim) {
        rt.block_on(run(backend, companies, contacts, deals));
    }
}
