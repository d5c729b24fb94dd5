//! Access granted to the workspace rather than a person: a connector's OAuth flow (HubSpot,
//! GoHighLevel). The same flow as signing in — single-use state, PKCE, the browser-binding
//! cookie — with the connector's own callback and scopes; what comes back is kept as the
//! connector's credential, and its refresh token is traded for new tokens as they expire.

use chrono::{DateTime, Duration, Utc};
use oauth2::{RefreshToken, TokenResponse};
use sea_orm::ConnectionTrait;

use super::{CallbackParams, OAuth, OAuthError, Started, TokenResp};
use crate::backend::auth::providers::ProviderConfig;

/// Tokens a provider granted, with its token response's other fields (GoHighLevel's
/// `locationId`).
#[derive(Clone)]
pub struct Granted {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl std::fmt::Debug for Granted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Granted")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

fn granted(token: &TokenResp, previous_refresh: Option<&str>) -> Granted {
    Granted {
        access_token: token.access_token().secret().clone(),
        // A provider that does not rotate refresh tokens answers none: the old one stands.
        refresh_token: token
            .refresh_token()
            .map(|r: &RefreshToken| r.secret().clone())
            .or_else(|| previous_refresh.map(str::to_owned)),
        expires_at: token
            .expires_in()
            .and_then(|d| Duration::from_std(d).ok())
            .map(|d| Utc::now() + d),
        extra: token.extra_fields().fields.clone(),
    }
}

impl OAuth {
    /// Sends the browser to `p` to grant access, coming back to `callback_path`; `next` is
    /// kept with the state for the callback.
    pub async fn start_grant(
        &self,
        db: &impl ConnectionTrait,
        p: &ProviderConfig,
        callback_path: &str,
        next: &str,
    ) -> Result<Started, OAuthError> {
        let client = self.client_to(p, callback_path)?;
        self.begin(db, p, client, next).await
    }

    /// Checks the callback as a sign-in's is checked and trades its code for tokens; answers
    /// them with the `next` the flow began with.
    pub async fn finish_grant(
        &self,
        db: &impl ConnectionTrait,
        p: &ProviderConfig,
        callback_path: &str,
        params: CallbackParams,
        binding: Option<&str>,
    ) -> Result<(Granted, String), OAuthError> {
        let (row, code, verifier) = self.claim_checked(db, p, params, binding).await?;
        let token = self
            .exchange_with(self.client_to(p, callback_path)?, code, verifier)
            .await?;
        Ok((granted(&token, None), row.next_path))
    }

    /// New tokens for `refresh_token` (which some providers rotate: the answer carries the
    /// refresh token to keep).
    pub async fn refresh(
        &self,
        p: &ProviderConfig,
        refresh_token: &str,
    ) -> Result<Granted, OAuthError> {
        let client = self.client(p)?;
        let token = self
            .exchange_refresh(client, refresh_token.to_owned())
            .await?;
        Ok(granted(&token, Some(refresh_token)))
    }
}
