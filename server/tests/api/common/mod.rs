//! The integration-test harness: `spawn_app(backend)` starts the real server (the same
//! `Application` as `server serve`) on a free loopback port against a fresh database —
//! a temp SQLite file, or a throwaway PostgreSQL database created here and dropped when the
//! test ends — and returns a client for it. Tests run in parallel; each has its own database.
//!
//! PostgreSQL is found at TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres,
//! the maintenance database of a local server). If it is unreachable the test FAILS, naming
//! the variable: the suite never skips PostgreSQL silently.

#![allow(dead_code)]

use std::net::SocketAddr;

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use server::{Application, Config};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

pub fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned())
}

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    pg_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/test.db", dir.path().display());
                Self {
                    url,
                    backend,
                    pg_name: None,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let admin = admin_url();
                let conn = Database::connect(&admin).await.unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL is not reachable at TEST_DATABASE_URL={admin} ({e}). \
                         The tests run against PostgreSQL as well as SQLite and never skip it: \
                         start a server or set TEST_DATABASE_URL (scripts/ensure-postgres.sh helps)."
                    )
                });
                let name = format!("hf_test_{}", uuid::Uuid::new_v4().simple());
                conn.execute_raw(Statement::from_string(
                    DbBackend::Postgres,
                    format!("CREATE DATABASE {name}"),
                ))
                .await
                .expect("CREATE DATABASE");
                conn.close().await.ok();
                let url = replace_db_name(&admin, &name);
                Self {
                    url,
                    backend,
                    pg_name: Some(name),
                    _dir: None,
                }
            }
        }
    }

    pub async fn connect(&self) -> DatabaseConnection {
        app::backend::db::connect(&self.url, Default::default())
            .await
            .expect("connect to test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else {
            return;
        };
        let admin = admin_url();
        // Drop runs outside any runtime we can block on: use a small one of our own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async move {
                let conn = Database::connect(&admin).await.ok()?;
                conn.execute_raw(Statement::from_string(
                    DbBackend::Postgres,
                    format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                ))
                .await
                .ok()?;
                conn.close().await.ok()
            })
        })
        .join();
    }
}

/// `postgres://u@h:p/old?x` → `postgres://u@h:p/new?x`
fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part_end = base[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..host_part_end], name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub db: TestDb,
    /// The running server's state (its database pool and event bus), for tests that run
    /// their own workers beside it.
    pub state: app::backend::AppState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

pub fn test_config(database_url: &str) -> Config {
    use base64::Engine;
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).expect("random key");
    Config {
        database_url: database_url.to_owned(),
        database_max_connections: 5,
        migrate_on_start: true,
        log_format: server::config::LogFormat::Human,
        leptos_config: "Leptos.toml".into(),
        api_max_body_bytes: 64 * 1024,
        shutdown_grace_seconds: 5,
        app_env: server::config::AppEnv::Development,
        public_url: None,
        secret_key: Some(base64::engine::general_purpose::STANDARD.encode(key)),
        secret_key_file: "data/unused-in-tests.key".into(),
        allow_signup: true,
        password_sign_in: server::config::PasswordSignIn::On,
        session_idle_hours: 168,
        session_max_days: 30,
        sign_in_attempts_per_ip: 1000,
        sign_in_attempts_per_account: 1000,
        // Far above what any test sends (some poll every 25 ms); `contract.rs` sets a low
        // one to prove the limit.
        api_rate_limit_per_minute: 10_000,
        trust_proxy: false,
        data_dir: std::env::temp_dir().join(format!("hf-test-{}", uuid::Uuid::new_v4().simple())),
        import_max_bytes: 2 * 1024 * 1024,
        seed_demo: false,
        job_workers: Some(1),
        job_lease_seconds: 30,
        smtp_host: None,
        smtp_port: 587,
        smtp_tls: "starttls".into(),
        smtp_username: None,
        smtp_password: None,
        mail_from: "Hyperformant <hyperformant@localhost>".into(),
        webhook_allow_private: Some(true),
        ai_provider: "offline".into(),
        ai_base_url: String::new(),
        hubspot_api_url: "http://127.0.0.1:9/".into(),
        gohighlevel_api_url: "http://127.0.0.1:9/".into(),
        hubspot_client_secret: None,
        hubspot_client_id: None,
        hubspot_auth_url: "http://127.0.0.1:9/oauth/authorize".into(),
        hubspot_token_url: "http://127.0.0.1:9/oauth/v1/token".into(),
        apollo_api_url: "http://127.0.0.1:9/".into(),
        apollo_reenrich_days: 90,
        ai_model: String::new(),
        ai_api_key: None,
        ai_monthly_token_budget: None,
        // Far above what a test asks; `chat.rs` sets a low one to prove the limit.
        ai_rate_limit_per_minute: 1000,
        ai_timeout_seconds: 5,
    }
}

