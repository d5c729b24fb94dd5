//! Workspaces (tenants): creating them, and listing the ones a user belongs to. Everything
//! inside a workspace is reached through a Scope (see `auth::scope`).

use crate::backend::WorkspaceId;
use chrono::Utc;
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, TransactionSession, TransactionTrait,
};

use super::audit::{self, actions, Entry};
use super::entity::{deals, memberships, pipeline_stages, pipelines, users, workspaces};
use super::{Error, Result};
use crate::types::{parse_name, FieldError, Role, Slug, StageKind, WorkspaceSummary};

/// The slug of the workspace `serve` fills when it starts on an empty database; the first
/// account to sign up becomes its owner (see `create_first`).
pub const DEMO_SLUG: &str = "demo";

/// The workspace with id `id`, for operator commands and tests: code inside the app gets its
/// `WorkspaceId` from a checked `Scope` or a job's context instead (the layering test keeps
/// this function out of app/src).
pub async fn by_id(db: &impl ConnectionTrait, id: i64) -> Result<WorkspaceId> {
    workspaces::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|w| WorkspaceId::vouched(w.id))
        .ok_or(Error::NotFound("workspace"))
}

/// Every workspace of the instance, for work done in each (the daily insights sweep).
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<WorkspaceId>> {
    use sea_orm::QuerySelect;
    let ids: Vec<i64> = workspaces::Entity::find()
        .select_only()
        .column(workspaces::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids.into_iter().map(WorkspaceId::vouched).collect())
}

pub async fn list_for_user(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Vec<WorkspaceSummary>> {
    let rows = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user_id))
        .find_also_related(workspaces::Entity)
        .order_by_asc(memberships::Column::CreatedAt)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(m, w)| {
            w.map(|w| WorkspaceSummary {
                id: w.id,
                name: w.name,
                slug: w.slug,
                role: m.role,
            })
        })
        .collect())
}

/// Creates a workspace owned by the signed-in user `user_id`. The slug, if given, must be
/// free; if omitted one is derived from the name (and made unique).
pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    user_id: i64,
    name: &str,
    slug: Option<&str>,
    ip: Option<String>,
) -> Result<WorkspaceSummary> {
    let user = users::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or_else(|| Error::Unauthorized("sign in first, or send a valid API token".into()))?;
    let mut errors = Vec::new();
    let name = parse_name(name, 100).map_err(|m| {
        errors.push(FieldError {
            field: "name".into(),
            message: m,
        })
    });
    let slug = match slug.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Slug::parse(s).map(Some).map_err(|m| {
            errors.push(FieldError {
                field: "slug".into(),
                message: m.into(),
            })
        }),
        None => Ok(None),
    };
    let (Ok(name), Ok(slug)) = (name, slug) else {
        return Err(Error::Validation(errors));
    };
    let txn = crate::backend::db::begin_write(db).await?;
    let slug = match slug {
        Some(s) => {
            if slug_taken(&txn, s.as_str()).await? {
                return Err(Error::field("slug", "is already taken; pick another"));
            }
            s
        }
        None => free_slug(&txn, &name).await?,
    };
    let summary = insert(&txn, &user, &name, &slug, ip).await?;
    txn.commit().await?;
    Ok(summary)
}

/// The workspace a new account starts with: for the instance's very first account, the demo
/// workspace `serve` seeded on the empty database (so `make run`, sign up, and there is data
/// to look at); for everyone else a fresh empty one.
pub(crate) async fn create_first(
    db: &impl ConnectionTrait,
    user: &users::Model,
    ip: Option<String>,
) -> Result<WorkspaceSummary> {
    if let Some(ws) = claim_demo(db, user, ip.clone()).await? {
        return Ok(ws);
    }
    let first = user.name.split_whitespace().next().unwrap_or("My");
    let name = format!("{first}'s workspace");
    let slug = free_slug(db, &name).await?;
    insert(db, user, &name, &slug, ip).await
}

