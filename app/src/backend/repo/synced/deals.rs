//! Deal pipelines and deals from another system. A pipeline and its stages are linked like
//! any record (a stage by "pipeline id:stage id", stage ids being unique only within their
//! pipeline there); a deal finds its pipeline, stage and company through those links, and a
//! deal whose stage is not linked yet (a pipeline changed mid-sync) is skipped, to come with
//! the next sync.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter,
};

use super::{link, linked, Incoming, LinkTo, Object, Written};
use crate::backend::db::insert_batched;
use crate::backend::entity::{contacts, deals, pipeline_stages, pipelines};
use crate::backend::{Result, WorkspaceId};
use crate::types::{parse_name, Currency, Money, StageKind};

#[derive(Clone, Debug)]
pub struct IncomingStage {
    pub name: String,
    pub position: i32,
    /// 0–100.
    pub probability: i32,
    pub kind: StageKind,
}

#[derive(Clone, Debug)]
pub struct IncomingPipeline {
    pub name: String,
    pub position: i32,
    /// Each with its external id within the pipeline.
    pub stages: Vec<Incoming<IncomingStage>>,
}

#[derive(Clone, Debug)]
pub struct IncomingDeal {
    pub name: String,
    /// Decimal text in currency units, as the other system sends it.
    pub amount: Option<String>,
    pub currency: Option<Currency>,
    pub close_date: Option<NaiveDate>,
    pub pipeline_ref: String,
    pub stage_ref: String,
    pub company_ref: Option<String>,
    /// The deal's contact there: its company here is the deal's when `company_ref` names
    /// none (GoHighLevel ties opportunities to contacts, not companies).
    pub contact_ref: Option<String>,
}

/// The external id of a stage: stage ids are unique only within their pipeline elsewhere.
pub fn stage_ref(pipeline: &str, stage: &str) -> String {
    format!("{pipeline}:{stage}")
}

/// A pipeline name not yet used in the workspace: `name`, else `name (label)`, else numbered.
async fn free_name(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    name: &str,
    label: &str,
) -> Result<String> {
    let name = parse_name(name, 80).unwrap_or_else(|_| "Pipeline".to_owned());
    for candidate in std::iter::once(name.clone())
        .chain(std::iter::once(format!("{name} ({label})")))
        .chain((2..100).map(|n| format!("{name} ({label} {n})")))
    {
        let taken = pipelines::Entity::find()
            .filter(pipelines::Column::WorkspaceId.eq(workspace.get()))
            .filter(pipelines::Column::Name.eq(candidate.as_str()))
            .count(db)
            .await?
            > 0;
        if !taken {
            return Ok(candidate);
        }
    }
    Ok(format!(
        "{name} ({label} {})",
        Utc::now().timestamp_micros()
    ))
}

