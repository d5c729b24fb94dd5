//! The OAuth 2.0 authorization-code flow with PKCE (the `oauth2` crate) and a single-use
//! `state` bound to the browser:
//!
//! 1. `start`: a random state, a PKCE verifier and a random browser-binding value. The state's
//!    hash, the binding's hash and the (encrypted) verifier go in `oauth_states`; the binding
//!    goes in a short-lived HttpOnly cookie; the browser is sent to the provider.
//! 2. `finish`: the callback's state must exist (it is deleted on first sight, so a replay
//!    fails), match the provider, be unexpired, and come from the browser holding the binding
//!    cookie. Then the code is exchanged with the verifier, the user info fetched, and the
//!    identity linked to a user (see `link`).
//!
//! Here: the client and the types callers see; `flow` runs the two steps and the state,
//! `exchange` trades the code for tokens, `profile` reads the user info, `link` finds or
//! makes the user, `error` says why a sign-in failed.

mod error;
mod exchange;
mod flow;
pub mod grant;
mod link;
mod profile;

use chrono::Duration;
use oauth2::{
    basic::{
        BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
        BasicTokenType,
    },
    AuthUrl, Client, ClientId, ClientSecret, EndpointNotSet, EndpointSet, ExtraTokenFields,
    RedirectUrl, StandardRevocableToken, StandardTokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::crypto::SecretBox;
use super::providers::ProviderConfig;
use crate::backend::entity::users;
use crate::backend::Error;

pub use error::OAuthError;
pub use exchange::HttpError;
pub use profile::{at_path, extract_profile, pick_verified_email};

pub const BINDING_COOKIE: &str = "hf_oauth";
const FLOW_TTL: Duration = Duration::minutes(10);

/// Token-response fields beyond the standard ones (GoHighLevel's `userId`, OIDC's `id_token` …).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ExtraFields {
    #[serde(flatten)]
    pub fields: serde_json::Map<String, Value>,
}
impl ExtraTokenFields for ExtraFields {}

type TokenResp = StandardTokenResponse<ExtraFields, BasicTokenType>;
type OAuthClient = Client<
    BasicErrorResponse,
    TokenResp,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

#[derive(Clone)]
pub struct OAuth {
    providers: Vec<ProviderConfig>,
    http: reqwest::Client,
    public_url: String,
    secrets: SecretBox,
}

pub struct Started {
    pub redirect_to: String,
    /// Value for the `hf_oauth` cookie.
    pub binding: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct CallbackParams {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// The person as the provider describes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderProfile {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    pub avatar_url: Option<String>,
}

/// Who is finishing the flow: someone already signed in (connecting a provider), whether
/// new accounts may be made, and the client address for the audit log.
pub struct Caller<'a> {
    pub current_user: Option<&'a users::Model>,
    pub signup_allowed: bool,
    pub ip: Option<String>,
}

pub struct SignedIn {
    pub user: users::Model,
    pub next: String,
    pub created: bool,
}

impl OAuth {
    pub fn new(providers: Vec<ProviderConfig>, public_url: &str, secrets: SecretBox) -> Self {
        let http = reqwest::Client::builder()
            .user_agent(concat!("Hyperformant/", env!("CARGO_PKG_VERSION")))
            // Following redirects from a token endpoint invites SSRF; providers don't need it.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(15))
            .build()
            .expect("a reqwest client with static settings");
        Self {
            providers,
            http,
            public_url: public_url.trim_end_matches('/').to_owned(),
            secrets,
        }
    }

    pub fn providers(&self) -> &[ProviderConfig] {
        &self.providers
    }

    fn provider(&self, id: &str) -> Result<&ProviderConfig, OAuthError> {
        self.providers
            .iter()
            .find(|p| p.id == id)
            .ok_or_else(|| OAuthError::UnknownProvider(id.chars().take(64).collect()))
    }

    fn client(&self, p: &ProviderConfig) -> Result<OAuthClient, OAuthError> {
        self.client_to(p, &format!("/auth/oauth/{}/callback", p.id))
    }

    /// A client whose redirect URI is `callback_path` under the public URL.
    fn client_to(
        &self,
        p: &ProviderConfig,
        callback_path: &str,
    ) -> Result<OAuthClient, OAuthError> {
        let bad = |what: &str| {
            OAuthError::Internal(Error::Other(anyhow::anyhow!(
                "provider {}: bad {what}",
                p.id
            )))
        };
        Ok(Client::new(ClientId::new(p.client_id.clone()))
            .set_client_secret(ClientSecret::new(p.client_secret.clone()))
            .set_auth_uri(AuthUrl::new(p.auth_url.clone()).map_err(|_| bad("auth URL"))?)
            .set_token_uri(TokenUrl::new(p.token_url.clone()).map_err(|_| bad("token URL"))?)
            .set_redirect_uri(
                RedirectUrl::new(format!("{}{callback_path}", self.public_url))
                    .map_err(|_| bad("redirect URL (PUBLIC_URL)"))?,
            ))
    }
}
