use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use super::auth::{
    crypto::SecretBox, oauth::OAuth, rate_limit::SignInLimits, sessions::SessionSettings,
};

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
    inner: Arc<Inner>,
}

struct Inner {
    started_at: DateTime<Utc>,
    auth: AuthConfig,
    imports: super::import::ImportSettings,
}

impl AppState {
    pub fn new(
        db: DatabaseConnection,
        auth: AuthConfig,
        imports: super::import::ImportSettings,
    ) -> Self {
        Self {
            db,
            inner: Arc::new(Inner {
                started_at: Utc::now(),
                auth,
                imports,
            }),
        }
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