/// Writes `source`'s deal pipelines and their stages. Stages it no longer has are kept (they
/// may hold deals); a pipeline's name stays as first written if renaming would collide.
pub async fn upsert_pipelines(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    source: &str,
    label: &str,
    incoming: Vec<Incoming<IncomingPipeline>>,
) -> Result<Written> {
    let links = linked(
        db,
        workspace,
        source,
        Object::Pipeline,
        incoming.iter().map(|p| p.external_id.as_str()),
    )
    .await?;
    let mut written = Written::default();
    let now = Utc::now();
    for p in incoming {
        let pipeline_id = match links.get(&p.external_id) {
            Some(&id) => {
                pipelines::Entity::update_many()
                    .col_expr(pipelines::Column::UpdatedAt, now.into())
                    .filter(pipelines::Column::Id.eq(id))
                    .filter(pipelines::Column::WorkspaceId.eq(workspace.get()))
                    .exec(db)
                    .await?;
                written.updated += 1;
                id
            }
            None => {
                let count = pipelines::Entity::find()
                    .filter(pipelines::Column::WorkspaceId.eq(workspace.get()))
                    .count(db)
                    .await?;
                let row = pipelines::ActiveModel {
                    workspace_id: Set(workspace.get()),
                    name: Set(free_name(db, workspace, &p.values.name, label).await?),
                    position: Set(i32::try_from(count).unwrap_or(i32::MAX)),
                    is_default: Set(count == 0),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(db)
                .await?;
                written.inserted += 1;
                row.id
            }
        };
        link(
            db,
            workspace,
            source,
            Object::Pipeline,
            vec![(p.external_id.clone(), pipeline_id, p.modified)],
        )
        .await?;
        upsert_stages(
            db,
            workspace,
            source,
            &p.external_id,
            pipeline_id,
            p.values.stages,
        )
        .await?;
    }
    Ok(written)
}

async fn upsert_stages(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    source: &str,
    pipeline_ref: &str,
    pipeline_id: i64,
    stages: Vec<Incoming<IncomingStage>>,
) -> Result<()> {
    let refs: Vec<String> = stages
        .iter()
        .map(|s| stage_ref(pipeline_ref, &s.external_id))
        .collect();
    let links = linked(
        db,
        workspace,
        source,
        Object::Stage,
        refs.iter().map(String::as_str),
    )
    .await?;
    let now = Utc::now();
    let mut new_links = Vec::new();
    for (s, reference) in stages.into_iter().zip(refs) {
        let v = s.values;
        let name = parse_name(&v.name, 100).unwrap_or_else(|_| s.external_id.clone());
        let probability = v.probability.clamp(0, 100);
        let existing = match links.get(&reference) {
            Some(&id) => {
                pipeline_stages::Entity::find_by_id(id)
                    .filter(pipeline_stages::Column::WorkspaceId.eq(workspace.get()))
                    .one(db)
                    .await?
            }
            None => None,
        };
        let id = match existing {
            Some(m) => {
                let mut a: pipeline_stages::ActiveModel = m.into();
                a.name = Set(name);
                a.position = Set(v.position);
                a.default_probability = Set(probability);
                a.kind = Set(v.kind);
                a.updated_at = Set(now);
                a.update(db).await?.id
            }
            None => {
                pipeline_stages::ActiveModel {
                    workspace_id: Set(workspace.get()),
                    pipeline_id: Set(pipeline_id),
                    name: Set(name),
                    position: Set(v.position),
                    default_probability: Set(probability),
                    kind: Set(v.kind),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(db)
                .await?
                .id
            }
        };
        new_links.push((reference, id, s.modified));
    }
    link(db, workspace, source, Object::Stage, new_links).await
}

/// The local company of each linked contact of `contact_refs` that has one.
async fn companies_of_contacts<'a>(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    source: &str,
    contact_refs: impl Iterator<Item = &'a str>,
) -> Result<HashMap<String, i64>> {
    use sea_orm::QuerySelect;
    let contacts_by_ref = linked(db, workspace, source, Object::Contact, contact_refs).await?;
    if contacts_by_ref.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<i64> = contacts_by_ref.values().copied().collect();
    let companies: HashMap<i64, i64> = contacts::Entity::find()
        .select_only()
        .column(contacts::Column::Id)
        .column(contacts::Column::CompanyId)
        .filter(contacts::Column::WorkspaceId.eq(workspace.get()))
        .filter(contacts::Column::Id.is_in(ids))
        .into_tuple::<(i64, Option<i64>)>()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(id, company)| Some((id, company?)))
        .collect();
    Ok(contacts_by_ref
        .into_iter()
        .filter_map(|(r, id)| Some((r, *companies.get(&id)?)))
        .collect())
}

