//! Checking a deal input: every field, and that its stage, company and owner belong to the
//! pipeline and the workspace.

use crate::backend::WorkspaceId;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::backend::entity::{memberships, pipeline_stages};
use crate::backend::repo::{companies as company_repo, pipelines as pipeline_repo};
use crate::backend::{Error, Result};
use crate::types::{parse_name, Currency, DealInput, FieldError, Money};

/// A deal input that passed validation, with its stage.
pub(crate) struct ValidDeal {
    pub name: String,
    pub pipeline_id: i64,
    pub stage: pipeline_stages::Model,
    pub company_id: Option<i64>,
    pub amount: Money,
    pub probability: i32,
    pub expected_close: Option<chrono::NaiveDate>,
    pub owner_id: Option<i64>,
}

/// Checks every field, including that the stage is one of the pipeline's and that the
/// company and owner belong to this workspace (another workspace's ids look nonexistent).
pub(crate) async fn validate(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    input: &DealInput,
) -> Result<ValidDeal> {
    let mut errors: Vec<FieldError> = Vec::new();
    let mut err = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.into(),
            message,
        })
    };
    let name = parse_name(&input.name, 200)
        .map_err(|m| err("name", m))
        .ok();
    let currency = match input
        .currency
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(c) => Currency::parse(c)
            .map_err(|m| err("currency", m.into()))
            .unwrap_or(Currency::USD),
        None => Currency::USD,
    };
    let amount = Money::parse_amount(&input.amount, currency)
        .map_err(|m| err("amount", m.into()))
        .ok();
    let stage = pipeline_stages::Entity::find_by_id(input.stage_id)
        .filter(pipeline_stages::Column::WorkspaceId.eq(workspace_id))
        .one(db)
        .await?;
    let pipeline_ok = pipeline_repo::find(db, workspace_id, input.pipeline_id)
        .await
        .is_ok();
    if !pipeline_ok {
        err("pipeline_id", "no such pipeline".into());
    }
    let stage = match stage {
        Some(s) if s.pipeline_id == input.pipeline_id => Some(s),
        Some(_) => {
            err("stage_id", "is a stage of another pipeline".into());
            None
        }
        None => {
            err("stage_id", "no such stage".into());
            None
        }
    };
    if let Some(p) = input.probability {
        if !(0..=100).contains(&p) {
            err("probability", "must be between 0 and 100".into());
        }
    }
    if let Some(c) = input.company_id {
        if company_repo::find(db, workspace_id, c).await.is_err() {
            err("company_id", "no such company".into());
        }
    }
    if let Some(o) = input.owner_id {
        let member = memberships::Entity::find()
            .filter(memberships::Column::WorkspaceId.eq(workspace_id))
            .filter(memberships::Column::UserId.eq(o))
            .one(db)
            .await?;
        if member.is_none() {
            err("owner_id", "is not a member of this workspace".into());
        }
    }
    match (errors.is_empty(), name, amount, stage) {
        (true, Some(name), Some(amount), Some(stage)) => Ok(ValidDeal {
            probability: input.probability.unwrap_or(stage.default_probability),
            name,
            pipeline_id: input.pipeline_id,
            stage,
            company_id: input.company_id,
            amount,
            expected_close: input.expected_close,
            owner_id: input.owner_id,
        }),
        _ => Err(Error::Validation(errors)),
    }
}
