//! Who is calling: resolved once per request by the server's auth middleware from the
//! session cookie or the bearer token, and put in the request's extensions.

/// How the caller proved who they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    Session {
        session_id: i64,
    },
    /// A personal API token; it only ever opens its own workspace.
    Token {
        token_id: i64,
        workspace_id: i64,
    },
}

#[derive(Clone, Debug)]
pub struct Principal {
    pub user_id: i64,
    pub email: String,
    pub name: String,
    pub via: Via,
}

/// Facts about the request that the audit log records.
#[derive(Clone, Debug, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// The signed-in person as every page shows them, loaded by the server before a page renders
/// (see `load_session_info`) and put in the request's extensions. Rendering then reads it
/// without waiting, so the server and the browser build the same page in the same order:
/// a session that finished loading *during* the render re-ran the parts that had waited for
/// it, with new resources and hydration ids the browser never made.
#[derive(Clone, Debug)]
pub struct PageSession(pub crate::types::SessionInfo);

/// Who `principal` is and the workspaces they may open (only the token's own for a token).
pub async fn load_session_info(
    db: &sea_orm::DatabaseConnection,
    principal: &Principal,
) -> Result<crate::types::SessionInfo, crate::backend::Error> {
    use crate::backend::{entity::users, workspaces};
    use sea_orm::EntityTrait;

    let user = users::Entity::find_by_id(principal.user_id)
        .one(db)
        .await?
        .ok_or_else(|| {
            crate::backend::Error::Unauthorized("this account no longer exists".into())
        })?;
    let mut list = workspaces::list_for_user(db, user.id).await?;
    if let Via::Token { workspace_id, .. } = principal.via {
        list.retain(|w| w.id == workspace_id);
    }
    Ok(crate::types::SessionInfo {
        user: crate::types::CurrentUser {
            id: user.id,
            email: user.email,
            name: user.name,
            avatar_url: user.avatar_url,
        },
        workspaces: list,
        via_token: matches!(principal.via, Via::Token { .. }),
    })
}
