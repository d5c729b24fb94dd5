//! Connectors to the systems a team already keeps its records in (HubSpot, GoHighLevel,
//! Apollo), as the Settings → Integrations page and scripts see them. Credentials go in and
//! never come out.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A system Hyperformant can sync with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConnectorKind {
    Hubspot,
    Gohighlevel,
    Apollo,
}

impl ConnectorKind {
    pub const ALL: &'static [ConnectorKind] = &[
        ConnectorKind::Hubspot,
        ConnectorKind::Gohighlevel,
        ConnectorKind::Apollo,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConnectorKind::Hubspot => "hubspot",
            ConnectorKind::Gohighlevel => "gohighlevel",
            ConnectorKind::Apollo => "apollo",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ConnectorKind::Hubspot => "HubSpot",
            ConnectorKind::Gohighlevel => "GoHighLevel",
            ConnectorKind::Apollo => "Apollo",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }
}

/// Where a connector stands. A sync running is shown by its job, not by a state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConnectorState {
    /// Not set up in this workspace (a card with "Connect").
    NotConnected,
    /// Syncs on its interval and on demand.
    Connected,
    /// Set up, but syncs only when asked to resume.
    Paused,
    /// Stopped by a credential the other system refused: `attention` says what to do.
    NeedsAttention,
}

impl ConnectorState {
    pub const STORED: &'static [ConnectorState] = &[
        ConnectorState::Connected,
        ConnectorState::Paused,
        ConnectorState::NeedsAttention,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConnectorState::NotConnected => "not_connected",
            ConnectorState::Connected => "connected",
            ConnectorState::Paused => "paused",
            ConnectorState::NeedsAttention => "needs_attention",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            ConnectorState::NotConnected,
            ConnectorState::Connected,
            ConnectorState::Paused,
            ConnectorState::NeedsAttention,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A connector as a workspace's admins see it: never its credential.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Connector {
    pub kind: ConnectorKind,
    pub label: String,
    /// Whether it can be connected through OAuth here (an app is configured): the browser
    /// goes to `/connectors/{kind}/oauth/start?workspace=…`.
    #[serde(default)]
    pub oauth: bool,
    pub state: ConnectorState,
    /// Who the credential acts as ("HubSpot account 12345"), once connected.
    pub account: Option<String>,
    /// What to do, when the state is `needs_attention`.
    pub attention: Option<String>,
    /// The sync running now or last run (follow it at `/api/get_job`).
    pub sync_job_id: Option<i64>,
    #[serde(serialize_with = "super::timestamps::rfc3339_opt")]
    pub last_sync_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// Records linked, per object (`companies`, `contacts`, `deals`, `pipelines`); for an
    /// enrichment service, `enriched` companies and the `credits` its calls used.
    pub counts: BTreeMap<String, i64>,
    pub interval_minutes: i32,
}

/// How to connect: a HubSpot private app's access token, a GoHighLevel location's private
/// integration token (with the location's id), or an Apollo API key, pasted once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ConnectInput {
    pub kind: ConnectorKind,
    /// Write-only: stored encrypted, never returned.
    pub access_token: String,
    /// GoHighLevel only: the location (sub-account) the token belongs to.
    #[serde(default)]
    pub location_id: Option<String>,
}

/// Where one field's value came from, and when it was written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct FieldSource {
    /// `manual`, `import`, `hubspot` …
    pub source: String,
    #[serde(serialize_with = "super::timestamps::rfc3339")]
    pub at: DateTime<Utc>,
}

/// A record's tie to its counterpart in another system.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct RecordLink {
    /// `hubspot` …
    pub source: String,
    pub external_id: String,
    #[serde(serialize_with = "super::timestamps::rfc3339")]
    pub synced_at: DateTime<Utc>,
    /// Why the last change made here was not sent there (that system changed it too).
    pub conflict: Option<String>,
}
