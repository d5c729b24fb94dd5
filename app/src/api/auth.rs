use leptos::prelude::*;
use server_fn::codec::Json;

use crate::types::{ApiError, SessionInfo, SignInOptions};

/// Who is signed in (by session cookie or API token) and their workspaces; `null` when
/// signed out.
#[server(prefix = "/api", endpoint = "current_session", input = Json)]
pub async fn current_session() -> Result<Option<SessionInfo>, ApiError> {
    use crate::backend::auth::{load_session_info, PageSession};

    // Pages: loaded before the render started (no await, so the render never waits on it).
    if let Some(PageSession(info)) = super::request_extension::<PageSession>() {
        return Ok(Some(info));
    }
    let Some(principal) = super::maybe_principal() else {
        return Ok(None);
    };
    let state = super::state()?;
    Ok(Some(load_session_info(&state.db, &principal).await?))
}

crate::endpoint_doc! {
    /// Who is calling (session cookie or API token) and their workspaces; `null` without a caller.
    CurrentSession() -> Option<SessionInfo>,
    auth = none,
    example = {}
}

/// What the sign-in page offers: provider buttons, password sign-in, sign-up, first run.
#[server(name = SignInOptionsCall, prefix = "/api", endpoint = "sign_in_options", input = Json)]
pub async fn sign_in_options() -> Result<SignInOptions, ApiError> {
    let state = super::state()?;
    let auth = state.auth();
    Ok(SignInOptions {
        providers: auth
            .oauth
            .providers()
            .iter()
            .map(|p| crate::types::ProviderButton {
                id: p.id.clone(),
                label: p.label.clone(),
            })
            .collect(),
        password_enabled: auth.password_enabled,
        signup_allowed: auth.signup_allowed,
        first_run: crate::backend::auth::accounts::is_first_run(&state.db).await?,
    })
}

crate::endpoint_doc! {
    /// What the sign-in page offers: provider buttons, password sign-in, sign-up, first run.
    SignInOptionsCall() -> SignInOptions,
    auth = none,
    example = {}
}
