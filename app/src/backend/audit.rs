//! The audit log: who changed what, when, from where. Writes that change workspace data or
//! access record an entry in the same transaction as the change, so the log cannot miss a
//! change that happened nor show one that was rolled back.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};

use super::auth::{Action, Authorized, Scope};
use super::entity::{audit_log, memberships};
use super::Result;
use crate::types::{AuditEntry, Page, PageRequest};

/// Stable action names (scripts filter on them).
pub mod actions {
    pub const SIGN_IN: &str = "auth.sign_in";
    pub const SIGN_IN_FAILED: &str = "auth.sign_in_failed";
    pub const SIGN_OUT: &str = "auth.sign_out";
    pub const SIGN_OUT_EVERYWHERE: &str = "auth.sign_out_everywhere";
    pub const SIGN_UP: &str = "auth.sign_up";
    pub const WORKSPACE_CREATED: &str = "workspace.created";
    pub const MEMBER_INVITED: &str = "member.invited";
    pub const INVITATION_REVOKED: &str = "member.invitation_revoked";
    pub const MEMBER_JOINED: &str = "member.joined";
    pub const MEMBER_ROLE_CHANGED: &str = "member.role_changed";
    pub const MEMBER_REMOVED: &str = "member.removed";
    pub const MEMBER_LEFT: &str = "member.left";
    pub const TOKEN_CREATED: &str = "token.created";
    pub const TOKEN_REVOKED: &str = "token.revoked";
}

/// One entry to record.
#[derive(Clone, Debug, Default)]
pub struct Entry {
    pub workspace_id: Option<i64>,
    pub actor_user_id: Option<i64>,
    pub actor_label: String,
    pub action: &'static str,
    pub target_type: Option<&'static str>,
    pub target_id: Option<String>,
    pub detail: Option<String>,
    pub ip: Option<String>,
}

impl Entry {
    /// An entry about `scope`'s workspace, by `scope`'s actor.
    pub fn in_scope(scope: &Scope, action: &'static str) -> Self {
        Self {
            workspace_id: Some(scope.workspace_id()),
            actor_user_id: Some(scope.user_id()),
            actor_label: scope.actor_label().to_owned(),
            action,
            ip: scope.ip().map(str::to_owned),
            ..Default::default()
        }
    }

    pub fn target(mut self, kind: &'static str, id: impl ToString) -> Self {
        self.target_type = Some(kind);
        self.target_id = Some(id.to_string());
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

pub async fn record(db: &impl ConnectionTrait, entry: Entry) -> Result<()> {
    audit_log::ActiveModel {
        workspace_id: Set(entry.workspace_id),
        actor_user_id: Set(entry.actor_user_id),
        actor_label: Set(entry.actor_label.chars().take(320).collect()),
        action: Set(entry.action.to_owned()),
        target_type: Set(entry.target_type.map(str::to_owned)),
        target_id: Set(entry.target_id),
        detail: Set(entry.detail.map(|d| d.chars().take(2000).collect())),
        ip: Set(entry.ip),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The workspace's entries, newest first, plus the sign-ins of its current members (those
/// are recorded outside any workspace). Admins and owners only.
pub async fn list(
    db: &impl ConnectionTrait,
    auth: &Authorized<'_>,
    action_prefix: Option<&str>,
    page: PageRequest,
    newest_first: bool,
) -> Result<Page<AuditEntry>> {
    debug_assert_eq!(auth.action(), Action::ViewAudit);
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
    let (rows, total, total_exact) = crate::backend::repo::list::page_and_count::<
        _,
        audit_log::Model,
    >(db, None, &query, ordered, &page)
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
