//! Connectors: the workspace filled from the systems a team already keeps its records in.
//! An admin connects one with a credential (checked against the system, stored encrypted,
//! never returned); each sync is a job on the queue that writes one page of records per
//! transaction together with the cursor that follows it, so a worker killed mid-sync resumes
//! at the last committed page. A credential the system refuses stops the connector and marks
//! it "needs attention" instead of retrying.

pub mod apollo;
mod country;
mod credential;
pub mod cursor;
pub mod gohighlevel;
pub mod http;
pub mod hubspot;
mod job;
pub mod oauth;
mod push;

use std::collections::BTreeMap;

use sea_orm::ConnectionTrait;

pub(crate) use country::country_code;
pub use credential::{credential, fresh, Credential};
pub use job::{Failure, SyncConnector, SyncJob};
pub use push::{deal_changed, PushDeal, PushJob};

use crate::backend::auth::{can, Authorized};
use crate::backend::entity::connectors;
use crate::backend::jobs::{JobKind, JobStatus};
use crate::backend::repo::connectors as repo;
use crate::backend::{AppState, Error, Result, WorkspaceId};
use crate::types::{ConnectInput, Connector, ConnectorKind, ConnectorState};

/// Where each system is reached (configurable for tests and proxies) and how.
#[derive(Clone, Debug)]
pub struct ConnectorSettings {
    pub hubspot_url: String,
    pub gohighlevel_url: String,
    pub apollo_url: String,
    /// Companies enriched longer ago than this are enriched again.
    pub reenrich_days: i64,
    /// The HubSpot app's client secret: signs its webhooks (none: webhooks are refused).
    pub hubspot_client_secret: Option<String>,
    /// The OAuth apps connectors may be connected through (none: a pasted token only).
    pub hubspot_oauth: Option<crate::backend::auth::providers::ProviderConfig>,
    pub gohighlevel_oauth: Option<crate::backend::auth::providers::ProviderConfig>,
    pub http: http::HttpSettings,
}

impl Default for ConnectorSettings {
    fn default() -> Self {
        Self {
            hubspot_url: "https://api.hubapi.com".into(),
            gohighlevel_url: "https://services.leadconnectorhq.com".into(),
            apollo_url: "https://api.apollo.io".into(),
            reenrich_days: 90,
            hubspot_client_secret: None,
            hubspot_oauth: None,
            gohighlevel_oauth: None,
            http: http::HttpSettings::default(),
        }
    }
}

fn view(kind: ConnectorKind, row: Option<&connectors::Model>, oauth: bool) -> Connector {
    let Some(row) = row else {
        return Connector {
            kind,
            label: kind.label().into(),
            oauth,
            state: ConnectorState::NotConnected,
            account: None,
            attention: None,
            sync_job_id: None,
            last_sync_at: None,
            last_error: None,
            counts: BTreeMap::new(),
            interval_minutes: 15,
        };
    };
    Connector {
        kind,
        label: kind.label().into(),
        oauth,
        state: ConnectorState::parse(&row.state).unwrap_or(ConnectorState::NeedsAttention),
        account: Some(row.account.clone()),
        attention: row.attention.clone(),
        sync_job_id: row.sync_job_id,
        last_sync_at: row.last_sync_at,
        last_error: row.last_error.clone(),
        counts: serde_json::from_str(&row.counts).unwrap_or_default(),
        interval_minutes: row.interval_minutes,
    }
}

/// Every system this build connects to, with this workspace's state of each.
pub async fn list(
    state: &AppState,
    auth: &Authorized<'_, can::ManageWorkspace>,
) -> Result<Vec<Connector>> {
    let rows = repo::all(&state.db, auth.workspace()).await?;
    Ok(ConnectorKind::ALL
        .iter()
        .map(|&k| {
            let row = rows.iter().find(|r| r.kind == k.as_str());
            view(k, row, oauth::provider(state, k).is_some())
        })
        .collect())
}

pub async fn get(
    state: &AppState,
    auth: &Authorized<'_, can::ManageWorkspace>,
    kind: ConnectorKind,
) -> Result<Connector> {
    let row = repo::find(&state.db, auth.workspace(), kind).await?;
    Ok(view(
        kind,
        row.as_ref(),
        oauth::provider(state, kind).is_some(),
    ))
}

/// The other systems a record of the workspace is tied to (`company`, `contact`, `deal`).
pub async fn record_links(
    db: &impl ConnectionTrait,
    scope: &crate::backend::auth::Scope,
    object: &str,
    id: i64,
) -> Result<Vec<crate::types::RecordLink>> {
    use crate::backend::repo::synced::{links_of, Object};
    let object = match object {
        "company" => Object::Company,
        "contact" => Object::Contact,
        "deal" => Object::Deal,
        _ => return Err(Error::field("object", "must be company, contact or deal")),
    };
    Ok(links_of(db, scope.workspace(), object, id)
        .await?
        .into_iter()
        .map(|l| crate::types::RecordLink {
            source: l.source,
            external_id: l.external_id,
            synced_at: l.synced_at,
            conflict: l.conflict,
        })
        .collect())
}

