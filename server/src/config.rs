//! Configuration: command-line flags, each backed by an environment variable (and `.env`,
//! loaded by `main`). The README's configuration table lists every one of them; keep the
//! two in step (`server --help` prints the same list).

use std::{path::PathBuf, time::Duration};

use clap::{Args, ValueEnum};
use leptos_config::LeptosOptions;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Readable lines for a terminal.
    #[default]
    Human,
    /// One JSON object per line, for log collectors.
    Json,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum AppEnv {
    /// The embedded default: a generated secret key file is fine.
    #[default]
    Development,
    /// Refuses to start without SECRET_KEY.
    Production,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum PasswordSignIn {
    /// On when no OAuth provider is configured, off otherwise.
    #[default]
    Auto,
    On,
    Off,
}

/// PostgreSQL's own rule of thumb for a pool, twice the cores plus one, counted on this
/// machine: the database usually runs beside the app (SQLite always does; each of its
/// connections is a thread), and connections beyond what the cores can run only take turns
/// on them. A fixed 10 on the two-core benchmark machine left PostgreSQL ten backends
/// sharing two cores: the deals list under 64 connections (wrk on the 1M-deal database of
/// `scripts/bench-lists.sh`) ran at 3,837 req/s with p95 20.6 ms; with 5, 3,960 req/s and
/// p95 18.3 ms. Where
/// PostgreSQL has more cores than the app's machine, set `DATABASE_MAX_CONNECTIONS`.
fn default_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    u32::try_from(2 * cores + 1).unwrap_or(u32::MAX)
}

