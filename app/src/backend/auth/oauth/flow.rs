//! The two steps of the flow: `start` records a single-use state (with the PKCE verifier and
//! the browser binding) and sends the browser to the provider; `finish` claims that state,
//! checks it, and signs the person in.

use chrono::Utc;
use oauth2::{CsrfToken, PkceCodeChallenge, Scope as OAuthScope};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    TransactionTrait,
};
use subtle::ConstantTimeEq;

use super::link::link;
use super::{CallbackParams, Caller, OAuth, OAuthError, SignedIn, Started, FLOW_TTL};
use crate::backend::auth::providers::ProviderConfig;
use crate::backend::auth::tokens::{hash_token, new_token};
use crate::backend::entity::oauth_states;

impl OAuth {
    pub async fn start(
        &self,
        db: &impl ConnectionTrait,
        provider_id: &str,
        next: &str,
    ) -> Result<Started, OAuthError> {
        let p = self.provider(provider_id)?;
        let client = self.client(p)?;
        self.begin(db, p, client, next).await
    }

    /// Records a single-use state for `p` and answers where to send the browser.
    pub(super) async fn begin(
        &self,
        db: &impl ConnectionTrait,
        p: &ProviderConfig,
        client: super::OAuthClient,
        next: &str,
    ) -> Result<Started, OAuthError> {
        let state = new_token();
        let binding = new_token();
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let now = Utc::now();
        // Abandoned flows are cleaned up as new ones start.
        oauth_states::Entity::delete_many()
            .filter(oauth_states::Column::ExpiresAt.lt(now))
            .exec(db)
            .await?;
        oauth_states::ActiveModel {
            state_hash: Set(hash_token(&state)),
            binding_hash: Set(hash_token(&binding)),
            provider: Set(p.id.clone()),
            pkce_verifier_enc: Set(self.secrets.encrypt(verifier.secret())),
            next_path: Set(next.to_owned()),
            created_at: Set(now),
            expires_at: Set(now + FLOW_TTL),
            ..Default::default()
        }
        .insert(db)
        .await?;
        let (url, _) = client
            .authorize_url(move || CsrfToken::new(state))
            .add_scopes(p.scopes.iter().cloned().map(OAuthScope::new))
            .set_pkce_challenge(challenge)
            .url();
        Ok(Started {
            redirect_to: url.to_string(),
            binding,
        })
    }

    /// Completes the flow and returns the signed-in user. `current_user` is set when someone
    /// already signed in is connecting another provider to their account.
    pub async fn finish<C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &C,
        provider_id: &str,
        params: CallbackParams,
        binding: Option<&str>,
        caller: Caller<'_>,
    ) -> Result<SignedIn, OAuthError> {
        let p = self.provider(provider_id)?;
        let (row, code, verifier) = self.claim_checked(db, p, params, binding).await?;
        let token = self.exchange(p, code, verifier).await?;
        let profile = self.profile(p, &token).await?;
        let tokens = self.stored_tokens(&token);
        let (user, created) = link(db, &p.id, &profile, tokens, caller).await?;
        Ok(SignedIn {
            user,
            next: row.next_path,
            created,
        })
    }

    /// Claims the callback's state and checks it belongs to `p`, is unexpired and comes from
    /// the browser that started the flow: answers it with the code and the PKCE verifier.
    pub(super) async fn claim_checked(
        &self,
        db: &impl ConnectionTrait,
        p: &ProviderConfig,
        params: CallbackParams,
        binding: Option<&str>,
    ) -> Result<(oauth_states::Model, String, String), OAuthError> {
        // Claim the state first, whatever the callback says (see `claim`): an error callback
        // spends its state too.
        let row = claim(db, params.state.as_deref()).await?;
        if let Some(error) = params.error {
            let detail = params.error_description.unwrap_or(error);
            return Err(OAuthError::Denied(detail.chars().take(200).collect()));
        }
        let Some(code) = params.code else {
            return Err(OAuthError::MissingParams);
        };
        if params.state.is_none() {
            return Err(OAuthError::MissingParams);
        }
        let row = row.ok_or(OAuthError::InvalidState)?;
        if row.provider != p.id || row.expires_at <= Utc::now() {
            return Err(OAuthError::InvalidState);
        }
        let binding_ok = binding
            .map(|b| {
                hash_token(b)
                    .as_bytes()
                    .ct_eq(row.binding_hash.as_bytes())
                    .into()
            })
            .unwrap_or(false);
        if !binding_ok {
            return Err(OAuthError::BrowserMismatch);
        }
        let verifier = self
            .secrets
            .decrypt(&row.pkce_verifier_enc)
            .map_err(|_| OAuthError::InvalidState)?;
        Ok((row, code, verifier))
    }
}

/// Finds the flow's state and deletes it; only the request whose delete removed the row gets
/// it, so a replayed or concurrent callback finds nothing.
async fn claim(
    db: &impl ConnectionTrait,
    state: Option<&str>,
) -> Result<Option<oauth_states::Model>, OAuthError> {
    Ok(match state {
        Some(state) => {
            let row = oauth_states::Entity::find()
                .filter(oauth_states::Column::StateHash.eq(hash_token(state)))
                .one(db)
                .await?;
            match row {
                Some(row) => {
                    let claimed = oauth_states::Entity::delete_by_id(row.id).exec(db).await?;
                    (claimed.rows_affected == 1).then_some(row)
                }
                None => None,
            }
        }
        None => None,
    })
}
