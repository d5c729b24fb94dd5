//! Signing out: this session, or every session of the account.

use axum::{extract::State, response::Response};

use app::backend::{
    audit::{self, actions, Entry},
    auth::{sessions, Principal, RequestMeta, Via},
    AppState,
};
use app::types::ApiError;

use super::{internal, meta, see_other, with_cookies};
use crate::api_edge::json_error;

pub async fn logout(
    State(state): State<AppState>,
    principal: Option<axum::Extension<Principal>>,
    req_meta: Option<axum::Extension<RequestMeta>>,
) -> Response {
    let meta = meta(&req_meta);
    if let Some(axum::Extension(p)) = principal {
        if let Via::Session { session_id } = p.via {
            if let Err(e) = sessions::revoke(&state.db, session_id).await {
                return internal(e);
            }
            state.access_changed().await;
            let _ = audit::record(
                &state.db,
                Entry {
                    actor_user_id: Some(p.user_id),
                    actor_label: p.email,
                    action: actions::SIGN_OUT,
                    ip: meta.ip,
                    ..Default::default()
                },
            )
            .await;
        }
    }
    with_cookies(
        see_other("/login?notice=signed_out"),
        &[state.auth().sessions.clear_cookie()],
    )
}

pub async fn logout_everywhere(
    State(state): State<AppState>,
    principal: Option<axum::Extension<Principal>>,
    req_meta: Option<axum::Extension<RequestMeta>>,
) -> Response {
    let meta = meta(&req_meta);
    if let Some(axum::Extension(p)) = principal {
        if !matches!(p.via, Via::Session { .. }) {
            return json_error(&ApiError::new(
                app::types::ErrorCode::Forbidden,
                "sign out in the browser, not with an API token",
            ));
        }
        match sessions::revoke_all(&state.db, p.user_id).await {
            Ok(n) => {
                state.access_changed().await;
                let _ = audit::record(
                    &state.db,
                    Entry {
                        actor_user_id: Some(p.user_id),
                        actor_label: p.email,
                        action: actions::SIGN_OUT_EVERYWHERE,
                        detail: Some(format!("{n} session(s) ended")),
                        ip: meta.ip,
                        ..Default::default()
                    },
                )
                .await;
            }
            Err(e) => return internal(e),
        }
    }
    with_cookies(
        see_other("/login?notice=signed_out_everywhere"),
        &[state.auth().sessions.clear_cookie()],
    )
}
