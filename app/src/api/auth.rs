use leptos::prelude::*;
use server_fn::codec::Json;

use crate::types::{ApiError, SessionInfo, SignInOptions};

/// Who is signed in (by session cookie or API token) and their workspaces; `null` when
/// signed out.
#[server(prefix = "/api", endpoint = "current_session", input = Json)]
pub async fn current_session() -> Result<Option<SessionInfo>, ApiError> {
    use crate::backend::{auth::Via, entity::users, workspaces};
    use sea_orm::EntityTrait;

    let Some(principal) = super::maybe_principal() else {
        return Ok(None);
    };
    let state = super::state()?;
    let user = users::Entity::find_by_id(principal.user_id)
        .one(&state.db)
        .await
        .map_err(crate::backend::Error::from)?
        .ok_or_else(ApiError::unauthorized)?;
    let mut list = workspaces::list_for_user(&state.db, user.id).await?;
    if let Via::Token { workspace_id, .. } = principal.via {
        list.retain(|w| w.id == workspace_id);
    }
    Ok(Some(SessionInfo {
        user: crate::types::CurrentUser {
            id: user.id,
            email: user.email,
            name: user.name,
            avatar_url: user.avatar_url,
        },
        workspaces: list,
        via_token: matches!(principal.via, Via::Token { .. }),
    }))
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
