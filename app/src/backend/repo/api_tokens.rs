//! Personal API tokens, per workspace: `hf_` + 256 random bits, shown once, stored as a hash.
//! A token acts as its owner with the owner's current role in the token's workspace.

use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, TransactionSession, TransactionTrait,
};

use crate::backend::audit::{self, actions, Entry};
use crate::backend::auth::{can, tokens, Action, Authorized, Scope};
use crate::backend::entity::api_tokens;
use crate::backend::{Error, Result};
use crate::types::{parse_name, ApiTokenInfo, CreatedApiToken};

pub use crate::backend::auth::tokens::API_TOKEN_PREFIX as PREFIX;
/// Characters of the token kept in clear to tell tokens apart in lists.
const SHOWN: usize = 10;
pub const MAX_DAYS: u32 = 3650;

fn info(r: api_tokens::Model) -> ApiTokenInfo {
    ApiTokenInfo {
        id: r.id,
        name: r.name,
        prefix: r.prefix,
        created_at: r.created_at,
        expires_at: r.expires_at,
        last_used_at: r.last_used_at,
        revoked_at: r.revoked_at,
    }
}

pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::ManageOwnTokens>,
    name: &str,
    expires_in_days: Option<u32>,
) -> Result<CreatedApiToken> {
    let name = parse_name(name, 100).map_err(|m| Error::field("name", m))?;
    if let Some(d) = expires_in_days {
        if d == 0 || d > MAX_DAYS {
            return Err(Error::field(
                "expires_in_days",
                format!("must be between 1 and {MAX_DAYS}"),
            ));
        }
    }
    let token = format!("{PREFIX}{}", tokens::new_token());
    let now = Utc::now();
    let txn = crate::backend::db::begin_write(db).await?;
    let row = api_tokens::ActiveModel {
        workspace_id: Set(auth.workspace_id()),
        user_id: Set(auth.user_id()),
        name: Set(name),
        prefix: Set(token.chars().take(SHOWN).collect()),
        token_hash: Set(tokens::hash_token(&token)),
        created_at: Set(now),
        expires_at: Set(expires_in_days.map(|d| now + Duration::days(i64::from(d)))),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Entry::in_scope(auth, actions::TOKEN_CREATED)
            .target("api_token", row.id)
            .detail(row.name.clone()),
    )
    .await?;
    txn.commit().await?;
    Ok(CreatedApiToken {
        token,
        info: info(row),
    })
}

/// The caller's own tokens in this workspace, newest first.
pub async fn list(db: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<ApiTokenInfo>> {
    Ok(api_tokens::Entity::find()
        .filter(api_tokens::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(api_tokens::Column::UserId.eq(scope.user_id()))
        .order_by_desc(api_tokens::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(info)
        .collect())
}

/// Revokes one of the caller's own tokens (admins: any token in the workspace).
pub async fn revoke<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::ManageOwnTokens>,
    id: i64,
) -> Result<ApiTokenInfo> {
    let txn = crate::backend::db::begin_write(db).await?;
    let mut query = api_tokens::Entity::find()
        .filter(api_tokens::Column::Id.eq(id))
        .filter(api_tokens::Column::WorkspaceId.eq(auth.workspace_id()));
    if !auth.can(Action::ManageMembers) {
        query = query.filter(api_tokens::Column::UserId.eq(auth.user_id()));
    }
    let row = query.one(&txn).await?.ok_or(Error::NotFound("API token"))?;
    if row.revoked_at.is_some() {
        return Ok(info(row));
    }
    let mut active: api_tokens::ActiveModel = row.into();
    active.revoked_at = Set(Some(Utc::now()));
    let row = active.update(&txn).await?;
    audit::record(
        &txn,
        Entry::in_scope(auth, actions::TOKEN_REVOKED)
            .target("api_token", row.id)
            .detail(row.name.clone()),
    )
    .await?;
    txn.commit().await?;
    Ok(info(row))
}
