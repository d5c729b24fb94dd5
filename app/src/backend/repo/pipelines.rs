//! Pipelines and their ordered stages. Every workspace starts with "New business" and
//! "Renewals"; admins edit stages. A stage that still holds deals cannot be removed.

use crate::backend::WorkspaceId;
use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, TransactionSession, TransactionTrait,
};

use crate::backend::audit::{self, Entry};
use crate::backend::auth::{can, Authorized, Scope};
use crate::backend::entity::{deals, pipeline_stages, pipelines};
use crate::backend::{Error, Result};
use crate::types::{parse_name, FieldError, Pipeline, Stage, StageInput, StageKind};

/// A validated stage: (existing id, name, default probability, kind).
type ValidStage = (Option<i64>, String, i32, StageKind);

pub const MAX_STAGES: usize = 20;

pub fn to_stage(m: &pipeline_stages::Model) -> Stage {
    Stage {
        id: m.id,
        pipeline_id: m.pipeline_id,
        name: m.name.clone(),
        position: m.position,
        default_probability: m.default_probability,
        kind: m.kind,
    }
}

/// Every stage of the workspace by id (a small table; lists use it to name stages).
pub(crate) async fn stages_by_id(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
) -> Result<HashMap<i64, pipeline_stages::Model>> {
    Ok(pipeline_stages::Entity::find()
        .filter(pipeline_stages::Column::WorkspaceId.eq(workspace_id))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect())
}

