//! `Authorization: Bearer hf_…` — API tokens for scripts. Each failure has its own message
//! so a script's author knows whether to fix, renew or replace the token.

use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::access_cache::renew;
use super::tokens::hash_token;
use crate::backend::entity::{api_tokens, users};
use crate::backend::{AppState, Error, Result};

const TOUCH_EVERY: Duration = Duration::seconds(60);

/// The token and its owner, or Unauthorized saying what is wrong with it. A token checked in
/// the last few seconds is answered from the access cache (see `access_cache`); its expiry is
/// checked on every use all the same.
pub async fn authenticate(
    state: &AppState,
    token: &str,
) -> Result<(api_tokens::Model, users::Model)> {
    if !token.starts_with(super::tokens::API_TOKEN_PREFIX) || token.len() > 128 {
        return Err(unknown());
    }
    let hash = hash_token(token);
    if let Some(kept) = state.access().token(&hash) {
        let (row, user) = kept.value;
        if row.expires_at.is_none_or(|e| e > Utc::now()) {
            if kept.renew {
                let state = state.clone();
                renew(async move { read(&state, &hash).await });
            }
            return Ok((row, user));
        }
    }
    read(state, &hash).await
}

fn unknown() -> Error {
    Error::Unauthorized("the API token is not valid".into())
}

/// `authenticate` from the database, kept in the access cache when valid.
async fn read(state: &AppState, hash: &str) -> Result<(api_tokens::Model, users::Model)> {
    let (db, cache) = (&state.db, state.access());
    let now = Utc::now();
    let ticket = cache.ticket();
    let row = api_tokens::Entity::find()
        .filter(api_tokens::Column::TokenHash.eq(hash))
        .one(db)
        .await?
        .ok_or_else(unknown)?;
    if row.revoked_at.is_some() {
        return Err(Error::Unauthorized("the API token has been revoked".into()));
    }
    if row.expires_at.is_some_and(|e| e <= now) {
        return Err(Error::Unauthorized("the API token has expired".into()));
    }
    let user = users::Entity::find_by_id(row.user_id)
        .one(db)
        .await?
        .ok_or_else(unknown)?;
    if row.last_used_at.is_none_or(|t| now - t > TOUCH_EVERY) {
        api_tokens::Entity::update_many()
            .col_expr(
                api_tokens::Column::LastUsedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(api_tokens::Column::Id.eq(row.id))
            .exec(db)
            .await?;
    }
    cache.store_token(ticket, hash.to_owned(), (row.clone(), user.clone()));
    Ok((row, user))
}
