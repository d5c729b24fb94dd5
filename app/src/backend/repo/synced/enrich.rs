//! Companies enriched from a data provider (Apollo): a value is written only where the field
//! is empty or was written by that provider before, so a value a person typed (or a synced
//! system owns) is never overwritten; each written field records its source.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::backend::entity::companies;
use crate::backend::{Result, WorkspaceId};
use crate::types::{FieldSource, Money};

/// What a provider knows about a company; `None` where it does not say.
#[derive(Clone, Debug, Default)]
pub struct Enrichment {
    pub industry: Option<String>,
    pub employee_count: Option<i32>,
    pub annual_revenue: Option<Money>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub founded_year: Option<i32>,
    pub linkedin_url: Option<String>,
    pub description: Option<String>,
    pub technologies: Option<String>,
    pub funding: Option<String>,
}

/// Which companies to enrich: those last enriched before `before`, and
/// (`include_never`) those never enriched.
#[derive(Clone, Copy, Debug)]
pub struct Which {
    pub before: DateTime<Utc>,
    pub include_never: bool,
}

impl Which {
    fn condition(self) -> Condition {
        let stale = companies::Column::EnrichedAt.lt(self.before);
        if self.include_never {
            Condition::any()
                .add(companies::Column::EnrichedAt.is_null())
                .add(stale)
        } else {
            Condition::all().add(stale)
        }
    }
}

/// Companies with a domain to enrich, after `after_id`, in id order.
pub async fn to_enrich(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    which: Which,
    after_id: i64,
    limit: u64,
) -> Result<Vec<(i64, String)>> {
    let q = companies::Entity::find()
        .select_only()
        .column(companies::Column::Id)
        .column(companies::Column::Domain)
        .filter(companies::Column::WorkspaceId.eq(workspace.get()))
        .filter(companies::Column::Domain.is_not_null())
        .filter(companies::Column::Id.gt(after_id))
        .filter(which.condition());
    Ok(q.order_by_asc(companies::Column::Id)
        .limit(limit)
        .into_tuple::<(i64, Option<String>)>()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(id, d)| Some((id, d?)))
        .collect())
}

/// How many companies `to_enrich` would answer in all.
pub async fn count_to_enrich(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    which: Which,
) -> Result<u64> {
    use sea_orm::PaginatorTrait;
    Ok(companies::Entity::find()
        .filter(companies::Column::WorkspaceId.eq(workspace.get()))
        .filter(companies::Column::Domain.is_not_null())
        .filter(which.condition())
        .count(db)
        .await?)
}

/// Writes `found` into company `id` of `workspace` under the rule above (`None`: the
/// provider knows nothing of it; only the attempt is recorded). Answers the fields written.
pub async fn enrich(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: i64,
    source: &str,
    found: Option<&Enrichment>,
) -> Result<Vec<&'static str>> {
    let Some(m) = companies::Entity::find_by_id(id)
        .filter(companies::Column::WorkspaceId.eq(workspace.get()))
        .one(db)
        .await?
    else {
        return Ok(Vec::new());
    };
    let mut sources: BTreeMap<String, FieldSource> = m
        .field_sources
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default();
    let now = Utc::now();
    let mut written = Vec::new();
    let mut a: companies::ActiveModel = m.clone().into();
    if let Some(e) = found {
        let mut may = |field: &'static str, empty: bool, has: bool| {
            let ours = sources.get(field).is_some_and(|s| s.source == source);
            let ok = has && (empty || ours);
            if ok {
                sources.insert(
                    field.to_owned(),
                    FieldSource {
                        source: source.to_owned(),
                        at: now,
                    },
                );
                written.push(field);
            }
            ok
        };
        let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
        if may("industry", blank(&m.industry), e.industry.is_some()) {
            a.industry = Set(e.industry.clone());
        }
        if may(
            "employee_count",
            m.employee_count.is_none(),
            e.employee_count.is_some(),
        ) {
            a.employee_count = Set(e.employee_count);
        }
        if may(
            "annual_revenue",
            m.annual_revenue_minor.is_none(),
            e.annual_revenue.is_some(),
        ) {
            if let Some(r) = e.annual_revenue {
                a.annual_revenue_minor = Set(Some(r.minor));
                a.revenue_currency = Set(r.currency.as_str().to_owned());
            }
        }
        if may("country", blank(&m.country), e.country.is_some()) {
            a.country = Set(e.country.clone());
        }
        if may("city", blank(&m.city), e.city.is_some()) {
            a.city = Set(e.city.clone());
        }
        if may(
            "founded_year",
            m.founded_year.is_none(),
            e.founded_year.is_some(),
        ) {
            a.founded_year = Set(e.founded_year);
        }
        if may(
            "linkedin_url",
            blank(&m.linkedin_url),
            e.linkedin_url.is_some(),
        ) {
            a.linkedin_url = Set(e.linkedin_url.clone());
        }
        if may(
            "description",
            blank(&m.description),
            e.description.is_some(),
        ) {
            a.description = Set(e.description.clone());
        }
        if may(
            "technologies",
            blank(&m.technologies),
            e.technologies.is_some(),
        ) {
            a.technologies = Set(e.technologies.clone());
        }
        if may("funding", blank(&m.funding), e.funding.is_some()) {
            a.funding = Set(e.funding.clone());
        }
    }
    a.field_sources = Set(Some(
        serde_json::to_string(&sources).unwrap_or_else(|_| "{}".into()),
    ));
    a.enriched_at = Set(Some(now));
    if !written.is_empty() {
        a.updated_at = Set(now);
    }
    a.update(db).await?;
    Ok(written)
}