#[derive(Clone, Debug, Args)]
pub struct Config {
    /// Database to use: `sqlite://path/to/file.db` (created on first run) or `postgres://…`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/hyperformant.db",
        global = true
    )]
    pub database_url: String,

    /// Pooled database connections per process (default: twice this machine's cores, plus
    /// one).
    #[arg(
        long,
        env = "DATABASE_MAX_CONNECTIONS",
        default_value_t = default_pool_size(),
        global = true
    )]
    pub database_max_connections: u32,

    /// Apply pending migrations when `serve` starts (`migrate` always does).
    #[arg(long, env = "MIGRATE_ON_START", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub migrate_on_start: bool,

    /// `human` or `json`.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Human, global = true)]
    pub log_format: LogFormat,

    /// The runtime site settings (address, site root, bundle name) for a server started
    /// without cargo-leptos. `LEPTOS_*` variables override any value in it.
    #[arg(
        long,
        env = "LEPTOS_CONFIG",
        default_value = "Leptos.toml",
        global = true
    )]
    pub leptos_config: PathBuf,

    /// Background job workers `serve` runs in this process (default: one per CPU core; 0 runs
    /// none, for web-only processes beside separate workers).
    #[arg(long, env = "JOB_WORKERS", global = true)]
    pub job_workers: Option<usize>,

    /// How long a worker's claim on a job lasts without a heartbeat, in seconds: after a
    /// crash, the job is retried this long after the last heartbeat (renewed every third).
    #[arg(long, env = "JOB_LEASE_SECONDS", default_value_t = 30, global = true)]
    pub job_lease_seconds: u64,

    /// Largest request body a server function accepts, in bytes.
    #[arg(long, env = "API_MAX_BODY_BYTES", default_value_t = 1024 * 1024, global = true)]
    pub api_max_body_bytes: usize,

    /// How long a shutdown waits for requests in flight before it stops anyway, in seconds.
    #[arg(
        long,
        env = "SHUTDOWN_GRACE_SECONDS",
        default_value_t = 30,
        global = true
    )]
    pub shutdown_grace_seconds: u64,

    /// Where uploads (CSV imports) and other files the server keeps are stored.
    #[arg(long, env = "DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,

    /// When `serve` starts on a database with no workspaces, create a "Demo workspace" filled
    /// with demo data; the first account to sign up becomes its owner.
    #[arg(long, env = "SEED_DEMO", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub seed_demo: bool,

    /// Largest CSV file an import accepts, in bytes.
    #[arg(long, env = "IMPORT_MAX_BYTES", default_value_t = 25 * 1024 * 1024, global = true)]
    pub import_max_bytes: u64,

    /// `development` or `production` (production requires SECRET_KEY).
    #[arg(long, env = "APP_ENV", value_enum, default_value_t = AppEnv::Development, global = true)]
    pub app_env: AppEnv,

    /// The URL people use to reach the app (invitation links, OAuth redirect URIs, the
    /// origin state-changing requests must come from). Default: http://<LEPTOS_SITE_ADDR>.
    #[arg(long, env = "PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// Key for secrets stored encrypted (provider tokens …): 32 bytes, base64.
    #[arg(long, env = "SECRET_KEY", hide_env_values = true, global = true)]
    pub secret_key: Option<String>,

    /// Where the development key is generated and kept when SECRET_KEY is not set.
    #[arg(
        long,
        env = "SECRET_KEY_FILE",
        default_value = "data/secret.key",
        global = true
    )]
    pub secret_key_file: PathBuf,

    /// Whether new accounts may sign up (invitation links always work).
    #[arg(long, env = "ALLOW_SIGNUP", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub allow_signup: bool,

    /// E-mail and password sign-in: `auto` (on unless an OAuth provider is configured), `on`, `off`.
    #[arg(long, env = "PASSWORD_SIGN_IN", value_enum, default_value_t = PasswordSignIn::Auto, global = true)]
    pub password_sign_in: PasswordSignIn,

    /// A session ends after this many hours without use.
    #[arg(long, env = "SESSION_IDLE_HOURS", default_value_t = 168, global = true)]
    pub session_idle_hours: u32,

    /// A session ends this many days after sign-in, used or not.
    #[arg(long, env = "SESSION_MAX_DAYS", default_value_t = 30, global = true)]
    pub session_max_days: u32,

    /// Sign-in attempts allowed per client IP per minute.
    #[arg(
        long,
        env = "SIGN_IN_ATTEMPTS_PER_IP",
        default_value_t = 20,
        global = true
    )]
    pub sign_in_attempts_per_ip: u32,

    /// Sign-in attempts allowed per account (e-mail) per minute, from anywhere.
    #[arg(
        long,
        env = "SIGN_IN_ATTEMPTS_PER_ACCOUNT",
        default_value_t = 5,
        global = true
    )]
    pub sign_in_attempts_per_account: u32,

    /// Requests per minute under /api/ for each API token and each browser session
    /// (then 429 with Retry-After); 0 turns the limit off.
    #[arg(
        long,
        env = "API_RATE_LIMIT_PER_MINUTE",
        default_value_t = 600,
        global = true
    )]
    pub api_rate_limit_per_minute: u32,

    /// Take the client address from X-Forwarded-For (only behind a proxy you run).
    #[arg(long, env = "TRUST_PROXY", default_value_t = false, action = clap::ArgAction::Set, global = true)]
    pub trust_proxy: bool,

    /// SMTP server for outgoing e-mail (reports). Unset: messages are written as .eml files
    /// into DATA_DIR/outbox instead.
    #[arg(long, env = "SMTP_HOST", global = true)]
    pub smtp_host: Option<String>,

    /// SMTP port (587 for STARTTLS, 465 for TLS, 25 or a local relay's port for none).
    #[arg(long, env = "SMTP_PORT", default_value_t = 587, global = true)]
    pub smtp_port: u16,

    /// `starttls`, `tls` or `none` (a local relay only).
    #[arg(long, env = "SMTP_TLS", default_value = "starttls", global = true)]
    pub smtp_tls: String,

    #[arg(long, env = "SMTP_USERNAME", global = true)]
    pub smtp_username: Option<String>,

    #[arg(long, env = "SMTP_PASSWORD", hide_env_values = true, global = true)]
    pub smtp_password: Option<String>,

    /// The From of outgoing e-mail.
    #[arg(
        long,
        env = "MAIL_FROM",
        default_value = "Hyperformant <hyperformant@localhost>",
        global = true
    )]
    pub mail_from: String,

    /// Let webhooks call loopback and private-network addresses (default: yes in
    /// development, no in production).
    #[arg(long, env = "WEBHOOK_ALLOW_PRIVATE", action = clap::ArgAction::Set, global = true)]
    pub webhook_allow_private: Option<bool>,

    /// HubSpot's API (change it for a proxy, or a fake in tests).
    #[arg(
        long,
        env = "HUBSPOT_API_URL",
        default_value = "https://api.hubapi.com",
        global = true
    )]
    pub hubspot_api_url: String,

    /// GoHighLevel's API (change it for a proxy, or a fake in tests).
    #[arg(
        long,
        env = "GOHIGHLEVEL_API_URL",
        default_value = "https://services.leadconnectorhq.com",
        global = true
    )]
    pub gohighlevel_api_url: String,

    /// Apollo's API (change it for a proxy, or a fake in tests).
    #[arg(
        long,
        env = "APOLLO_API_URL",
        default_value = "https://api.apollo.io",
        global = true
    )]
    pub apollo_api_url: String,

    /// Companies enriched longer ago than this many days are enriched again (daily, while
    /// Apollo is connected).
    #[arg(
        long,
        env = "APOLLO_REENRICH_DAYS",
        default_value_t = 90,
        global = true
    )]
    pub apollo_reenrich_days: i64,

    /// The HubSpot app's client secret, which signs its webhooks (`POST /hooks/hubspot`);
    /// unset, webhooks are refused and syncs run on their interval and on demand.
    #[arg(
        long,
        env = "HUBSPOT_CLIENT_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub hubspot_client_secret: Option<String>,

    /// The HubSpot app's client id: with `HUBSPOT_CLIENT_SECRET`, admins may connect HubSpot
    /// through OAuth (redirect URI `<PUBLIC_URL>/connectors/hubspot/oauth/callback`).
    #[arg(long, env = "HUBSPOT_CLIENT_ID", global = true)]
    pub hubspot_client_id: Option<String>,

    /// Where HubSpot asks a person to grant the app access.
    #[arg(
        long,
        env = "HUBSPOT_AUTH_URL",
        default_value = "https://app.hubspot.com/oauth/authorize",
        global = true
    )]
    pub hubspot_auth_url: String,

    /// Where HubSpot trades codes and refresh tokens for access tokens.
    #[arg(
        long,
        env = "HUBSPOT_TOKEN_URL",
        default_value = "https://api.hubapi.com/oauth/v1/token",
        global = true
    )]
    pub hubspot_token_url: String,

    /// The AI model provider of workspaces that set none: `offline` (the built-in analyst,
    /// no model), `openai` (any OpenAI-compatible endpoint) or `anthropic`. Also writes report
    /// prose when not offline.
    #[arg(long, env = "AI_PROVIDER", default_value = "offline", global = true)]
    pub ai_provider: String,

    /// The provider's base URL (default: the provider's own; e.g. http://localhost:11434/v1
    /// for Ollama).
    #[arg(long, env = "AI_BASE_URL", default_value = "", global = true)]
    pub ai_base_url: String,

    /// The model name, e.g. `gpt-4o-mini` or `claude-sonnet-4-5`.
    #[arg(long, env = "AI_MODEL", default_value = "", global = true)]
    pub ai_model: String,

    #[arg(long, env = "AI_API_KEY", hide_env_values = true, global = true)]
    pub ai_api_key: Option<String>,

    /// Tokens per workspace and calendar month when the workspace sets none (unset: no limit).
    #[arg(long, env = "AI_MONTHLY_TOKEN_BUDGET", global = true)]
    pub ai_monthly_token_budget: Option<i64>,

    /// Questions to the AI analyst per person and minute.
    #[arg(
        long,
        env = "AI_RATE_LIMIT_PER_MINUTE",
        default_value_t = 20,
        global = true
    )]
    pub ai_rate_limit_per_minute: u32,

    /// Seconds to wait for a provider's answer to start, and between two parts of it.
    #[arg(long, env = "AI_TIMEOUT_SECONDS", default_value_t = 60, global = true)]
    pub ai_timeout_seconds: u64,
}

