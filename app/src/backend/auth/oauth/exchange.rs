//! The token exchange: the callback's code and the PKCE verifier traded for the provider's
//! tokens over the app's HTTP client, and the tokens kept (encrypted) for the identity.

use chrono::{Duration, Utc};
use oauth2::{basic::BasicErrorResponse, AuthorizationCode, PkceCodeVerifier, TokenResponse};

use super::link::StoredTokens;
use super::{OAuth, OAuthError, TokenResp};
use crate::backend::auth::providers::ProviderConfig;

impl OAuth {
    /// Exchanges `code` for the provider's tokens, proving the flow with its PKCE `verifier`.
    pub(super) async fn exchange(
        &self,
        p: &ProviderConfig,
        code: String,
        verifier: String,
    ) -> Result<TokenResp, OAuthError> {
        self.exchange_with(self.client(p)?, code, verifier).await
    }

    /// As `exchange`, with a client of its own redirect URI (which must be the one the flow
    /// began with).
    pub(super) async fn exchange_with(
        &self,
        client: super::OAuthClient,
        code: String,
        verifier: String,
    ) -> Result<TokenResp, OAuthError> {
        let http = self.http.clone();
        let send = move |req: oauth2::HttpRequest| {
            let http = http.clone();
            async move { send(&http, req).await }
        };
        client
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(PkceCodeVerifier::new(verifier))
            .request_async(&send)
            .await
            .map_err(|e| OAuthError::Exchange(describe_token_error(&e)))
    }

    /// Trades a refresh token for new tokens (`grant_type=refresh_token`).
    pub(super) async fn exchange_refresh(
        &self,
        client: super::OAuthClient,
        refresh_token: String,
    ) -> Result<TokenResp, OAuthError> {
        let http = self.http.clone();
        let send = move |req: oauth2::HttpRequest| {
            let http = http.clone();
            async move { send(&http, req).await }
        };
        client
            .exchange_refresh_token(&oauth2::RefreshToken::new(refresh_token))
            .request_async(&send)
            .await
            .map_err(|e| OAuthError::Exchange(describe_token_error(&e)))
    }

    /// The tokens to keep with the identity, encrypted, and when the access token expires.
    pub(super) fn stored_tokens(&self, token: &TokenResp) -> StoredTokens {
        StoredTokens {
            access: Some(self.secrets.encrypt(token.access_token().secret())),
            refresh: token
                .refresh_token()
                .map(|r| self.secrets.encrypt(r.secret())),
            expires_at: token
                .expires_in()
                .and_then(|d| Duration::from_std(d).ok())
                .map(|d| Utc::now() + d),
        }
    }
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