/// Makes `user` the owner of the member-less demo workspace, if they are the only account.
async fn claim_demo(
    db: &impl ConnectionTrait,
    user: &users::Model,
    ip: Option<String>,
) -> Result<Option<WorkspaceSummary>> {
    if users::Entity::find().count(db).await? != 1 {
        return Ok(None);
    }
    let Some(ws) = workspaces::Entity::find()
        .filter(workspaces::Column::Slug.eq(DEMO_SLUG))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let members = memberships::Entity::find()
        .filter(memberships::Column::WorkspaceId.eq(ws.id))
        .count(db)
        .await?;
    if members > 0 {
        return Ok(None);
    }
    let now = Utc::now();
    memberships::ActiveModel {
        workspace_id: Set(ws.id),
        user_id: Set(user.id),
        role: Set(Role::Owner),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    // Demo deals were made before anyone existed; they become the new owner's.
    deals::Entity::update_many()
        .col_expr(deals::Column::OwnerId, Expr::value(user.id))
        .filter(deals::Column::WorkspaceId.eq(ws.id))
        .filter(deals::Column::OwnerId.is_null())
        .exec(db)
        .await?;
    audit::record(
        db,
        Entry {
            workspace_id: Some(ws.id),
            actor_user_id: Some(user.id),
            actor_label: user.email.clone(),
            action: actions::MEMBER_JOINED,
            target_type: Some("workspace"),
            target_id: Some(ws.slug.clone()),
            detail: Some("first account: owner of the demo workspace".into()),
            ip,
        },
    )
    .await?;
    Ok(Some(WorkspaceSummary {
        id: ws.id,
        name: ws.name,
        slug: ws.slug,
        role: Role::Owner,
    }))
}

async fn insert(
    db: &impl ConnectionTrait,
    user: &users::Model,
    name: &str,
    slug: &Slug,
    ip: Option<String>,
) -> Result<WorkspaceSummary> {
    let now = Utc::now();
    let ws = workspaces::ActiveModel {
        name: Set(name.to_owned()),
        slug: Set(slug.as_str().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            Error::field("slug", "is already taken; pick another")
        }
        _ => Error::Db(e),
    })?;
    memberships::ActiveModel {
        workspace_id: Set(ws.id),
        user_id: Set(user.id),
        role: Set(Role::Owner),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    add_default_pipelines(db, WorkspaceId::vouched(ws.id)).await?;
    audit::record(
        db,
        Entry {
            workspace_id: Some(ws.id),
            actor_user_id: Some(user.id),
            actor_label: user.email.clone(),
            action: actions::WORKSPACE_CREATED,
            target_type: Some("workspace"),
            target_id: Some(ws.slug.clone()),
            detail: Some(ws.name.clone()),
            ip,
        },
    )
    .await?;
    Ok(WorkspaceSummary {
        id: ws.id,
        name: ws.name,
        slug: ws.slug,
        role: Role::Owner,
    })
}

async fn slug_taken(db: &impl ConnectionTrait, slug: &str) -> Result<bool> {
    Ok(workspaces::Entity::find()
        .filter(workspaces::Column::Slug.eq(slug))
        .one(db)
        .await?
        .is_some())
}

/// `acme`, else `acme-2`, `acme-3` … (random suffix after a few tries).
async fn free_slug(db: &impl ConnectionTrait, name: &str) -> Result<Slug> {
    let base = Slug::from_name(name)
        .map(String::from)
        .unwrap_or_else(|| "workspace".to_owned());
    for n in 1..=5 {
        let candidate = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        if let Ok(slug) = Slug::parse(&candidate) {
            if !slug_taken(db, slug.as_str()).await? {
                return Ok(slug);
            }
        }
    }
    // Six random letters and digits (not a secret: a slug only has to be free).
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).map_err(|e| Error::Other(anyhow::anyhow!("randomness: {e}")))?;
    let suffix: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    Slug::parse(&format!("{base}-{suffix}")).map_err(|m| Error::BadRequest(m.into()))
}

/// (name, default probability, kind) of a stage.
type StageDef = (&'static str, i32, StageKind);

/// The pipelines every new workspace starts with.
pub const DEFAULT_PIPELINES: [(&str, &[StageDef]); 2] = [
    (
        "New business",
        &[
            ("Lead", 10, StageKind::Open),
            ("Qualified", 25, StageKind::Open),
            ("Proposal", 50, StageKind::Open),
            ("Negotiation", 75, StageKind::Open),
            ("Won", 100, StageKind::Won),
            ("Lost", 0, StageKind::Lost),
        ],
    ),
    (
        "Renewals",
        &[
            ("Upcoming", 60, StageKind::Open),
            ("In negotiation", 80, StageKind::Open),
            ("Renewed", 100, StageKind::Won),
            ("Churned", 0, StageKind::Lost),
        ],
    ),
];

/// Creates the default pipelines if the workspace has none (new workspaces, demo data).
pub(crate) async fn add_default_pipelines(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
) -> Result<()> {
    let existing = pipelines::Entity::find()
        .filter(pipelines::Column::WorkspaceId.eq(workspace_id))
        .count(db)
        .await?;
    if existing > 0 {
        return Ok(());
    }
    let now = Utc::now();
    for (position, (name, stages)) in DEFAULT_PIPELINES.iter().enumerate() {
        let p = pipelines::ActiveModel {
            workspace_id: Set(workspace_id.get()),
            name: Set((*name).to_owned()),
            position: Set(position as i32),
            is_default: Set(position == 0),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        pipeline_stages::Entity::insert_many(stages.iter().enumerate().map(
            |(i, (stage, prob, kind))| pipeline_stages::ActiveModel {
                workspace_id: Set(workspace_id.get()),
                pipeline_id: Set(p.id),
                name: Set((*stage).to_owned()),
                position: Set(i as i32),
                default_probability: Set(*prob),
                kind: Set(*kind),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            },
        ))
        .exec(db)
        .await?;
    }
    Ok(())
}
