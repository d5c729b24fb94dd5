//! The Scope every tenant query needs: (user, workspace, role), built once per request from
//! the Principal and the workspace slug. Its fields are private and its only constructor is
//! `resolve`, so no code can invent one; repositories take `&Scope` (reads) or `&Authorized`
//! (writes, obtainable only through a permission check) and filter by its workspace.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::access_cache::{renew, Membership};
use super::permissions::{allowed, Action, Permission};
use super::principal::{Principal, RequestMeta, Via};
use crate::backend::entity::{memberships, workspaces};
use crate::backend::{AppState, Error, Result};
use crate::types::Role;

#[derive(Clone, Debug)]
pub struct Scope {
    user_id: i64,
    workspace_id: i64,
    workspace_slug: String,
    workspace_name: String,
    role: Role,
    actor_label: String,
    ip: Option<String>,
    via_token: Option<i64>,
}

impl Scope {
    pub fn user_id(&self) -> i64 {
        self.user_id
    }
    pub fn workspace_id(&self) -> i64 {
        self.workspace_id
    }
    /// The workspace to query in: this scope's, checked when the scope was made.
    pub fn workspace(&self) -> crate::backend::WorkspaceId {
        crate::backend::WorkspaceId::vouched(self.workspace_id)
    }
    pub fn workspace_slug(&self) -> &str {
        &self.workspace_slug
    }
    pub fn workspace_name(&self) -> &str {
        &self.workspace_name
    }
    pub fn role(&self) -> Role {
        self.role
    }
    /// How the actor appears in the audit log (their e-mail, plus the token when one was used).
    pub fn actor_label(&self) -> &str {
        &self.actor_label
    }
    pub fn ip(&self) -> Option<&str> {
        self.ip.as_deref()
    }
    pub fn via_token(&self) -> Option<i64> {
        self.via_token
    }

    pub fn can(&self, action: Action) -> bool {
        allowed(self.role, action)
    }

    /// The only way to a handle for action `P` (`scope.authorize::<can::Write>()?`).
    pub fn authorize<P: Permission>(&self) -> Result<Authorized<'_, P>> {
        if self.can(P::ACTION) {
            Ok(Authorized {
                scope: self,
                permission: std::marker::PhantomData,
            })
        } else {
            Err(Error::Forbidden(format!(
                "your role ({}) does not allow this",
                self.role.as_str()
            )))
        }
    }
}

/// Proof that the scope's role passed the check for the action `P`; obtainable only from
/// `Scope::authorize`.
#[derive(Debug)]
pub struct Authorized<'a, P: Permission> {
    scope: &'a Scope,
    permission: std::marker::PhantomData<P>,
}

impl<P: Permission> Clone for Authorized<'_, P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P: Permission> Copy for Authorized<'_, P> {}

impl<P: Permission> Authorized<'_, P> {
    pub fn action(&self) -> Action {
        P::ACTION
    }
}

impl<P: Permission> std::ops::Deref for Authorized<'_, P> {
    type Target = Scope;
    fn deref(&self) -> &Scope {
        self.scope
    }
}

impl crate::backend::audit::Entry {
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
}

/// Builds the Scope for `principal` in the workspace named by `slug`. A workspace that does
/// not exist, one the user is not a member of, and (for a token) any workspace but the
/// token's own all answer the same NotFound, so nothing can be learnt by probing slugs.
/// A membership checked in the last few seconds comes from the access cache (see
/// `access_cache`).
pub async fn resolve(
    state: &AppState,
    principal: &Principal,
    slug: &str,
    meta: &RequestMeta,
) -> Result<Scope> {
    let not_found = || Error::NotFound("workspace");
    let membership = match state.access().membership(principal.user_id, slug) {
        Some(kept) => {
            if kept.renew {
                let (state, user_id, slug) = (state.clone(), principal.user_id, slug.to_owned());
                renew(async move { read_membership(&state, user_id, &slug).await });
            }
            kept.value
        }
        None => read_membership(state, principal.user_id, slug)
            .await?
            .ok_or_else(not_found)?,
    };
    let (actor_label, via_token) = match &principal.via {
        Via::Token {
            token_id,
            workspace_id,
        } => {
            if *workspace_id != membership.workspace_id {
                return Err(not_found());
            }
            (
                format!("{} (API token #{token_id})", principal.email),
                Some(*token_id),
            )
        }
        Via::Session { .. } => (principal.email.clone(), None),
    };
    Ok(Scope {
        user_id: principal.user_id,
        workspace_id: membership.workspace_id,
        workspace_slug: membership.slug,
        workspace_name: membership.name,
        role: membership.role,
        actor_label,
        ip: meta.ip.clone(),
        via_token,
    })
}

/// The user's membership in workspace `slug` from the database, kept in the access cache.
async fn read_membership(state: &AppState, user_id: i64, slug: &str) -> Result<Option<Membership>> {
    let cache = state.access();
    let ticket = cache.ticket();
    let row = workspaces::Entity::find()
        .filter(workspaces::Column::Slug.eq(slug))
        .find_also_related(memberships::Entity)
        .filter(memberships::Column::UserId.eq(user_id))
        .one(&state.db)
        .await?;
    let Some((workspace, Some(m))) = row else {
        return Ok(None);
    };
    let found = Membership {
        workspace_id: workspace.id,
        slug: workspace.slug,
        name: workspace.name,
        role: m.role,
    };
    cache.store_membership(ticket, user_id, found.clone());
    Ok(Some(found))
}

/// The Scope a background job acts in: the member who started it, in that workspace, with
/// their role as it is now (a member removed or demoted since loses the job's rights too).
pub async fn for_job(db: &impl ConnectionTrait, user_id: i64, workspace_id: i64) -> Result<Scope> {
    use crate::backend::entity::users;
    let gone = || Error::Forbidden("the person who started this job is no longer a member".into());
    let workspace = workspaces::Entity::find_by_id(workspace_id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("workspace"))?;
    let membership = memberships::Entity::find()
        .filter(memberships::Column::WorkspaceId.eq(workspace_id))
        .filter(memberships::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .ok_or_else(gone)?;
    let user = users::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or_else(gone)?;
    Ok(Scope {
        user_id,
        workspace_id,
        workspace_slug: workspace.slug,
        workspace_name: workspace.name,
        role: membership.role,
        actor_label: format!("{} (background job)", user.email),
        ip: None,
        via_token: None,
    })
}
