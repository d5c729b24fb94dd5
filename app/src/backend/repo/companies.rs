//! Companies: list (search, filters, sorts, pages), get, create, update, delete, and the
//! per-company summary. Tags are kept twice: as typed on the row (for display) and
//! lower-cased in `company_tags` (for filtering with an index).

use crate::backend::WorkspaceId;
use std::collections::{BTreeMap, HashMap};

use chrono::Utc;
use sea_orm::{
    sea_query::{Expr, ExprTrait, Query},
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
    TransactionSession, TransactionTrait,
};

use super::list::{self, check_filters, contains, unknown_sort};
use crate::backend::audit::{self, Entry};
use crate::backend::auth::{can, Authorized, Scope};
use crate::backend::entity::{companies, company_tags};
use crate::backend::{Error, Result};
use crate::types::{
    parse_country, parse_name, parse_optional_text, parse_web_url, Company, CompanyInput,
    CompanySource, Currency, Domain, FieldError, ListQuery, Money, Page,
};

pub const FILTERS: &[&str] = &["industry", "country", "source", "tag", "size"];
pub const SORTS: &[&str] = &[
    "name",
    "domain",
    "industry",
    "country",
    "employees",
    "revenue",
    "created",
    "updated",
];

/// Employee-count bands the size filter offers.
pub const SIZE_BANDS: &[(&str, i32, Option<i32>)] = &[
    ("1-10", 1, Some(10)),
    ("11-50", 11, Some(50)),
    ("51-200", 51, Some(200)),
    ("201-1000", 201, Some(1000)),
    ("1001-5000", 1001, Some(5000)),
    ("5001+", 5001, None),
];

pub const MAX_TAGS: usize = 20;

pub fn to_company(m: companies::Model) -> Company {
    let currency = Currency::parse(&m.revenue_currency).unwrap_or(Currency::USD);
    Company {
        id: m.id,
        name: m.name,
        domain: m.domain,
        industry: m.industry,
        employee_count: m.employee_count,
        annual_revenue: m
            .annual_revenue_minor
            .map(|minor| Money::new(minor, currency)),
        country: m.country,
        city: m.city,
        description: m.description,
        website: m.website,
        linkedin_url: m.linkedin_url,
        founded_year: m.founded_year,
        tags: split_tags(&m.tags),
        source: m.source,
        external_ids: m
            .external_ids
            .and_then(|j| serde_json::from_str::<BTreeMap<String, String>>(&j).ok())
            .unwrap_or_default(),
        enriched_at: m.enriched_at,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

fn split_tags(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A company input that passed validation.
#[derive(Clone, Debug)]
pub struct ValidCompany {
    pub name: String,
    pub domain: Option<Domain>,
    pub industry: Option<String>,
    pub employee_count: Option<i32>,
    pub revenue: Option<Money>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub description: Option<String>,
    pub website: Option<String>,
    pub linkedin_url: Option<String>,
    pub founded_year: Option<i32>,
    pub tags: Vec<String>,
}

/// Checks every field and reports every problem at once, each next to its field.
pub fn validate(input: &CompanyInput) -> std::result::Result<ValidCompany, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut err = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.into(),
            message,
        })
    };
    let name = parse_name(&input.name, 200)
        .map_err(|m| err("name", m))
        .ok();
    let domain = match input
        .domain
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        Some(d) => Domain::parse(d)
            .map(Some)
            .map_err(|m| err("domain", m.into()))
            .ok()
            .flatten(),
        None => None,
    };
    let industry = parse_optional_text(input.industry.as_deref(), 100)
        .map_err(|m| err("industry", m))
        .ok()
        .flatten();
    let employee_count = match input.employee_count {
        Some(n) if n < 0 => {
            err("employee_count", "must not be negative".into());
            None
        }
        n => n,
    };
    let currency = match input
        .revenue_currency
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(c) => Currency::parse(c)
            .map_err(|m| err("revenue_currency", m.into()))
            .unwrap_or(Currency::USD),
        None => Currency::USD,
    };
    let revenue = match input
        .annual_revenue
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        Some(r) => Money::parse_amount(r, currency)
            .map(Some)
            .map_err(|m| err("annual_revenue", m.into()))
            .ok()
            .flatten(),
        None => None,
    };
    let country = match input
        .country
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(c) => parse_country(c)
            .map(Some)
            .map_err(|m| err("country", m.into()))
            .ok()
            .flatten(),
        None => None,
    };
    let city = parse_optional_text(input.city.as_deref(), 100)
        .map_err(|m| err("city", m))
        .ok()
        .flatten();
    let description = parse_optional_text(input.description.as_deref(), 10_000)
        .map_err(|m| err("description", m))
        .ok()
        .flatten();
    let url = |field: &str, v: Option<&str>, err: &mut dyn FnMut(&str, String)| match v
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(u) => parse_web_url(u)
            .map(Some)
            .map_err(|m| err(field, m.into()))
            .ok()
            .flatten(),
        None => None,
    };
    let website = url("website", input.website.as_deref(), &mut err);
    let linkedin_url = url("linkedin_url", input.linkedin_url.as_deref(), &mut err);
    let this_year = chrono::Datelike::year(&Utc::now());
    let founded_year = match input.founded_year {
        Some(y) if !(1600..=this_year).contains(&y) => {
            err(
                "founded_year",
                format!("must be between 1600 and {this_year}"),
            );
            None
        }
        y => y,
    };
    let mut tags: Vec<String> = Vec::new();
    for t in &input.tags {
        let t = t.trim();
        if t.is_empty() || tags.iter().any(|x| x.eq_ignore_ascii_case(t)) {
            continue;
        }
        if t.chars().count() > 50 || t.contains(',') {
            err(
                "tags",
                format!(
                    "`{}` must be at most 50 characters, without commas",
                    t.chars().take(60).collect::<String>()
                ),
            );
            continue;
        }
        tags.push(t.to_owned());
    }
    if tags.len() > MAX_TAGS {
        err("tags", format!("at most {MAX_TAGS} tags"));
    }
    match (errors.is_empty(), name) {
        (true, Some(name)) => Ok(ValidCompany {
            name,
            domain,
            industry,
            employee_count,
            revenue,
            country,
            city,
            description,
            website,
            linkedin_url,
            founded_year,
            tags,
        }),
        _ => Err(errors),
    }
}

pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
    q: &ListQuery,
    totals: Option<&super::counts::CountCache>,
) -> Result<Page<Company>> {
    check_filters(q, FILTERS)?;
    let req = list::page_request(q);
    let mut select =
        companies::Entity::find().filter(companies::Column::WorkspaceId.eq(scope.workspace_id()));
    if let Some(term) = list::search_term(q) {
        select = select.filter(
            Condition::any()
                .add(contains(companies::Column::NameKey, &term))
                .add(contains(companies::Column::Domain, &term)),
        );
    }
    if let Some(v) = q.filter("industry") {
        select = select.filter(companies::Column::Industry.eq(v));
    }
    if let Some(v) = q.filter("country") {
        // The column is CHAR(2); a text parameter made PostgreSQL compare `country::text`,
        // which no index serves (7 ms a page instead of 0.2 at 100k companies).
        select = select.filter(
            Expr::col((companies::Entity, companies::Column::Country))
                .eq(Expr::val(v.to_uppercase()).cast_as("CHAR(2)")),
        );
    }
    if let Some(v) = q.filter("source") {
        let source = CompanySource::parse(v).ok_or_else(|| {
            Error::field(
                "filters",
                "`source` must be manual, csv, integration or demo",
            )
        })?;
        select = select.filter(companies::Column::Source.eq(source));
    }
    if let Some(v) = q.filter("size") {
        let (_, min, max) = SIZE_BANDS.iter().find(|(b, ..)| *b == v).ok_or_else(|| {
            Error::field(
                "filters",
                format!(
                    "`size` must be one of {}",
                    SIZE_BANDS
                        .iter()
                        .map(|b| b.0)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        select = select.filter(companies::Column::EmployeeCount.gte(*min));
        if let Some(max) = max {
            select = select.filter(companies::Column::EmployeeCount.lte(*max));
        }
    }
    if let Some(tag) = q.filter("tag") {
        let tagged = Query::select()
            .column(company_tags::Column::CompanyId)
            .from(company_tags::Entity)
            .and_where(Expr::col(company_tags::Column::WorkspaceId).eq(scope.workspace_id()))
            .and_where(Expr::col(company_tags::Column::Tag).eq(tag.trim().to_lowercase()))
            .to_owned();
        select = select.filter(companies::Column::Id.in_subquery(tagged));
    }
    let (field, desc) = q.sort_key("name");
    let col = match field {
        "name" => companies::Column::NameKey,
        "domain" => companies::Column::Domain,
        "industry" => companies::Column::Industry,
        "country" => companies::Column::Country,
        "employees" => companies::Column::EmployeeCount,
        "revenue" => companies::Column::AnnualRevenueMinor,
        "created" => companies::Column::CreatedAt,
        "updated" => companies::Column::UpdatedAt,
        other => return Err(unknown_sort(other, SORTS)),
    };
    let page = list::order(select.clone(), col, companies::Column::Id, desc);
    let (rows, total, total_exact) = list::page_and_count::<_, companies::Model>(
        db,
        totals.map(|c| (c, scope.workspace_id())),
        &select,
        page,
        &req,
    )
    .await?;
    Ok(Page {
        items: rows.into_iter().map(to_company).collect(),
        total,
        total_exact,
        page: req.page,
        per_page: req.per_page,
    })
}

pub(crate) async fn find(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    id: i64,
) -> Result<companies::Model> {
    companies::Entity::find_by_id(id)
        .filter(companies::Column::WorkspaceId.eq(workspace_id))
        .one(db)
        .await?
        .ok_or(Error::NotFound("company"))
}

pub async fn get(db: &impl ConnectionTrait, scope: &Scope, id: i64) -> Result<Company> {
    Ok(to_company(find(db, scope.workspace(), id).await?))
}

/// Names of the given companies of the workspace, for lists that show them next to records.
pub(crate) async fn names(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, (String, Option<String>)>> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    // By primary key only, the workspace checked on the rows: with `workspace_id = ?` in
    // the WHERE, SQLite (without statistics) walked a workspace index over every company
    // instead of fifty key lookups — 5 ms at 20k companies, most of a deals page.
    // Only the four columns used: whole rows carry descriptions, tags and ids from elsewhere.
    let rows: Vec<(i64, i64, String, Option<String>)> = companies::Entity::find()
        .select_only()
        .columns([
            companies::Column::Id,
            companies::Column::WorkspaceId,
            companies::Column::Name,
            companies::Column::Domain,
        ])
        .filter(companies::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|(_, ws, ..)| *ws == workspace_id.get())
        .map(|(id, _, name, domain)| (id, (name, domain)))
        .collect())
}

fn domain_taken() -> Error {
    Error::field(
        "domain",
        "another company in this workspace already has this domain",
    )
}

fn map_unique(e: sea_orm::DbErr) -> Error {
    match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => domain_taken(),
        _ => Error::Db(e),
    }
}

async fn replace_tags(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    company_id: i64,
    tags: &[String],
) -> Result<()> {
    company_tags::Entity::delete_many()
        .filter(company_tags::Column::CompanyId.eq(company_id))
        .exec(db)
        .await?;
    let mut lowered: Vec<String> = tags.iter().map(|t| t.to_lowercase()).collect();
    lowered.sort();
    lowered.dedup();
    if !lowered.is_empty() {
        company_tags::Entity::insert_many(lowered.into_iter().map(|tag| {
            company_tags::ActiveModel {
                workspace_id: Set(workspace_id.get()),
                company_id: Set(company_id),
                tag: Set(tag),
            }
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

fn apply(active: &mut companies::ActiveModel, v: &ValidCompany) {
    active.name = Set(v.name.clone());
    active.name_key = Set(v.name.to_lowercase());
    active.domain = Set(v.domain.as_ref().map(|d| d.as_str().to_owned()));
    active.industry = Set(v.industry.clone());
    active.employee_count = Set(v.employee_count);
    active.annual_revenue_minor = Set(v.revenue.map(|m| m.minor));
    active.revenue_currency = Set(v
        .revenue
        .map(|m| m.currency)
        .unwrap_or(Currency::USD)
        .as_str()
        .to_owned());
    active.country = Set(v.country.clone());
    active.city = Set(v.city.clone());
    active.description = Set(v.description.clone());
    active.website = Set(v.website.clone());
    active.linkedin_url = Set(v.linkedin_url.clone());
    active.founded_year = Set(v.founded_year);
    active.tags = Set(v.tags.join(", "));
}

/// Inserts a validated company without an audit entry (bulk imports audit once for all).
pub(crate) async fn insert_row(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    v: &ValidCompany,
    source: CompanySource,
) -> Result<companies::Model> {
    let now = Utc::now();
    let mut active = companies::ActiveModel {
        workspace_id: Set(workspace_id.get()),
        source: Set(source),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut active, v);
    let row = active.insert(db).await.map_err(map_unique)?;
    replace_tags(db, workspace_id, row.id, &v.tags).await?;
    Ok(row)
}

/// Inserts a validated company inside `db` (which may be the caller's transaction), audited.
pub(crate) async fn insert(
    db: &impl ConnectionTrait,
    auth: &Authorized<'_, can::Write>,
    v: &ValidCompany,
    source: CompanySource,
) -> Result<companies::Model> {
    let row = insert_row(db, auth.workspace(), v, source).await?;
    audit::record(
        db,
        Entry::in_scope(auth, "company.created")
            .target("company", row.id)
            .detail(row.name.clone()),
    )
    .await?;
    Ok(row)
}

/// Overwrites an existing company with validated values, without an audit entry.
pub(crate) async fn overwrite_row(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    existing: companies::Model,
    v: &ValidCompany,
) -> Result<companies::Model> {
    let mut active: companies::ActiveModel = existing.into();
    apply(&mut active, v);
    active.updated_at = Set(Utc::now());
    let row = active.update(db).await.map_err(map_unique)?;
    replace_tags(db, workspace_id, row.id, &v.tags).await?;
    Ok(row)
}

/// Overwrites an existing company with validated values (update, and CSV upserts).
pub(crate) async fn overwrite(
    db: &impl ConnectionTrait,
    auth: &Authorized<'_, can::Write>,
    existing: companies::Model,
    v: &ValidCompany,
) -> Result<companies::Model> {
    let before = to_company(existing.clone());
    let row = overwrite_row(db, auth.workspace(), existing, v).await?;
    let after = to_company(row.clone());
    audit::record(
        db,
        Entry::in_scope(auth, "company.updated")
            .target("company", row.id)
            .detail(changed_fields(&before, &after)),
    )
    .await?;
    Ok(row)
}

fn changed_fields(a: &Company, b: &Company) -> String {
    let mut out = Vec::new();
    macro_rules! cmp {
        ($($f:ident),*) => { $( if a.$f != b.$f { out.push(stringify!($f)); } )* };
    }
    cmp!(
        name,
        domain,
        industry,
        employee_count,
        annual_revenue,
        country,
        city,
        description,
        website,
        linkedin_url,
        founded_year,
        tags
    );
    if out.is_empty() {
        "no changes".into()
    } else {
        format!("changed {}", out.join(", "))
    }
}

pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::Write>,
    input: &CompanyInput,
) -> Result<Company> {
    let v = validate(input).map_err(Error::Validation)?;
    let txn = crate::backend::db::begin_write(db).await?;
    let row = insert(&txn, auth, &v, CompanySource::Manual).await?;
    txn.commit().await?;
    Ok(to_company(row))
}

pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::Write>,
    id: i64,
    input: &CompanyInput,
) -> Result<Company> {
    let v = validate(input).map_err(Error::Validation)?;
    let txn = crate::backend::db::begin_write(db).await?;
    let existing = find(&txn, auth.workspace(), id).await?;
    let row = overwrite(&txn, auth, existing, &v).await?;
    txn.commit().await?;
    Ok(to_company(row))
}

/// Deletes the company with its tags, competitor links, activities, metrics and signals;
/// its deals and contacts stay, no longer linked to it.
pub async fn delete<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::Write>,
    id: i64,
) -> Result<()> {
    let txn = crate::backend::db::begin_write(db).await?;
    let existing = find(&txn, auth.workspace(), id).await?;
    companies::Entity::delete_by_id(existing.id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Entry::in_scope(auth, "company.deleted")
            .target("company", id)
            .detail(existing.name),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Distinct industries and countries in use, for the filter chips.
pub async fn facets(
    db: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<(Vec<String>, Vec<String>)> {
    let distinct = |col: companies::Column| {
        companies::Entity::find()
            .select_only()
            .column(col)
            .distinct()
            .filter(companies::Column::WorkspaceId.eq(scope.workspace_id()))
            .filter(col.is_not_null())
            .into_tuple::<String>()
    };
    let mut industries = distinct(companies::Column::Industry).all(db).await?;
    let mut countries = distinct(companies::Column::Country).all(db).await?;
    industries.sort();
    countries.sort();
    Ok((industries, countries))
}

/// Everything the company page shows, in one call.
pub async fn summary(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i64,
) -> Result<crate::types::CompanySummary> {
    use super::{activities, competitors, contacts, deals, metrics, signals};
    let company = get(db, scope, id).await?;
    let ws = scope.workspace();
    let (open_deals, open_pipeline, won_total) = deals::totals_for_company(db, ws, id).await?;
    let latest_signals = signals::latest_for_company(db, ws, id, 20).await?;
    let average_sentiment = (!latest_signals.is_empty()).then(|| {
        latest_signals.iter().map(|s| s.sentiment).sum::<f64>() / latest_signals.len() as f64
    });
    Ok(crate::types::CompanySummary {
        open_deals,
        open_pipeline,
        won_total,
        deals: deals::for_company(db, ws, id, 50).await?,
        recent_activities: activities::recent_for_company(db, ws, id, 50).await?,
        competitors: competitors::of_company(db, scope, id).await?,
        competitor_of: competitors::competing_with(db, scope, id).await?,
        latest_signals,
        average_sentiment,
        metrics: metrics::series_for_company(db, ws, id, 730).await?,
        contacts: contacts::for_company(db, ws, id).await?,
        company,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> CompanyInput {
        CompanyInput {
            name: "Acme".into(),
            ..Default::default()
        }
    }

    #[test]
    fn validation_reports_every_field() {
        let bad = CompanyInput {
            name: " ".into(),
            domain: Some("not a domain".into()),
            employee_count: Some(-3),
            annual_revenue: Some("-10".into()),
            country: Some("Germany".into()),
            website: Some("javascript:alert(1)".into()),
            founded_year: Some(99999),
            tags: vec!["a,b".into()],
            ..Default::default()
        };
        let errs = validate(&bad).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "name",
            "domain",
            "employee_count",
            "annual_revenue",
            "country",
            "website",
            "founded_year",
            "tags",
        ] {
            assert!(fields.contains(&f), "{f} not reported: {fields:?}");
        }
    }

    #[test]
    fn validation_normalises() {
        let v = validate(&CompanyInput {
            domain: Some("https://www.ACME.com/".into()),
            annual_revenue: Some("1,250,000".into()),
            revenue_currency: Some("eur".into()),
            country: Some("de".into()),
            tags: vec![" SaaS ".into(), "saas".into(), "".into(), "B2B".into()],
            ..input()
        })
        .unwrap();
        assert_eq!(v.domain.unwrap().as_str(), "acme.com");
        assert_eq!(v.revenue.unwrap().minor, 125_000_000);
        assert_eq!(v.revenue.unwrap().currency, Currency::EUR);
        assert_eq!(v.country.as_deref(), Some("DE"));
        assert_eq!(v.tags, vec!["SaaS", "B2B"]);
    }

    #[test]
    fn html_is_kept_as_text() {
        let v = validate(&CompanyInput {
            name: "<script>alert(1)</script>".into(),
            ..input()
        })
        .unwrap();
        assert_eq!(
            v.name, "<script>alert(1)</script>",
            "stored as typed; rendering escapes it"
        );
    }
}
