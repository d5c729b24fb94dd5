//! The audit log as a workspace's admins read it. Entries are written by `backend::audit`.

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait,
};

use crate::backend::auth::{can, Authorized};
use crate::backend::entity::{audit_log, memberships};
use crate::backend::Result;
use crate::types::{AuditEntry, Page, PageRequest};

/// The workspace's entries, newest first, plus the sign-ins of its current members (those
/// are recorded outside any workspace). Admins and owners only.
pub async fn list(
    db: &impl ConnectionTrait,
    auth: &Authorized<'_, can::ViewAudit>,
    action_prefix: Option<&str>,
    page: PageRequest,
    newest_first: bool,
) -> Result<Page<AuditEntry>> {
    let page = page.normalised();
    let members = memberships::Entity::find()
        .select_only()
        .column(memberships::Column::UserId)
        .filter(memberships::Column::WorkspaceId.eq(auth.workspace_id()))
        .into_query();
    let mut query = audit_log::Entity::find().filter(
        Condition::any()
            .add(audit_log::Column::WorkspaceId.eq(auth.workspace_id()))
            .add(
                Condition::all()
                    .add(audit_log::Column::WorkspaceId.is_null())
                    .add(audit_log::Column::ActorUserId.in_subquery(members)),
            ),
    );
    if let Some(prefix) = action_prefix.filter(|p| !p.is_empty()) {
        query = query.filter(audit_log::Column::Action.starts_with(prefix));
    }
    let order = if newest_first {
        sea_orm::Order::Desc
    } else {
        sea_orm::Order::Asc
    };
    let ordered = query
        .clone()
        .order_by(audit_log::Column::CreatedAt, order.clone())
        .order_by(audit_log::Column::Id, order);
    let (rows, total, total_exact) =
        super::list::page_and_count::<_, audit_log::Model>(db, None, &query, ordered, &page)
            .await?;
    Ok(Page {
        items: rows
            .into_iter()
            .map(|r| AuditEntry {
                id: r.id,
                actor: r.actor_label,
                action: r.action,
                target_type: r.target_type,
                target_id: r.target_id,
                detail: r.detail,
                ip: r.ip,
                at: r.created_at,
            })
            .collect(),
        total,
        total_exact,
        page: page.page,
        per_page: page.per_page,
    })
}
