//! Companies from another system: matched by link, then by domain; the fields that system
//! owns follow it, the rest (tags, anything it does not send) stay as they are.

use std::collections::{BTreeMap, HashMap};

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

use super::{link, linked, Incoming, LinkTo, Object, Written};
use crate::backend::db::insert_batched;
use crate::backend::entity::companies;
use crate::backend::repo::companies::provenance::{self, FIELDS};
use crate::backend::repo::companies::{validate, ValidCompany};
use crate::backend::{Result, WorkspaceId};
use crate::types::{CompanyInput, CompanySource, Currency, FieldSource};

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

/// Which fields have a value in `v`.
fn present(v: &ValidCompany) -> [bool; 11] {
    provenance::values_of(v).map(|f| f.is_some())
}

/// Which of a system's values a company takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owns {
    /// Every field the system sends, and clears (a CRM's own companies: HubSpot).
    All,
    /// Only the fields it sends, where the company has no value or the system wrote the one
    /// it has (companies known only through a contact's business name and website:
    /// GoHighLevel).
    Gaps,
}

/// The fields `source` writes into `existing` (None: a new company) under `owns`.
fn writable(
    owns: Owns,
    v: &ValidCompany,
    source: &str,
    existing: Option<&companies::Model>,
) -> [bool; 11] {
    // A new company takes every field (those not sent stay empty).
    let Some(m) = existing.filter(|_| owns == Owns::Gaps) else {
        return [true; 11];
    };
    let sent = present(v);
    let sources = provenance::read(m.field_sources.as_deref());
    let has = provenance::values_of_row(m).map(|f| f.is_some());
    let mut out = [false; 11];
    for (i, field) in FIELDS.iter().enumerate() {
        let ours = sources.get(*field).is_some_and(|s| s.source == source);
        out[i] = sent[i] && (!has[i] || ours);
    }
    out
}

/// The row's field sources with `source` written now for each field it wrote a value to,
/// and its entries dropped for fields it cleared.
fn sources_after(
    previous: Option<&str>,
    source: &str,
    v: &ValidCompany,
    mask: [bool; 11],
) -> String {
    let mut map = provenance::read(previous);
    let now = Utc::now();
    for ((field, has), write) in FIELDS.iter().zip(present(v)).zip(mask) {
        if !write {
            continue;
        }
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

/// What one incoming company writes: its values, which fields, from where.
struct Write<'a> {
    v: &'a ValidCompany,
    mask: [bool; 11],
    source: &'a str,
    external_id: &'a str,
}

fn apply_owned(
    a: &mut companies::ActiveModel,
    w: &Write<'_>,
    previous: (Option<&str>, Option<&str>),
) {
    let (v, m) = (w.v, w.mask);
    if m[0] {
        a.name = Set(v.name.clone());
        a.name_key = Set(v.name.to_lowercase());
    }
    if m[1] {
        a.domain = Set(v.domain.as_ref().map(|d| d.as_str().to_owned()));
    }
    if m[2] {
        a.industry = Set(v.industry.clone());
    }
    if m[3] {
        a.employee_count = Set(v.employee_count);
    }
    if m[4] {
        a.annual_revenue_minor = Set(v.revenue.map(|m| m.minor));
        a.revenue_currency = Set(v
            .revenue
            .map(|m| m.currency)
            .unwrap_or(Currency::USD)
            .as_str()
            .to_owned());
    }
    if m[5] {
        a.country = Set(v.country.clone());
    }
    if m[6] {
        a.city = Set(v.city.clone());
    }
    if m[7] {
        a.description = Set(v.description.clone());
    }
    if m[8] {
        a.website = Set(v.website.clone());
    }
    if m[9] {
        a.linkedin_url = Set(v.linkedin_url.clone());
    }
    if m[10] {
        a.founded_year = Set(v.founded_year);
    }
    a.field_sources = Set(Some(sources_after(previous.0, w.source, v, m)));
    a.external_ids = Set(Some(external_ids_after(
        previous.1,
        w.source,
        w.external_id,
    )));
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

/// Writes a page of companies from `source` inside `db` (the caller's transaction), taking
/// the values `owns` allows.
pub async fn upsert_companies(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    source: &str,
    owns: Owns,
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
    // Every domain the page names: an unlinked record matches its company by it, and a
    // linked one must not take a domain another company holds (domains are unique here).
    let page_domains = valid
        .iter()
        .filter_map(|(_, v)| v.domain.as_ref().map(|d| d.as_str().to_owned()))
        .collect();
    let mut domains = by_domains(db, workspace, page_domains).await?;
    let mut written = Written::default();
    let mut new_links = Vec::with_capacity(valid.len());
    // New companies go in together, one statement per page; two records with one domain
    // become one company (the later one's values).
    let mut pending: Vec<(companies::ActiveModel, Vec<LinkTo>)> = Vec::new();
    let mut pending_by_domain: HashMap<String, usize> = HashMap::new();
    for (r, v) in valid {
        let existing = links
            .get(&r.external_id)
            .and_then(|id| rows.remove(id))
            .or_else(|| {
                let d = v.domain.as_ref()?;
                domains.remove(d.as_str())
            });
        if let Some(m) = existing {
            let mut mask = writable(owns, &v, source, Some(&m));
            if let Some(d) = v.domain.as_ref().map(|d| d.as_str()) {
                let held = domains.get(d).is_some_and(|other| other.id != m.id)
                    || pending_by_domain.contains_key(d);
                if held {
                    // Another company here has it: this one keeps its own.
                    mask[1] = false;
                }
            }
            let write = Write {
                v: &v,
                mask,
                source,
                external_id: &r.external_id,
            };
            let previous = (m.field_sources.clone(), m.external_ids.clone());
            let mut a: companies::ActiveModel = m.into();
            apply_owned(
                &mut a,
                &write,
                (previous.0.as_deref(), previous.1.as_deref()),
            );
            written.updated += 1;
            let row = a.update(db).await?;
            // Two records of the other system with one domain become one company here.
            if let Some(d) = row.domain.clone() {
                domains.insert(d, row.clone());
            }
            new_links.push((r.external_id, row.id, r.modified));
            continue;
        }
        let twin = v
            .domain
            .as_ref()
            .and_then(|d| pending_by_domain.get(d.as_str()).copied());
        let write = Write {
            v: &v,
            mask: writable(owns, &v, source, None),
            source,
            external_id: &r.external_id,
        };
        if let Some(i) = twin {
            apply_owned(&mut pending[i].0, &write, (None, None));
            pending[i].1.push((r.external_id, r.modified));
            written.updated += 1;
            continue;
        }
        let mut a = companies::ActiveModel {
            workspace_id: Set(workspace.get()),
            source: Set(CompanySource::Integration),
            tags: Set(String::new()),
            created_at: Set(Utc::now()),
            ..Default::default()
        };
        apply_owned(&mut a, &write, (None, None));
        if let Some(d) = &v.domain {
            pending_by_domain.insert(d.as_str().to_owned(), pending.len());
        }
        pending.push((a, vec![(r.external_id, r.modified)]));
        written.inserted += 1;
    }
    let (models, to_link): (Vec<_>, Vec<_>) = pending.into_iter().unzip();
    let ids = insert_batched!(db, companies::Entity, models);
    for (id, links) in ids.into_iter().zip(to_link) {
        new_links.extend(
            links
                .into_iter()
                .map(|(external_id, modified)| (external_id, id, modified)),
        );
    }
    link(db, workspace, source, Object::Company, new_links).await?;
    Ok(written)
}
