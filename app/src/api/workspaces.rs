use leptos::prelude::*;
use server_fn::codec::Json;

use crate::types::{ApiError, WorkspaceSummary};

/// The workspaces the caller belongs to (an API token sees only its own).
#[server(prefix = "/api", endpoint = "list_workspaces", input = Json)]
pub async fn list_workspaces() -> Result<Vec<WorkspaceSummary>, ApiError> {
    Ok(super::auth::current_session()
        .await?
        .ok_or_else(ApiError::unauthorized)?
        .workspaces)
}

crate::endpoint_doc! {
    /// The workspaces the caller belongs to (a token sees only its own).
    ListWorkspaces() -> Vec<WorkspaceSummary>,
    example = {}
}

/// Creates a workspace with the caller as its owner. `slug` is optional (derived from the
/// name when omitted) and must be unused.
#[server(prefix = "/api", endpoint = "create_workspace", input = Json)]
pub async fn create_workspace(
    name: String,
    slug: Option<String>,
) -> Result<WorkspaceSummary, ApiError> {
    use crate::backend::{auth::Via, workspaces, Error};

    let principal = super::principal()?;
    if matches!(principal.via, Via::Token { .. }) {
        return Err(Error::Forbidden(
            "an API token belongs to one workspace and cannot create others".into(),
        )
        .into());
    }
    let state = super::state()?;
    Ok(workspaces::create(
        &state.db,
        principal.user_id,
        &name,
        slug.as_deref(),
        super::request_meta().ip,
    )
    .await?)
}

crate::endpoint_doc! {
    /// Creates a workspace with the caller as its owner (signed in with a session).
    ///
    /// `slug` is derived from the name when omitted and must be unused.
    CreateWorkspace(name: String, slug: Option<String>) -> WorkspaceSummary,
    auth = session,
    example = {"name": "Acme Ventures", "slug": "acme-ventures"}
}