pub fn test_leptos_options() -> leptos_config::LeptosOptions {
    leptos_config::LeptosOptions::builder()
        .output_name("hyperformant")
        .site_root("target/site")
        .site_pkg_dir("pkg")
        .site_addr(SocketAddr::from(([127, 0, 0, 1], 0)))
        .build()
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    let db = TestDb::new(backend).await;
    spawn_app_on(db).await
}

/// A server on a fresh database of `backend`, its test configuration adjusted by `configure`.
pub async fn spawn_configured(backend: Backend, configure: impl FnOnce(&mut Config)) -> TestApp {
    let db = TestDb::new(backend).await;
    let mut config = test_config(&db.url);
    configure(&mut config);
    spawn_with(db, config, |_| None).await
}

pub async fn spawn_app_on(db: TestDb) -> TestApp {
    let config = test_config(&db.url);
    spawn_with(db, config, |_| None).await
}

/// Starts the server with a given configuration and OAUTH_* variables.
pub async fn spawn_with(
    db: TestDb,
    config: Config,
    env: impl Fn(&str) -> Option<String>,
) -> TestApp {
    server::telemetry::init(server::config::LogFormat::Human);
    let app = Application::build_with_env(config, test_leptos_options(), env)
        .await
        .expect("build the application");
    let addr = app.local_addr();
    let state = app.state().clone();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(app.run_until(async move {
        let _ = rx.await;
    }));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client");
    TestApp {
        addr,
        client,
        db,
        state,
        shutdown: Some(tx),
        handle: Some(handle),
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// POSTs JSON to a server function, as a script would.
    pub async fn call(&self, endpoint: &str, body: serde_json::Value) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/{endpoint}")))
            .json(&body)
            .send()
            .await
            .expect("request")
    }

    /// The origin browsers of this app send (for cookie-authenticated writes).
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Signs up with a password through the real form endpoint; returns the session.
    pub async fn sign_up(&self, email: &str, name: &str, password: &str) -> Session {
        self.sign_up_with(&[("email", email), ("name", name), ("password", password)])
            .await
    }

    pub async fn sign_up_with(&self, form: &[(&str, &str)]) -> Session {
        let res = self
            .client
            .post(self.url("/auth/signup"))
            .header("origin", self.origin())
            .form(form)
            .send()
            .await
            .expect("sign-up request");
        assert_eq!(res.status(), 303, "sign-up redirects");
        let cookie = session_cookie(&res).unwrap_or_else(|| {
            panic!(
                "sign-up set no session: {:?}",
                res.headers().get("location")
            )
        });
        Session {
            cookie,
            app_origin: self.origin(),
            base: self.url(""),
        }
    }

    /// Signs in with a password; Err(location) when the server refuses.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<Session, String> {
        let res = self
            .client
            .post(self.url("/auth/login"))
            .header("origin", self.origin())
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .expect("sign-in request");
        match session_cookie(&res) {
            Some(cookie) => Ok(Session {
                cookie,
                app_origin: self.origin(),
                base: self.url(""),
            }),
            None => Err(res
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned())
                .unwrap_or_else(|| res.status().to_string())),
        }
    }

    /// Calls a server function as a script with a bearer token.
    pub async fn call_with_token(
        &self,
        token: &str,
        endpoint: &str,
        body: serde_json::Value,
    ) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/{endpoint}")))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("request")
    }

    /// Stops the server gracefully and waits for it (the database is dropped afterwards).
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.await.expect("server task").expect("server result");
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.abort();
        }
    }
}