/// Writes a page of deals from `source` inside `db` (the caller's transaction).
pub async fn upsert_deals(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    source: &str,
    page: Vec<Incoming<IncomingDeal>>,
) -> Result<Written> {
    let links = linked(
        db,
        workspace,
        source,
        Object::Deal,
        page.iter().map(|r| r.external_id.as_str()),
    )
    .await?;
    let stage_refs: Vec<String> = page
        .iter()
        .map(|r| stage_ref(&r.values.pipeline_ref, &r.values.stage_ref))
        .collect();
    let stage_links = linked(
        db,
        workspace,
        source,
        Object::Stage,
        stage_refs.iter().map(String::as_str),
    )
    .await?;
    let company_links = linked(
        db,
        workspace,
        source,
        Object::Company,
        page.iter().filter_map(|r| r.values.company_ref.as_deref()),
    )
    .await?;
    let contact_companies = companies_of_contacts(
        db,
        workspace,
        source,
        page.iter().filter_map(|r| r.values.contact_ref.as_deref()),
    )
    .await?;
    let stage_ids: Vec<i64> = stage_links.values().copied().collect();
    let stages: HashMap<i64, pipeline_stages::Model> = if stage_ids.is_empty() {
        HashMap::new()
    } else {
        pipeline_stages::Entity::find()
            .filter(pipeline_stages::Column::WorkspaceId.eq(workspace.get()))
            .filter(pipeline_stages::Column::Id.is_in(stage_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect()
    };
    let deal_ids: Vec<i64> = links.values().copied().collect();
    let mut rows: HashMap<i64, deals::Model> = if deal_ids.is_empty() {
        HashMap::new()
    } else {
        deals::Entity::find()
            .filter(deals::Column::WorkspaceId.eq(workspace.get()))
            .filter(deals::Column::Id.is_in(deal_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|d| (d.id, d))
            .collect()
    };
    let mut written = Written::default();
    let mut new_links = Vec::with_capacity(page.len());
    let mut pending: Vec<(deals::ActiveModel, LinkTo)> = Vec::new();
    for (r, reference) in page.into_iter().zip(stage_refs) {
        let Some(stage) = stage_links.get(&reference).and_then(|id| stages.get(id)) else {
            written.skipped += 1;
            continue;
        };
        let v = r.values;
        let currency = v.currency.unwrap_or(Currency::USD);
        let amount = v
            .amount
            .as_deref()
            .and_then(|a| Money::parse_amount(a, currency).ok())
            .map_or(0, |m| m.minor.max(0));
        let name =
            parse_name(&v.name, 200).unwrap_or_else(|_| format!("{source} deal {}", r.external_id));
        let company_id = v
            .company_ref
            .as_deref()
            .and_then(|c| company_links.get(c).copied())
            .or_else(|| {
                v.contact_ref
                    .as_deref()
                    .and_then(|c| contact_companies.get(c).copied())
            });
        let now = Utc::now();
        let closes = matches!(stage.kind, StageKind::Won | StageKind::Lost);
        let existing = links.get(&r.external_id).and_then(|id| rows.remove(id));
        match existing {
            Some(m) => {
                let moved = m.stage_id != stage.id;
                let mut a: deals::ActiveModel = m.into();
                if moved {
                    a.stage_entered_at = Set(now);
                    a.closed_at = Set(closes.then_some(now));
                    a.probability = Set(stage.default_probability);
                }
                a.pipeline_id = Set(stage.pipeline_id);
                a.stage_id = Set(stage.id);
                a.company_id = Set(company_id);
                a.name_key = Set(name.to_lowercase());
                a.name = Set(name);
                a.amount_minor = Set(amount);
                a.currency = Set(currency.as_str().to_owned());
                a.expected_close = Set(v.close_date);
                a.updated_at = Set(now);
                written.updated += 1;
                let row = a.update(db).await?;
                new_links.push((r.external_id, row.id, r.modified));
            }
            None => {
                written.inserted += 1;
                let a = deals::ActiveModel {
                    workspace_id: Set(workspace.get()),
                    pipeline_id: Set(stage.pipeline_id),
                    stage_id: Set(stage.id),
                    company_id: Set(company_id),
                    name_key: Set(name.to_lowercase()),
                    name: Set(name),
                    amount_minor: Set(amount),
                    currency: Set(currency.as_str().to_owned()),
                    probability: Set(stage.default_probability),
                    expected_close: Set(v.close_date),
                    closed_at: Set(closes.then_some(now)),
                    owner_id: Set(None),
                    stage_entered_at: Set(now),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                };
                pending.push((a, (r.external_id, r.modified)));
            }
        }
    }
    // New deals go in together, one statement per page.
    let (models, to_link): (Vec<_>, Vec<LinkTo>) = pending.into_iter().unzip();
    let ids = insert_batched!(db, deals::Entity, models);
    new_links.extend(
        ids.into_iter()
            .zip(to_link)
            .map(|(id, (external_id, modified))| (external_id, id, modified)),
    );
    link(db, workspace, source, Object::Deal, new_links).await?;
    Ok(written)
}
