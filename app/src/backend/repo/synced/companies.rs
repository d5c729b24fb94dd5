//! Companies from another system: matched by link, then by domain; the fields that system
//! owns follow it, the rest (tags, anything it does not send) stay as they are.

use std::collections::{BTreeMap, HashMap};

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

use super::{link, linked, Incoming, Object, Written};
use crate::backend::entity::companies;
use crate::backend::repo::companies::{validate, ValidCompany};
use crate::backend::{Result, WorkspaceId};
use crate::types::{CompanyInput, CompanySource, Currency, FieldSource};

/// The company fields a connector writes (and records the source of).
pub const COMPANY_FIELDS: [&str; 11] = [
    "name",
    "domain",
    "industry",
    "employee_count",
    "annual_revenue",
    "country",
    "city",
    "description",
    "website",
    "linkedin_url",
    "founded_year",
];

/// Checks `input` as the form does, leaving out each field that fails; the name falls back
/// to `fallback_name` when the system sent none usable.
fn tolerant(mut input: CompanyInput, fallback_name: &str) -> Option<ValidCompany> {
    for _ in 0..3 {
        match validate(&input) {
            Ok(v) => return Some(v),
            Err(errors) => {
                for e in errors {
                    match e.field.as_str() {
                        "name" => input.name = fallback_name.to_owned(),
                        "domain" => input.domain = None,
                        "industry" => input.industry = None,
                        "employee_count" => input.employee_count = None,
                        "annual_revenue" | "revenue_currency" => {
                            input.annual_revenue = None;
                            input.revenue_currency = None;
                        }
                        "country" => input.country = None,
                        "city" => input.city = None,
                        "description" => input.description = None,
                        "website" => input.website = None,
                        "linkedin_url" => input.linkedin_url = None,
                        "founded_year" => input.founded_year = None,
                        _ => input.tags.clear(),
                    }
                }
            }
        }
    }
    None
}

/// Which owned fields have a value in `v`.
fn present(v: &ValidCompany) -> [bool; 11] {
    [
        true,
        v.domain.is_some(),
        v.industry.is_some(),
        v.employee_count.is_some(),
        v.revenue.is_some(),
        v.country.is_some(),
        v.city.is_some(),
        v.description.is_some(),
        v.website.is_some(),
        v.linkedin_url.is_some(),
        v.founded_year.is_some(),
    ]
}

/// The row's field sources with `source` written now for each field it sent, and its
/// entries dropped for fields it cleared.
fn sources_after(previous: Option<&str>, source: &str, v: &ValidCompany) -> String {
    let mut map: BTreeMap<String, FieldSource> = previous
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default();
    let now = Utc::now();
    for (field, has) in COMPANY_FIELDS.iter().zip(present(v)) {
        if has {
            map.insert(
                (*field).to_owned(),
                FieldSource {
                    source: source.to_owned(),
                    at: now,
                },
            );
        } else if map.get(*field).is_some_and(|s| s.source == source) {
            map.remove(*field);
        }
    }
    serde_json::to_string(&map).unwrap_or_else(|_| "{}".into())
}

fn external_ids_after(previous: Option<&str>, source: &str, external_id: &str) -> String {
    let mut map: BTreeMap<String, String> = previous
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default();
    map.insert(source.to_owned(), external_id.to_owned());
    serde_json::to_string(&map).unwrap_or_else(|_| "{}".into())
}