/// Who a credential acts as, by asking the system: the account's label and id.
pub(crate) async fn check(
    settings: &ConnectorSettings,
    input: &ConnectInput,
    token: &str,
) -> Result<(String, Option<String>)> {
    // A refused credential is the person's to fix: a 422 on the field, with the system's words.
    let refused = |what: &str| {
        let what = what.to_owned();
        move |e: http::RemoteError| match e {
            http::RemoteError::BadCredentials { message, .. } => Error::field(
                "access_token",
                format!("{what} refused this token: {message}"),
            ),
            http::RemoteError::MissingScope { message, .. } => Error::field(
                "access_token",
                format!("the token lacks a permission the sync needs: {message}"),
            ),
            other => other.into(),
        }
    };
    Ok(match input.kind {
        ConnectorKind::Hubspot => {
            let client = hubspot::Client::new(&settings.hubspot_url, token, &settings.http);
            let found = client.account().await.map_err(refused("HubSpot"))?;
            (
                format!("HubSpot account {}", found.portal_id),
                Some(found.portal_id.to_string()),
            )
        }
        ConnectorKind::Gohighlevel => {
            let location = input
                .location_id
                .as_deref()
                .map(str::trim)
                .filter(|l| {
                    !l.is_empty()
                        && l.len() <= 100
                        && l.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                })
                .ok_or_else(|| {
                    Error::field(
                        "location_id",
                        "the id of the GoHighLevel location (sub-account) the token belongs to",
                    )
                })?;
            let client = gohighlevel::Client::new(
                &settings.gohighlevel_url,
                token,
                location,
                &settings.http,
            );
            // GoHighLevel answers 403 for a location the token was not issued for.
            let found = client.location().await.map_err(|e| match e {
                http::RemoteError::NotFound { .. } => {
                    Error::field("location_id", "GoHighLevel has no location with this id")
                }
                http::RemoteError::MissingScope { message, .. } => Error::field(
                    "location_id",
                    format!("the token does not open this location: {message}"),
                ),
                other => refused("GoHighLevel")(other),
            })?;
            let name = found
                .name
                .unwrap_or_else(|| format!("location {}", found.id));
            (format!("GoHighLevel: {name}"), Some(found.id))
        }
        ConnectorKind::Apollo => {
            let client = apollo::Client::new(&settings.apollo_url, token, &settings.http);
            client.check().await.map_err(refused("Apollo"))?;
            ("Apollo API key".to_owned(), None)
        }
    })
}

/// Checks the credential against the system, stores it and starts the first sync.
pub async fn connect(
    state: &AppState,
    auth: &Authorized<'_, can::ManageWorkspace>,
    input: &ConnectInput,
) -> Result<Connector> {
    let token = input.access_token.trim();
    if token.is_empty() || token.len() > 4096 || !token.chars().all(|c| c.is_ascii_graphic()) {
        return Err(Error::field(
            "access_token",
            "paste the access token of a HubSpot private app or a GoHighLevel private \
             integration, or an Apollo API key",
        ));
    }
    let (account, account_id) = check(state.connectors(), input, token).await?;
    store(
        state,
        auth,
        input.kind,
        &Credential::pasted(token),
        (&account, account_id.as_deref()),
    )
    .await
}

/// Keeps a checked credential (encrypted) as `kind`'s, audited, and starts the first sync.
pub(crate) async fn store(
    state: &AppState,
    auth: &Authorized<'_, can::ManageWorkspace>,
    kind: ConnectorKind,
    secret: &Credential,
    (account, account_id): (&str, Option<&str>),
) -> Result<Connector> {
    let txn = crate::backend::db::begin_write(&state.db).await?;
    let row = repo::connect(
        &txn,
        auth.workspace(),
        repo::Connection {
            kind,
            secret_enc: credential::seal(state, secret)?,
            account,
            account_id,
            user_id: auth.user_id(),
        },
    )
    .await?;
    crate::backend::audit::record(
        &txn,
        crate::backend::audit::Entry::in_scope(auth, "connector.connected")
            .target("connector", row.id)
            .detail(format!("{} as {account}", kind.label())),
    )
    .await?;
    txn.commit().await?;
    // A CRM's first sync starts at once; enrichment spends credits, so it waits to be asked.
    if kind != ConnectorKind::Apollo {
        start_sync(state, auth.workspace(), &row, true).await?;
    }
    get(state, auth, kind).await
}