/// The `hf_session` value a response sets, if it sets one (and does not clear it).
pub fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| {
            c.strip_prefix("hf_session=")
                .map(|rest| rest.split(';').next().unwrap_or("").to_owned())
        })
        .filter(|v| !v.is_empty())
}

/// Signs up `email` (whose first workspace they own) and answers the session and that
/// workspace.
pub async fn owner_of_new_workspace(
    app: &TestApp,
    email: &str,
) -> (Session, app::types::WorkspaceSummary) {
    let s = app.sign_up(email, "Owner", "correct horse battery").await;
    let info: Option<app::types::SessionInfo> = s
        .ok(&app.client, "current_session", serde_json::json!({}))
        .await;
    let ws = info.expect("signed in").workspaces[0].clone();
    (s, ws)
}

/// The `WorkspaceId` of workspace `id`, for the tests that call the backend below the API.
pub async fn workspace(db: &sea_orm::DatabaseConnection, id: i64) -> app::backend::WorkspaceId {
    app::backend::workspaces::by_id(db, id)
        .await
        .expect("the workspace exists")
}

/// Fills workspace `ws` with deterministic demo data (`seed`); answers its members' ids.
pub async fn seed_demo(
    app: &TestApp,
    ws: i64,
    companies: usize,
    deals: usize,
    seed: u64,
) -> Vec<i64> {
    use app::backend::demo;
    let db = &app.state.db;
    let ws = workspace(db, ws).await;
    let owners = demo::member_ids(db, ws).await.unwrap();
    demo::seed(
        db,
        ws,
        &owners,
        &demo::DemoActor::default(),
        &demo::DemoSpec {
            companies,
            deals,
            seed,
            anchor: demo::today(),
            keep_indexes: false,
        },
    )
    .await
    .unwrap();
    owners
}

/// A signed-in browser: its session cookie, sent with the app's own Origin.
#[derive(Clone, Debug)]
pub struct Session {
    pub cookie: String,
    app_origin: String,
    base: String,
}

impl Session {
    pub fn header(&self) -> String {
        format!("hf_session={}", self.cookie)
    }

    pub async fn call(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        body: serde_json::Value,
    ) -> reqwest::Response {
        client
            .post(format!("{}/api/{endpoint}", self.base))
            .header("cookie", self.header())
            .header("origin", &self.app_origin)
            .json(&body)
            .send()
            .await
            .expect("request")
    }

    /// Calls and decodes a successful answer, failing the test with the error otherwise.
    pub async fn ok<T: serde::de::DeserializeOwned>(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        body: serde_json::Value,
    ) -> T {
        let res = self.call(client, endpoint, body).await;
        let status = res.status();
        let text = res.text().await.unwrap();
        assert!(status.is_success(), "{endpoint} answered {status}: {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{endpoint}: {e}: {text}"))
    }

    pub async fn get(&self, client: &reqwest::Client, path: &str) -> reqwest::Response {
        client
            .get(format!("{}{path}", self.base))
            .header("cookie", self.header())
            .send()
            .await
            .expect("request")
    }
}

/// A fresh database of `backend` with every migration applied, and a connection to it (the
/// database is dropped with the `TestDb`).
pub async fn migrated(backend: Backend) -> (TestDb, DatabaseConnection) {
    let db = TestDb::new(backend).await;
    let conn = db.connect().await;
    app::backend::db::migrate(&conn)
        .await
        .expect("migrate the test database");
    (db, conn)
}

