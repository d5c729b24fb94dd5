//! Connecting HubSpot or GoHighLevel through OAuth 2.0 instead of a pasted token: the
//! sign-in machinery's flow (`auth::oauth::grant`) with the connector's own callback and
//! scopes. An admin starts it from Settings → Integrations; the callback checks the tokens
//! against the system as a pasted token is checked, keeps them as the connector's
//! credential and starts the first sync. `credential::fresh` refreshes them as they expire.

use super::{check, store, Credential};
use crate::backend::auth::oauth::{grant::Granted, CallbackParams, OAuthError, Started};
use crate::backend::auth::providers::ProviderConfig;
use crate::backend::auth::{can, Authorized};
use crate::backend::{AppState, Error, Result};
use crate::types::{ConnectInput, Connector, ConnectorKind};

/// The scopes each connector asks for: reading what it syncs (and, for HubSpot, writing
/// deals back).
const HUBSPOT_SCOPES: &[&str] = &[
    "oauth",
    "crm.objects.companies.read",
    "crm.objects.contacts.read",
    "crm.objects.deals.read",
    "crm.objects.deals.write",
];
const GOHIGHLEVEL_SCOPES: &[&str] = &[
    "contacts.readonly",
    "opportunities.readonly",
    "locations.readonly",
];

fn app(id: &str, label: &str, scopes: &[&str]) -> ProviderConfig {
    ProviderConfig {
        id: id.to_owned(),
        label: label.to_owned(),
        client_id: String::new(),
        client_secret: String::new(),
        auth_url: String::new(),
        token_url: String::new(),
        userinfo_url: String::new(),
        emails_url: None,
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        fields: crate::backend::auth::providers::FieldMap {
            id: String::new(),
            email: String::new(),
            email_verified: None,
            name: String::new(),
            avatar: None,
        },
        headers: Vec::new(),
    }
}

/// HubSpot's OAuth app: its client id and secret (the secret also signs its webhooks),
/// authorizing at `auth_url`, tokens from `token_url`.
pub fn hubspot_app(
    client_id: &str,
    client_secret: &str,
    auth_url: &str,
    token_url: &str,
) -> ProviderConfig {
    ProviderConfig {
        client_id: client_id.to_owned(),
        client_secret: client_secret.to_owned(),
        auth_url: auth_url.to_owned(),
        token_url: token_url.to_owned(),
        ..app("connector-hubspot", "HubSpot", HUBSPOT_SCOPES)
    }
}

/// GoHighLevel's: the app people sign in with (the `gohighlevel` provider preset), asking
/// for a location's records instead of a user's profile.
pub fn gohighlevel_app(signin: &ProviderConfig) -> ProviderConfig {
    ProviderConfig {
        client_id: signin.client_id.clone(),
        client_secret: signin.client_secret.clone(),
        auth_url: signin.auth_url.clone(),
        token_url: signin.token_url.clone(),
        ..app("connector-gohighlevel", "GoHighLevel", GOHIGHLEVEL_SCOPES)
    }
}

/// The OAuth app `kind` is connected through here, if one is configured.
pub fn provider(state: &AppState, kind: ConnectorKind) -> Option<&ProviderConfig> {
    let settings = state.connectors();
    match kind {
        ConnectorKind::Hubspot => settings.hubspot_oauth.as_ref(),
        ConnectorKind::Gohighlevel => settings.gohighlevel_oauth.as_ref(),
        ConnectorKind::Apollo => None,
    }
}

/// Where the provider sends the browser back (registered with the app as its redirect URI).
pub fn callback_path(kind: ConnectorKind) -> String {
    format!("/connectors/{}/oauth/callback", kind.as_str())
}

fn not_configured(kind: ConnectorKind) -> Error {
    Error::Conflict(format!(
        "no {} OAuth app is configured here: paste a token instead",
        kind.label()
    ))
}

/// Begins the flow for `workspace` (its slug, where the browser comes back to).
pub async fn start(
    state: &AppState,
    // Only someone who may manage the workspace begins connecting it.
    _auth: &Authorized<'_, can::ManageWorkspace>,
    workspace: &str,
    kind: ConnectorKind,
) -> Result<Started> {
    let p = provider(state, kind).ok_or_else(|| not_configured(kind))?;
    state
        .auth()
        .oauth
        .start_grant(
            &state.db,
            p,
            &callback_path(kind),
            &format!("/w/{workspace}/settings/integrations"),
        )
        .await
        .map_err(oauth_error)
}

fn oauth_error(e: OAuthError) -> Error {
    match e {
        OAuthError::Internal(e) => e,
        other => Error::BadRequest(other.to_string()),
    }
}

/// Checks the callback and trades its code for tokens; answers them with the slug of the
/// workspace the flow began in (the caller checks the person may manage it).
pub async fn finish(
    state: &AppState,
    kind: ConnectorKind,
    params: CallbackParams,
    binding: Option<&str>,
) -> std::result::Result<(Granted, String), OAuthError> {
    let p = provider(state, kind).ok_or(OAuthError::UnknownProvider(kind.as_str().into()))?;
    let (granted, next) = state
        .auth()
        .oauth
        .finish_grant(&state.db, p, &callback_path(kind), params, binding)
        .await?;
    let slug = next
        .strip_prefix("/w/")
        .and_then(|rest| rest.split('/').next())
        .filter(|s| !s.is_empty())
        .ok_or(OAuthError::InvalidState)?
        .to_owned();
    Ok((granted, slug))
}

/// Keeps granted tokens as `kind`'s credential once the system accepts them (GoHighLevel's
/// token names the location it opens).
pub async fn connect(
    state: &AppState,
    auth: &Authorized<'_, can::ManageWorkspace>,
    kind: ConnectorKind,
    granted: Granted,
) -> Result<Connector> {
    let location_id = granted
        .extra
        .get("locationId")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned);
    if kind == ConnectorKind::Gohighlevel && location_id.is_none() {
        return Err(Error::BadRequest(
            "GoHighLevel granted agency-level access: choose a location (sub-account) when \
             connecting"
                .into(),
        ));
    }
    let input = ConnectInput {
        kind,
        access_token: granted.access_token.clone(),
        location_id,
    };
    let (account, account_id) = check(state.connectors(), &input, &granted.access_token).await?;
    let secret = Credential {
        access_token: granted.access_token,
        refresh_token: granted.refresh_token,
        expires_at: granted.expires_at,
    };
    store(
        state,
        auth,
        kind,
        &secret,
        (&account, account_id.as_deref()),
    )
    .await
}
