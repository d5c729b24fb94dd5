//! The audit log: who changed what, when, from where. Writes that change workspace data or
//! access record an entry in the same transaction as the change, so the log cannot miss a
//! change that happened nor show one that was rolled back. An entry made in a Scope comes
//! from `Entry::in_scope` (beside the Scope, in `auth::scope`); reading the log is
//! `repo::audit`.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait};

use super::entity::audit_log;
use super::Result;

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
