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

crate::endpoint_doc! {
    /// Everyone in the workspace with their role.
    ListMembers(workspace: String) -> Vec<Member>,
    example = {"workspace": "demo"}
}

/// Changes a member's role (admins; only owners make or demote owners; never the last owner).
#[server(prefix = "/api", endpoint = "change_member_role", input = Json)]
pub async fn change_member_role(
    workspace: String,
    user_id: i64,
    role: Role,
) -> Result<Member, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::ManageMembers>()?;
    let state = super::state()?;
    let member =
        crate::backend::repo::members::change_role(&state.db, &auth, user_id, role).await?;
    state.access_changed().await;
    Ok(member)
}

crate::endpoint_doc! {
    /// Changes a member's role (admins; only owners make or demote owners; never the last owner).
    ChangeMemberRole(workspace: String, user_id: i64, role: Role) -> Member,
    example = {"workspace": "demo", "user_id": 2, "role": "member"}
}

/// Removes a member; their API tokens for this workspace are revoked with them.
#[server(prefix = "/api", endpoint = "remove_member", input = Json)]
pub async fn remove_member(workspace: String, user_id: i64) -> Result<(), ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::ManageMembers>()?;
    let state = super::state()?;
    crate::backend::repo::members::remove(&state.db, &auth, user_id).await?;
    state.access_changed().await;
    Ok(())
}

crate::endpoint_doc! {
    /// Removes a member; their API tokens for this workspace are revoked with them.
    RemoveMember(workspace: String, user_id: i64) -> (),
    example = {"workspace": "demo", "user_id": 2}
}

/// The caller leaves the workspace (not possible for its last owner).
#[server(prefix = "/api", endpoint = "leave_workspace", input = Json)]
pub async fn leave_workspace(workspace: String) -> Result<(), ApiError> {
    let scope = super::scope(&workspace).await?;
    let state = super::state()?;
    crate::backend::repo::members::leave(&state.db, &scope).await?;
    state.access_changed().await;
    Ok(())
}

crate::endpoint_doc! {
    /// The caller leaves the workspace (not its last owner).
    LeaveWorkspace(workspace: String) -> (),
    example = {"workspace": "demo"}
}

/// Creates an invitation link (shown once) for a role, optionally tied to one e-mail address.
#[server(prefix = "/api", endpoint = "create_invitation", input = Json)]
pub async fn create_invitation(
    workspace: String,
    role: Role,
    email: Option<String>,
) -> Result<CreatedInvitation, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::ManageMembers>()?;
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

crate::endpoint_doc! {
    /// Creates an invitation link (shown once) for a role, optionally tied to one e-mail address.
    CreateInvitation(workspace: String, role: Role, email: Option<String>) -> CreatedInvitation,
    example = {"workspace": "demo", "role": "member", "email": "new.colleague@example.com"}
}

/// The workspace's invitations with their status.
#[server(prefix = "/api", endpoint = "list_invitations", input = Json)]
pub async fn list_invitations(workspace: String) -> Result<Vec<Invitation>, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::ManageMembers>()?;
    Ok(crate::backend::repo::invitations::list(&super::state()?.db, &auth).await?)
}

crate::endpoint_doc! {
    /// The workspace's invitations with their status.
    ListInvitations(workspace: String) -> Vec<Invitation>,
    example = {"workspace": "demo"}
}

/// Withdraws a pending invitation.
#[server(prefix = "/api", endpoint = "revoke_invitation", input = Json)]
pub async fn revoke_invitation(workspace: String, id: i64) -> Result<(), ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::ManageMembers>()?;
    Ok(crate::backend::repo::invitations::revoke(&super::state()?.db, &auth, id).await?)
}

crate::endpoint_doc! {
    /// Withdraws a pending invitation.
    RevokeInvitation(workspace: String, id: i64) -> (),
    example = {"workspace": "demo", "id": 1}
}

/// What an invitation link leads to (works signed out, so the page can say what it is).
#[server(prefix = "/api", endpoint = "preview_invitation", input = Json)]
pub async fn preview_invitation(token: String) -> Result<InvitationPreview, ApiError> {
    let user = super::maybe_principal().map(|p| p.user_id);
    Ok(crate::backend::repo::invitations::preview(&super::state()?.db, &token, user).await?)
}

crate::endpoint_doc! {
    /// What an invitation link leads to (works signed out).
    PreviewInvitation(
        /// The last segment of the invitation link.
        token: String,
    ) -> InvitationPreview,
    auth = none,
    example = {"token": "the-last-segment-of-the-invitation-link"}
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

crate::endpoint_doc! {
    /// Joins the workspace of an invitation (signed in with a session; the link is spent).
    AcceptInvitation(
        /// The last segment of the invitation link.
        token: String,
    ) -> WorkspaceSummary,
    auth = session,
    example = {"token": "the-last-segment-of-the-invitation-link"}
}
