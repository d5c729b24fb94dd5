use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use super::auth::{
    crypto::SecretBox,
    oauth::OAuth,
    rate_limit::{ApiLimits, SignInLimits},
    sessions::SessionSettings,
};
use super::delivery::DeliverySettings;
use super::events::Bus;
use super::jobs::Jobs;
use super::reports::narrative::TextGenerator;

/// Everything about signing in and access that comes from configuration.
#[derive(Clone)]
pub struct AuthConfig {
    /// Where the app is reached from browsers (links in invitations, OAuth redirect URIs,
    /// the origin that state-changing requests must come from).
    pub public_url: String,
    pub signup_allowed: bool,
    pub password_enabled: bool,
    pub sessions: SessionSettings,
    pub limits: SignInLimits,
    /// Requests per minute per API token and per session under `/api/`.
    pub api_limits: ApiLimits,
    pub oauth: OAuth,
    pub secrets: SecretBox,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy you run).
    pub trust_proxy: bool,
}

/// What every request handler and server function can reach. Cheap to clone.
/// Provided to server functions as Leptos context by the server's router.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    /// Where list pages are read from (see `db::connect_lists`); `db` unless set.
    lists: DatabaseConnection,
    inner: Arc<Inner>,
}

struct Inner {
    started_at: DateTime<Utc>,
    auth: AuthConfig,
    imports: super::import::ImportSettings,
    events: Bus,
    /// Writes report prose with a model, when one is configured (the template writer
    /// otherwise, and whenever this one fails).
    narrator: Option<Arc<dyn TextGenerator>>,
    delivery: DeliverySettings,
    dashboards: super::dashboard::Cache,
    list_counts: super::repo::counts::CountCache,
    access: super::auth::AccessCache,
    ai: super::ai::AiConfig,
    /// Answers of the AI analyst being written in this process.
    chat_runs: super::ai::chat::Runs,
    writes: super::db::WriteGate,
    connectors: super::connectors::ConnectorSettings,
}

impl AppState {
    pub fn new(
        db: DatabaseConnection,
        events: Bus,
        auth: AuthConfig,
        imports: super::import::ImportSettings,
    ) -> Self {
        let writes =
            super::db::WriteGate::for_backend(sea_orm::ConnectionTrait::get_database_backend(&db));
        Self {
            lists: db.clone(),
            db,
            inner: Arc::new(Inner {
                started_at: Utc::now(),
                auth,
                imports,
                events,
                narrator: None,
                delivery: DeliverySettings::development("data/outbox".into()),
                dashboards: Default::default(),
                list_counts: Default::default(),
                access: Default::default(),
                chat_runs: super::ai::chat::Runs::new(
                    super::ai::AiConfig::default().rate_per_minute,
                ),
                ai: Default::default(),
                writes,
                connectors: Default::default(),
            }),
        }
    }

    /// The same state with `narrator` writing report prose. Call before sharing the state.
    pub fn with_narrator(mut self, narrator: Arc<dyn TextGenerator>) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.narrator = Some(narrator);
        }
        self
    }

    /// The same state reading list pages from `lists`.
    pub fn with_list_pool(mut self, lists: DatabaseConnection) -> Self {
        self.lists = lists;
        self
    }

    /// The connection pool for list pages.
    pub fn list_db(&self) -> &DatabaseConnection {
        &self.lists
    }

    /// Closes the database pools (the list pool too, where it is a pool of its own).
    pub async fn close_pools(&self) -> Result<(), sea_orm::DbErr> {
        let lists = self.lists.close_by_ref().await;
        self.db.close_by_ref().await.and(lists)
    }

    /// The same state with these mail and webhook settings. Call before sharing the state.
    pub fn with_delivery(mut self, delivery: DeliverySettings) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.delivery = delivery;
        }
        self
    }

    /// The same state with this AI configuration. Call before sharing the state.
    pub fn with_ai(mut self, ai: super::ai::AiConfig) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.chat_runs = super::ai::chat::Runs::new(ai.rate_per_minute);
            inner.ai = ai;
        }
        self
    }

    /// The same state with these connector settings. Call before sharing the state.
    pub fn with_connectors(mut self, connectors: super::connectors::ConnectorSettings) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.connectors = connectors;
        }
        self
    }

    pub fn connectors(&self) -> &super::connectors::ConnectorSettings {
        &self.inner.connectors
    }

    pub fn ai(&self) -> &super::ai::AiConfig {
        &self.inner.ai
    }

    pub fn chat_runs(&self) -> &super::ai::chat::Runs {
        &self.inner.chat_runs
    }

    /// Remembered list totals (see `repo::counts`).
    pub fn list_counts(&self) -> &super::repo::counts::CountCache {
        &self.inner.list_counts
    }

    /// Recently computed dashboards (dropped when a workspace's data changes).
    pub fn dashboards(&self) -> &super::dashboard::Cache {
        &self.inner.dashboards
    }

    /// Turns for SQLite's writer among this process's busiest writers (see `db::WriteGate`).
    pub fn writes(&self) -> &super::db::WriteGate {
        &self.inner.writes
    }

    /// Tokens and memberships checked in the last few seconds (see `auth::access_cache`).
    pub fn access(&self) -> &super::auth::AccessCache {
        &self.inner.access
    }

    /// Access was taken away (a token revoked, a role changed, a member removed): forgets
    /// cached checks here and, through the bus, in every other process.
    pub async fn access_changed(&self) {
        self.inner.access.clear();
        self.inner
            .events
            .publish(super::events::Event::new(
                None,
                super::events::Topic::AccessChanged,
            ))
            .await;
    }

    pub fn delivery(&self) -> &DeliverySettings {
        &self.inner.delivery
    }

    pub fn narrator(&self) -> Option<Arc<dyn TextGenerator>> {
        self.inner.narrator.clone()
    }

    /// Live events (in-process, or across processes on PostgreSQL).
    pub fn events(&self) -> &Bus {
        &self.inner.events
    }

    /// Enqueues background work and wakes a worker.
    pub fn jobs(&self) -> Jobs {
        Jobs::new(self.db.clone(), self.inner.events.clone())
    }

    pub fn imports(&self) -> &super::import::ImportSettings {
        &self.inner.imports
    }

    pub fn started_at(&self) -> DateTime<Utc> {
        self.inner.started_at
    }

    pub fn auth(&self) -> &AuthConfig {
        &self.inner.auth
    }
}
