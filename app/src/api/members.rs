use leptos::prelude::*;
use server_fn::codec::Json;

use crate::types::{
    ApiError, CreatedInvitation, Invitation, InvitationPreview, Member, Role, WorkspaceSummary,
};

/// Everyone in the workspace with their role.
#[server(prefix = "/api", endpoint = "list_members", input = Json)]
pub async fn list_members(workspace: String) -> Result<Vec<Member>, ApiError> {
    let scope = super::scope(&workspace).await?;
    Ok(crate::backend::repo::members::list(&super::state()?.db, &scope).await?)
}

/// Changes a member's role (admins; only owners make or demote owners; never the last owner).
#[server(prefix = "/api", endpoint = "change_member_role", input = Json)]
pub async fn change_member_role(
    workspace: String,
    user_id: i64,
    role: Role,
) -> Result<Member, ApiError> {
    use crate::backend::auth::Action;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize(Action::ManageMembers)?;
    Ok(
        crate::backend::repo::members::change_role(&super::state()?.db, &auth, user_id, role)
            .await?,
    )
}

/// Removes a member; their API tokens for this workspace are revoked with them.
#[server(prefix = "/api", endpoint = "remove_member", input = Json)]
pub async fn remove_member(workspace: String, user_id: i64) -> Result<(), ApiError> {
    use crate::backend::auth::Action;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize(Action::ManageMembers)?;
    Ok(crate::backend::repo::members::remove(&super::state()?.db, &auth, user_id).await?)
}

/// The caller leaves the workspace (not possible for its last owner).
#[server(prefix = "/api", endpoint = "leave_workspace", input = Json)]
pub async fn leave_workspace(workspace: String) -> Result<(), ApiError> {
    let scope = super::scope(&workspace).await?;
    Ok(crate::backend::repo::members::leave(&super::state()?.db, &scope).await?)
}

/// Creates an invitation link (shown once) for a role, optionally tied to one e-mail address.
#[server(prefix = "/api", endpoint = "create_invitation", input = Json)]
pub async fn create_invitation(
    workspace: String,
    role: Role,
    email: Option<String>,
) -> Result<CreatedInvitation, ApiError> {
    use crate::backend::auth::Action;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize(Action::ManageMembers)?;
    let state = super::state()?;
    Ok(crate::backend::repo::invitations::create(
        &state.db,
        &auth,
        role,
        email.as_deref(),
        &state.auth().public_url,
    )
    .await?)
}

/// The workspace's invitations with their status.
#[server(prefix = "/api", endpoint = "list_invitations", input = Json)]
pub async fn list_invitations(workspace: String) -> Result<Vec<Invitation>, ApiError> {
    use crate::backend::auth::Action;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize(Action::ManageMembers)?;
    Ok(crate::backend::repo::invitations::list(&super::state()?.db, &auth).await?)
}

/// Withdraws a pending invitation.
#[server(prefix = "/api", endpoint = "revoke_invitation", input = Json)]
pub async fn revoke_invitation(workspace: String, id: i64) -> Result<(), ApiError> {
    use crate::backend::auth::Action;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize(Action::ManageMembers)?;
    Ok(crate::backend::repo::invitations::revoke(&super::state()?.db, &auth, id).await?)
}

/// What an invitation link leads to (works signed out, so the page can say what it is).
#[server(prefix = "/api", endpoint = "preview_invitation", input = Json)]
pub async fn preview_invitation(token: String) -> Result<InvitationPreview, ApiError> {
    let user = super::maybe_principal().map(|p| p.user_id);
    Ok(crate::backend::repo::invitations::preview(&super::state()?.db, &token, user).await?)
}

/// Joins the workspace of an invitation (signed in; the link is spent).
#[server(prefix = "/api", endpoint = "accept_invitation", input = Json)]
pub async fn accept_invitation(token: String) -> Result<WorkspaceSummary, ApiError> {
    use crate::backend::{auth::Via, Error};
    let principal = super::principal()?;
    if matches!(principal.via, Via::Token { .. }) {
        return Err(Error::Forbidden(
            "accept invitations in the browser, not with an API token".into(),
        )
        .into());
    }
    Ok(crate::backend::repo::invitations::accept(
        &super::state()?.db,
        &token,
        &principal,
        super::request_meta().ip,
    )
    .await?)
}
