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

use chrono::{Duration, Utc};
use oauth2::{
    basic::{
        BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
        BasicTokenType,
    },
    AuthUrl, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl,
    Scope as OAuthScope, StandardRevocableToken, StandardTokenResponse, TokenResponse, TokenUrl,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use subtle::ConstantTimeEq;

use super::crypto::SecretBox;
use super::providers::ProviderConfig;
use super::tokens::{hash_token, new_token};
use crate::backend::audit::{self, actions, Entry};
use crate::backend::auth::accounts;
use crate::backend::entity::{identities, oauth_states, users};
use crate::backend::{workspaces, Error};
use crate::types::Email;

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

/// Why a sign-in through a provider did not complete. Each has a stable code (for the
/// `?error=` of the sign-in page) and a message for the person.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("there is no sign-in provider called `{0}`")]
    UnknownProvider(String),
    #[error("the provider did not sign you in: {0}")]
    Denied(String),
    #[error("the sign-in link was incomplete; start again")]
    MissingParams,
    #[error("this sign-in attempt is unknown, expired or already used; start again")]
    InvalidState,
    #[error(
        "this sign-in was started in another browser (or its cookie was lost); start again here"
    )]
    BrowserMismatch,
    #[error("the provider did not accept the sign-in code: {0}")]
    Exchange(String),
    #[error("could not read your profile from the provider: {0}")]
    Profile(String),
    #[error("the provider did not share an e-mail address, which an account needs")]
    NoEmail,
    #[error("an account with {0} already exists; sign in to it first, then connect this provider from your account page")]
    EmailTaken(String),
    #[error("sign-up is closed on this server; ask an administrator for an invitation")]
    SignupClosed,
    #[error(transparent)]
    Internal(#[from] Error),
}

impl OAuthError {
    pub fn code(&self) -> &'static str {
        match self {
            OAuthError::UnknownProvider(_) => "unknown_provider",
            OAuthError::Denied(_) => "provider_denied",
            OAuthError::MissingParams => "missing_params",
            OAuthError::InvalidState => "invalid_state",
            OAuthError::BrowserMismatch => "browser_mismatch",
            OAuthError::Exchange(_) => "exchange_failed",
            OAuthError::Profile(_) => "profile_failed",
            OAuthError::NoEmail => "no_email",
            OAuthError::EmailTaken(_) => "email_taken",
            OAuthError::SignupClosed => "signup_closed",
            OAuthError::Internal(_) => "internal",
        }
    }
}