async fn connected(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    kind: ConnectorKind,
) -> Result<connectors::Model> {
    repo::find(db, workspace, kind)
        .await?
        .ok_or(Error::NotFound("connector"))
}

/// Queues a sync of `row`, unless one is queued or running already (then that one stands).
/// `asked`: a person asked (Sync now): an enrichment service then also enriches companies
/// never enriched; on its schedule it only refreshes stale ones.
pub async fn start_sync(
    state: &AppState,
    workspace: WorkspaceId,
    row: &connectors::Model,
    asked: bool,
) -> Result<i64> {
    if let Some(job_id) = row.sync_job_id {
        if let Ok(job) = crate::backend::jobs::queue::get(&state.db, job_id).await {
            if JobStatus::parse(&job.status).is_some_and(|s| !s.is_finished()) {
                return Ok(job_id);
            }
        }
    }
    let job = match ConnectorKind::parse(&row.kind) {
        Some(ConnectorKind::Apollo) => apollo::start(state, workspace, asked).await?,
        _ => {
            state
                .jobs()
                .enqueue(
                    &SyncConnector::job(&SyncJob {
                        connector_id: row.id,
                    })?
                    .in_workspace(workspace),
                )
                .await?
        }
    };
    repo::set_job(&state.db, row.id, job.id).await?;
    Ok(job.id)
}

/// "Sync now": a paused or attention-needing connector must be resumed or reconnected first.
pub async fn sync_now(
    state: &AppState,
    auth: &Authorized<'_, can::ManageWorkspace>,
    kind: ConnectorKind,
) -> Result<Connector> {
    let row = connected(&state.db, auth.workspace(), kind).await?;
    match ConnectorState::parse(&row.state) {
        Some(ConnectorState::Connected) => {}
        Some(ConnectorState::Paused) => {
            return Err(Error::Conflict(
                "the connector is paused: resume it to sync".into(),
            ))
        }
        _ => {
            return Err(Error::Conflict(
                row.attention
                    .clone()
                    .unwrap_or_else(|| "reconnect the connector to sync".into()),
            ))
        }
    }
    start_sync(state, auth.workspace(), &row, true).await?;
    get(state, auth, kind).await
}

/// Pauses (`paused = true`) or resumes a connector; a sync running now finishes its page
/// and stops at the next.
pub async fn set_paused(
    state: &AppState,
    auth: &Authorized<'_, can::ManageWorkspace>,
    kind: ConnectorKind,
    paused: bool,
) -> Result<Connector> {
    let row = connected(&state.db, auth.workspace(), kind).await?;
    if ConnectorState::parse(&row.state) == Some(ConnectorState::NeedsAttention) {
        return Err(Error::Conflict(
            "the connector needs attention: reconnect it".into(),
        ));
    }
    let next = if paused {
        ConnectorState::Paused
    } else {
        ConnectorState::Connected
    };
    repo::set_state(&state.db, row.id, next, None).await?;
    crate::backend::audit::record(
        &state.db,
        crate::backend::audit::Entry::in_scope(
            auth,
            if paused {
                "connector.paused"
            } else {
                "connector.resumed"
            },
        )
        .target("connector", row.id)
        .detail(kind.label()),
    )
    .await?;
    get(state, auth, kind).await
}

/// Forgets the credential and the cursor. The records synced stay, as the workspace's own;
/// their links go, so a later connection matches them again by domain and e-mail.
pub async fn disconnect(
    state: &AppState,
    auth: &Authorized<'_, can::ManageWorkspace>,
    kind: ConnectorKind,
) -> Result<()> {
    let row = connected(&state.db, auth.workspace(), kind).await?;
    if let Some(job_id) = row.sync_job_id {
        let _ = crate::backend::jobs::queue::cancel(&state.db, job_id).await;
    }
    let txn = crate::backend::db::begin_write(&state.db).await?;
    repo::delete(&txn, row.id).await?;
    crate::backend::repo::synced::unlink_all(&txn, auth.workspace(), kind.as_str()).await?;
    crate::backend::audit::record(
        &txn,
        crate::backend::audit::Entry::in_scope(auth, "connector.disconnected")
            .target("connector", row.id)
            .detail(kind.label()),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_states_are_the_schemas() {
        // The page lists them in its own order; the schema in the order they were added.
        let mut kinds: Vec<&str> = ConnectorKind::ALL.iter().map(|k| k.as_str()).collect();
        let mut stored = migrations::CONNECTOR_KINDS.to_vec();
        kinds.sort_unstable();
        stored.sort_unstable();
        assert_eq!(kinds, stored);
        let states: Vec<&str> = ConnectorState::STORED.iter().map(|s| s.as_str()).collect();
        assert_eq!(states, migrations::CONNECTOR_STATES);
    }
}
