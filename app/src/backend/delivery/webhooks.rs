//! Outgoing webhooks: endpoints subscribe to event types; each event becomes one delivery
//! row per subscribed endpoint and one `webhook_delivery` job, so failures are retried with
//! the queue's exponential backoff and every attempt is recorded (status, response code,
//! duration) for the delivery log.
//!
//! The body is JSON `{"id", "type", "created_at", "workspace", "data"}`, identical on every
//! attempt and redelivery (receivers deduplicate by `id`). It is signed like Stripe's:
//! `X-Hyperformant-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with the
//! endpoint's secret — the timestamp is signed too, so receivers can refuse old replays.
//!
//! Endpoints are called only at public addresses unless WEBHOOK_ALLOW_PRIVATE is set: the
//! host is resolved once, checked, and the connection is pinned to that address (no second
//! lookup a DNS rebinding could change), and redirects are not followed.

use crate::backend::WorkspaceId;
use std::{net::IpAddr, net::SocketAddr, sync::Arc, time::Duration};

use chrono::Utc;
use hmac::{Hmac, KeyInit, Mac};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use serde_json::json;
use sha2::Sha256;

use crate::backend::entity::{webhook_deliveries, webhook_endpoints, workspaces};
use crate::backend::jobs::{JobContext, JobError, JobKind, Jobs};
use crate::backend::{AppState, Error, Result};

/// The events an endpoint can subscribe to.
pub const EVENT_TYPES: &[&str] = &[
    "report.completed",
    "job.failed",
    "deal.created",
    "deal.stage_changed",
    "company.created",
    "import.completed",
    "webhook.test",
];

pub const SIGNATURE_HEADER: &str = "x-hyperformant-signature";
/// Attempts per delivery (about 4 minutes of backoff in all before it is failed).
const MAX_ATTEMPTS: i32 = 8;
const TIMEOUT: Duration = Duration::from_secs(10);
const EXCERPT: usize = 500;

#[derive(Clone, Debug)]
pub struct WebhookSettings {
    /// Allow endpoints on loopback and private networks (development and tests).
    pub allow_private: bool,
}

/// `t=<ts>,v1=<hex hmac>` for `body` sent at `timestamp`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    format!("t={timestamp},v1={}", sign(secret, timestamp, body))
}

fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// What a receiver does: checks the signature header of `body` and that it is at most
/// `tolerance` old. Constant-time comparison.
pub fn verify(secret: &str, header: &str, body: &str, now: i64, tolerance: i64) -> bool {
    let mut ts = None;
    let mut sigs = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => ts = v.parse::<i64>().ok(),
            Some(("v1", v)) => sigs.push(v.to_owned()),
            _ => {}
        }
    }
    let Some(ts) = ts else { return false };
    if (now - ts).abs() > tolerance {
        return false;
    }
    let Ok(expected) = hex::decode(sign(secret, ts, body)) else {
        return false;
    };
    sigs.iter().any(|s| {
        hex::decode(s)
            .map(|got| subtle::ConstantTimeEq::ct_eq(got.as_slice(), expected.as_slice()).into())
            .unwrap_or(false)
    })
}

/// A new signing secret, shown to the admin once.
pub fn new_secret() -> String {
    format!("whsec_{}", crate::backend::auth::tokens::random_token(32))
}

/// Checks an endpoint URL as entered: absolute http(s), a host, at most 2,000 characters.
pub fn parse_url(raw: &str) -> std::result::Result<url::Url, String> {
    let raw = raw.trim();
    if raw.len() > 2000 {
        return Err("is longer than 2,000 characters".into());
    }
    let url = url::Url::parse(raw).map_err(|_| "is not a URL (https://…)".to_owned())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must start with https:// or http://".into());
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("has no host".into());
    }
    Ok(url)
}

fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64 // CGNAT 100.64/10
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (v6.segments()[0] & 0xfe00) == 0xfc00 // unique local
                || (v6.segments()[0] & 0xffc0) == 0xfe80 // link local
                || v6.to_ipv4_mapped().is_some_and(|v4| is_private(IpAddr::V4(v4)))
        }
    }
}

