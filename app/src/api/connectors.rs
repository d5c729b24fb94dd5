//! Connectors over the API (admins and owners): which systems the workspace syncs with,
//! connecting one with a credential that is never returned, syncing now, pausing, resuming
//! and disconnecting. A sync is a job: follow it with `get_job`.

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::types::{ApiError, ConnectInput, Connector, ConnectorKind, RecordLink};

#[server(prefix = "/api", endpoint = "list_connectors", input = Json)]
pub async fn list_connectors(workspace: String) -> Result<Vec<Connector>, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::ManageWorkspace>()?;
    Ok(crate::backend::connectors::list(&super::state()?, &auth).await?)
}

crate::endpoint_doc! {
    /// Every system the workspace can sync with, and its state: not connected, connected as
    /// an account, paused, or needing attention (with what to do); the last sync and its job.
    ListConnectors(workspace: String) -> Vec<Connector>,
    example = {"workspace": "demo"}
}

#[server(prefix = "/api", endpoint = "connect_connector", input = Json)]
pub async fn connect_connector(
    workspace: String,
    input: ConnectInput,
) -> Result<Connector, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::ManageWorkspace>()?;
    let state = super::state()?;
    Ok(crate::backend::connectors::connect(&state, &auth, &input).await?)
}

crate::endpoint_doc! {
    /// Connects a system with an access token (a HubSpot private app's), checked against it
    /// first and stored encrypted, then starts the first sync. Connecting again replaces
    /// the token (and, for another account, starts over).
    ConnectConnector(workspace: String, input: ConnectInput) -> Connector,
    example = {"workspace": "demo", "input": {"kind": "hubspot", "access_token": "pat-na1-00000000-0000-0000-0000-000000000000"}}
}

#[server(prefix = "/api", endpoint = "sync_connector", input = Json)]
pub async fn sync_connector(workspace: String, kind: ConnectorKind) -> Result<Connector, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::ManageWorkspace>()?;
    let state = super::state()?;
    Ok(crate::backend::connectors::sync_now(&state, &auth, kind).await?)
}

crate::endpoint_doc! {
    /// Syncs now (the sync already queued or running, if there is one); `sync_job_id` names
    /// the job to follow.
    SyncConnector(workspace: String, kind: ConnectorKind) -> Connector,
    example = {"workspace": "demo", "kind": "hubspot"}
}

#[server(prefix = "/api", endpoint = "pause_connector", input = Json)]
pub async fn pause_connector(
    workspace: String,
    kind: ConnectorKind,
    paused: bool,
) -> Result<Connector, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::ManageWorkspace>()?;
    let state = super::state()?;
    Ok(crate::backend::connectors::set_paused(&state, &auth, kind, paused).await?)
}

crate::endpoint_doc! {
    /// Pauses (`paused: true`) or resumes a connector. A sync running stops after its page.
    PauseConnector(workspace: String, kind: ConnectorKind, paused: bool) -> Connector,
    example = {"workspace": "demo", "kind": "hubspot", "paused": true}
}

#[server(prefix = "/api", endpoint = "disconnect_connector", input = Json)]
pub async fn disconnect_connector(workspace: String, kind: ConnectorKind) -> Result<(), ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::ManageWorkspace>()?;
    let state = super::state()?;
    Ok(crate::backend::connectors::disconnect(&state, &auth, kind).await?)
}

crate::endpoint_doc! {
    /// Forgets the token and the sync's cursor. Synced records stay as the workspace's own.
    DisconnectConnector(workspace: String, kind: ConnectorKind) -> (),
    example = {"workspace": "demo", "kind": "hubspot"}
}

#[server(prefix = "/api", endpoint = "list_record_links", input = Json)]
pub async fn list_record_links(
    workspace: String,
    object: String,
    id: i64,
) -> Result<Vec<RecordLink>, ApiError> {
    let scope = super::scope(&workspace).await?;
    Ok(crate::backend::connectors::record_links(&super::state()?.db, &scope, &object, id).await?)
}

crate::endpoint_doc! {
    /// The other systems a record is tied to (`object`: `company`, `contact` or `deal`): its
    /// id there, when it was last synced, and a conflict that kept a change made here from
    /// being sent back.
    ListRecordLinks(workspace: String, object: String, id: i64) -> Vec<RecordLink>,
    example = {"workspace": "demo", "object": "deal", "id": 1}
}

#[server(prefix = "/api", endpoint = "enrich_company", input = Json)]
pub async fn enrich_company(workspace: String, id: i64) -> Result<crate::types::Company, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::Write>()?;
    let state = super::state()?;
    let out = crate::backend::connectors::apollo::enrich_one(&state, &auth, id).await?;
    super::changed(&scope, "companies", None).await;
    Ok(out)
}

crate::endpoint_doc! {
    /// Enriches one company from Apollo by its domain, now (members and above; Apollo must be
    /// connected). Fills only fields that are empty or came from Apollo before: a value a
    /// person typed, or one HubSpot owns, is never overwritten. Uses one credit when found.
    EnrichCompany(workspace: String, id: i64) -> crate::types::Company,
    example = {"workspace": "demo", "id": 1}
}

#[server(prefix = "/api", endpoint = "enrich_companies", input = Json)]
pub async fn enrich_companies(workspace: String) -> Result<crate::types::Job, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::Write>()?;
    let state = super::state()?;
    let job = crate::backend::connectors::apollo::start(&state, auth.workspace(), true).await?;
    Ok(crate::backend::repo::jobs::to_job(job))
}

crate::endpoint_doc! {
    /// "Enrich companies missing data": a background job that enriches every company with a
    /// domain never enriched, or enriched longer ago than the re-enrichment age (90 days),
    /// ten per Apollo call. Follow it with `get_job`.
    EnrichCompanies(workspace: String) -> crate::types::Job,
    example = {"workspace": "demo"}
}