/// The one way to run a test on both databases: `both_backends!(name, …)` expands to
/// `mod name { sqlite(), postgres() }`, two `#[tokio::test]`s (nextest lists them as
/// `name::sqlite` and `name::postgres`), each on a fresh database of its own. What the test
/// body (a closure or the path of an `async fn`) is given depends on the form:
///
/// - `both_backends!(name, |app: TestApp| async move { … })`: the real server
///   (`spawn_app`) on the database.
/// - `both_backends!(name, config = |c: &mut Config| { … }, |app: TestApp| async move { … })`:
///   the same, its `test_config` adjusted first (`spawn_configured`).
/// - `both_backends!(name, db = |db: DatabaseConnection| async move { … })`: no server, a
///   connection to the database with every migration applied (`migrated`).
/// - `both_backends!(name, empty_db = |db: TestDb| async move { … })`: no server, the database
///   as created, nothing applied, for a test that migrates it or starts processes on it its
///   own way (`db.url`, `db.backend`, `db.connect()`).
///
/// A test that runs on one database only says why in a comment on the line above it.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, db = $body:expr $(,)?) => {
        $crate::both_backends!(@pair $name, |backend| async move {
            let (_db, conn) = $crate::common::migrated(backend).await;
            ($body)(conn).await
        });
    };
    ($name:ident, empty_db = $body:expr $(,)?) => {
        $crate::both_backends!(@pair $name, |backend| async move {
            ($body)($crate::common::TestDb::new(backend).await).await
        });
    };
    ($name:ident, config = $configure:expr, $body:expr $(,)?) => {
        $crate::both_backends!(@pair $name, |backend| async move {
            ($body)($crate::common::spawn_configured(backend, $configure).await).await
        });
    };
    (@pair $name:ident, $run:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($run)($crate::common::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                ($run)($crate::common::Backend::Postgres).await
            }
        }
    };
    ($name:ident, $body:expr $(,)?) => {
        $crate::both_backends!(@pair $name, |backend| async move {
            ($body)($crate::common::spawn_app(backend).await).await
        });
    };
}

/// Waits for a condition by polling `check` every 25 ms until it holds. Not a timing
/// assertion: the limit (a minute) only keeps a test that can never pass from hanging, and
/// names what it waited for.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !check().await {
        assert!(
            std::time::Instant::now() < deadline,
            "waited a minute for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

/// Polls `get_job` until job `id` of workspace `ws` has finished; answers it with its events.
pub async fn wait_for_job(app: &TestApp, s: &Session, ws: &str, id: i64) -> app::types::JobDetail {
    for _ in 0..1200 {
        let d: app::types::JobDetail = s
            .ok(
                &app.client,
                "get_job",
                serde_json::json!({"workspace": ws, "id": id}),
            )
            .await;
        if d.job.is_finished() {
            return d;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("job {id} did not finish in a minute");
}

/// A minimal SMTP server: accepts one message and hands back its DATA.
pub async fn smtp_sink() -> (u16, tokio::sync::oneshot::Receiver<String>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (sock, _) = listener.accept().await.unwrap();
        let (read, mut write) = sock.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
        let mut data = String::new();
        let mut in_data = false;
        let mut tx = Some(tx);
        while let Ok(Some(line)) = lines.next_line().await {
            if in_data {
                if line == "." {
                    in_data = false;
                    write.write_all(b"250 queued\r\n").await.unwrap();
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(data.clone());
                    }
                } else {
                    data.push_str(&line);
                    data.push('\n');
                }
                continue;
            }
            let upper = line.to_uppercase();
            let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                b"250-sink\r\n250 8BITMIME\r\n"
            } else if upper.starts_with("DATA") {
                in_data = true;
                b"354 go ahead\r\n"
            } else if upper.starts_with("QUIT") {
                let _ = write.write_all(b"221 bye\r\n").await;
                break;
            } else {
                b"250 ok\r\n"
            };
            write.write_all(reply).await.unwrap();
        }
    });
    (port, rx)
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            super::replace_db_name("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            super::replace_db_name("postgres://u:p@h/db?sslmode=disable", "y"),
            "postgres://u:p@h/y?sslmode=disable"
        );
        assert_eq!(
            super::replace_db_name("postgres://u@h:5432", "z"),
            "postgres://u@h:5432/z"
        );
    }
}