/// The workspace's pipelines as (id, name), in their order (for pickers and dashboards).
pub(crate) async fn list_ids(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
) -> Result<Vec<(i64, String)>> {
    Ok(pipelines::Entity::find()
        .filter(pipelines::Column::WorkspaceId.eq(workspace_id))
        .order_by_asc(pipelines::Column::Position)
        .order_by_asc(pipelines::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect())
}

pub async fn list(db: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<Pipeline>> {
    let ps = pipelines::Entity::find()
        .filter(pipelines::Column::WorkspaceId.eq(scope.workspace_id()))
        .order_by_asc(pipelines::Column::Position)
        .order_by_asc(pipelines::Column::Id)
        .all(db)
        .await?;
    let mut stages: Vec<pipeline_stages::Model> = stages_by_id(db, scope.workspace())
        .await?
        .into_values()
        .collect();
    stages.sort_by_key(|s| (s.pipeline_id, s.position, s.id));
    Ok(ps
        .into_iter()
        .map(|p| Pipeline {
            stages: stages
                .iter()
                .filter(|s| s.pipeline_id == p.id)
                .map(to_stage)
                .collect(),
            id: p.id,
            name: p.name,
            is_default: p.is_default,
        })
        .collect())
}

pub(crate) async fn find(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    id: i64,
) -> Result<pipelines::Model> {
    pipelines::Entity::find_by_id(id)
        .filter(pipelines::Column::WorkspaceId.eq(workspace_id))
        .one(db)
        .await?
        .ok_or(Error::NotFound("pipeline"))
}

fn validate_stages(stages: &[StageInput]) -> std::result::Result<Vec<ValidStage>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    if stages.is_empty() || stages.len() > MAX_STAGES {
        errors.push(FieldError {
            field: "stages".into(),
            message: format!("a pipeline needs 1 to {MAX_STAGES} stages"),
        });
    }
    for (i, s) in stages.iter().enumerate() {
        let field = format!("stages[{i}]");
        match parse_name(&s.name, 100) {
            Ok(name)
                if out
                    .iter()
                    .any(|(_, n, ..): &(Option<i64>, String, i32, StageKind)| {
                        n.eq_ignore_ascii_case(&name)
                    }) =>
            {
                errors.push(FieldError {
                    field: field.clone(),
                    message: format!("`{name}` appears twice"),
                })
            }
            Ok(name) => out.push((s.id, name, s.default_probability, s.kind)),
            Err(m) => errors.push(FieldError {
                field: field.clone(),
                message: format!("name {m}"),
            }),
        }
        if !(0..=100).contains(&s.default_probability) {
            errors.push(FieldError {
                field,
                message: "probability must be between 0 and 100".into(),
            });
        }
    }
    if !stages.iter().any(|s| s.kind == StageKind::Open) {
        errors.push(FieldError {
            field: "stages".into(),
            message: "at least one stage must be open".into(),
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::ManageWorkspace>,
    name: &str,
    stages: &[StageInput],
) -> Result<Pipeline> {
    let name = parse_name(name, 100).map_err(|m| Error::field("name", m))?;
    let stages = validate_stages(stages).map_err(Error::Validation)?;
    let txn = crate::backend::db::begin_write(db).await?;
    let count = pipelines::Entity::find()
        .filter(pipelines::Column::WorkspaceId.eq(auth.workspace_id()))
        .count(&txn)
        .await?;
    let now = Utc::now();
    let p = pipelines::ActiveModel {
        workspace_id: Set(auth.workspace_id()),
        name: Set(name),
        position: Set(count as i32),
        is_default: Set(count == 0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            Error::field("name", "a pipeline with this name exists")
        }
        _ => Error::Db(e),
    })?;
    for (i, (_, stage, prob, kind)) in stages.iter().enumerate() {
        insert_stage(&txn, auth.workspace(), p.id, i as i32, stage, *prob, *kind).await?;
    }
    audit::record(
        &txn,
        Entry::in_scope(auth, "pipeline.created")
            .target("pipeline", p.id)
            .detail(p.name.clone()),
    )
    .await?;
    txn.commit().await?;
    list(db, auth)
        .await?
        .into_iter()
        .find(|x| x.id == p.id)
        .ok_or(Error::NotFound("pipeline"))
}

async fn insert_stage(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    pipeline_id: i64,
    position: i32,
    name: &str,
    prob: i32,
    kind: StageKind,
) -> Result<()> {
    let now = Utc::now();
    pipeline_stages::ActiveModel {
        workspace_id: Set(workspace_id.get()),
        pipeline_id: Set(pipeline_id),
        name: Set(name.to_owned()),
        position: Set(position),
        default_probability: Set(prob),
        kind: Set(kind),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Replaces the pipeline's stages with `stages`, in that order: existing ones (by id) are
/// renamed and moved, new ones added, missing ones removed — unless they still hold deals.
pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::ManageWorkspace>,
    pipeline_id: i64,
    name: &str,
    stages: &[StageInput],
) -> Result<Pipeline> {
    let name = parse_name(name, 100).map_err(|m| Error::field("name", m))?;
    let wanted = validate_stages(stages).map_err(Error::Validation)?;
    let txn = crate::backend::db::begin_write(db).await?;
    let p = find(&txn, auth.workspace(), pipeline_id).await?;
    let current: Vec<pipeline_stages::Model> = pipeline_stages::Entity::find()
        .filter(pipeline_stages::Column::PipelineId.eq(p.id))
        .all(&txn)
        .await?;
    for (id, ..) in &wanted {
        if let Some(id) = id {
            if !current.iter().any(|s| s.id == *id) {
                return Err(Error::field(
                    "stages",
                    format!("stage {id} is not part of this pipeline"),
                ));
            }
        }
    }
    for gone in current
        .iter()
        .filter(|s| !wanted.iter().any(|(id, ..)| *id == Some(s.id)))
    {
        let in_use = deals::Entity::find()
            .filter(deals::Column::StageId.eq(gone.id))
            .count(&txn)
            .await?;
        if in_use > 0 {
            return Err(Error::Conflict(format!(
                "stage `{}` still holds {in_use} deal(s); move them first",
                gone.name
            )));
        }
        pipeline_stages::Entity::delete_by_id(gone.id)
            .exec(&txn)
            .await?;
    }
    // Positions are rewritten in two passes so a reorder never collides mid-way.
    for (i, (id, stage, prob, kind)) in wanted.iter().enumerate() {
        match id {
            Some(id) => {
                pipeline_stages::Entity::update_many()
                    .col_expr(
                        pipeline_stages::Column::Name,
                        sea_orm::sea_query::Expr::value(stage.clone()),
                    )
                    .col_expr(
                        pipeline_stages::Column::Position,
                        sea_orm::sea_query::Expr::value(i as i32),
                    )
                    .col_expr(
                        pipeline_stages::Column::DefaultProbability,
                        sea_orm::sea_query::Expr::value(*prob),
                    )
                    .col_expr(
                        pipeline_stages::Column::Kind,
                        sea_orm::sea_query::Expr::value(kind.as_str()),
                    )
                    .col_expr(
                        pipeline_stages::Column::UpdatedAt,
                        sea_orm::sea_query::Expr::value(Utc::now()),
                    )
                    .filter(pipeline_stages::Column::Id.eq(*id))
                    .exec(&txn)
                    .await?;
            }
            None => {
                insert_stage(&txn, auth.workspace(), p.id, i as i32, stage, *prob, *kind).await?
            }
        }
    }
    let mut active: pipelines::ActiveModel = p.into();
    active.name = Set(name);
    active.updated_at = Set(Utc::now());
    active.update(&txn).await.map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            Error::field("name", "a pipeline with this name exists")
        }
        _ => Error::Db(e),
    })?;
    audit::record(
        &txn,
        Entry::in_scope(auth, "pipeline.updated")
            .target("pipeline", pipeline_id)
            .detail(format!("{} stages", wanted.len())),
    )
    .await?;
    txn.commit().await?;
    list(db, auth)
        .await?
        .into_iter()
        .find(|x| x.id == pipeline_id)
        .ok_or(Error::NotFound("pipeline"))
}

pub async fn delete<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::ManageWorkspace>,
    pipeline_id: i64,
) -> Result<()> {
    let txn = crate::backend::db::begin_write(db).await?;
    let p = find(&txn, auth.workspace(), pipeline_id).await?;
    let in_use = deals::Entity::find()
        .filter(deals::Column::PipelineId.eq(p.id))
        .count(&txn)
        .await?;
    if in_use > 0 {
        return Err(Error::Conflict(format!(
            "the pipeline still holds {in_use} deal(s)"
        )));
    }
    pipelines::Entity::delete_by_id(p.id).exec(&txn).await?;
    audit::record(
        &txn,
        Entry::in_scope(auth, "pipeline.deleted")
            .target("pipeline", pipeline_id)
            .detail(p.name),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(name: &str, p: i32, kind: StageKind) -> StageInput {
        StageInput {
            id: None,
            name: name.into(),
            default_probability: p,
            kind,
        }
    }

    #[test]
    fn stage_rules() {
        assert!(
            validate_stages(&[s("A", 10, StageKind::Open), s("B", 100, StageKind::Won)]).is_ok()
        );
        assert!(validate_stages(&[]).is_err());
        assert!(
            validate_stages(&[s("Won", 100, StageKind::Won)]).is_err(),
            "needs an open stage"
        );
        assert!(
            validate_stages(&[s("A", 10, StageKind::Open), s("a", 20, StageKind::Open)]).is_err(),
            "duplicate names"
        );
        assert!(validate_stages(&[s("A", 101, StageKind::Open)]).is_err());
    }
}
