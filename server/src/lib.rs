#![recursion_limit = "256"]

//! The Hyperformant process: configuration, the HTTP server and its lifecycle. `main.rs`
//! is the command line around it; integration tests start it on a free port the same way.

pub mod api_edge;
pub mod auth;
pub mod chat;
pub mod config;
pub mod files;
pub mod hooks;
pub mod live;
pub mod request_owner;
pub mod router;
pub mod security;
pub mod shutdown;
pub mod telemetry;

use std::{
    future::{Future, IntoFuture},
    net::SocketAddr,
};

use anyhow::Context;
use app::backend::{db, jobs::PoolConfig, AppState};
use leptos_config::LeptosOptions;
use tokio::net::TcpListener;

pub use config::Config;

/// A server that is bound to its port and ready to run.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    state: AppState,
    config: Config,
}

impl Application {
    /// Connects to the database, applies migrations (unless told not to), builds the
    /// router and binds `options.site_addr` (port 0 picks a free port).
    pub async fn build(config: Config, options: LeptosOptions) -> anyhow::Result<Self> {
        Self::build_with_env(config, options, |k| std::env::var(k).ok()).await
    }

    /// As `build`, with the OAUTH_* provider variables read through `env` (tests pass a map).
    pub async fn build_with_env(
        config: Config,
        options: LeptosOptions,
        env: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(options.site_addr)
            .await
            .with_context(|| format!("binding {}", options.site_addr))?;
        // With port 0 the real address is known only now; the default PUBLIC_URL uses it.
        let state = build_state(&config, listener.local_addr()?, env, config.seed_demo).await?;
        let router = router::build(
            state.clone(),
            options,
            router::RouterSettings {
                api_max_body_bytes: config.api_max_body_bytes,
            },
        );
        Ok(Self {
            listener,
            router,
            state,
            config,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    fn start_workers(&self) -> Option<Workers> {
        start_workers(&self.state, &self.config, self.config.job_workers)
    }

    /// Serves until `shutdown` resolves, then lets requests in flight finish (bounded by
    /// the grace period) and closes the database pools.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let grace = self.config.shutdown_grace();
        let workers = self.start_workers();
        let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
        let listener = without_nagle(self.listener);
        let serve = axum::serve(
            listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            shutdown.await;
            let _ = stopping_tx.send(());
        })
        .into_future();
        tokio::pin!(serve);
        tokio::select! {
            result = &mut serve => result.context("serving HTTP")?,
            _ = async {
                let _ = stopping_rx.await;
                tokio::time::sleep(grace).await;
            } => tracing::warn!(?grace, "requests still in flight after the grace period; stopping anyway"),
        }
        if let Some(pool) = workers {
            // Each worker finishes the job it is on; claimed jobs not started go back.
            pool.shutdown().await;
        }
        self.state.events().stop();
        if let Err(e) = self.state.close_pools().await {
            tracing::warn!(error = %e, "closing the database pools");
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// The database, migrations and everything requests and jobs share. `site_addr` gives the
/// default PUBLIC_URL.
async fn build_state(
    config: &Config,
    site_addr: SocketAddr,
    env: impl Fn(&str) -> Option<String>,
    seed_demo: bool,
) -> anyhow::Result<AppState> {
    let auth = config.auth(site_addr, env).context("sign-in settings")?;
    let conn = db::connect(&config.database_url, config.pool())
        .await
        .with_context(|| format!("opening {}", db::redact(&config.database_url)))?;
    if config.migrate_on_start {
        db::migrate(&conn).await.context("applying migrations")?;
    }
    if seed_demo {
        seed_demo_if_empty(&conn).await;
    }
    if let Err(e) = db::optimize(&conn).await {
        tracing::warn!(error = %e, "refreshing SQLite's statistics");
    }
    let delivery = config.delivery().context("delivery settings")?;
    let events = app::backend::events::Bus::for_database(&conn).await;
    let ai = config.ai();
    if !migrations::AI_PROVIDERS.contains(&ai.provider.as_str()) {
        anyhow::bail!("AI_PROVIDER must be offline, openai or anthropic");
    }
    let lists = db::connect_lists(&config.database_url, config.pool(), &conn)
        .await
        .context("opening the pool for lists")?;
    let mut connectors = config.connectors();
    // GoHighLevel is connected through the app people sign in with, when there is one.
    connectors.gohighlevel_oauth = auth
        .oauth
        .providers()
        .iter()
        .find(|p| p.id == "gohighlevel")
        .map(app::backend::connectors::oauth::gohighlevel_app);
    let mut state = AppState::new(conn.clone(), events, auth, config.imports())
        .with_list_pool(lists)
        .with_delivery(delivery)
        .with_ai(ai.clone())
        .with_connectors(connectors);
    if !ai.is_offline() {
        let provider = app::backend::ai::build_provider(
            &ai.provider,
            &ai.base_url,
            &ai.model,
            ai.api_key.clone(),
            &ai.http,
        );
        state = state.with_narrator(std::sync::Arc::new(
            app::backend::ai::narrator::ModelNarrator::new(provider, conn),
        ));
    }
    app::backend::dashboard::spawn_invalidator(&state);
    app::backend::auth::access_cache::spawn_invalidator(&state);
    app::backend::ai::chat::spawn_sweeper(&state);
    Ok(state)
}

/// A process's background side: job workers and the schedule loop.
pub struct Workers {
    pool: app::backend::jobs::Pool,
    scheduler: tokio::task::JoinHandle<()>,
    stop: tokio::sync::watch::Sender<bool>,
}

impl Workers {
    /// Each worker finishes its current step and hands its job back; the scheduler stops.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.scheduler.await;
        self.pool.shutdown().await;
    }
}

fn start_workers(state: &AppState, settings: &Config, workers: Option<usize>) -> Option<Workers> {
    use app::backend::jobs::{Pool, PoolConfig};
    use app::backend::{job_kinds, schedules as scheduler};
    let mut config = PoolConfig {
        lease: std::time::Duration::from_secs(settings.job_lease_seconds.max(1)),
        ..PoolConfig::default()
    };
    if let Some(n) = workers {
        config.workers = n;
    }
    if config.workers == 0 {
        return None;
    }
    tracing::info!(workers = config.workers, "starting job workers");
    {
        let state = state.clone();
        tokio::spawn(async move {
            if let Err(e) = app::backend::ai::insights::ensure_daily(&state).await {
                tracing::warn!(error = %e, "queueing the daily insights");
            }
        });
    }
    let pool = Pool::start(
        state.db.clone(),
        state.events().clone(),
        job_kinds::registry(state),
        config,
    );
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let scheduler = tokio::spawn(scheduler::run(state.clone(), stopped));
    Some(Workers {
        pool,
        scheduler,
        stop,
    })
}

/// `server worker`: job workers only, no HTTP — so a deployment scales web and worker
/// processes separately against one PostgreSQL. Runs until `shutdown`, then each worker
/// finishes its current step and hands its job back.
pub async fn run_workers(
    config: Config,
    site_addr: SocketAddr,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let state = build_state(&config, site_addr, |k| std::env::var(k).ok(), false).await?;
    let workers = config.job_workers.or(Some(PoolConfig::default().workers));
    let Some(pool) = start_workers(&state, &config, workers.filter(|n| *n > 0).or(Some(1))) else {
        anyhow::bail!("no workers to run");
    };
    shutdown.await;
    tokio::time::timeout(config.shutdown_grace(), pool.shutdown())
        .await
        .unwrap_or_else(|_| tracing::warn!("workers still busy after the grace period"));
    state.events().stop();
    state.close_pools().await.ok();
    tracing::info!("workers stopped");
    Ok(())
}

/// The embedded default's first start: a demo workspace to look at. Never fatal — an
/// instance that cannot seed still serves (and a second process starting at the same moment
/// loses the race on the `demo` slug, which is fine).
async fn seed_demo_if_empty(conn: &sea_orm::DatabaseConnection) {
    use app::backend::demo;
    match demo::seed_empty_instance(conn, &demo::DemoSpec::standard()).await {
        Ok(Some(report)) => tracing::info!(
            companies = report.companies,
            deals = report.deals,
            millis = report.millis,
            "empty database: created the demo workspace (the first account to sign up owns it; SEED_DEMO=false turns this off)"
        ),
        Ok(None) => {}
        Err(e) => tracing::warn!("could not create the demo workspace: {e}"),
    }
}

/// The listener with TCP_NODELAY set on every accepted connection, so every response goes
/// out without Nagle's delay: a streamed answer or job progress is many small writes, and a
/// small write waiting for the ACK of the previous one met the client's delayed ACK — tokens
/// arrived in 40 ms clumps (the p99 of the `ai_gateway` bench's per-token delay was 38 ms,
/// direct and through the app alike; 0.2 ms with this).
fn without_nagle(
    listener: TcpListener,
) -> axum::serve::TapIo<TcpListener, impl FnMut(&mut tokio::net::TcpStream) + Send + 'static> {
    axum::serve::ListenerExt::tap_io(listener, |tcp: &mut tokio::net::TcpStream| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY on an accepted connection");
        }
    })
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn accepted_connections_send_without_nagle_delay() {
        use axum::serve::Listener;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut listener = super::without_nagle(listener);
        let _client = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (accepted, _) = listener.accept().await;
        assert!(accepted.nodelay().unwrap());
    }
}
