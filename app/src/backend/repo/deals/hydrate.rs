//! Deals as the browser sees them: rows with their stage, company and owner names.

use crate::backend::WorkspaceId;
use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::backend::entity::{deals, pipeline_stages, users};
use crate::backend::repo::{companies as company_repo, pipelines as pipeline_repo};
use crate::backend::Result;
use crate::types::{Currency, Deal, Money, StageKind};

/// Names of people for owner columns.
async fn user_names(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, String>> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, String)> = users::Entity::find()
        .select_only()
        .columns([users::Column::Id, users::Column::Name])
        .filter(users::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Turns rows into `Deal`s with their stage, company and owner names, in three queries
/// whatever the number of rows.
pub(crate) async fn hydrate(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    rows: Vec<deals::Model>,
) -> Result<Vec<Deal>> {
    let stages = pipeline_repo::stages_by_id(db, workspace_id).await?;
    hydrate_with(db, workspace_id, &stages, rows).await
}

/// `hydrate` with the workspace's stages already loaded (lists and the board have them).
pub(super) async fn hydrate_with(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    stages: &HashMap<i64, pipeline_stages::Model>,
    rows: Vec<deals::Model>,
) -> Result<Vec<Deal>> {
    let companies =
        company_repo::names(db, workspace_id, rows.iter().filter_map(|d| d.company_id)).await?;
    let owners = user_names(db, rows.iter().filter_map(|d| d.owner_id)).await?;
    Ok(rows
        .into_iter()
        .map(|d| {
            let stage = stages.get(&d.stage_id);
            let company_name = d
                .company_id
                .and_then(|c| companies.get(&c).map(|x| x.0.clone()));
            let owner_name = d.owner_id.and_then(|o| owners.get(&o).cloned());
            to_deal(
                d,
                stage.map(|s| s.name.clone()).unwrap_or_default(),
                stage.map(|s| s.kind).unwrap_or(StageKind::Open),
                company_name,
                owner_name,
            )
        })
        .collect())
}

pub(super) fn to_deal(
    d: deals::Model,
    stage_name: String,
    stage_kind: StageKind,
    company_name: Option<String>,
    owner_name: Option<String>,
) -> Deal {
    Deal {
        id: d.id,
        pipeline_id: d.pipeline_id,
        stage_id: d.stage_id,
        stage_name,
        stage_kind,
        company_name,
        company_id: d.company_id,
        name: d.name,
        amount: Money::new(
            d.amount_minor,
            Currency::parse(&d.currency).unwrap_or(Currency::USD),
        ),
        probability: d.probability,
        expected_close: d.expected_close,
        closed_at: d.closed_at,
        owner_name,
        owner_id: d.owner_id,
        stage_entered_at: d.stage_entered_at,
        created_at: d.created_at,
        updated_at: d.updated_at,
    }
}