impl From<sea_orm::DbErr> for OAuthError {
    fn from(e: sea_orm::DbErr) -> Self {
        OAuthError::Internal(Error::Db(e))
    }
}

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
                RedirectUrl::new(format!("{}/auth/oauth/{}/callback", self.public_url, p.id))
                    .map_err(|_| bad("redirect URL (PUBLIC_URL)"))?,
            ))
    }

    pub async fn start(
        &self,
        db: &impl ConnectionTrait,
        provider_id: &str,
        next: &str,
    ) -> Result<Started, OAuthError> {
        let p = self.provider(provider_id)?;
        let client = self.client(p)?;
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
        // Claim the state first, whatever the callback says: find it, then delete it; only
        // the request whose delete removed the row may continue, so a replayed or concurrent
        // callback fails, and an error callback spends its state too.
        let row = match &params.state {
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
        };
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

        let http = self.http.clone();
        let send = move |req: oauth2::HttpRequest| {
            let http = http.clone();
            async move { send(&http, req).await }
        };
        let token = self
            .client(p)?
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(PkceCodeVerifier::new(verifier))
            .request_async(&send)
            .await
            .map_err(|e| OAuthError::Exchange(describe_token_error(&e)))?;

        let profile = self.profile(p, &token).await?;
        let tokens = StoredTokens {
            access: Some(self.secrets.encrypt(token.access_token().secret())),
            refresh: token
                .refresh_token()
                .map(|r| self.secrets.encrypt(r.secret())),
            expires_at: token
                .expires_in()
                .and_then(|d| Duration::from_std(d).ok())
                .map(|d| Utc::now() + d),
        };
        let (user, created) = link(db, &p.id, &profile, tokens, caller).await?;
        Ok(SignedIn {
            user,
            next: row.next_path,
            created,
        })
    }

    async fn profile(
        &self,
        p: &ProviderConfig,
        token: &TokenResp,
    ) -> Result<ProviderProfile, OAuthError> {
        let url = fill_placeholders(&p.userinfo_url, &token.extra_fields().fields);
        let json = self
            .get_json(p, &url, token.access_token().secret())
            .await?;
        let mut profile = extract_profile(&json, &p.fields).ok_or_else(|| {
            OAuthError::Profile(format!("no `{}` field in the user info", p.fields.id))
        })?;
        if let Some(emails_url) = &p.emails_url {
            if !profile.email_verified {
                let list = self
                    .get_json(p, emails_url, token.access_token().secret())
                    .await?;
                if let Some(verified) = pick_verified_email(&list, profile.email.as_deref()) {
                    profile.email = Some(verified);
                    profile.email_verified = true;
                }
            }
        }
        Ok(profile)
    }

    async fn get_json(
        &self,
        p: &ProviderConfig,
        url: &str,
        access_token: &str,
    ) -> Result<Value, OAuthError> {
        let mut req = self
            .http
            .get(url)
            .bearer_auth(access_token)
            .header(reqwest::header::ACCEPT, "application/json");
        for (k, v) in &p.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let res = req
            .send()
            .await
            .map_err(|e| OAuthError::Profile(e.without_url().to_string()))?;
        let status = res.status();
        if !status.is_success() {
            return Err(OAuthError::Profile(format!(
                "the provider answered {status}"
            )));
        }
        res.json::<Value>()
            .await
            .map_err(|e| OAuthError::Profile(format!("unreadable answer: {}", e.without_url())))
    }
}

struct StoredTokens {
    access: Option<String>,
    refresh: Option<String>,
    expires_at: Option<chrono::DateTime<Utc>>,
}