/// Resolves the endpoint's host once and refuses private addresses unless allowed.
async fn resolve(url: &url::Url, allow_private: bool) -> std::result::Result<SocketAddr, String> {
    let host = url.host_str().ok_or("no host")?;
    let port = url.port_or_known_default().ok_or("no port")?;
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    let first = *addrs
        .first()
        .ok_or_else(|| format!("{host} has no address"))?;
    if !allow_private {
        if let Some(bad) = addrs.iter().find(|a| is_private(a.ip())) {
            return Err(format!(
                "{host} resolves to a private address ({}); endpoints must be public (WEBHOOK_ALLOW_PRIVATE=true allows this)",
                bad.ip()
            ));
        }
    }
    Ok(first)
}

fn event_types_of(endpoint: &webhook_endpoints::Model) -> Vec<String> {
    serde_json::from_str(&endpoint.event_types).unwrap_or_default()
}

/// Records `event_type` with `data` for every enabled endpoint of the workspace that
/// subscribed to it (or only `only_endpoint`), and queues the deliveries. Answers how many.
pub async fn emit(
    state: &AppState,
    workspace_id: WorkspaceId,
    event_type: &str,
    data: serde_json::Value,
    only_endpoint: Option<i64>,
) -> Result<usize> {
    let mut select = webhook_endpoints::Entity::find()
        .filter(webhook_endpoints::Column::WorkspaceId.eq(workspace_id))
        .filter(webhook_endpoints::Column::Enabled.eq(true));
    if let Some(id) = only_endpoint {
        select = select.filter(webhook_endpoints::Column::Id.eq(id));
    }
    let endpoints: Vec<_> = select
        .all(&state.db)
        .await?
        .into_iter()
        .filter(|e| only_endpoint.is_some() || event_types_of(e).iter().any(|t| t == event_type))
        .collect();
    if endpoints.is_empty() {
        return Ok(0);
    }
    let slug = workspaces::Entity::find_by_id(workspace_id)
        .one(&state.db)
        .await?
        .map(|w| w.slug)
        .unwrap_or_default();
    let event_id = format!("evt_{}", crate::backend::auth::tokens::random_token(16));
    let body = json!({
        "id": event_id,
        "type": event_type,
        "created_at": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "workspace": slug,
        "data": data,
    })
    .to_string();
    let txn = crate::backend::db::begin_write(&state.db).await?;
    let mut queued = Vec::new();
    for endpoint in &endpoints {
        let delivery = insert_delivery(&txn, endpoint, event_type, &event_id, &body, None).await?;
        queued.push(queue_delivery(&txn, workspace_id, &delivery).await?);
    }
    txn.commit().await?;
    let jobs = state.jobs();
    for job in &queued {
        jobs.announce(job).await;
    }
    Ok(queued.len())
}

