use leptos::prelude::*;
use server_fn::codec::Json;

use crate::types::{ApiError, AuditEntry, ListQuery, Page};

/// The workspace's audit log, newest first (admins and owners). Takes the list `query` every
/// list takes (filter `action`: a prefix such as `member.` or `auth.sign_in`; sort `created`
/// or `-created`, the default). The top-level `action`, `page` and `per_page` are the older
/// form of the same, still accepted; `query` wins where both are given.
#[server(prefix = "/api", endpoint = "list_audit_log", input = Json)]
pub async fn list_audit_log(
    workspace: String,
    query: Option<ListQuery>,
    action: Option<String>,
    page: Option<u64>,
    per_page: Option<u64>,
) -> Result<Page<AuditEntry>, ApiError> {
    use crate::backend::auth::can;
    use crate::backend::repo::list;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::ViewAudit>()?;
    let mut query = query.unwrap_or_default();
    list::check_filters(&query, &["action"])?;
    let newest_first = match query.sort_key("-created") {
        ("created", descending) => descending,
        (other, _) => return Err(list::unknown_sort(other, &["created"]).into()),
    };
    if let Some(a) = action.filter(|_| query.filter("action").is_none()) {
        query.filters.insert("action".into(), a);
    }
    query.page = query.page.or(page);
    query.per_page = query.per_page.or(per_page);
    Ok(crate::backend::repo::audit::list(
        &super::state()?.db,
        &auth,
        query.filter("action"),
        list::page_request(&query),
        newest_first,
    )
    .await?)
}

crate::endpoint_doc! {
    /// The workspace's audit log, newest first (admins and owners).
    ///
    /// Filter `action` (a prefix such as `member.` or `auth.sign_in`); sort `created` or
    /// `-created` (the default).
    ListAuditLog(
        workspace: String,
        query: Option<ListQuery>,
        /// Deprecated: use `query.filters.action`.
        action: Option<String>,
        /// Deprecated: use `query.page`.
        page: Option<u64>,
        /// Deprecated: use `query.per_page`.
        per_page: Option<u64>,
    ) -> Page<AuditEntry>,
    example = {"workspace": "demo", "query": {"filters": {"action": "token."}, "page": 1, "per_page": 20}}
}
