//! Invitations by link: a random token (only its hash stored), a role, an expiry, one use.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionSession, TransactionTrait,
};

use crate::backend::audit::{self, actions, Entry};
use crate::backend::auth::{can, tokens, Action, Authorized, Principal};
use crate::backend::entity::{invitations, memberships, users, workspaces};
use crate::backend::{Error, Result};
use crate::types::{
    CreatedInvitation, Email, Invitation, InvitationPreview, InvitationStatus, Role,
    WorkspaceSummary,
};

pub const VALID_FOR: Duration = Duration::days(7);

fn status(row: &invitations::Model, now: DateTime<Utc>) -> InvitationStatus {
    if row.accepted_at.is_some() {
        InvitationStatus::Accepted
    } else if row.revoked_at.is_some() {
        InvitationStatus::Revoked
    } else if row.expires_at <= now {
        InvitationStatus::Expired
    } else {
        InvitationStatus::Pending
    }
}

fn to_invitation(row: invitations::Model, invited_by: String, now: DateTime<Utc>) -> Invitation {
    Invitation {
        id: row.id,
        role: row.role,
        status: status(&row, now),
        email: row.email,
        invited_by,
        created_at: row.created_at,
        expires_at: row.expires_at,
    }
}

/// Creates an invitation; `public_url` is where the link points (PUBLIC_URL).
pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::ManageMembers>,
    role: Role,
    email: Option<&str>,
    public_url: &str,
) -> Result<CreatedInvitation> {
    if role == Role::Owner && !auth.can(Action::ManageOwners) {
        return Err(Error::Forbidden("only an owner can invite an owner".into()));
    }
    let email = match email.map(str::trim).filter(|e| !e.is_empty()) {
        Some(e) => Some(Email::parse(e).map_err(|m| Error::field("email", m))?),
        None => None,
    };
    let token = tokens::new_token();
    let now = Utc::now();
    let txn = crate::backend::db::begin_write(db).await?;
    let row = invitations::ActiveModel {
        workspace_id: Set(auth.workspace_id()),
        token_hash: Set(tokens::hash_token(&token)),
        role: Set(role),
        email: Set(email.map(String::from)),
        created_by: Set(auth.user_id()),
        created_at: Set(now),
        expires_at: Set(now + VALID_FOR),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Entry::in_scope(auth, actions::MEMBER_INVITED)
            .target("invitation", row.id)
            .detail(format!(
                "as {}{}",
                role.as_str(),
                row.email
                    .as_deref()
                    .map(|e| format!(", for {e}"))
                    .unwrap_or_default()
            )),
    )
    .await?;
    txn.commit().await?;
    let url = format!("{}/invite/{token}", public_url.trim_end_matches('/'));
    Ok(CreatedInvitation {
        invitation: to_invitation(row, auth.actor_label().to_owned(), now),
        url,
    })
}

/// The workspace's invitations, newest first (the last 100).
pub async fn list(
    db: &impl ConnectionTrait,
    auth: &Authorized<'_, can::ManageMembers>,
) -> Result<Vec<Invitation>> {
    let now = Utc::now();
    let rows = invitations::Entity::find()
        .filter(invitations::Column::WorkspaceId.eq(auth.workspace_id()))
        .order_by_desc(invitations::Column::CreatedAt)
        .limit(100)
        .all(db)
        .await?;
    let creators: Vec<i64> = rows.iter().map(|r| r.created_by).collect();
    let names: std::collections::HashMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(creators))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            let by = names.get(&r.created_by).cloned().unwrap_or_default();
            to_invitation(r, by, now)
        })
        .collect())
}

pub async fn revoke<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::ManageMembers>,
    id: i64,
) -> Result<()> {
    let txn = crate::backend::db::begin_write(db).await?;
    let res = invitations::Entity::update_many()
        .col_expr(
            invitations::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(invitations::Column::Id.eq(id))
        .filter(invitations::Column::WorkspaceId.eq(auth.workspace_id()))
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(Error::NotFound("invitation"));
    }
    audit::record(
        &txn,
        Entry::in_scope(auth, actions::INVITATION_REVOKED).target("invitation", id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn pending(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<(invitations::Model, workspaces::Model)> {
    let not_found =
        || Error::NotFound("invitation (it may have expired, been used or been withdrawn)");
    let row = invitations::Entity::find()
        .filter(invitations::Column::TokenHash.eq(tokens::hash_token(token)))
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    if status(&row, Utc::now()) != InvitationStatus::Pending {
        return Err(not_found());
    }
    let ws = workspaces::Entity::find_by_id(row.workspace_id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    Ok((row, ws))
}

/// What the link leads to, for whoever holds it.
pub async fn preview(
    db: &impl ConnectionTrait,
    token: &str,
    user_id: Option<i64>,
) -> Result<InvitationPreview> {
    let (row, ws) = pending(db, token).await?;
    let invited_by = users::Entity::find_by_id(row.created_by)
        .one(db)
        .await?
        .map(|u| u.name)
        .unwrap_or_default();
    let already_member = match user_id {
        Some(uid) => memberships::Entity::find()
            .filter(memberships::Column::WorkspaceId.eq(ws.id))
            .filter(memberships::Column::UserId.eq(uid))
            .one(db)
            .await?
            .is_some(),
        None => false,
    };
    Ok(InvitationPreview {
        workspace_name: ws.name,
        workspace_slug: ws.slug,
        role: row.role,
        invited_by,
        expires_at: row.expires_at,
        already_member,
    })
}

/// Joins the invitation's workspace. The token is spent atomically: two people racing with
/// the same link cannot both get in.
pub async fn accept<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    token: &str,
    principal: &Principal,
    ip: Option<String>,
) -> Result<WorkspaceSummary> {
    let txn = crate::backend::db::begin_write(db).await?;
    let (row, ws) = pending(&txn, token).await?;
    if let Some(expected) = &row.email {
        if !expected.eq_ignore_ascii_case(&principal.email) {
            return Err(Error::Forbidden(format!(
                "this invitation is for {expected}; sign in with that address to accept it"
            )));
        }
    }
    let already = memberships::Entity::find()
        .filter(memberships::Column::WorkspaceId.eq(ws.id))
        .filter(memberships::Column::UserId.eq(principal.user_id))
        .one(&txn)
        .await?;
    if let Some(m) = already {
        // Nothing to spend; the link stays valid for whoever it was meant for.
        return Ok(WorkspaceSummary {
            id: ws.id,
            name: ws.name,
            slug: ws.slug,
            role: m.role,
        });
    }
    let now = Utc::now();
    let spent = invitations::Entity::update_many()
        .col_expr(
            invitations::Column::AcceptedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .col_expr(
            invitations::Column::AcceptedBy,
            sea_orm::sea_query::Expr::value(principal.user_id),
        )
        .filter(invitations::Column::Id.eq(row.id))
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if spent.rows_affected != 1 {
        return Err(Error::NotFound(
            "invitation (it may have expired, been used or been withdrawn)",
        ));
    }
    memberships::ActiveModel {
        workspace_id: Set(ws.id),
        user_id: Set(principal.user_id),
        role: Set(row.role),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Entry {
            workspace_id: Some(ws.id),
            actor_user_id: Some(principal.user_id),
            actor_label: principal.email.clone(),
            action: actions::MEMBER_JOINED,
            target_type: Some("invitation"),
            target_id: Some(row.id.to_string()),
            detail: Some(format!("as {}", row.role.as_str())),
            ip,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(WorkspaceSummary {
        id: ws.id,
        name: ws.name,
        slug: ws.slug,
        role: row.role,
    })
}
