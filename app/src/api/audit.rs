use leptos::prelude::*;
use server_fn::codec::Json;

use crate::types::{ApiError, AuditEntry, Page};

/// The workspace's audit log, newest first (admins and owners). `action` filters by prefix,
/// e.g. `member.` or `auth.sign_in`.
#[server(prefix = "/api", endpoint = "list_audit_log", input = Json)]
pub async fn list_audit_log(
    workspace: String,
    action: Option<String>,
    page: Option<u64>,
    per_page: Option<u64>,
) -> Result<Page<AuditEntry>, ApiError> {
    use crate::backend::auth::Action;
    use crate::types::PageRequest;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize(Action::ViewAudit)?;
    let req = PageRequest {
        page: page.unwrap_or(1),
        per_page: per_page.unwrap_or(50),
    };
    Ok(crate::backend::audit::list(&super::state()?.db, &auth, action.as_deref(), req).await?)
}

crate::endpoint_doc! {
    /// The workspace's audit log, newest first (admins and owners).
    ///
    /// `action` filters by prefix, e.g. `member.` or `auth.sign_in`.
    ListAuditLog(
        workspace: String,
        /// An action prefix such as `member.` or `api_token.`.
        action: Option<String>,
        /// 1-based (default 1).
        page: Option<u64>,
        /// Default 50, at most 200.
        per_page: Option<u64>,
    ) -> Page<AuditEntry>,
    example = {"workspace": "demo", "action": "api_token.", "page": 1, "per_page": 20}
}