async fn insert_delivery(
    db: &impl ConnectionTrait,
    endpoint: &webhook_endpoints::Model,
    event_type: &str,
    event_id: &str,
    body: &str,
    redelivery_of: Option<i64>,
) -> Result<webhook_deliveries::Model> {
    Ok(webhook_deliveries::ActiveModel {
        endpoint_id: Set(endpoint.id),
        workspace_id: Set(endpoint.workspace_id),
        event_type: Set(event_type.to_owned()),
        event_id: Set(event_id.to_owned()),
        payload: Set(body.to_owned()),
        status: Set("pending".into()),
        attempts: Set(0),
        redelivery_of: Set(redelivery_of),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

async fn queue_delivery(
    db: &impl ConnectionTrait,
    ws: WorkspaceId,
    delivery: &webhook_deliveries::Model,
) -> Result<crate::backend::entity::jobs::Model> {
    let input = DeliveryInput {
        delivery_id: delivery.id,
    };
    let job = Jobs::enqueue_in(db, &DeliverWebhook::job(&input)?.in_workspace(ws)).await?;
    webhook_deliveries::Entity::update_many()
        .col_expr(
            webhook_deliveries::Column::JobId,
            sea_orm::sea_query::Expr::value(job.id),
        )
        .filter(webhook_deliveries::Column::Id.eq(delivery.id))
        .exec(db)
        .await?;
    Ok(job)
}

/// Sends a recorded delivery again (same event id and body, a fresh signature), as a new
/// delivery row linked to the first.
pub async fn redeliver(
    state: &AppState,
    ws: WorkspaceId,
    delivery: &webhook_deliveries::Model,
) -> Result<webhook_deliveries::Model> {
    let endpoint = webhook_endpoints::Entity::find_by_id(delivery.endpoint_id)
        .filter(webhook_endpoints::Column::WorkspaceId.eq(ws))
        .one(&state.db)
        .await?
        .ok_or(Error::NotFound("webhook endpoint"))?;
    let txn = crate::backend::db::begin_write(&state.db).await?;
    let again = insert_delivery(
        &txn,
        &endpoint,
        &delivery.event_type,
        &delivery.event_id,
        &delivery.payload,
        Some(delivery.id),
    )
    .await?;
    let job = queue_delivery(&txn, ws, &again).await?;
    txn.commit().await?;
    state.jobs().announce(&job).await;
    Ok(webhook_deliveries::Model {
        job_id: Some(job.id),
        ..again
    })
}

/// The `webhook_delivery` job: one attempt at one delivery.
pub struct DeliverWebhook {
    pub state: AppState,
    pub settings: Arc<WebhookSettings>,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct DeliveryInput {
    pub delivery_id: i64,
}

impl JobKind for DeliverWebhook {
    const NAME: &'static str = "webhook_delivery";
    const MAX_ATTEMPTS: i32 = MAX_ATTEMPTS;
    type Payload = DeliveryInput;

    async fn run(
        &self,
        ctx: Arc<JobContext>,
        input: DeliveryInput,
    ) -> std::result::Result<serde_json::Value, JobError> {
        run(&self.state, &self.settings, ctx, input).await
    }
}

async fn run(
    state: &AppState,
    settings: &WebhookSettings,
    ctx: Arc<JobContext>,
    payload: DeliveryInput,
) -> std::result::Result<serde_json::Value, JobError> {
    let db = &state.db;
    let delivery = webhook_deliveries::Entity::find_by_id(payload.delivery_id)
        .one(db)
        .await?
        .ok_or_else(|| JobError::Permanent("the delivery no longer exists".into()))?;
    let endpoint = webhook_endpoints::Entity::find_by_id(delivery.endpoint_id)
        .one(db)
        .await?
        .ok_or_else(|| JobError::Permanent("the endpoint was deleted".into()))?;
    let last_attempt = ctx.job.attempts >= ctx.job.max_attempts;
    let started = std::time::Instant::now();
    let outcome = attempt(state, settings, &endpoint, &delivery).await;
    let took = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);

    let (status, code, excerpt, error, result) = match outcome {
        Ok((code, excerpt)) if (200..300).contains(&code) => (
            "succeeded",
            Some(code),
            Some(excerpt),
            None,
            Ok(json!({ "delivery_id": delivery.id, "status": code })),
        ),
        Ok((code, excerpt)) => {
            let why = format!("the endpoint answered HTTP {code}");
            let end = if last_attempt { "failed" } else { "pending" };
            (
                end,
                Some(code),
                Some(excerpt),
                Some(why.clone()),
                Err(JobError::Failed(why)),
            )
        }
        Err(Attempt::Refused(why)) => (
            "failed",
            None,
            None,
            Some(why.clone()),
            Err(JobError::Permanent(why)),
        ),
        Err(Attempt::Failed(why)) => {
            let end = if last_attempt { "failed" } else { "pending" };
            (
                end,
                None,
                None,
                Some(why.clone()),
                Err(JobError::Failed(why)),
            )
        }
    };
    webhook_deliveries::ActiveModel {
        id: Set(delivery.id),
        status: Set(status.into()),
        attempts: Set(delivery.attempts + 1),
        response_code: Set(code),
        response_excerpt: Set(excerpt),
        error: Set(error.clone()),
        duration_ms: Set(Some(took)),
        last_attempt_at: Set(Some(Utc::now())),
        ..Default::default()
    }
    .update(db)
    .await
    .map_err(|e| JobError::Failed(e.to_string()))?;
    let line = match (code, &error) {
        (Some(c), None) => format!("{} → HTTP {c} in {took} ms", endpoint.url),
        (Some(c), Some(_)) => format!(
            "{} → HTTP {c} in {took} ms; will retry unless out of attempts",
            endpoint.url
        ),
        (None, Some(e)) => format!("{} → {e}", endpoint.url),
        (None, None) => endpoint.url.clone(),
    };
    ctx.log(&line).await?;
    result
}

enum Attempt {
    /// Will never work as configured (private address, secret unreadable): no retry.
    Refused(String),
    Failed(String),
}

async fn attempt(
    state: &AppState,
    settings: &WebhookSettings,
    endpoint: &webhook_endpoints::Model,
    delivery: &webhook_deliveries::Model,
) -> std::result::Result<(i32, String), Attempt> {
    let url = parse_url(&endpoint.url).map_err(|e| Attempt::Refused(format!("the URL {e}")))?;
    let secret = state
        .auth()
        .secrets
        .decrypt(&endpoint.secret_enc)
        .map_err(|e| Attempt::Refused(e.to_string()))?;
    let addr = resolve(&url, settings.allow_private).await.map_err(|e| {
        if e.contains("private address") {
            Attempt::Refused(e)
        } else {
            Attempt::Failed(e)
        }
    })?;
    let host = url.host_str().unwrap_or_default().to_owned();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .resolve(&host, addr)
        .user_agent(concat!("Hyperformant-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Attempt::Failed(e.to_string()))?;
    let ts = Utc::now().timestamp();
    let res = client
        .post(url)
        .header("content-type", "application/json")
        .header("x-hyperformant-event", &delivery.event_type)
        .header("x-hyperformant-delivery", &delivery.event_id)
        .header(SIGNATURE_HEADER, signature(&secret, ts, &delivery.payload))
        .body(delivery.payload.clone())
        .send()
        .await
        .map_err(|e| Attempt::Failed(describe(&e)))?;
    let code = i32::from(res.status().as_u16());
    let text = res.text().await.unwrap_or_default();
    Ok((code, text.chars().take(EXCERPT).collect()))
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        format!("no answer within {} s", TIMEOUT.as_secs())
    } else if e.is_connect() {
        "could not connect to the endpoint".into()
    } else {
        e.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_expire() {
        let body = r#"{"id":"evt_1"}"#;
        let header = signature("whsec_x", 1_700_000_000, body);
        assert!(header.starts_with("t=1700000000,v1="));
        assert!(verify("whsec_x", &header, body, 1_700_000_100, 300));
        assert!(
            !verify("whsec_x", &header, body, 1_700_001_000, 300),
            "too old"
        );
        assert!(
            !verify("whsec_y", &header, body, 1_700_000_100, 300),
            "other secret"
        );
        assert!(!verify(
            "whsec_x",
            &header,
            r#"{"id":"evt_2"}"#,
            1_700_000_100,
            300
        ));
        assert!(!verify("whsec_x", "garbage", body, 1_700_000_100, 300));
    }

    #[test]
    fn private_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.5",
            "169.254.169.254",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "0.0.0.0",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:4700::1111", "8.8.8.8"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn urls_are_checked() {
        assert!(parse_url("https://hooks.example.com/x").is_ok());
        assert!(parse_url("ftp://example.com").is_err());
        assert!(parse_url("not a url").is_err());
        assert!(parse_url(&format!("https://e.com/{}", "a".repeat(2000))).is_err());
    }

    #[tokio::test]
    async fn private_endpoints_are_refused_unless_allowed() {
        let url = url::Url::parse("http://127.0.0.1:9/hook").unwrap();
        let err = resolve(&url, false).await.unwrap_err();
        assert!(err.contains("private address"), "{err}");
        assert!(resolve(&url, true).await.is_ok());
    }
}
