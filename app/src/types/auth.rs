//! Identity, workspaces and access, as the browser and scripts see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A member's role in one workspace. Stored as its lower-case name (see migrations::ROLES).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(
    feature = "ssr",
    sea_orm(
        rs_type = "String",
        db_type = "String(sea_orm::sea_query::StringLen::N(16))"
    )
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "viewer"))]
    Viewer,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "member"))]
    Member,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "admin"))]
    Admin,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "owner"))]
    Owner,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Member, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Member => "Member",
            Role::Viewer => "Viewer",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Role::Owner => "everything, including owners and deleting the workspace",
            Role::Admin => "members, settings and the audit log",
            Role::Member => "read and change workspace data, run reports",
            Role::Viewer => "read only",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub avatar_url: Option<String>,
}

impl CurrentUser {
    /// One or two letters for an avatar placeholder.
    pub fn initials(&self) -> String {
        let source = if self.name.trim().is_empty() {
            &self.email
        } else {
            &self.name
        };
        source
            .split_whitespace()
            .filter_map(|w| w.chars().next())
            .take(2)
            .flat_map(char::to_uppercase)
            .collect()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct WorkspaceSummary {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub role: Role,
}

/// Who is signed in and where they may go. `None` from `current_session` means signed out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct SessionInfo {
    pub user: CurrentUser,
    pub workspaces: Vec<WorkspaceSummary>,
    /// True when the caller authenticated with an API token rather than a browser session.
    pub via_token: bool,
}

impl SessionInfo {
    pub fn workspace(&self, slug: &str) -> Option<&WorkspaceSummary> {
        self.workspaces.iter().find(|w| w.slug == slug)
    }
}

/// What the sign-in page offers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct SignInOptions {
    pub providers: Vec<ProviderButton>,
    pub password_enabled: bool,
    pub signup_allowed: bool,
    /// No account exists yet: the page offers to create the first one (its owner).
    pub first_run: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ProviderButton {
    pub id: String,
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Member {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
    pub is_you: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Expired,
    Revoked,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Invitation {
    pub id: i64,
    pub role: Role,
    pub email: Option<String>,
    pub invited_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub status: InvitationStatus,
}

/// A new invitation with its link; the link is shown once and never stored in clear.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct CreatedInvitation {
    pub invitation: Invitation,
    pub url: String,
}

/// What someone holding an invitation link is about to join.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct InvitationPreview {
    pub workspace_name: String,
    pub workspace_slug: String,
    pub role: Role,
    pub invited_by: String,
    pub expires_at: DateTime<Utc>,
    pub already_member: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ApiTokenInfo {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiTokenInfo {
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > now)
    }
}

/// A new token. `token` is shown once; only its hash is kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct CreatedApiToken {
    pub token: String,
    pub info: ApiTokenInfo,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct AuditEntry {
    pub id: i64,
    pub actor: String,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub detail: Option<String>,
    pub ip: Option<String>,
    pub at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_match_the_schema() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        #[cfg(feature = "ssr")]
        {
            let mut ours: Vec<_> = Role::ALL.iter().map(|r| r.as_str()).collect();
            let mut schema = migrations::ROLES.to_vec();
            ours.sort();
            schema.sort();
            assert_eq!(ours, schema);
        }
    }

    #[test]
    fn roles_order_by_power() {
        assert!(
            Role::Owner > Role::Admin && Role::Admin > Role::Member && Role::Member > Role::Viewer
        );
    }

    #[test]
    fn initials() {
        let u = CurrentUser {
            id: 1,
            email: "ada@example.com".into(),
            name: "Ada Lovelace".into(),
            avatar_url: None,
        };
        assert_eq!(u.initials(), "AL");
        let u = CurrentUser {
            name: "".into(),
            ..u
        };
        assert_eq!(u.initials(), "A");
    }
}
