//! Changing deals: create, update, move between stages (closing or reopening by the stage's
//! kind) and delete, each in one transaction with its audit entry.

use crate::backend::auth::can;
use crate::backend::WorkspaceId;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    TransactionSession, TransactionTrait,
};

use super::validate::{validate, ValidDeal};
use super::{find, get};
use crate::backend::audit::{self, Entry};
use crate::backend::auth::Authorized;
use crate::backend::entity::{deals, pipeline_stages};
use crate::backend::{Error, Result};
use crate::types::{Deal, DealInput, StageKind};

fn closed_at_for(kind: StageKind) -> Option<chrono::DateTime<Utc>> {
    matches!(kind, StageKind::Won | StageKind::Lost).then(Utc::now)
}

pub(crate) async fn insert(
    db: &impl ConnectionTrait,
    auth: &Authorized<'_, can::Write>,
    v: ValidDeal,
) -> Result<deals::Model> {
    let row = insert_row(db, auth.workspace(), v).await?;
    audit::record(
        db,
        Entry::in_scope(auth, "deal.created")
            .target("deal", row.id)
            .detail(row.name.clone()),
    )
    .await?;
    Ok(row)
}

/// Inserts a validated deal without an audit entry (bulk imports audit once for all).
pub(crate) async fn insert_row(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    v: ValidDeal,
) -> Result<deals::Model> {
    let now = Utc::now();
    let row = deals::ActiveModel {
        workspace_id: Set(workspace_id.get()),
        pipeline_id: Set(v.pipeline_id),
        stage_id: Set(v.stage.id),
        company_id: Set(v.company_id),
        name_key: Set(v.name.to_lowercase()),
        name: Set(v.name),
        amount_minor: Set(v.amount.minor),
        currency: Set(v.amount.currency.as_str().to_owned()),
        probability: Set(v.probability),
        expected_close: Set(v.expected_close),
        closed_at: Set(closed_at_for(v.stage.kind)),
        owner_id: Set(v.owner_id),
        stage_entered_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row)
}

pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::Write>,
    input: &DealInput,
) -> Result<Deal> {
    let txn = crate::backend::db::begin_write(db).await?;
    let v = validate(&txn, auth.workspace(), input).await?;
    let row = insert(&txn, auth, v).await?;
    txn.commit().await?;
    get(db, auth, row.id).await
}

pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::Write>,
    id: i64,
    input: &DealInput,
) -> Result<Deal> {
    let txn = crate::backend::db::begin_write(db).await?;
    let existing = find(&txn, auth.workspace(), id).await?;
    let v = validate(&txn, auth.workspace(), input).await?;
    let stage_changed = existing.stage_id != v.stage.id;
    let from_stage = existing.stage_id;
    let now = Utc::now();
    let mut active: deals::ActiveModel = existing.into();
    active.pipeline_id = Set(v.pipeline_id);
    active.stage_id = Set(v.stage.id);
    active.company_id = Set(v.company_id);
    active.name_key = Set(v.name.to_lowercase());
    active.name = Set(v.name);
    active.amount_minor = Set(v.amount.minor);
    active.currency = Set(v.amount.currency.as_str().to_owned());
    active.probability = Set(v.probability);
    active.expected_close = Set(v.expected_close);
    active.owner_id = Set(v.owner_id);
    if stage_changed {
        active.stage_entered_at = Set(now);
        active.closed_at = Set(closed_at_for(v.stage.kind));
    }
    active.updated_at = Set(now);
    let row = active.update(&txn).await?;
    audit::record(
        &txn,
        Entry::in_scope(auth, "deal.updated")
            .target("deal", row.id)
            .detail(row.name.clone()),
    )
    .await?;
    if stage_changed {
        audit::record(
            &txn,
            Entry::in_scope(auth, "deal.stage_changed")
                .target("deal", row.id)
                .detail(format!("stage {from_stage} → {}", row.stage_id)),
        )
        .await?;
    }
    txn.commit().await?;
    get(db, auth, id).await
}

/// Moves a deal to another stage of its pipeline (the board's drag and drop).
pub async fn move_to_stage<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::Write>,
    id: i64,
    stage_id: i64,
) -> Result<Deal> {
    let txn = crate::backend::db::begin_write(db).await?;
    let existing = find(&txn, auth.workspace(), id).await?;
    let stage = pipeline_stages::Entity::find_by_id(stage_id)
        .filter(pipeline_stages::Column::WorkspaceId.eq(auth.workspace_id()))
        .one(&txn)
        .await?
        .ok_or_else(|| Error::field("stage_id", "no such stage"))?;
    if stage.pipeline_id != existing.pipeline_id {
        return Err(Error::field("stage_id", "is a stage of another pipeline"));
    }
    if existing.stage_id != stage.id {
        let (from, name) = (existing.stage_id, existing.name.clone());
        let from_name = pipeline_stages::Entity::find_by_id(from)
            .one(&txn)
            .await?
            .map(|s| s.name)
            .unwrap_or_default();
        let now = Utc::now();
        let mut active: deals::ActiveModel = existing.into();
        active.stage_id = Set(stage.id);
        active.probability = Set(stage.default_probability);
        active.stage_entered_at = Set(now);
        active.closed_at = Set(closed_at_for(stage.kind));
        active.updated_at = Set(now);
        active.update(&txn).await?;
        audit::record(
            &txn,
            Entry::in_scope(auth, "deal.stage_changed")
                .target("deal", id)
                .detail(format!("{name}: {from_name} → {}", stage.name)),
        )
        .await?;
    }
    txn.commit().await?;
    get(db, auth, id).await
}

pub async fn delete<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::Write>,
    id: i64,
) -> Result<()> {
    let txn = crate::backend::db::begin_write(db).await?;
    let existing = find(&txn, auth.workspace(), id).await?;
    deals::Entity::delete_by_id(existing.id).exec(&txn).await?;
    audit::record(
        &txn,
        Entry::in_scope(auth, "deal.deleted")
            .target("deal", id)
            .detail(existing.name),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
