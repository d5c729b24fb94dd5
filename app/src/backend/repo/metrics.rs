//! Market metrics: time series per company (headcount, web traffic, price, funding …) or
//! per segment ("fintech/DE").

use crate::backend::WorkspaceId;
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionSession, TransactionTrait,
};

use super::companies as company_repo;
use super::list::{self, check_filters, unknown_sort};
use crate::backend::audit::{self, Entry};
use crate::backend::auth::{can, Authorized, Scope};
use crate::backend::entity::market_metrics;
use crate::backend::{Error, Result};
use crate::types::{
    parse_optional_text, FieldError, ListQuery, MetricInput, MetricPoint, MetricSeries, Page,
};

pub const FILTERS: &[&str] = &["company", "segment", "metric", "since"];
pub const SORTS: &[&str] = &["observed", "value"];

fn to_point(m: market_metrics::Model) -> MetricPoint {
    MetricPoint {
        id: m.id,
        company_id: m.company_id,
        segment: m.segment,
        metric: m.metric,
        value: m.value,
        unit: m.unit,
        observed_at: m.observed_at,
        source: m.source,
    }
}

pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
    q: &ListQuery,
    totals: Option<&super::counts::CountCache>,
) -> Result<Page<MetricPoint>> {
    check_filters(q, FILTERS)?;
    let req = list::page_request(q);
    let mut select = market_metrics::Entity::find()
        .filter(market_metrics::Column::WorkspaceId.eq(scope.workspace_id()));
    if let Some(c) = list::parse_i64(q, "company")? {
        select = select.filter(market_metrics::Column::CompanyId.eq(c));
    }
    if let Some(s) = q.filter("segment") {
        select = select.filter(market_metrics::Column::Segment.eq(s));
    }
    if let Some(m) = q.filter("metric") {
        select = select.filter(market_metrics::Column::Metric.eq(m));
    }
    if let Some(d) = list::parse_date(q, "since")? {
        select = select.filter(
            market_metrics::Column::ObservedAt.gte(d.and_hms_opt(0, 0, 0).map(|t| t.and_utc())),
        );
    }
    let (field, desc) = q.sort_key("-observed");
    let col = match field {
        "observed" => market_metrics::Column::ObservedAt,
        "value" => market_metrics::Column::Value,
        other => return Err(unknown_sort(other, SORTS)),
    };
    let page = list::order(select.clone(), col, market_metrics::Column::Id, desc);
    let (rows, total, total_exact) = list::page_and_count::<_, market_metrics::Model>(
        db,
        totals.map(|c| (c, scope.workspace_id())),
        &select,
        page,
        &req,
    )
    .await?;
    Ok(Page {
        items: rows.into_iter().map(to_point).collect(),
        total,
        total_exact,
        page: req.page,
        per_page: req.per_page,
    })
}

pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::Write>,
    input: &MetricInput,
) -> Result<MetricPoint> {
    let mut errors: Vec<FieldError> = Vec::new();
    let mut err = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.into(),
            message,
        })
    };
    let metric = input.metric.trim().to_lowercase();
    if metric.is_empty()
        || metric.len() > 50
        || !metric
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        err(
            "metric",
            "must be 1–50 characters of a–z, 0–9 and _ (e.g. web_traffic)".into(),
        );
    }
    if !input.value.is_finite() {
        err("value", "must be a number".into());
    }
    let segment = parse_optional_text(input.segment.as_deref(), 100)
        .map_err(|m| err("segment", m))
        .ok()
        .flatten();
    let unit = parse_optional_text(input.unit.as_deref(), 20)
        .map_err(|m| err("unit", m))
        .ok()
        .flatten();
    let source = parse_optional_text(input.source.as_deref(), 100)
        .map_err(|m| err("source", m))
        .ok()
        .flatten();
    if input.company_id.is_none() && segment.is_none() {
        err(
            "company_id",
            "a metric belongs to a company or a segment".into(),
        );
    }
    let txn = crate::backend::db::begin_write(db).await?;
    if let Some(c) = input.company_id {
        if company_repo::find(&txn, auth.workspace(), c).await.is_err() {
            err("company_id", "no such company".into());
        }
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let row = market_metrics::ActiveModel {
        workspace_id: Set(auth.workspace_id()),
        company_id: Set(input.company_id),
        segment: Set(segment),
        metric: Set(metric),
        value: Set(input.value),
        unit: Set(unit),
        observed_at: Set(input.observed_at),
        source: Set(source),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Entry::in_scope(auth, "metric.created")
            .target("metric", row.id)
            .detail(format!("{} = {}", row.metric, row.value)),
    )
    .await?;
    txn.commit().await?;
    Ok(to_point(row))
}

pub async fn delete<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::Write>,
    id: i64,
) -> Result<()> {
    let txn = crate::backend::db::begin_write(db).await?;
    let row = market_metrics::Entity::find_by_id(id)
        .filter(market_metrics::Column::WorkspaceId.eq(auth.workspace_id()))
        .one(&txn)
        .await?
        .ok_or(Error::NotFound("metric"))?;
    market_metrics::Entity::delete_by_id(row.id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Entry::in_scope(auth, "metric.deleted").target("metric", id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The company's series over the last `days`, one per metric, oldest point first.
pub(crate) async fn series_for_company(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    company_id: i64,
    days: i64,
) -> Result<Vec<MetricSeries>> {
    let rows = market_metrics::Entity::find()
        .filter(market_metrics::Column::WorkspaceId.eq(workspace_id))
        .filter(market_metrics::Column::CompanyId.eq(company_id))
        .filter(market_metrics::Column::ObservedAt.gte(Utc::now() - Duration::days(days)))
        .order_by_asc(market_metrics::Column::Metric)
        .order_by_asc(market_metrics::Column::ObservedAt)
        .limit(5000)
        .all(db)
        .await?;
    let mut out: Vec<MetricSeries> = Vec::new();
    for r in rows {
        match out.last_mut() {
            Some(s) if s.metric == r.metric => s.points.push((r.observed_at, r.value)),
            _ => out.push(MetricSeries {
                metric: r.metric,
                unit: r.unit,
                points: vec![(r.observed_at, r.value)],
            }),
        }
    }
    Ok(out)
}