fn apply_owned(
    a: &mut companies::ActiveModel,
    v: &ValidCompany,
    source: &str,
    external_id: &str,
    previous: (Option<&str>, Option<&str>),
) {
    a.name = Set(v.name.clone());
    a.name_key = Set(v.name.to_lowercase());
    a.domain = Set(v.domain.as_ref().map(|d| d.as_str().to_owned()));
    a.industry = Set(v.industry.clone());
    a.employee_count = Set(v.employee_count);
    a.annual_revenue_minor = Set(v.revenue.map(|m| m.minor));
    a.revenue_currency = Set(v
        .revenue
        .map(|m| m.currency)
        .unwrap_or(Currency::USD)
        .as_str()
        .to_owned());
    a.country = Set(v.country.clone());
    a.city = Set(v.city.clone());
    a.description = Set(v.description.clone());
    a.website = Set(v.website.clone());
    a.linkedin_url = Set(v.linkedin_url.clone());
    a.founded_year = Set(v.founded_year);
    a.field_sources = Set(Some(sources_after(previous.0, source, v)));
    a.external_ids = Set(Some(external_ids_after(previous.1, source, external_id)));
    a.updated_at = Set(Utc::now());
}

async fn by_ids(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    ids: Vec<i64>,
) -> Result<HashMap<i64, companies::Model>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(companies::Entity::find()
        .filter(companies::Column::WorkspaceId.eq(workspace.get()))
        .filter(companies::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect())
}

async fn by_domains(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    domains: Vec<String>,
) -> Result<HashMap<String, companies::Model>> {
    if domains.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(companies::Entity::find()
        .filter(companies::Column::WorkspaceId.eq(workspace.get()))
        .filter(companies::Column::Domain.is_in(domains))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|m| Some((m.domain.clone()?, m)))
        .collect())
}

/// Writes a page of companies from `source` inside `db` (the caller's transaction).
pub async fn upsert_companies(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    source: &str,
    page: Vec<Incoming<CompanyInput>>,
) -> Result<Written> {
    let links = linked(
        db,
        workspace,
        source,
        Object::Company,
        page.iter().map(|r| r.external_id.as_str()),
    )
    .await?;
    let valid: Vec<(Incoming<()>, ValidCompany)> = page
        .into_iter()
        .filter_map(|r| {
            let fallback = r
                .values
                .domain
                .clone()
                .unwrap_or_else(|| format!("{source} company {}", r.external_id));
            let v = tolerant(r.values, &fallback)?;
            Some((
                Incoming {
                    external_id: r.external_id,
                    modified: r.modified,
                    values: (),
                },
                v,
            ))
        })
        .collect();
    let mut rows = by_ids(db, workspace, links.values().copied().collect()).await?;
    let unlinked_domains = valid
        .iter()
        .filter(|(r, _)| !links.contains_key(&r.external_id))
        .filter_map(|(_, v)| v.domain.as_ref().map(|d| d.as_str().to_owned()))
        .collect();
    let mut domains = by_domains(db, workspace, unlinked_domains).await?;
    let mut written = Written::default();
    let mut new_links = Vec::with_capacity(valid.len());
    for (r, v) in valid {
        let existing = links
            .get(&r.external_id)
            .and_then(|id| rows.remove(id))
            .or_else(|| {
                let d = v.domain.as_ref()?;
                domains.remove(d.as_str())
            });
        let row = match existing {
            Some(m) => {
                let previous = (m.field_sources.clone(), m.external_ids.clone());
                let mut a: companies::ActiveModel = m.into();
                apply_owned(
                    &mut a,
                    &v,
                    source,
                    &r.external_id,
                    (previous.0.as_deref(), previous.1.as_deref()),
                );
                written.updated += 1;
                a.update(db).await?
            }
            None => {
                let now = Utc::now();
                let mut a = companies::ActiveModel {
                    workspace_id: Set(workspace.get()),
                    source: Set(CompanySource::Integration),
                    tags: Set(String::new()),
                    created_at: Set(now),
                    ..Default::default()
                };
                apply_owned(&mut a, &v, source, &r.external_id, (None, None));
                written.inserted += 1;
                a.insert(db).await?
            }
        };
        // Two records of the other system with one domain become one company here.
        if let Some(d) = row.domain.clone() {
            domains.insert(d, row.clone());
        }
        new_links.push((r.external_id, row.id, r.modified));
    }
    link(db, workspace, source, Object::Company, new_links).await?;
    Ok(written)
}
