//! Members of a workspace and their roles. The last owner can neither leave nor be demoted
//! or removed: a workspace always has someone who can manage it.

use crate::backend::WorkspaceId;
use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    TransactionSession, TransactionTrait,
};

use crate::backend::audit::{self, actions, Entry};
use crate::backend::auth::{can, Action, Authorized, Scope};
use crate::backend::entity::{api_tokens, memberships, users};
use crate::backend::{Error, Result};
use crate::types::{Member, Role};

pub async fn list(db: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<Member>> {
    let rows = memberships::Entity::find()
        .filter(memberships::Column::WorkspaceId.eq(scope.workspace_id()))
        .find_also_related(users::Entity)
        .order_by_asc(memberships::Column::CreatedAt)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(m, u)| {
            u.map(|u| Member {
                user_id: u.id,
                name: u.name,
                email: u.email,
                role: m.role,
                joined_at: m.created_at,
                is_you: u.id == scope.user_id(),
            })
        })
        .collect())
}

async fn membership(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    user_id: i64,
) -> Result<memberships::Model> {
    memberships::Entity::find()
        .filter(memberships::Column::WorkspaceId.eq(workspace_id))
        .filter(memberships::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .ok_or(Error::NotFound("member"))
}

async fn owner_count(db: &impl ConnectionTrait, workspace_id: WorkspaceId) -> Result<u64> {
    Ok(memberships::Entity::find()
        .filter(memberships::Column::WorkspaceId.eq(workspace_id))
        .filter(memberships::Column::Role.eq(Role::Owner))
        .count(db)
        .await?)
}

fn last_owner() -> Error {
    Error::Conflict("a workspace needs at least one owner: make someone else owner first".into())
}

pub async fn change_role<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::ManageMembers>,
    user_id: i64,
    role: Role,
) -> Result<Member> {
    let txn = crate::backend::db::begin_write(db).await?;
    let current = membership(&txn, auth.workspace(), user_id).await?;
    // Owners are made and unmade only by owners.
    if (current.role == Role::Owner || role == Role::Owner) && !auth.can(Action::ManageOwners) {
        return Err(Error::Forbidden(
            "only an owner can make or demote owners".into(),
        ));
    }
    if current.role == Role::Owner
        && role != Role::Owner
        && owner_count(&txn, auth.workspace()).await? <= 1
    {
        return Err(last_owner());
    }
    if current.role != role {
        memberships::Entity::update_many()
            .col_expr(
                memberships::Column::Role,
                sea_orm::sea_query::Expr::value(role.as_str()),
            )
            .col_expr(
                memberships::Column::UpdatedAt,
                sea_orm::sea_query::Expr::value(Utc::now()),
            )
            .filter(memberships::Column::Id.eq(current.id))
            .exec(&txn)
            .await?;
        audit::record(
            &txn,
            Entry::in_scope(auth, actions::MEMBER_ROLE_CHANGED)
                .target("user", user_id)
                .detail(format!("{} → {}", current.role.as_str(), role.as_str())),
        )
        .await?;
    }
    txn.commit().await?;
    list(db, auth)
        .await?
        .into_iter()
        .find(|m| m.user_id == user_id)
        .ok_or(Error::NotFound("member"))
}

/// Removes someone else from the workspace (their API tokens for it stop working too).
pub async fn remove<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::ManageMembers>,
    user_id: i64,
) -> Result<()> {
    if user_id == auth.user_id() {
        return Err(Error::BadRequest(
            "to remove yourself, leave the workspace".into(),
        ));
    }
    let txn = crate::backend::db::begin_write(db).await?;
    let current = membership(&txn, auth.workspace(), user_id).await?;
    if current.role == Role::Owner {
        if !auth.can(Action::ManageOwners) {
            return Err(Error::Forbidden("only an owner can remove an owner".into()));
        }
        if owner_count(&txn, auth.workspace()).await? <= 1 {
            return Err(last_owner());
        }
    }
    end_membership(&txn, auth.workspace(), &current).await?;
    audit::record(
        &txn,
        Entry::in_scope(auth, actions::MEMBER_REMOVED).target("user", user_id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The caller leaves the workspace.
pub async fn leave<C: ConnectionTrait + TransactionTrait>(db: &C, scope: &Scope) -> Result<()> {
    let txn = crate::backend::db::begin_write(db).await?;
    let current = membership(&txn, scope.workspace(), scope.user_id()).await?;
    if current.role == Role::Owner && owner_count(&txn, scope.workspace()).await? <= 1 {
        return Err(last_owner());
    }
    end_membership(&txn, scope.workspace(), &current).await?;
    audit::record(
        &txn,
        Entry::in_scope(scope, actions::MEMBER_LEFT).target("user", scope.user_id()),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn end_membership(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    m: &memberships::Model,
) -> Result<()> {
    memberships::Entity::delete_by_id(m.id).exec(db).await?;
    api_tokens::Entity::update_many()
        .col_expr(
            api_tokens::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(api_tokens::Column::WorkspaceId.eq(workspace_id))
        .filter(api_tokens::Column::UserId.eq(m.user_id))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
