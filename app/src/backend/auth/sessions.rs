//! Server-side sessions. The browser holds a random 256-bit token in an HttpOnly cookie; the
//! database holds its hash, the user, and two deadlines: idle (pushed forward while the
//! session is used) and absolute (never moved). Every sign-in makes a new session, so a
//! token planted before sign-in (fixation) is worthless; sign-out deletes the row.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

use super::access_cache::renew;
use super::principal::RequestMeta;
use super::tokens::{hash_token, new_token};
use crate::backend::entity::{sessions, users};
use crate::backend::{AppState, Result};

pub const COOKIE: &str = "hf_session";

/// Writing `last_seen_at` on every request would turn every read into a write.
const TOUCH_EVERY: Duration = Duration::seconds(60);

#[derive(Clone, Debug)]
pub struct SessionSettings {
    pub idle: Duration,
    pub absolute: Duration,
    /// `Secure` on the cookie: set when the public URL is https.
    pub secure_cookie: bool,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            idle: Duration::days(7),
            absolute: Duration::days(30),
            secure_cookie: false,
        }
    }
}

impl SessionSettings {
    pub fn cookie(&self, token: &str) -> String {
        format!(
            "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
            self.absolute.num_seconds(),
            if self.secure_cookie { "; Secure" } else { "" }
        )
    }

    pub fn clear_cookie(&self) -> String {
        format!(
            "{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
            if self.secure_cookie { "; Secure" } else { "" }
        )
    }

    fn is_live(&self, s: &sessions::Model, now: DateTime<Utc>) -> bool {
        now < s.expires_at && now < s.last_seen_at + self.idle
    }
}

/// Starts a session for `user_id`; returns the cookie token (shown to nobody else).
pub async fn create(
    db: &impl ConnectionTrait,
    user_id: i64,
    meta: &RequestMeta,
    settings: &SessionSettings,
) -> Result<(String, sessions::Model)> {
    let token = new_token();
    let now = Utc::now();
    let model = sessions::ActiveModel {
        token_hash: Set(hash_token(&token)),
        user_id: Set(user_id),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + settings.absolute),
        ip: Set(meta.ip.clone()),
        user_agent: Set(meta
            .user_agent
            .as_ref()
            .map(|ua| ua.chars().take(500).collect())),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((token, model))
}

/// The live session and its user for a cookie token, or None (unknown, expired — expired
/// rows are deleted on sight). A session seen in the last few seconds is answered from the
/// access cache (see `access_cache`; signing out clears it) while its deadlines hold; the read
/// that renews it also moves `last_seen_at` on when due. Only live sessions are kept.
pub async fn authenticate(
    state: &AppState,
    token: &str,
) -> Result<Option<(sessions::Model, users::Model)>> {
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    let hash = hash_token(token);
    if let Some(kept) = state.access().session(&hash) {
        let (session, user) = kept.value;
        if state.auth().sessions.is_live(&session, Utc::now()) {
            if kept.renew {
                let state = state.clone();
                renew(async move { read(&state, &hash).await });
            }
            return Ok(Some((session, user)));
        }
    }
    read(state, &hash).await
}

/// `authenticate` from the database, kept in the access cache when live.
async fn read(state: &AppState, hash: &str) -> Result<Option<(sessions::Model, users::Model)>> {
    let (db, cache) = (&state.db, state.access());
    let now = Utc::now();
    let ticket = cache.ticket();
    let found = sessions::Entity::find()
        .filter(sessions::Column::TokenHash.eq(hash))
        .one(db)
        .await?;
    let Some(mut session) = found else {
        return Ok(None);
    };
    if !state.auth().sessions.is_live(&session, now) {
        sessions::Entity::delete_by_id(session.id).exec(db).await?;
        return Ok(None);
    }
    let Some(user) = users::Entity::find_by_id(session.user_id).one(db).await? else {
        return Ok(None);
    };
    if now - session.last_seen_at > TOUCH_EVERY {
        sessions::Entity::update_many()
            .col_expr(
                sessions::Column::LastSeenAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(sessions::Column::Id.eq(session.id))
            .exec(db)
            .await?;
        session.last_seen_at = now;
    }
    cache.store_session(ticket, hash.to_owned(), (session.clone(), user.clone()));
    Ok(Some((session, user)))
}

/// Deletes the session's row; the caller then calls `AppState::access_changed`, or the
/// cookie keeps working from the access cache for up to its TTL.
pub async fn revoke(db: &impl ConnectionTrait, session_id: i64) -> Result<()> {
    sessions::Entity::delete_by_id(session_id).exec(db).await?;
    Ok(())
}

/// "Sign out everywhere": every session of the user, this one included (the caller then
/// calls `AppState::access_changed`, as for `revoke`).
pub async fn revoke_all(db: &impl ConnectionTrait, user_id: i64) -> Result<u64> {
    let res = sessions::Entity::delete_many()
        .filter(sessions::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// How many sessions the user has open (shown next to "sign out everywhere").
pub async fn count_live(db: &impl ConnectionTrait, user_id: i64) -> Result<u64> {
    use sea_orm::PaginatorTrait;
    Ok(sessions::Entity::find()
        .filter(sessions::Column::UserId.eq(user_id))
        .filter(sessions::Column::ExpiresAt.gt(Utc::now()))
        .count(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_attributes() {
        let s = SessionSettings {
            secure_cookie: true,
            ..Default::default()
        };
        let c = s.cookie("tok");
        for part in [
            "hf_session=tok",
            "Path=/",
            "HttpOnly",
            "SameSite=Lax",
            "Secure",
            "Max-Age=2592000",
        ] {
            assert!(c.contains(part), "{c} lacks {part}");
        }
        assert!(!SessionSettings::default().cookie("t").contains("Secure"));
        assert!(s.clear_cookie().contains("Max-Age=0"));
    }

    #[test]
    fn idle_and_absolute_expiry() {
        let s = SessionSettings {
            idle: Duration::hours(1),
            absolute: Duration::hours(10),
            secure_cookie: false,
        };
        let now = Utc::now();
        let row = |last_seen: DateTime<Utc>, expires: DateTime<Utc>| sessions::Model {
            id: 1,
            token_hash: String::new(),
            user_id: 1,
            created_at: now - Duration::hours(2),
            last_seen_at: last_seen,
            expires_at: expires,
            ip: None,
            user_agent: None,
        };
        assert!(s.is_live(
            &row(now - Duration::minutes(30), now + Duration::hours(5)),
            now
        ));
        assert!(
            !s.is_live(
                &row(now - Duration::minutes(61), now + Duration::hours(5)),
                now
            ),
            "idle"
        );
        assert!(
            !s.is_live(&row(now, now - Duration::seconds(1)), now),
            "absolute"
        );
    }
}