impl Config {
    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_seconds)
    }

    /// Everything about signing in, from these settings and the OAUTH_* variables.
    pub fn auth(
        &self,
        site_addr: std::net::SocketAddr,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<app::backend::AuthConfig, AuthConfigError> {
        use app::backend::auth::{
            crypto::SecretBox,
            oauth::OAuth,
            providers,
            rate_limit::{ApiLimits, SignInLimits},
            sessions::SessionSettings,
        };
        let public_url = self
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{site_addr}"))
            .trim_end_matches('/')
            .to_owned();
        let parsed = url::Url::parse(&public_url)
            .map_err(|_| AuthConfigError::PublicUrl(public_url.clone()))?;
        let secrets = match (&self.secret_key, self.app_env) {
            (Some(key), _) => SecretBox::from_base64(key)?,
            (None, AppEnv::Production) => {
                return Err(app::backend::auth::crypto::KeyError::MissingInProduction.into())
            }
            (None, AppEnv::Development) => SecretBox::from_key_file(&self.secret_key_file)?,
        };
        let providers = providers::from_env(env)?;
        let password_enabled = match self.password_sign_in {
            PasswordSignIn::On => true,
            PasswordSignIn::Off => false,
            PasswordSignIn::Auto => providers.is_empty(),
        };
        if !password_enabled && providers.is_empty() {
            return Err(AuthConfigError::NoWayIn);
        }
        Ok(app::backend::AuthConfig {
            oauth: OAuth::new(providers, &public_url, secrets.clone()),
            secrets,
            signup_allowed: self.allow_signup,
            password_enabled,
            sessions: SessionSettings {
                idle: chrono::Duration::hours(i64::from(self.session_idle_hours.max(1))),
                absolute: chrono::Duration::days(i64::from(self.session_max_days.max(1))),
                secure_cookie: parsed.scheme() == "https",
            },
            limits: SignInLimits::new(
                self.sign_in_attempts_per_ip,
                self.sign_in_attempts_per_account,
            ),
            api_limits: ApiLimits::per_minute(self.api_rate_limit_per_minute),
            trust_proxy: self.trust_proxy,
            public_url,
        })
    }

    pub fn ai(&self) -> app::backend::ai::AiConfig {
        let mut ai = app::backend::ai::AiConfig {
            provider: self.ai_provider.trim().to_lowercase(),
            base_url: self.ai_base_url.trim().to_owned(),
            model: self.ai_model.trim().to_owned(),
            api_key: self.ai_api_key.clone().filter(|k| !k.trim().is_empty()),
            monthly_token_budget: self.ai_monthly_token_budget,
            rate_per_minute: self.ai_rate_limit_per_minute,
            ..Default::default()
        };
        ai.http.idle_timeout = Duration::from_secs(self.ai_timeout_seconds.max(1));
        ai
    }

    pub fn connectors(&self) -> app::backend::connectors::ConnectorSettings {
        app::backend::connectors::ConnectorSettings {
            hubspot_url: self.hubspot_api_url.trim().trim_end_matches('/').to_owned(),
            gohighlevel_url: self
                .gohighlevel_api_url
                .trim()
                .trim_end_matches('/')
                .to_owned(),
            apollo_url: self.apollo_api_url.trim().trim_end_matches('/').to_owned(),
            reenrich_days: self.apollo_reenrich_days.max(1),
            hubspot_client_secret: self
                .hubspot_client_secret
                .clone()
                .filter(|s| !s.trim().is_empty()),
            hubspot_oauth: self.hubspot_oauth_app(),
            ..Default::default()
        }
    }

    fn hubspot_oauth_app(&self) -> Option<app::backend::auth::providers::ProviderConfig> {
        let id = self.hubspot_client_id.as_deref().map(str::trim)?;
        let secret = self.hubspot_client_secret.as_deref().map(str::trim)?;
        (!id.is_empty() && !secret.is_empty()).then(|| {
            app::backend::connectors::oauth::hubspot_app(
                id,
                secret,
                self.hubspot_auth_url.trim(),
                self.hubspot_token_url.trim(),
            )
        })
    }

    pub fn imports(&self) -> app::backend::import::ImportSettings {
        app::backend::import::ImportSettings {
            dir: self.data_dir.join("imports"),
            max_bytes: self.import_max_bytes,
        }
    }

    /// Where e-mail goes and which webhook addresses are allowed.
    pub fn delivery(
        &self,
    ) -> Result<app::backend::delivery::DeliverySettings, DeliveryConfigError> {
        use app::backend::delivery::{
            mail::{MailSettings, MailTransport, SmtpTls},
            webhooks::WebhookSettings,
            DeliverySettings,
        };
        let transport = match self
            .smtp_host
            .as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty())
        {
            Some(host) => MailTransport::Smtp {
                host: host.to_owned(),
                port: self.smtp_port,
                tls: SmtpTls::parse(self.smtp_tls.trim())
                    .ok_or_else(|| DeliveryConfigError::SmtpTls(self.smtp_tls.clone()))?,
                username: self.smtp_username.clone(),
                password: self.smtp_password.clone(),
                timeout: Duration::from_secs(30),
            },
            None => MailTransport::Outbox(self.data_dir.join("outbox")),
        };
        if !app::backend::delivery::mail::is_mailbox(&self.mail_from) {
            return Err(DeliveryConfigError::From(self.mail_from.clone()));
        }
        Ok(DeliverySettings {
            mail: MailSettings {
                transport,
                from: self.mail_from.clone(),
            },
            webhooks: WebhookSettings {
                allow_private: self
                    .webhook_allow_private
                    .unwrap_or(self.app_env == AppEnv::Development),
            },
        })
    }

    pub fn pool(&self) -> app::backend::db::PoolSettings {
        app::backend::db::PoolSettings {
            max_connections: self.database_max_connections.max(1),
            ..Default::default()
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthConfigError {
    #[error("PUBLIC_URL `{0}` is not an absolute URL")]
    PublicUrl(String),
    #[error(transparent)]
    Key(#[from] app::backend::auth::crypto::KeyError),
    #[error(transparent)]
    Provider(#[from] app::backend::auth::providers::ProviderConfigError),
    #[error("PASSWORD_SIGN_IN=off and no OAUTH_PROVIDERS: nobody could sign in")]
    NoWayIn,
}

#[derive(Debug, thiserror::Error)]
pub enum DeliveryConfigError {
    #[error("SMTP_TLS `{0}` must be starttls, tls or none")]
    SmtpTls(String),
    #[error("MAIL_FROM `{0}` is not an address like `Hyperformant <reports@example.com>`")]
    From(String),
}

#[derive(Debug, thiserror::Error)]
pub enum LeptosConfigError {
    #[error("could not read the site settings from {path}: {message}")]
    File { path: String, message: String },
    #[error("could not read the site settings from LEPTOS_* variables: {0}")]
    Env(String),
}

/// The site settings: from `Leptos.toml` when it exists (cargo-leptos' `LEPTOS_*` variables
/// still override each value), otherwise from the environment alone.
pub fn leptos_options(path: &std::path::Path) -> Result<LeptosOptions, LeptosConfigError> {
    if path.is_file() {
        let shown = path.display().to_string();
        leptos_config::get_configuration(Some(&shown))
            .map(|c| c.leptos_options)
            .map_err(|e| LeptosConfigError::File {
                path: shown,
                message: e.to_string(),
            })
    } else {
        leptos_config::get_configuration(None)
            .map(|c| c.leptos_options)
            .map_err(|e| LeptosConfigError::Env(e.to_string()))
    }
}
