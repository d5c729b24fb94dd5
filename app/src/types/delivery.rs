//! Schedules and outgoing webhooks as the browser and scripts see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Recurring work: "every Monday 08:00, pipeline review, to these addresses".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Schedule {
    pub id: i64,
    pub name: String,
    /// What runs: `market`, `competitor` or `pipeline` (a report of that kind).
    pub kind: String,
    /// The report input it runs with.
    pub input: serde_json::Value,
    /// Five-field cron expression, e.g. `0 8 * * MON`.
    pub cron: String,
    /// IANA time zone the cron expression is read in.
    pub timezone: String,
    /// "At 08:00 on Monday".
    pub description: String,
    pub recipients: Vec<String>,
    pub enabled: bool,
    pub next_run_at: Option<DateTime<Utc>>,
    pub last_run_at: Option<DateTime<Utc>>,
    pub last_job_id: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ScheduleInput {
    pub name: String,
    pub kind: String,
    #[serde(default)]
    pub input: serde_json::Value,
    pub cron: String,
    #[serde(default = "utc")]
    pub timezone: String,
    #[serde(default)]
    pub recipients: Vec<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn utc() -> String {
    "UTC".into()
}

fn yes() -> bool {
    true
}

/// Where the workspace's events are sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct WebhookEndpoint {
    pub id: i64,
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct WebhookEndpointInput {
    pub url: String,
    #[serde(default)]
    pub description: String,
    pub event_types: Vec<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

/// A new endpoint with its signing secret, shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct CreatedWebhookEndpoint {
    pub endpoint: WebhookEndpoint,
    pub secret: String,
}

/// One delivery of one event to one endpoint, as the delivery log shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct WebhookDelivery {
    pub id: i64,
    pub endpoint_id: i64,
    pub event_type: String,
    pub event_id: String,
    /// `pending` (queued or being retried), `succeeded` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub response_code: Option<i32>,
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
    pub duration_ms: Option<i32>,
    pub job_id: Option<i64>,
    pub redelivery_of: Option<i64>,
    /// The exact JSON body sent.
    pub payload: String,
    pub created_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
}