/// Which user a provider identity belongs to:
/// 1. the identity is known → its user;
/// 2. someone is signed in (connecting a provider) → them;
/// 3. the provider vouches for the e-mail AND the existing account with that e-mail has
///    itself been vouched for by a provider → that account (a password account's e-mail
///    was never verified, so linking to it would let whoever created it take over);
/// 4. no account has the e-mail → a new account with its first workspace (if sign-up is open).
async fn link<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    provider: &str,
    profile: &ProviderProfile,
    tokens: StoredTokens,
    caller: Caller<'_>,
) -> Result<(users::Model, bool), OAuthError> {
    let Caller {
        current_user,
        signup_allowed,
        ip,
    } = caller;
    let txn = crate::backend::db::begin_write(db).await?;
    let now = Utc::now();
    let existing = identities::Entity::find()
        .filter(identities::Column::Provider.eq(provider))
        .filter(identities::Column::Subject.eq(&profile.subject))
        .one(&txn)
        .await?;
    let email = profile.email.as_deref().and_then(|e| Email::parse(e).ok());

    let (user, created) = if let Some(identity) = existing {
        let user = users::Entity::find_by_id(identity.user_id)
            .one(&txn)
            .await?
            .ok_or(OAuthError::InvalidState)?;
        if current_user.is_some_and(|u| u.id != user.id) {
            return Err(OAuthError::Denied(
                "that provider account is already connected to another user".into(),
            ));
        }
        let mut active: identities::ActiveModel = identity.into();
        active.email = Set(email.as_ref().map(|e| e.as_str().to_owned()));
        active.email_verified = Set(profile.email_verified);
        active.access_token_enc = Set(tokens.access);
        active.refresh_token_enc = Set(tokens.refresh);
        active.token_expires_at = Set(tokens.expires_at);
        active.updated_at = Set(now);
        active.update(&txn).await?;
        (user, false)
    } else {
        let (user, created) = if let Some(current) = current_user {
            (current.clone(), false)
        } else {
            let email = email.clone().ok_or(OAuthError::NoEmail)?;
            match accounts::find_by_email(&txn, &email).await? {
                Some(user) => {
                    let vouched = identities::Entity::find()
                        .filter(identities::Column::UserId.eq(user.id))
                        .filter(identities::Column::Email.eq(email.as_str()))
                        .filter(identities::Column::EmailVerified.eq(true))
                        .one(&txn)
                        .await?
                        .is_some();
                    if !(profile.email_verified && vouched) {
                        return Err(OAuthError::EmailTaken(email.to_string()));
                    }
                    (user, false)
                }
                None => {
                    if !signup_allowed {
                        return Err(OAuthError::SignupClosed);
                    }
                    let name = profile
                        .name
                        .clone()
                        .filter(|n| !n.trim().is_empty())
                        .unwrap_or_else(|| {
                            email
                                .as_str()
                                .split('@')
                                .next()
                                .unwrap_or("New user")
                                .to_owned()
                        });
                    let name: String = name.chars().filter(|c| !c.is_control()).take(200).collect();
                    let user = accounts::insert_user(
                        &txn,
                        &email,
                        &name,
                        profile.avatar_url.clone(),
                        None,
                    )
                    .await?;
                    audit::record(
                        &txn,
                        Entry {
                            actor_user_id: Some(user.id),
                            actor_label: user.email.clone(),
                            action: actions::SIGN_UP,
                            detail: Some(format!("via {provider}")),
                            ip: ip.clone(),
                            ..Default::default()
                        },
                    )
                    .await?;
                    workspaces::create_first(&txn, &user, ip.clone()).await?;
                    (user, true)
                }
            }
        };
        identities::ActiveModel {
            user_id: Set(user.id),
            provider: Set(provider.to_owned()),
            subject: Set(profile.subject.clone()),
            email: Set(email.as_ref().map(|e| e.as_str().to_owned())),
            email_verified: Set(profile.email_verified),
            access_token_enc: Set(tokens.access),
            refresh_token_enc: Set(tokens.refresh),
            token_expires_at: Set(tokens.expires_at),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        (user, created)
    };
    txn.commit().await?;
    Ok((user, created))
}

/// `oauth2`'s HTTP calls, made with the app's reqwest client.
async fn send(
    http: &reqwest::Client,
    req: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, HttpError> {
    let (parts, body) = req.into_parts();
    let res = http
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await
        .map_err(|e| HttpError(e.without_url().to_string()))?;
    let mut builder = http::Response::builder().status(res.status());
    if let Some(headers) = builder.headers_mut() {
        *headers = res.headers().clone();
    }
    let body = res
        .bytes()
        .await
        .map_err(|e| HttpError(e.without_url().to_string()))?;
    builder
        .body(body.to_vec())
        .map_err(|e| HttpError(e.to_string()))
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(String);

fn describe_token_error<E: std::error::Error + 'static>(
    e: &oauth2::RequestTokenError<E, BasicErrorResponse>,
) -> String {
    match e {
        oauth2::RequestTokenError::ServerResponse(r) => {
            let mut s = r.error().to_string();
            if let Some(d) = r.error_description() {
                s.push_str(": ");
                s.push_str(d);
            }
            s
        }
        oauth2::RequestTokenError::Request(e) => format!("could not reach the provider ({e})"),
        oauth2::RequestTokenError::Parse(e, _) => format!("unreadable token response ({e})"),
        oauth2::RequestTokenError::Other(s) => s.clone(),
    }
}

/// The value at a dotted path (`a.b.c`) in a JSON document.
pub fn at_path<'a>(json: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(json, |v, key| v.get(key))
}

fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn as_bool(v: &Value) -> bool {
    matches!(v, Value::Bool(true)) || matches!(v, Value::String(s) if s == "true")
}

pub fn extract_profile(
    json: &Value,
    fields: &super::providers::FieldMap,
) -> Option<ProviderProfile> {
    let subject = at_path(json, &fields.id).and_then(as_text)?;
    Some(ProviderProfile {
        subject,
        email: at_path(json, &fields.email).and_then(as_text),
        email_verified: fields
            .email_verified
            .as_deref()
            .and_then(|f| at_path(json, f))
            .is_some_and(as_bool),
        name: at_path(json, &fields.name)
            .and_then(as_text)
            .or_else(|| json.get("login").and_then(as_text)),
        avatar_url: fields
            .avatar
            .as_deref()
            .and_then(|f| at_path(json, f))
            .and_then(as_text),
    })
}

/// From a GitHub-style e-mail list: the primary verified address, else `preferred` if it is
/// verified, else any verified one.
pub fn pick_verified_email(list: &Value, preferred: Option<&str>) -> Option<String> {
    let items = list.as_array()?;
    let verified = |i: &&Value| i.get("verified").is_some_and(as_bool);
    let email_of = |i: &Value| i.get("email").and_then(as_text);
    items
        .iter()
        .filter(verified)
        .find(|i| i.get("primary").is_some_and(as_bool))
        .and_then(email_of)
        .or_else(|| {
            items
                .iter()
                .filter(verified)
                .find(|i| email_of(i).as_deref() == preferred)
                .and_then(email_of)
        })
        .or_else(|| items.iter().find(verified).and_then(email_of))
}

/// Replaces `{name}` in `template` with the token response's `name` field (URL-encoded).
fn fill_placeholders(template: &str, fields: &serde_json::Map<String, Value>) -> String {
    let mut out = template.to_owned();
    for (k, v) in fields {
        let needle = format!("{{{k}}}");
        if out.contains(&needle) {
            if let Some(text) = as_text(v) {
                let encoded: String =
                    url::form_urlencoded::byte_serialize(text.as_bytes()).collect();
                out = out.replace(&needle, &encoded);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::auth::providers::FieldMap;
    use serde_json::json;

    fn fields() -> FieldMap {
        FieldMap {
            id: "sub".into(),
            email: "email".into(),
            email_verified: Some("email_verified".into()),
            name: "name".into(),
            avatar: Some("picture".into()),
        }
    }

    #[test]
    fn profiles_from_json() {
        let p = extract_profile(
            &json!({"sub": 42, "email": "a@b.co", "email_verified": true, "name": "A"}),
            &fields(),
        )
        .unwrap();
        assert_eq!(p.subject, "42");
        assert!(p.email_verified);
        let p =
            extract_profile(&json!({"sub": "x", "email_verified": "false"}), &fields()).unwrap();
        assert!(!p.email_verified);
        assert_eq!(p.email, None);
        assert!(extract_profile(&json!({"email": "a@b.co"}), &fields()).is_none());
        let nested = FieldMap {
            id: "data.user.id".into(),
            ..fields()
        };
        assert_eq!(
            extract_profile(&json!({"data": {"user": {"id": "n"}}}), &nested)
                .unwrap()
                .subject,
            "n"
        );
    }

    #[test]
    fn verified_email_choice() {
        let list = json!([
            {"email": "old@x.co", "verified": true, "primary": false},
            {"email": "unverified@x.co", "verified": false, "primary": false},
            {"email": "main@x.co", "verified": true, "primary": true},
        ]);
        assert_eq!(
            pick_verified_email(&list, None).as_deref(),
            Some("main@x.co")
        );
        let no_primary =
            json!([{"email": "u@x.co", "verified": false}, {"email": "v@x.co", "verified": true}]);
        assert_eq!(
            pick_verified_email(&no_primary, Some("u@x.co")).as_deref(),
            Some("v@x.co")
        );
        assert_eq!(
            pick_verified_email(&json!([{"email": "u@x.co", "verified": false}]), None),
            None
        );
    }

    #[test]
    fn placeholders_come_from_the_token_response() {
        let mut m = serde_json::Map::new();
        m.insert("userId".into(), json!("u/1 2"));
        assert_eq!(
            fill_placeholders("https://h/users/{userId}", &m),
            "https://h/users/u%2F1+2"
        );
        assert_eq!(fill_placeholders("https://h/me", &m), "https://h/me");
    }
}
