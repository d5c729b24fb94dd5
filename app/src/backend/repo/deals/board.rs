//! A pipeline's board: each stage with its count and totals over all matching deals, and
//! its most recently changed deals.

use std::collections::BTreeMap;

use sea_orm::{
    sea_query::Expr, ColumnTrait, ConnectionTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::hydrate::hydrate_with;
use super::listing::filtered;
use crate::backend::auth::Scope;
use crate::backend::entity::{deals, pipeline_stages};
use crate::backend::repo::pipelines as pipeline_repo;
use crate::backend::Result;
use crate::types::{BoardColumn, Currency, ListQuery, Money};

#[derive(Debug, FromQueryResult)]
struct StageTotal {
    stage_id: i64,
    currency: String,
    n: i64,
    total: i64,
    weighted: i64,
}

/// The board of one pipeline: every stage with its count and totals (over all matching deals,
/// computed in SQL) and its `per_stage` most recently changed deals.
pub async fn board(
    db: &impl ConnectionTrait,
    scope: &Scope,
    pipeline_id: i64,
    q: &ListQuery,
    per_stage: u64,
) -> Result<Vec<BoardColumn>> {
    pipeline_repo::find(db, scope.workspace(), pipeline_id).await?;
    let stages = pipeline_repo::stages_by_id(db, scope.workspace()).await?;
    let mut q = q.clone();
    q.filters.insert("pipeline".into(), pipeline_id.to_string());
    q.filters.remove("stage");
    let select = filtered(scope, &q)?;
    let totals: Vec<StageTotal> = select
        .clone()
        .select_only()
        .column(deals::Column::StageId)
        .column(deals::Column::Currency)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .column_as(
            Expr::cust("CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT)"),
            "total",
        )
        .column_as(
            Expr::cust("CAST(COALESCE(SUM(amount_minor * probability / 100), 0) AS BIGINT)"),
            "weighted",
        )
        .group_by(deals::Column::StageId)
        .group_by(deals::Column::Currency)
        .into_model::<StageTotal>()
        .all(db)
        .await?;
    let mut ordered: Vec<&pipeline_stages::Model> = stages
        .values()
        .filter(|s| s.pipeline_id == pipeline_id)
        .collect();
    ordered.sort_by_key(|s| (s.position, s.id));
    let mut columns = Vec::with_capacity(ordered.len());
    for stage in ordered {
        let mine: Vec<&StageTotal> = totals.iter().filter(|t| t.stage_id == stage.id).collect();
        let money = |f: fn(&StageTotal) -> i64| -> Vec<Money> {
            let mut by: BTreeMap<String, i64> = BTreeMap::new();
            for t in &mine {
                *by.entry(t.currency.clone()).or_default() += f(t);
            }
            by.into_iter()
                .map(|(c, v)| Money::new(v, Currency::parse(&c).unwrap_or(Currency::USD)))
                .collect()
        };
        let rows = select
            .clone()
            .filter(deals::Column::StageId.eq(stage.id))
            .order_by_desc(deals::Column::UpdatedAt)
            .order_by_desc(deals::Column::Id)
            .limit(per_stage)
            .all(db)
            .await?;
        columns.push(BoardColumn {
            stage: pipeline_repo::to_stage(stage),
            count: mine.iter().map(|t| t.n.max(0) as u64).sum(),
            total: money(|t| t.total),
            weighted: money(|t| t.weighted),
            deals: hydrate_with(db, scope.workspace(), &stages, rows).await?,
        });
    }
    Ok(columns)
}
