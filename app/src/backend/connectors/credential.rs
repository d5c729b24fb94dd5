//! A connector's credential: a pasted token, or OAuth tokens that expire and are refreshed.
//! Stored encrypted with `SECRET_KEY` in `connectors.secret_enc`; never logged or returned.

use chrono::{DateTime, Duration, Utc};

use super::{http::RemoteError, Failure};
use crate::backend::auth::oauth::OAuthError;
use crate::backend::entity::connectors;
use crate::backend::repo::connectors as repo;
use crate::backend::{AppState, Error, Result, WorkspaceId};
use crate::types::ConnectorKind;

/// Refreshed this long before it expires: a page in flight never meets an expired token.
const REFRESH_AHEAD: Duration = Duration::minutes(5);

#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct Credential {
    pub access_token: String,
    /// OAuth only: traded for new tokens as the access token expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
}

impl Credential {
    /// A pasted token, which does not expire here.
    pub fn pasted(token: &str) -> Self {
        Self {
            access_token: token.to_owned(),
            refresh_token: None,
            expires_at: None,
        }
    }

    fn due(&self, now: DateTime<Utc>) -> bool {
        self.refresh_token.is_some() && self.expires_at.is_some_and(|t| t - REFRESH_AHEAD <= now)
    }
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credential(..)")
    }
}

pub fn credential(state: &AppState, row: &connectors::Model) -> Result<Credential> {
    let plain = state
        .auth()
        .secrets
        .decrypt(&row.secret_enc)
        .map_err(|e| Error::Unavailable(e.to_string()))?;
    serde_json::from_str(&plain)
        .map_err(|_| Error::Unavailable("the stored credential could not be read".into()))
}

pub(crate) fn seal(state: &AppState, c: &Credential) -> Result<String> {
    let plain = serde_json::to_string(c).map_err(anyhow::Error::from)?;
    Ok(state.auth().secrets.encrypt(&plain))
}

/// `current`, or new tokens when it is about to expire. One worker refreshes at a time (the
/// row is locked while it does): a provider that rotates refresh tokens (GoHighLevel)
/// accepts each one once, and the worker that waited finds the new tokens instead of
/// spending the old one again. A refresh the provider refuses is a credential to reconnect.
pub async fn fresh(
    state: &AppState,
    workspace: WorkspaceId,
    row: &connectors::Model,
    current: Credential,
) -> std::result::Result<Credential, Failure> {
    let now = Utc::now();
    if !current.due(now) {
        return Ok(current);
    }
    let kind = ConnectorKind::parse(&row.kind);
    let Some(provider) = kind.and_then(|k| super::oauth::provider(state, k)) else {
        // No OAuth app configured any more: the token is used until the system refuses it.
        return Ok(current);
    };
    let system = kind.map_or("the other system", ConnectorKind::label);
    let txn = crate::backend::db::begin_write(&state.db).await?;
    let locked = repo::get_for_update(&txn, workspace, row.id).await?;
    let stored = credential(state, &locked)?;
    if !stored.due(now) {
        txn.commit().await?;
        return Ok(stored);
    }
    let Some(refresh_token) = stored.refresh_token.clone() else {
        txn.commit().await?;
        return Ok(stored);
    };
    let granted = match state.auth().oauth.refresh(provider, &refresh_token).await {
        Ok(g) => g,
        Err(OAuthError::Exchange(message)) => {
            return Err(Failure::Remote(RemoteError::BadCredentials {
                system,
                message: format!("the refresh token was refused ({message})"),
            }))
        }
        Err(e) => {
            return Err(Failure::Remote(RemoteError::Unavailable {
                system,
                message: e.to_string(),
            }))
        }
    };
    let next = Credential {
        access_token: granted.access_token,
        refresh_token: granted.refresh_token,
        expires_at: granted.expires_at,
    };
    repo::set_secret(&txn, row.id, &seal(state, &next)?).await?;
    txn.commit().await?;
    tracing::info!(connector = row.id, "refreshed the connector's OAuth tokens");
    Ok(next)
}

/// A sync's credential, renewed between pages: a sync of hundreds of thousands of records
/// outlasts an access token (HubSpot's live 30 minutes).
pub struct Keeper<'a> {
    state: &'a AppState,
    workspace: WorkspaceId,
    row: &'a connectors::Model,
    current: Credential,
}

impl<'a> Keeper<'a> {
    pub fn new(
        state: &'a AppState,
        workspace: WorkspaceId,
        row: &'a connectors::Model,
        current: Credential,
    ) -> Self {
        Self {
            state,
            workspace,
            row,
            current,
        }
    }

    pub fn token(&self) -> &str {
        &self.current.access_token
    }

    /// Refreshes the tokens if they are about to expire; answers whether they changed.
    pub async fn renew(&mut self) -> std::result::Result<bool, Failure> {
        if !self.current.due(Utc::now()) {
            return Ok(false);
        }
        let next = fresh(self.state, self.workspace, self.row, self.current.clone()).await?;
        let changed = next.access_token != self.current.access_token;
        self.current = next;
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credential_never_prints() {
        let c = Credential::pasted("pat-secret");
        assert!(!format!("{c:?}").contains("pat-secret"));
    }

    #[test]
    fn only_expiring_oauth_tokens_are_due() {
        let now = Utc::now();
        assert!(!Credential::pasted("t").due(now));
        let mut c = Credential::pasted("t");
        c.refresh_token = Some("r".into());
        c.expires_at = Some(now + Duration::hours(1));
        assert!(!c.due(now));
        c.expires_at = Some(now + Duration::minutes(2));
        assert!(c.due(now));
    }
}
