//! One company's deals: its newest, and its open and won totals.

use crate::backend::WorkspaceId;
use std::collections::BTreeMap;

use sea_orm::{
    sea_query::Expr, ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect,
};

use super::hydrate::hydrate;
use crate::backend::entity::deals;
use crate::backend::repo::pipelines as pipeline_repo;
use crate::backend::Result;
use crate::types::{Currency, Deal, Money, StageKind};

/// Deals of one company, newest first (the company page).
pub(crate) async fn for_company(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    company_id: i64,
    limit: u64,
) -> Result<Vec<Deal>> {
    let rows = deals::Entity::find()
        .filter(
            Condition::all()
                .add(deals::Column::WorkspaceId.eq(workspace_id))
                .add(deals::Column::CompanyId.eq(company_id)),
        )
        .order_by_desc(deals::Column::UpdatedAt)
        .limit(limit)
        .all(db)
        .await?;
    hydrate(db, workspace_id, rows).await
}

#[derive(Debug, FromQueryResult)]
struct KindTotal {
    stage_id: i64,
    currency: String,
    n: i64,
    total: i64,
}

/// Open deal count, open pipeline value and won value of one company, summed in SQL.
pub(crate) async fn totals_for_company(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    company_id: i64,
) -> Result<(u64, Vec<Money>, Vec<Money>)> {
    let stages = pipeline_repo::stages_by_id(db, workspace_id).await?;
    let rows: Vec<KindTotal> = deals::Entity::find()
        .select_only()
        .column(deals::Column::StageId)
        .column(deals::Column::Currency)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .column_as(
            Expr::cust("CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT)"),
            "total",
        )
        .filter(deals::Column::WorkspaceId.eq(workspace_id))
        .filter(deals::Column::CompanyId.eq(company_id))
        .group_by(deals::Column::StageId)
        .group_by(deals::Column::Currency)
        .into_model::<KindTotal>()
        .all(db)
        .await?;
    let kind = |r: &KindTotal| {
        stages
            .get(&r.stage_id)
            .map(|s| s.kind)
            .unwrap_or(StageKind::Open)
    };
    let sum = |want: StageKind| -> Vec<Money> {
        let mut by: BTreeMap<String, i64> = BTreeMap::new();
        for r in rows.iter().filter(|r| kind(r) == want) {
            *by.entry(r.currency.clone()).or_default() += r.total;
        }
        by.into_iter()
            .map(|(c, v)| Money::new(v, Currency::parse(&c).unwrap_or(Currency::USD)))
            .collect()
    };
    let open = rows
        .iter()
        .filter(|r| kind(r) == StageKind::Open)
        .map(|r| r.n.max(0) as u64)
        .sum();
    Ok((open, sum(StageKind::Open), sum(StageKind::Won)))
}
