use leptos::prelude::*;
use server_fn::codec::Json;

use crate::types::{ApiError, ApiTokenInfo, CreatedApiToken};

/// Creates a personal API token for this workspace. The token is in the answer once and
/// never again.
#[server(prefix = "/api", endpoint = "create_api_token", input = Json)]
pub async fn create_api_token(
    workspace: String,
    name: String,
    expires_in_days: Option<u32>,
) -> Result<CreatedApiToken, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::ManageOwnTokens>()?;
    Ok(
        crate::backend::repo::api_tokens::create(
            &super::state()?.db,
            &auth,
            &name,
            expires_in_days,
        )
        .await?,
    )
}

crate::endpoint_doc! {
    /// Creates a personal API token for this workspace; the token is in this answer once and
    /// never again.
    CreateApiToken(
        workspace: String,
        name: String,
        /// Days until it expires (none: never).
        expires_in_days: Option<u32>,
    ) -> CreatedApiToken,
    example = {"workspace": "demo", "name": "Weekly export script", "expires_in_days": 90}
}

/// The caller's tokens for this workspace (prefix, created, last used, expiry, revoked).
#[server(prefix = "/api", endpoint = "list_api_tokens", input = Json)]
pub async fn list_api_tokens(workspace: String) -> Result<Vec<ApiTokenInfo>, ApiError> {
    let scope = super::scope(&workspace).await?;
    Ok(crate::backend::repo::api_tokens::list(&super::state()?.db, &scope).await?)
}

crate::endpoint_doc! {
    /// The caller's tokens for this workspace (prefix, created, last used, expiry, revoked).
    ListApiTokens(workspace: String) -> Vec<ApiTokenInfo>,
    example = {"workspace": "demo"}
}

/// Revokes a token at once.
#[server(prefix = "/api", endpoint = "revoke_api_token", input = Json)]
pub async fn revoke_api_token(workspace: String, id: i64) -> Result<ApiTokenInfo, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::ManageOwnTokens>()?;
    let state = super::state()?;
    let revoked = crate::backend::repo::api_tokens::revoke(&state.db, &auth, id).await?;
    state.access_changed().await;
    Ok(revoked)
}

crate::endpoint_doc! {
    /// Revokes one of the caller's tokens at once.
    RevokeApiToken(workspace: String, id: i64) -> ApiTokenInfo,
    example = {"workspace": "demo", "id": 1}
}
